"""The storage interface every store implements, and the records it keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from core.errors import TongxinError
from core.i18n import t
from layers import LAYERS


class StoreError(TongxinError):
    """The working dataset or its backups could not be read or written."""


class StoreConflictError(StoreError):
    """The dataset changed since the caller read it (``expected_version`` no longer holds).

    Nothing was written; the caller reads again and decides (an editor sees both versions).
    """


@dataclass(frozen=True)
class ImportRecord:
    """Who replaced a layer with what: written to the audit log and the dataset's import table."""

    layer: str
    file_name: str
    sha256: str
    rows: int
    user: str
    source: str = "import"


@dataclass(frozen=True)
class RecordChange:
    """One record added, updated or removed by a change set, kept in the record's history.

    ``before`` and ``after`` are the record's fields as JSON values (text, numbers, dates as
    ``YYYY-MM-DD``, booleans, the location as WKT); ``None`` for an added record's before
    and a removed record's after.
    """

    record_id: str
    op: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class Backup:
    """One kept previous version of the working dataset."""

    id: str
    created: str
    size: int
    reason: str


@dataclass(frozen=True)
class AuditCheck:
    """What checking the audit log's hash chain found.

    Attributes
    ----------
    entries : int
        Entries in the log.
    first_bad : int or None
        The 1-based line of the first entry that does not match (``None``: the chain holds).
    reason : str
        ``"hash"`` (the entry was changed), ``"prev"`` (an entry before it was removed,
        inserted or changed), ``"json"`` (not a JSON object), ``"unchained"`` (an entry
        without a hash after chained ones), ``"head"`` (entries were cut off the end, or the
        head file disagrees); "" when it holds.
    """

    entries: int
    first_bad: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Return whether every entry matches."""
        return self.first_bad is None


@dataclass(frozen=True)
class Dataset:
    """A whole working dataset, as no store in particular keeps it: what moves between stores.

    :meth:`Store.dump` reads one; :meth:`Store.create` writes one as a new store's data.
    Backups are not part of it: they stay with the store that made them.

    Attributes
    ----------
    layers : dict
        ``{layer name: GeoDataFrame}`` for every layer of the registry, typed per its schema,
        in EPSG:4326, rows in the order the store keeps them.
    district : geopandas.GeoDataFrame
        The district boundary (one row; its columns as stored, text).
    meta : dict
        The key/value metadata (``demo``, ``demo_layers``, ``version.<layer>``...), without
        what a store keeps live for itself (a database's dataset version, the log's head).
    imports : tuple of dict
        The latest write of every layer, as :meth:`Store.imports` gives it.
    history : tuple of dict
        Every kept change of every record, oldest first, with every field
        :meth:`Store.history` gives (``change_set`` and ``time`` included).
    audit : tuple of str
        The audit log's entries as their exact JSON texts, oldest first, without newlines:
        copied as they are, the hash chain holds wherever they are written.
    """

    layers: dict[str, gpd.GeoDataFrame]
    district: gpd.GeoDataFrame
    meta: dict[str, str] = field(default_factory=dict)
    imports: tuple[dict, ...] = ()
    history: tuple[dict, ...] = ()
    audit: tuple[str, ...] = ()

    def rows(self) -> dict[str, int]:
        """Return each layer's number of rows."""
        return {name: len(frame) for name, frame in self.layers.items()}


