"""The GeoPackage store: one file, one table per layer, replaced atomically with backups."""

from __future__ import annotations

import copy
import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from core import settings
from core.district import district_config
from layers import LAYERS
from storage import _audit_log, _history, _tables
from storage._gpkg_check import diagnose, reason
from storage._gpkg_file import (
    DISTRICT_TABLE,
    as_text,
    create_dataset,
    occupied,
    write_file,
    write_table,
)
from storage._naming import CITY, EDIT_PREFIX, STAMP, VERSION_PREFIX, now, reason_of
from storage.base import (
    AuditCheck,
    Backup,
    Dataset,
    ImportRecord,
    RecordChange,
    StoreConflictError,
    StoreError,
    recovery_message,
)
from storage.dtypes import empty_layer, to_schema_types

IMPORTS_TABLE = _tables.IMPORTS_TABLE
META_TABLE = _tables.META_TABLE
# Files SQLite keeps beside a database while writing it: they belong to it and move with it.
_SIDE_FILES = ("-journal", "-wal", "-shm")

_log = logging.getLogger("tongxin.storage")

# create_dataset lives with the other whole-file writes; the demo's and benchmarks' builders
# import it from here, where it always was.
__all__ = ["GeoPackageStore", "create_dataset", "diagnose"]


class GeoPackageStore:
    """The working dataset as one GeoPackage file that QGIS can open.

    Beside ``path`` live ``<stem>.backups/`` (previous versions), ``<stem>.audit.jsonl``
    (one JSON line per change) and ``<stem>.lock`` (serialises writers).

    Parameters
    ----------
    path : pathlib.Path
        The working GeoPackage.
    demo : pathlib.Path
        The shipped demo it is created from when missing; never written.
    keep : int
        How many backups to keep.

    Attributes
    ----------
    recovered : dict or None
        Set when opening found the working file damaged and replaced it: the audit log's
        ``recover`` entry (``reason``, ``from`` a backup id or ``"demo"``, ``corrupt_copy``
        ...) plus ``version``, the dataset version right after the recovery. ``None`` when
        the file was sound. :func:`recovery_message` says it in words.
    """

    def __init__(self, path: Path, demo: Path, keep: int = 5) -> None:
        self._place(path, demo, keep)
        self._ensure()

    def _place(self, path: Path, demo: Path, keep: int) -> None:
        self.path = Path(path)
        self.demo = Path(demo)
        self.keep = max(int(keep), 1)
        self.backup_dir = self.path.with_name(self.path.stem + ".backups")
        self.audit_path = self.path.with_name(self.path.stem + ".audit.jsonl")
        self.lock_path = self.path.with_name(self.path.stem + ".lock")
        self.recovered: dict | None = None
        self._versions: tuple[str, dict[str, str]] | None = None
        # The metadata as of a dataset version: every page run asks whether this is the demo,
        # and the file changes only when written.
        self._meta: tuple[str, dict[str, str]] | None = None
        self._district: tuple[str, dict[str, str]] | None = None
        # Scoped to the city (``scoped("city")``): the same file, read only, as in a database.
        self._city = False

    @classmethod
    def from_settings(cls) -> GeoPackageStore:
        """Return the store the ``data``, ``demo`` and ``backups_keep`` settings describe."""
        return cls(settings.path("data"), settings.path("demo"), int(settings.get("backups_keep")))

    @classmethod
    def describe(cls, location: str) -> str:
        """Return ``location`` as an absolute path (relative ones from the current folder)."""
        return str(Path(location).expanduser().resolve())

    @classmethod
    def create(cls, location: str, dataset: Dataset, demo: Path, *, entry: dict,
               keep: int = 5, replace: bool = False) -> tuple[GeoPackageStore, dict]:
        """Write ``dataset`` as the GeoPackage ``location``, its audit log beside it.

        The file is written beside the target and renamed in. A target is empty when neither
        the file (or only an empty one) nor an audit log beside it holds anything; otherwise,
        with ``replace``, its file is kept as a ``<time>_<action>`` backup (``migrate``, ``init``:
        the entry's action) in its backups folder
        (``restore`` brings it back) and its log and head beside that backup as
        ``<id>.audit.jsonl``; without, :class:`StoreError` and nothing written, not even a lock.

        Parameters
        ----------
        location, dataset, demo, entry, keep, replace
            See :meth:`storage.base.Store.create`.

        Returns
        -------
        tuple
            The store on the new file, and ``entry`` as written to its log.
        """
        store = cls.__new__(cls)  # placed, not opened: opening would copy the demo in
        store._place(Path(location), demo, keep)
        store._refuse_occupied(replace)
        try:
            store.path.parent.mkdir(parents=True, exist_ok=True)
            with store._locked():
                found = store._refuse_occupied(replace)  # again: a writer may have come
                staged = store.path.with_name(
                    f".{store.path.stem}.{os.getpid()}.staged{store.path.suffix}")
                staged.unlink(missing_ok=True)
                try:
                    write_file(staged, dataset)
                    with open(staged, "rb+") as fh:
                        os.fsync(fh.fileno())
                    kept = store._set_aside(str(entry.get("action", "migrate"))) if found \
                        else ""
                    os.replace(staged, store.path)
                finally:
                    staged.unlink(missing_ok=True)
                written = _audit_log.rewrite(store.audit_path, dataset.audit, {
                    "time": now().isoformat(timespec="seconds"), **entry,
                    **({"replaced": kept} if kept else {})})
        except OSError as exc:
            raise StoreError("store.target_unwritable", location=str(store.path),
                             detail=exc.strerror or str(exc)) from exc
        return cls(store.path, demo, keep), written

    def dump(self) -> Dataset:
        """Return the whole dataset, read under the writers' lock (one state of the file)."""
        # The demo itself is only ever read, and nothing is written beside it, not a lock.
        with nullcontext() if self._is_demo_itself() else self._locked():
            return Dataset(layers={name: self.read(name) for name in LAYERS},
                           district=as_text(self.read_district()), meta=self.meta(),
                           imports=tuple(self.imports()),
                           history=tuple(_history.read_all(self.path)),
                           audit=tuple(_audit_log.texts(self.audit_path)))

    # -- reading -------------------------------------------------------------------------
    def layers(self) -> list[str]:
        """Return the tables in the file."""
        return [str(name) for name, _ in pyogrio.list_layers(self.path)]

    def read(self, layer: str) -> gpd.GeoDataFrame:
        """Return ``layer`` typed per its schema, in EPSG:4326 (empty when the table is absent).

        Parameters
        ----------
        layer : str
            A name from :data:`layers.LAYERS`.

        Returns
        -------
        geopandas.GeoDataFrame
            The rows.
        """
        schema = LAYERS[layer]
        if layer not in self.layers():
            return empty_layer(schema)
        frame = self._read_table(layer)
        return to_schema_types(schema, frame)

    def read_keys(self, layer: str) -> pd.DataFrame:
        """Return ``layer``'s id and other unique columns as text, reading only those columns.

        Parameters
        ----------
        layer : str
            A name from :data:`layers.LAYERS`.

        Returns
        -------
        pandas.DataFrame
            One row per record, in the table's order (empty when the table is absent).
        """
        schema = LAYERS[layer]
        columns = [schema.id_column] + [c.name for c in schema.columns
                                        if c.unique and c.name != schema.id_column]
        if layer not in self.layers():
            return pd.DataFrame({name: pd.Series([], dtype=object) for name in columns})
        table = pyogrio.read_dataframe(self.path, layer=layer, columns=columns,
                                       read_geometry=False)
        return pd.DataFrame({name: table[name].astype(object).where(table[name].notna(), None)
                             for name in columns})

    def read_district(self) -> gpd.GeoDataFrame:
        """Return the district boundary; the union of the townships when none was stored.

        With its ``adcode``: the configured district's when the file does not say.
        """
        if DISTRICT_TABLE in self.layers():
            district = self._read_table(DISTRICT_TABLE)
            if "adcode" not in district:
                district.insert(len(district.columns) - 1, "adcode", district_config().adcode)
            return district
        towns = self.read("townships")
        return gpd.GeoDataFrame({"name": [""], "adcode": [district_config().adcode]},
                                geometry=[towns.union_all()], crs=towns.crs)

    def district_code(self) -> str:
        """Return the district the file holds (its district table's code, else the configured).

        ``"city"`` for the store :meth:`scoped` to the city.
        """
        return CITY if self._city else self.districts()[0]["adcode"]

    def districts(self) -> list[dict[str, str]]:
        """Return the one district the file holds (``adcode``, ``name``).

        Read again only when the file has changed since (asked on every page run).
        """
        dataset = self.version()
        if self._district is None or self._district[0] != dataset:
            district = self.read_district()
            code = str(district["adcode"].iloc[0]) if len(district) else ""
            name = str(district["name"].iloc[0]) if "name" in district and len(district) else ""
            self._district = (dataset, {"adcode": code or district_config().adcode,
                                        "name": name})
        return [dict(self._district[1])]

    def scoped(self, district: str) -> GeoPackageStore:
        """Return this store for its own district, or read only for the city.

        A file holds one district: the city's store reads it and writes nothing.
        """
        held = self.districts()[0]["adcode"]
        if district not in (held, CITY):
            raise StoreError("store.no_such_district", district=district, known=held)
        if (district == CITY) == self._city:
            return self
        other = copy.copy(self)
        other._city = district == CITY
        return other

    def _one_district(self) -> None:
        if self._city:
            raise StoreError("store.city_read_only")

    def meta(self) -> dict[str, str]:
        """Return the dataset's key/value metadata (``demo`` is ``"true"`` for the demo).

        Read again only when the file has changed since (its :meth:`version`).
        """
        dataset = self.version()
        if self._meta is None or self._meta[0] != dataset:
            self._meta = (dataset, _read_meta(self.path))
        return dict(self._meta[1])

    def is_demo(self) -> bool:
        """Return whether any layer still holds the demo's made-up rows."""
        return self.meta().get("demo") == "true"

    def location(self) -> str:
        """Return the working file's path."""
        return str(self.path)

    def close(self) -> None:
        """Do nothing: every read and write opens the file and closes it again."""

    def recovery(self) -> dict | None:
        """Return what opening found damaged and recovered, or None (see ``recovered``)."""
        return self.recovered

    def imports(self) -> list[dict]:
        """Return the latest import of every layer, as recorded in the dataset itself."""
        return _tables.read_imports(self.path)

    def version(self) -> str:
        """Return a token that changes with every write (modification time and size)."""
        stat = self.path.stat()
        return f"{stat.st_mtime_ns}-{stat.st_size}"

    def versions(self) -> dict[str, str]:
        """Return a token per layer that changes whenever that layer changes.

        A layer written before versions were kept gets the dataset's :meth:`version`, which
        changes with any write: correct, only less often reused.
        """
        dataset = self.version()
        if self._versions is None or self._versions[0] != dataset:
            meta = self.meta()
            self._versions = (dataset, {name: meta.get(f"{VERSION_PREFIX}{name}", dataset)
                                        for name in LAYERS})
        return dict(self._versions[1])

    def backups(self) -> list[Backup]:
        """Return the kept backups, newest first."""
        if not self.backup_dir.exists():
            return []
        found = []
        for file in sorted(self.backup_dir.glob("*.gpkg"), reverse=True):
            stamp, _, reason = file.stem.partition("_")
            try:
                created = datetime.strptime(stamp, STAMP).isoformat(timespec="seconds")
                size = file.stat().st_size
            except (ValueError, OSError):  # not one of ours, or pruned meanwhile
                continue
            found.append(Backup(file.stem, created, size, reason))
        return found

    def record(self, entry: dict) -> None:
        """Append an entry to the audit log (account changes and other actions by users)."""
        self._one_district()
        self._audit(entry)

    def audit(self) -> list[dict]:
        """Return the audit log's entries, oldest first."""
        return _audit_log.read(self.audit_path)

    def verify_audit(self) -> AuditCheck:
        """Check the audit log's hash chain; name the first entry that does not match."""
        return _audit_log.verify(self.audit_path)

    # -- writing -------------------------------------------------------------------------
    def replace(self, layer: str, frame: gpd.GeoDataFrame, record: ImportRecord,
                changes: tuple[RecordChange, ...] = (),
                expected_version: str | None = None) -> Backup:
        """Replace ``layer`` with ``frame`` atomically, keeping the previous file as a backup.

        The new version, the import record and the records' history are written to a
        temporary copy that replaces the working file in one rename, so a failure or a
        killed process leaves the previous file byte for byte.

        Parameters
        ----------
        layer : str
            The layer to replace.
        frame : geopandas.GeoDataFrame
            Validated rows with the schema's canonical columns.
        record : ImportRecord
            What is being written (file name or form, who, ``source``: ``import``, ``edit``,
            ``restore``), for the import table, the history and the audit log.
        changes : tuple of RecordChange
            The records this write adds, updates and removes, for their history.
        expected_version : str, optional
            The :meth:`version` the caller read; when the dataset has changed since,
            :class:`StoreConflictError` is raised and nothing is written.

        Returns
        -------
        Backup
            The backup of the previous version.
        """
        return self._write(layer, frame, record, changes, expected_version, append=False)

    def append(self, layer: str, rows: gpd.GeoDataFrame, record: ImportRecord,
               changes: tuple[RecordChange, ...] = (),
               expected_version: str | None = None) -> Backup:
        """Add ``rows`` to ``layer`` atomically; otherwise as :meth:`replace`.

        Parameters
        ----------
        layer : str
            The layer to add to.
        rows : geopandas.GeoDataFrame
            Validated new rows with the schema's canonical columns.
        record, changes, expected_version
            As for :meth:`replace`.

        Returns
        -------
        Backup
            The backup of the previous version.
        """
        return self._write(layer, rows, record, changes, expected_version, append=True)

    def _write(self, layer: str, frame: gpd.GeoDataFrame, record: ImportRecord,
               changes: tuple[RecordChange, ...], expected_version: str | None,
               append: bool) -> Backup:
        self._one_district()
        schema = LAYERS[layer]
        prepared = to_schema_types(schema, frame).to_crs(4326)
        with self._locked():
            previous = self.version()
            if expected_version is not None and previous != expected_version:
                raise StoreConflictError("store.conflict", layer=schema.label)
            with self._staged() as staged:
                if append and layer in {str(n) for n, _ in pyogrio.list_layers(staged)}:
                    write_table(staged, layer, prepared, append=True)
                else:
                    write_table(staged, layer, prepared)
                _record_import(staged, record)
                _stamp_layer(staged, layer, previous)
                stamp = now()
                kept = _history.write(staged, stamp.strftime(STAMP),
                                      stamp.isoformat(timespec="seconds"), record, layer, changes)
                backup = self._commit(staged, reason=reason_of(layer, record.source))
            counts = {op: sum(c.op == op for c in changes) for op in ("add", "update", "remove")}
            # Still under the lock: whoever reads the dataset under it (dump) finds the change
            # and its audit entry together.
            self._audit({"action": record.source, "layer": layer, "file": record.file_name,
                         "sha256": record.sha256, "rows": record.rows, "user": record.user,
                         "backup": backup.id, "records": kept, **counts})
        return backup

    def history(self, layer: str, record_id: str | None = None) -> list[dict]:
        """Return the history of ``layer``'s records (of one with ``record_id``), newest first.

        Parameters
        ----------
        layer : str
            A name from :data:`layers.LAYERS`.
        record_id : str, optional
            One record's id; every record's changes when omitted.

        Returns
        -------
        list of dict
            See :meth:`storage.base.Store.history`.
        """
        return _history.read(self.path, layer, record_id)

    def restore(self, backup_id: str, user: str) -> Backup:
        """Make backup ``backup_id`` the working dataset; the current one is backed up first.

        Parameters
        ----------
        backup_id : str
            An id from :meth:`backups`.
        user : str
            Who restores, for the audit log.

        Returns
        -------
        Backup
            The backup taken of the version being replaced.
        """
        self._one_district()
        source = self.backup_dir / f"{backup_id}.gpkg"
        if not backup_id or not source.is_file() or source.parent != self.backup_dir:
            known = ", ".join(b.id for b in self.backups()[:5]) or "-"
            raise StoreError("store.no_backup", backup=backup_id, known=known)
        with self._locked():
            staged = self._stage_copy(source)
            try:
                self._check_readable(staged)
                # The records' history is not rolled back with the data: it tells what happened.
                _history.carry(self.path, staged)
                backup = self._commit(staged, reason="restore")
            finally:
                staged.unlink(missing_ok=True)
            self._audit({"action": "restore", "backup": backup_id, "user": user,
                         "saved_as": backup.id})
        return backup

    # -- helpers -------------------------------------------------------------------------
    def _read_table(self, table: str) -> gpd.GeoDataFrame:
        try:
            return pyogrio.read_dataframe(self.path, layer=table)
        except (DataSourceError, DataLayerError) as exc:
            raise StoreError("store.unreadable", path=str(self.path), detail=str(exc)) from exc

    def _ensure(self) -> None:
        """Make the working file usable: create it from the demo, or recover it when damaged.

        A sound file costs one cheap check (header, SQLite ``quick_check``, the tables); a
        damaged one is moved aside as ``<stem>.corrupt-<time>.gpkg`` and replaced, under the
        writers' lock, by the newest backup that reads, else by the demo.
        """
        if not self.path.exists() and not self.demo.is_file():
            raise StoreError("store.no_demo", demo=str(self.demo))
        self._sweep()
        if self.path.exists() and (diagnose(self.path) is None or self._is_demo_itself()):
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked():
            if not self.path.exists():
                if not self.demo.is_file():
                    raise StoreError("store.no_demo", demo=str(self.demo))
                staged = self._stage_copy(self.demo)
                os.replace(staged, self.path)
                self._audit({"action": "create", "from": self.demo.name, "user": "system"})
                return
            damage = diagnose(self.path)
            if damage is None:  # another process recovered it while this one waited
                self.recovered = self._recovered_meanwhile()
                return
            self.recovered = self._recover(damage)
        # For the server's log; people are told in their own language by whoever opened the
        # store (the pages' warning, the command lines' note: storage.recovery_note).
        _log.info(recovery_message(self.recovered, "en"))

    def _is_demo_itself(self) -> bool:
        # A store opened on the demo itself (to read it) must never move the demo aside.
        return self.demo.exists() and self.path.resolve() == self.demo.resolve()

    def _recover(self, damage: tuple[str, dict]) -> dict:
        """Replace the damaged working file (the caller holds the lock); return the record."""
        skipped, source, backup = [], None, None
        for candidate in self.backups():
            file = self.backup_dir / f"{candidate.id}.gpkg"
            problem = diagnose(file)
            if problem is None:
                source, backup = file, candidate
                break
            skipped.append({"backup": candidate.id, "reason": reason(problem, "en")})
        if source is None:
            if not self.demo.is_file() or diagnose(self.demo) is not None:
                raise StoreError("store.unrecoverable", path=str(self.path),
                                 reason=reason(damage, None), demo=str(self.demo))
            source = self.demo
        staged = self._stage_copy(source)
        try:
            with open(staged, "rb+") as fh:
                os.fsync(fh.fileno())
            corrupt = self.path.with_name(
                f"{self.path.stem}.corrupt-{now().strftime(STAMP)}{self.path.suffix}")
            # Kept by a second name, so the working path is never missing: a process killed
            # here leaves the damaged file in place, recovered again at the next start.
            try:
                os.link(self.path, corrupt)
            except OSError:  # a filesystem without hard links
                shutil.copy2(self.path, corrupt)
            for side in _SIDE_FILES:  # a journal left beside it belongs to the damaged file
                leftover = Path(f"{self.path}{side}")
                if leftover.exists():
                    os.replace(leftover, Path(f"{corrupt}{side}"))
            os.replace(staged, self.path)
        finally:
            staged.unlink(missing_ok=True)
        key, params = damage
        entry = {"action": "recover", "user": "system", "reason": reason(damage, "en"),
                 "reason_key": key, "reason_params": params,
                 "from": backup.id if backup else "demo",
                 "backup_created": backup.created if backup else None,
                 "corrupt_copy": corrupt.name, "skipped": skipped}
        entry = self._audit(entry)
        return {**entry, "version": self.version()}

    def _recovered_meanwhile(self) -> dict | None:
        entries = self.audit()
        if entries and entries[-1].get("action") == "recover":
            return {**entries[-1], "version": self.version()}
        return None

    def _sweep(self) -> None:
        """Delete what a killed writer left: staged copies and half-written backups.

        Every staged copy exists only while its writer holds the lock, so any found while
        this process holds it is a leftover. When a writer is at work, nothing is touched.
        """
        leftovers = [*self.path.parent.glob(f".{self.path.stem}.*.staged{self.path.suffix}*")]
        if self.backup_dir.is_dir():
            leftovers += self.backup_dir.glob(".*.part")
        if not leftovers:
            return
        with self._locked(wait=False) as held:
            if not held:
                return
            removed = []
            for file in leftovers:
                if file.exists():
                    file.unlink(missing_ok=True)
                    removed.append(file.name)
        if removed:
            self._audit({"action": "cleanup", "removed": removed, "user": "system"})

    @contextmanager
    def _locked(self, wait: bool = True) -> Iterator[bool]:
        # flock is released by the kernel when its holder dies, even by kill -9: a killed
        # writer never leaves the next one waiting.
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def _staged(self) -> Iterator[Path]:
        staged = self._stage_copy(self.path)
        try:
            yield staged
        finally:
            staged.unlink(missing_ok=True)

    def _stage_copy(self, source: Path) -> Path:
        # Same directory as the working file, so the final rename never crosses filesystems.
        staged = self.path.with_name(f".{self.path.stem}.{os.getpid()}.staged.gpkg")
        shutil.copyfile(source, staged)
        return staged

    def _commit(self, staged: Path, reason: str) -> Backup:
        with open(staged, "rb+") as fh:
            os.fsync(fh.fileno())
        backup = self._backup(reason)
        os.replace(staged, self.path)
        self._prune()
        return backup

    def _backup(self, reason: str) -> Backup:
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        created = now()
        backup_id = f"{created.strftime(STAMP)}_{reason}"
        # The working file is never written in place (every change is a renamed copy), so the
        # previous version can be kept by a second name at no cost. Where hard links fail it is
        # copied under a name backups() ignores and renamed when complete: a writer killed
        # mid-copy leaves no half backup to be listed, restored or recovered from.
        try:
            os.link(self.path, self.backup_dir / f"{backup_id}.gpkg")
        except OSError:
            part = self.backup_dir / f".{backup_id}.gpkg.part"
            shutil.copy2(self.path, part)
            os.replace(part, self.backup_dir / f"{backup_id}.gpkg")
        return Backup(backup_id, created.isoformat(timespec="seconds"),
                      self.path.stat().st_size, reason)

    def _prune(self) -> None:
        # Edits are kept apart from imports and restores: a day of single-record edits must
        # not push out the version before last week's import.
        kept = self.backups()
        for edits in (True, False):
            mine = [b for b in kept if b.reason.startswith(EDIT_PREFIX) == edits]
            for old in mine[self.keep:]:
                (self.backup_dir / f"{old.id}.gpkg").unlink(missing_ok=True)

    def _refuse_occupied(self, replace: bool) -> str:
        """Return what holds data here ("" when nothing); raise unless it may be replaced."""
        found = occupied(self.path, self.audit_path)
        if found and not replace:
            raise StoreError("store.gpkg_not_empty", location=str(self.path), found=found)
        return found

    def _set_aside(self, reason: str) -> str:
        """Keep the dataset about to be replaced as a backup, its log beside; return the id.

        ``reason`` (``migrate``, ``init``) names the backup, after its time.
        """
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        if self.path.is_file() and self.path.stat().st_size > 0:
            kept = self._backup(reason).id
        else:  # only a log was there
            kept = f"{now().strftime(STAMP)}_{reason}"
        head = self.audit_path.with_name(self.audit_path.name + ".head")
        for log in (self.audit_path, head):
            if log.is_file():
                shutil.copy2(log, self.backup_dir / f"{kept}{log.name[len(self.path.stem):]}")
        return kept

    def _check_readable(self, path: Path) -> None:
        damage = diagnose(path)
        if damage is not None:
            raise StoreError("store.unreadable", path=str(path), detail=reason(damage, None))

    def _audit(self, entry: dict) -> dict:
        # Chained to the entry before it (storage/_audit_log.py): an edit or a removal shows.
        return _audit_log.append(self.audit_path,
                                 {"time": now().isoformat(timespec="seconds"), **entry})