class Store(Protocol):
    """What Tongxin needs of the place its working dataset lives.

    Every store (GeoPackage now, PostGIS next) implements all of it, and
    ``tests/test_store_conformance.py`` checks each one against it: callers use nothing else.
    """

    @classmethod
    def from_settings(cls) -> Store:
        """Return the store the settings describe (how :func:`storage.open_store` opens one)."""

    @classmethod
    def describe(cls, location: str) -> str:
        """Return ``location`` as :meth:`location` would say it (absolute; no password).

        Two locations naming the same place describe alike; nothing is opened or created.
        """

    @classmethod
    def create(cls, location: str, dataset: Dataset, demo: Path, *, entry: dict,
               keep: int = 5, replace: bool = False) -> tuple[Store, dict]:
        """Write ``dataset`` as the whole working dataset at ``location``; return the store.

        The target is never first filled with the demo. An empty target (see each store) is
        written atomically; a non-empty one raises :class:`StoreError` and is left as it was,
        unless ``replace``: then it is replaced atomically and its previous data kept aside
        (each store says where; the entry's ``replaced`` names it). The log arrives as its
        exact lines, then ``entry`` chained after them; the dataset gets new versions.

        Parameters
        ----------
        location : str
            Where to write (a setting's form: a ``.gpkg`` path, a ``postgresql://`` address).
        dataset : Dataset
            What to write (:meth:`dump` of another store).
        demo : pathlib.Path
            The demo the returned store would recover from (never copied in here).
        entry : dict
            The audit entry saying what was done (``action``, ``user``...).
        keep : int
            How many backups the returned store keeps.
        replace : bool
            Whether a non-empty target may be replaced.

        Returns
        -------
        tuple
            The store, open on the new data, and ``entry`` as written to its log.
        """

    def dump(self) -> Dataset:
        """Return the whole dataset (layers, district, metadata, imports, history, audit log).

        One consistent state: a write committing meanwhile is either all in it or not at all.
        """

    def location(self) -> str:
        """Return where the dataset lives, for people (a file path, a database without password)."""

    def district_code(self) -> str:
        """Return the district this store reads and writes (``"city"``: every one, read only)."""

    def districts(self) -> list[dict[str, str]]:
        """Return the districts this store sees (``adcode``, ``name``), by code.

        A district's store sees its own; the city's sees every district the dataset holds.
        """

    def scoped(self, district: str) -> Store:
        """Return the same dataset as ``district`` (a six-digit code, or ``"city"``) sees it.

        Everything the returned store reads and writes is that district's; the city's store
        reads every district's and writes nothing (:class:`StoreError`). Raises
        :class:`StoreError` for a district the dataset does not hold.
        """

    def close(self) -> None:
        """Release what the store holds open (a database's connections); reopened on next use."""

    def meta(self) -> dict[str, str]:
        """Return the dataset's key/value metadata (``demo``, ``demo_layers``, ``source``...)."""

    def is_demo(self) -> bool:
        """Return whether any layer still holds the shipped demo's made-up rows (示例数据)."""

    def recovery(self) -> dict[str, Any] | None:
        """Return what opening found damaged and recovered (see :func:`recovery_message`).

        ``None`` when the dataset was sound. Otherwise the audit log's ``recover`` entry
        (``reason``, ``from`` a backup id or ``"demo"``...) plus ``version``, the dataset
        version right after the recovery: while :meth:`version` still equals it, the
        recovered data is the data in use.
        """

    def read(self, layer: str) -> gpd.GeoDataFrame:
        """Return a layer, typed per its schema, in EPSG:4326."""

    def read_keys(self, layer: str) -> pd.DataFrame:
        """Return a layer's identifying columns (its id and other unique ones), nothing else."""

    def read_district(self) -> gpd.GeoDataFrame:
        """Return the district boundary (one polygon row)."""

    def replace(self, layer: str, frame: gpd.GeoDataFrame, record: ImportRecord,
                changes: tuple[RecordChange, ...] = (),
                expected_version: str | None = None) -> Backup:
        """Replace a layer atomically, keep the previous version as a backup, audit it.

        ``changes`` go into the records' history in the same atomic write. With
        ``expected_version``, raise :class:`StoreConflictError` (writing nothing) when the dataset's
        :meth:`version` is no longer that one once the writers' lock is held.
        """

    def append(self, layer: str, rows: gpd.GeoDataFrame, record: ImportRecord,
               changes: tuple[RecordChange, ...] = (),
               expected_version: str | None = None) -> Backup:
        """Add ``rows`` to a layer atomically, as :meth:`replace` writes (backup, history, audit).

        The layer's other rows are neither read nor rewritten: a month of records is added to
        a province's years in seconds.
        """

    def history(self, layer: str, record_id: str | None = None) -> list[dict]:
        """Return the kept changes of a layer's records (one record's with ``record_id``).

        Newest first; each: ``change_set``, ``time``, ``user``, ``how`` (``import``,
        ``edit``, ``restore``...), ``source`` (file name or form), ``layer``, ``record_id``,
        ``op`` (``add``/``update``/``remove``), ``before`` and ``after`` (dicts or None).
        """

    def imports(self) -> list[dict]:
        """Return the latest import of every layer (layer, time, file, sha256, rows, user)."""

    def version(self) -> str:
        """Return a token that changes whenever the data changes (for cache keys)."""

    def versions(self) -> dict[str, str]:
        """Return a token per layer that changes whenever that layer changes (for cache keys).

        Results computed from some layers stay valid while those layers' tokens hold, however
        the others change: an edited unit does not recompute the stations' coverage.
        """

    def backups(self) -> list[Backup]:
        """Return the kept backups, newest first."""

    def restore(self, backup_id: str, user: str) -> Backup:
        """Make a backup the working dataset again (the current one is backed up first)."""

    def record(self, entry: dict) -> None:
        """Append an entry (who did what) to the audit log."""

    def audit(self) -> list[dict]:
        """Return the audit log, oldest first."""

    def verify_audit(self) -> AuditCheck:
        """Check the audit log's hash chain; name the first entry that does not match."""


def recovery_message(recovered: dict[str, Any], lang: str | None = None) -> str:
    """Return, in ``lang``, what opening the store did about a damaged working dataset.

    Parameters
    ----------
    recovered : dict
        :meth:`Store.recovery`.
    lang : str, optional
        ``"zh"`` or ``"en"``; the configured default when omitted.

    Returns
    -------
    str
        Which backup (or the demo) replaced the dataset, why, and where the damaged copy is.
    """
    reason = recovered.get("reason", "")
    if recovered.get("reason_key"):
        reason = t(recovered["reason_key"], lang, **recovered.get("reason_params", {}))
    params = {"reason": reason, "corrupt": recovered.get("corrupt_copy", "")}
    if recovered.get("from") == "demo":
        return t("store.recovered_demo", lang, **params)
    created = str(recovered.get("backup_created") or "").replace("T", " ")
    return t("store.recovered", lang, backup=recovered.get("from", ""), created=created,
             **params)


def holds_nothing_of_its_own(store: Store) -> bool:
    """Return whether a district's dataset holds no office's record: the untouched demo, or none.

    The demo stays the demo while any layer still holds its rows (:meth:`Store.is_demo`);
    here every layer must: one imported layer is an office's data, not to be set aside
    unasked.

    Parameters
    ----------
    store : Store
        A district's store.

    Returns
    -------
    bool
        True for a fresh install's demo or a dataset whose layers are all empty.
    """
    meta = store.meta()
    # A demo whose metadata does not list them has every layer still demo (as its stores read it).
    still_demo = {name for name in meta.get("demo_layers", ",".join(LAYERS)).split(",") if name}
    if store.is_demo() and still_demo >= set(LAYERS):
        return True
    return not any(len(store.read_keys(name)) for name in LAYERS)


def last_import_time(store: Store) -> str:
    """Return when the store's data last changed by an import (ISO time), or "" if never."""
    stamps = [row["imported_at"] for row in store.imports() if row.get("imported_at")]
    return max(stamps) if stamps else ""


def recovery_note(store: Store, lang: str | None = None) -> str | None:
    """Return what ``store`` recovered on opening, while that data is in use; else None.

    A later import or restore changes the dataset's version and retires the note.

    Parameters
    ----------
    store : Store
        An open store.
    lang : str, optional
        ``"zh"`` or ``"en"``.

    Returns
    -------
    str or None
        :func:`recovery_message` in ``lang``, or None.
    """
    recovered = store.recovery()
    if not recovered or recovered.get("version") != store.version():
        return None
    return recovery_message(recovered, lang)