def _record_import(path: Path, record: ImportRecord) -> None:
    _tables.record_import(path, record, now().isoformat(timespec="seconds"))


def _read_meta(path: Path) -> dict[str, str]:
    return _tables.read_meta(path)


def _write_meta(path: Path, meta: dict[str, str]) -> None:
    _tables.update_meta(path, meta)


def _stamp_layer(path: Path, layer: str, previous: str) -> None:
    """Give ``layer`` a new version and record that it no longer holds demo rows.

    The dataset is demo while any layer does. The version identifies the layer's content:
    caches keyed on it stay valid across changes to other layers (and across a restore,
    which brings back a version together with its content). A layer without a version yet
    (a file from before versions) keeps the one it was known by until now, the dataset's
    ``previous`` version.
    """
    meta = _read_meta(path)
    changes = {f"{VERSION_PREFIX}{name}": previous for name in LAYERS
               if f"{VERSION_PREFIX}{name}" not in meta}
    changes[f"{VERSION_PREFIX}{layer}"] = f"{now().strftime(STAMP)}-{os.getpid()}"
    if meta.get("demo") == "true":
        remaining = [n for n in meta.get("demo_layers", ",".join(LAYERS)).split(",") if n and
                     n != layer]
        changes["demo_layers"] = ",".join(remaining)
        changes["demo"] = "true" if remaining else "false"
    _write_meta(path, changes)

