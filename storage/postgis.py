"""The PostGIS store: the working dataset as tables in a PostgreSQL database with PostGIS.

Chosen by ``TONGXIN_DATA=postgresql://USER@HOST:PORT/DB``. Everything lives in the schema
``tongxin``: one table per layer (typed columns, a GiST-indexed ``geom``), ``district``,
``meta`` (key/value: ``demo``, each layer's ``version.<layer>``, the dataset's ``version``),
``imports``, ``history`` (each record's changes), ``audit`` (the hash-chained log) and
``backups``; a backup's layers are tables in the schema ``tongxin_backups``.

Every write is one transaction under a transaction-level advisory lock: the layer, its backup,
the import record, the records' history, the new versions and the audit entry commit together
or not at all, and a killed process's transaction is rolled back by PostgreSQL. Several
dashboard processes share the database: the dataset's version is read from it on every page
run, so a change made through one process shows on the others.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from core import settings
from core.district import district_config
from layers import LAYERS
from storage import _audit_log, _pg_dump, _pg_upgrade
from storage._naming import EDIT_PREFIX, STAMP, VERSION_PREFIX, hide_password, now, reason_of
from storage._pg_books import (
    AUDIT_HEAD,
    DATASET_VERSION,
    HISTORY_COLUMNS,
    IMPORT_COLUMNS,
    LIVE_KEYS,
    append_audit,
    audit_lines,
    dataset_version,
    insert_import,
    lock_writers,
    new_dataset_version,
    read_imports,
    read_meta,
    read_meta_by_district,
    short_error,
    write_meta,
)
from storage._pg_roles import CITY, act_as, ensure_roles, role_of
from storage._pg_tables import (
    BACKUPS,
    exists,
    layer_columns,
    read_layer,
    read_rows,
    table,
    write_rows,
)
from storage.base import (
    AuditCheck,
    Backup,
    Dataset,
    ImportRecord,
    RecordChange,
    StoreConflictError,
    StoreError,
)
from storage.dtypes import empty_layer, to_schema_types
from storage.gpkg import GeoPackageStore

_log = logging.getLogger("tongxin.storage")


class PostGISStore:
    """The working dataset in a PostgreSQL database with PostGIS.

    Parameters
    ----------
    dsn : str
        ``postgresql://USER[:PASSWORD]@HOST:PORT/DB`` (or any libpq connection string).
    demo : pathlib.Path
        The shipped demo GeoPackage the database is filled from on first use; never written.
    keep : int
        How many backups to keep (edits' backups are counted apart from the others).
    district : str, optional
        The district (six-digit code) whose rows this store reads and writes, or ``"city"``
        to read every district's and write none (storage/_pg_roles.py). By default the
        configured district when the database holds it, else the first it holds.
    """

    def __init__(self, dsn: str, demo: Path, keep: int = 5, district: str | None = None) -> None:
        self.dsn = dsn
        self.demo = Path(demo)
        self.keep = max(int(keep), 1)
        self._connections = _Connections(dsn, self.location())
        self._scope = district or ""
        if district:
            role_of(district)  # a malformed code is refused before anything is opened
        self._ensure()
        if not self._scope:
            self._scope = self._default_district()

    @classmethod
    def from_settings(cls) -> PostGISStore:
        """Return the store the ``data``, ``demo`` and ``backups_keep`` settings describe."""
        return cls(str(settings.get("data")), settings.path("demo"),
                   int(settings.get("backups_keep")))

    @classmethod
    def describe(cls, location: str) -> str:
        """Return the database ``location`` names, without its password."""
        return public_location(location)

    @classmethod
    def create(cls, location: str, dataset: Dataset, demo: Path, *, entry: dict,
               keep: int = 5, replace: bool = False) -> tuple[PostGISStore, dict]:
        """Write ``dataset`` into the database ``location`` in one transaction.

        The database is empty when neither the schema ``tongxin`` nor ``tongxin_backups``
        holds a table. Otherwise, with ``replace``, both are renamed whole in the same
        transaction (``tongxin_replaced_<time>``...: nothing dropped, see
        :func:`storage._pg_dump.set_aside`); without, :class:`StoreError` and nothing changed.
        Runs under the writers' lock: a store already open on the database waits, then sees
        the new data.

        Parameters
        ----------
        location, dataset, demo, entry, keep, replace
            See :meth:`storage.base.Store.create`.

        Returns
        -------
        tuple
            The store on the database, and ``entry`` as written to its log.
        """
        where = public_location(location)
        try:
            con = psycopg.connect(location, connect_timeout=10, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError("store.target_unreachable", location=where,
                             detail=short_error(exc)) from exc
        try:
            with con.transaction(), con.cursor() as cur:
                lock_writers(cur)
                adcode = _pg_dump.adcode_of(dataset)
                found = _pg_dump.occupied(cur, adcode, where)
                if found and not replace:
                    raise StoreError("store.pg_not_empty", location=where, found=found)
                kept = _pg_dump.set_aside(cur, adcode) if found else ""
                if not exists(cur, "meta"):
                    _pg_dump.create_schema(cur, where, [adcode])
                ensure_roles(cur, [adcode], where)
                act_as(cur, adcode)
                _pg_dump.write(cur, dataset)
                written = append_audit(cur, {**entry, **({"replaced": kept} if kept else {})})
        except psycopg.OperationalError as exc:  # the connection lost: rolled back
            raise StoreError("store.target_unreachable", location=where,
                             detail=short_error(exc)) from exc
        except psycopg.Error as exc:  # a role that may not create schemas or tables
            raise StoreError("store.target_unwritable", location=where,
                             detail=short_error(exc)) from exc
        finally:
            con.close()
        return cls(location, demo, keep, district=adcode), written

    def close(self) -> None:
        """Close the store's connections (a new call opens them again)."""
        self._connections.close()

    # -- districts -----------------------------------------------------------------------
    def district_code(self) -> str:
        """Return the district this store acts for (``"city"``: every district, read only)."""
        return self._scope

    def districts(self) -> list[dict[str, str]]:
        """Return the districts this store sees (``adcode``, ``name``), by code.

        A district's store sees its own; the city's, every district the database holds.
        """
        with self._cursor() as cur:
            cur.execute(sql.SQL("SELECT adcode, name FROM {} ORDER BY adcode").format(
                table("district")))
            return [{"adcode": str(a), "name": str(n or "")} for a, n in cur.fetchall()]

    def scoped(self, district: str) -> PostGISStore:
        """Return this store acting for ``district`` (a code, or ``"city"``), sharing connections.

        Raises
        ------
        StoreError
            When the database holds no such district.
        """
        if district == self._scope:
            return self
        if district != CITY:
            role_of(district)
            # Asked on every page run: the districts seen once are remembered, and the
            # database asked again only for one not seen yet (added since by a move).
            if district not in self._connections.districts:
                known = [row["adcode"] for row in self.scoped(CITY).districts()]
                self._connections.districts.update(known)
                if district not in known:
                    raise StoreError("store.no_such_district", district=district,
                                     known=", ".join(known) or "-")
        other = copy.copy(self)
        other._scope = district
        return other

    # -- reading -------------------------------------------------------------------------
    def location(self) -> str:
        """Return the database, without its password."""
        return public_location(self.dsn)

    def read(self, layer: str) -> gpd.GeoDataFrame:
        """Return ``layer`` typed per its schema, in EPSG:4326."""
        schema = LAYERS[layer]
        with self._cursor() as cur:
            if not exists(cur, layer):
                return empty_layer(schema)
            return read_layer(cur, layer, schema)

    def read_keys(self, layer: str) -> pd.DataFrame:
        """Return ``layer``'s id and other unique columns as text, reading only those."""
        schema = LAYERS[layer]
        columns = [schema.id_column] + [c.name for c in schema.columns
                                        if c.unique and c.name != schema.id_column]
        with self._cursor() as cur:
            frame = read_rows(cur, layer, columns, geometry=False)
        return pd.DataFrame({name: frame[name].astype(object).where(frame[name].notna(), None)
                             for name in columns})

    def read_district(self) -> gpd.GeoDataFrame:
        """Return the district boundary (one row)."""
        with self._cursor() as cur:
            return _pg_dump.read_district(cur)

    def meta(self) -> dict[str, str]:
        """Return the dataset's key/value metadata (one round trip: a few dozen short rows)."""
        return {k: v for k, v in self._all_meta().items() if k not in LIVE_KEYS}

    def is_demo(self) -> bool:
        """Return whether any layer still holds the demo's made-up rows."""
        return self.meta().get("demo") == "true"

    def recovery(self) -> dict | None:
        """Return None: PostgreSQL recovers its own files; a damaged table is its to report."""
        return None

    def imports(self) -> list[dict]:
        """Return the latest import of every layer."""
        with self._cursor() as cur:
            return read_imports(cur)

    def version(self) -> str:
        """Return the dataset's version, read from the database (one indexed lookup).

        It starts with the district's code: no two districts' versions are alike, so no
        cache keyed on them hands one district's results to another.
        """
        if self._scope == CITY:
            return _combined([m.get(DATASET_VERSION, "") for m in self._by_district().values()])
        with self._cursor() as cur:
            cur.execute(sql.SQL("SELECT value FROM {} WHERE key = %s").format(table("meta")),
                        (DATASET_VERSION,))
            found = cur.fetchone()
        return f"{self._scope}:{found[0]}" if found else ""

    def versions(self) -> dict[str, str]:
        """Return a token per layer that changes whenever that layer changes.

        Read on every page run by every process (the caches' keys): one round trip reads the
        dataset's version and the layers' together.
        """
        if self._scope == CITY:
            every = self._by_district().values()
            return {name: _combined([_layer_version(m, name) for m in every])
                    for name in LAYERS}
        meta = self._all_meta()
        return {name: f"{self._scope}:{_layer_version(meta, name)}" for name in LAYERS}

    def _all_meta(self) -> dict[str, str]:
        if self._scope == CITY:
            every = self._by_district().values()
            return {"demo": "true" if any(m.get("demo") == "true" for m in every) else "false"}
        with self._cursor() as cur:
            return read_meta(cur)

    def _by_district(self) -> dict[str, dict[str, str]]:
        with self._cursor() as cur:
            return read_meta_by_district(cur)

    def backups(self) -> list[Backup]:
        """Return the kept backups, newest first."""
        with self._cursor() as cur:
            return _backups(cur)

    def history(self, layer: str, record_id: str | None = None) -> list[dict]:
        """Return the history of ``layer``'s records (one record's), newest first."""
        query = sql.SQL("SELECT {} FROM {} WHERE layer = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, HISTORY_COLUMNS)), table("history"))
        params: list[str] = [layer]
        if record_id is not None:
            query += sql.SQL(" AND record_id = %s")
            params.append(str(record_id))
        with self._cursor() as cur:
            cur.execute(query + sql.SQL(" ORDER BY id DESC"), params)
            return [dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in cur.fetchall()]

    def audit(self) -> list[dict]:
        """Return the audit log's entries, oldest first."""
        with self._cursor() as cur:
            return [json.loads(line) for line in audit_lines(cur)]

    def verify_audit(self) -> AuditCheck:
        """Check the audit log's hash chain and its head; name the first entry that fails.

        Each district's entries are a chain of their own; the city's store checks each.
        """
        if self._scope == CITY:
            return _combined_check([self.scoped(row["adcode"]).verify_audit()
                                    for row in self.districts()])
        with self._cursor() as cur:
            lines = audit_lines(cur)
            head = read_meta(cur).get(AUDIT_HEAD)
        # As a log file's bytes: entries from before the chain, moved here from a GeoPackage's
        # log, are sealed by a hash over their lines, newlines included.
        return _audit_log.verify_lines(_audit_log.encoded(lines),
                                       json.loads(head) if head else None)

    def dump(self) -> Dataset:
        """Return the whole dataset, read in one snapshot of the database."""
        self._one_district()
        with self._cursor() as cur:
            # Every table as of one moment: a write committing meanwhile is all in or all out.
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return _pg_dump.dump(cur)

    # -- writing -------------------------------------------------------------------------
    def record(self, entry: dict) -> None:
        """Append an entry to the audit log."""
        self._one_district()
        with self._transaction() as cur:
            lock_writers(cur)
            append_audit(cur, entry)

    def replace(self, layer: str, frame: gpd.GeoDataFrame, record: ImportRecord,
                changes: tuple[RecordChange, ...] = (),
                expected_version: str | None = None) -> Backup:
        """Replace ``layer`` with ``frame`` in one transaction, backing up the previous data.

        See :meth:`storage.base.Store.replace`.
        """
        return self._write(layer, frame, record, changes, expected_version, append=False)

    def append(self, layer: str, rows: gpd.GeoDataFrame, record: ImportRecord,
               changes: tuple[RecordChange, ...] = (),
               expected_version: str | None = None) -> Backup:
        """Add ``rows`` to ``layer`` in one transaction; otherwise as :meth:`replace`."""
        return self._write(layer, rows, record, changes, expected_version, append=True)

    def restore(self, backup_id: str, user: str) -> Backup:
        """Make backup ``backup_id`` the working data; the current data is backed up first."""
        self._one_district()
        with self._transaction() as cur:
            lock_writers(cur)
            found = {b.id: b for b in _backups(cur)}
            if not backup_id or backup_id not in found:
                known = ", ".join(list(found)[:5]) or "-"
                raise StoreError("store.no_backup", backup=backup_id, known=known)
            cur.execute(sql.SQL("SELECT n, meta, imports FROM {} WHERE id = %s").format(
                table("backups")), (backup_id,))
            number, meta, imports = cur.fetchone() or (0, {}, [])
            saved = self._backup(cur, "restore")
            for name in LAYERS:
                _copy_table(cur, table(f"b{number}_{name}", BACKUPS), table(name), name)
            # The records' history is not rolled back with the data: it tells what happened.
            live = read_meta(cur)
            cur.execute(sql.SQL("DELETE FROM {}").format(table("meta")))
            write_meta(cur, {**meta, **{k: live[k] for k in LIVE_KEYS if k in live}})
            cur.execute(sql.SQL("DELETE FROM {}").format(table("imports")))
            for row in imports:
                insert_import(cur, row)
            new_dataset_version(cur)
            self._prune(cur)
            append_audit(cur, {"action": "restore", "backup": backup_id, "user": user,
                         "saved_as": saved.id})
        return saved

    # -- helpers -------------------------------------------------------------------------
    def _write(self, layer: str, frame: gpd.GeoDataFrame, record: ImportRecord,
               changes: tuple[RecordChange, ...], expected_version: str | None,
               append: bool) -> Backup:
        self._one_district()
        schema = LAYERS[layer]
        prepared = to_schema_types(schema, frame).to_crs(4326)
        stamp = now()
        with self._transaction() as cur:
            lock_writers(cur)
            held = f"{self._scope}:{dataset_version(cur)}"
            if expected_version is not None and held != expected_version:
                raise StoreConflictError("store.conflict", layer=schema.label)
            backup = self._backup(cur, reason_of(layer, record.source))
            if not append:
                cur.execute(sql.SQL("DELETE FROM {}").format(table(layer)))
            write_rows(cur, layer, prepared, layer_columns(schema))
            insert_import(cur, {"layer": record.layer, "file_name": record.file_name,
                                 "imported_at": stamp.isoformat(timespec="seconds"),
                                 "sha256": record.sha256, "rows": int(record.rows),
                                 "user": record.user, "source": record.source})
            _stamp_layer(cur, layer)
            kept = _write_history(cur, stamp, record, layer, changes)
            new_dataset_version(cur)
            self._prune(cur)
            counts = {op: sum(c.op == op for c in changes) for op in ("add", "update", "remove")}
            append_audit(cur, {"action": record.source, "layer": layer, "file": record.file_name,
                         "sha256": record.sha256, "rows": record.rows, "user": record.user,
                         "backup": backup.id, "records": kept, **counts})
        return backup

    def _backup(self, cur: psycopg.Cursor, reason: str) -> Backup:
        """Copy every layer, the metadata and the import records into a new backup."""
        created = now()
        backup_id = f"{created.strftime(STAMP)}_{reason}"
        meta = {k: v for k, v in read_meta(cur).items() if k not in LIVE_KEYS}
        cur.execute(sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(map(sql.Identifier, IMPORT_COLUMNS)), table("imports")))
        imports = [dict(zip(IMPORT_COLUMNS, row, strict=True)) for row in cur.fetchall()]
        cur.execute(sql.SQL("INSERT INTO {} (id, created, reason, size, meta, imports) "
                            "VALUES (%s, %s, %s, 0, %s, %s) RETURNING n").format(
                                table("backups")),
                    (backup_id, created.isoformat(timespec="seconds"), reason, Jsonb(meta),
                     Jsonb(imports)))
        number = (cur.fetchone() or (0,))[0]
        size = 0
        for name in LAYERS:
            copy = table(f"b{number}_{name}", BACKUPS)
            cur.execute(sql.SQL("CREATE TABLE {} AS TABLE {}").format(copy, table(name)))
            cur.execute("SELECT pg_total_relation_size(%s::regclass)", (copy.as_string(cur),))
            size += int((cur.fetchone() or (0,))[0])
        cur.execute(sql.SQL("UPDATE {} SET size = %s WHERE n = %s").format(table("backups")),
                    (size, number))
        return Backup(backup_id, created.isoformat(timespec="seconds"), size, reason)

    def _prune(self, cur: psycopg.Cursor) -> None:
        # Edits are kept apart from imports and restores, as in the GeoPackage store.
        cur.execute(sql.SQL("SELECT n, reason FROM {} ORDER BY n DESC").format(table("backups")))
        kept = cur.fetchall()
        for edits in (True, False):
            mine = [n for n, reason in kept if reason.startswith(EDIT_PREFIX) == edits]
            for number in mine[self.keep:]:
                for name in LAYERS:
                    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                        table(f"b{number}_{name}", BACKUPS)))
                cur.execute(sql.SQL("DELETE FROM {} WHERE n = %s").format(table("backups")),
                            (number,))

    def _ensure(self) -> None:
        """Create the tables and load the demo on first use of an empty database."""
        with self._transaction(acting=False) as cur:
            if exists(cur, "meta") and not _pg_dump.is_legacy(cur):
                return
            lock_writers(cur)
            if exists(cur, "meta"):  # made meanwhile by another process, or before districts
                if _pg_dump.is_legacy(cur):
                    _pg_upgrade.upgrade(cur, self.location())
                return
            if not self.demo.is_file():
                raise StoreError("store.no_demo", demo=str(self.demo))
            self._create(cur)
        _log.info("created the dataset in %s from %s", self.location(), self.demo)

    def _create(self, cur: psycopg.Cursor) -> None:
        # Opened on the demo itself, the GeoPackage store only reads it. The demo's own log and
        # history, if it had any, are not this dataset's: its log starts with its creation.
        demo = GeoPackageStore(self.demo, self.demo).dump()
        adcode = _pg_dump.adcode_of(demo)
        _pg_dump.create_schema(cur, self.location(), [adcode])
        ensure_roles(cur, [adcode], self.location())
        act_as(cur, adcode)
        _pg_dump.write(cur, dataclasses.replace(demo, history=(), audit=()))
        append_audit(cur, {"action": "create", "from": self.demo.name, "user": "system"})

    def _default_district(self) -> str:
        """Return the configured district when the database holds it, else the first it holds."""
        with self._transaction(acting=False) as cur:
            held = _pg_dump.districts(cur)
        wanted = district_config().adcode
        return wanted if wanted in held or not held else held[0]

    def _one_district(self) -> None:
        """Refuse what only a district's store does: the city's store reads, never writes."""
        if self._scope == CITY:
            raise StoreError("store.city_read_only")

    @contextmanager
    def _transaction(self, acting: bool = True) -> Iterator[psycopg.Cursor]:
        """Yield a cursor in one transaction, acting as the store's district (or the city).

        Committed at the end, undone on error. ``acting=False`` stays the login role, which
        sees no rows: for creating the tables and listing the districts.
        """
        try:
            with self._connections.pool().connection() as con, con.transaction(), \
                    con.cursor() as cur:
                if acting:
                    act_as(cur, self._scope)
                yield cur
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError("store.db_unreachable", location=self.location(),
                             detail=short_error(exc)) from exc

    _cursor = _transaction  # reads are transactions too: one consistent snapshot each


class _Connections:
    """A store's pool of connections, shared by the store and its other districts' views."""

    def __init__(self, dsn: str, location: str) -> None:
        self.dsn = dsn
        self.location = location
        self._pool: ConnectionPool | None = None
        self.districts: set[str] = set()  # the districts known to be in the database

    def pool(self) -> ConnectionPool:
        """Return the pool, opening it first."""
        if self._pool is None:
            # A connection is checked before the pool is made, so a wrong address or password
            # is reported at once instead of after the pool's timeout.
            try:
                psycopg.connect(self.dsn, connect_timeout=10).close()
            except psycopg.Error as exc:
                raise StoreError("store.db_unreachable", location=self.location,
                                 detail=short_error(exc)) from exc
            # A page waits at most `timeout` s for a connection: a database gone away is then
            # said in the page (ui.startup.run_page) instead of a page that never ends.
            # Each connection is checked as it is handed out (a round trip of well under a
            # millisecond on loopback): one cut while the database was away is replaced
            # instead of failing the page after it came back.
            self._pool = ConnectionPool(self.dsn, min_size=1, max_size=4, timeout=10,
                                        open=True, name="tongxin",
                                        check=ConnectionPool.check_connection)
        return self._pool

    def close(self) -> None:
        """Close the pool (the next use opens a new one)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _layer_version(meta: dict[str, str], layer: str) -> str:
    return meta.get(f"{VERSION_PREFIX}{layer}", meta.get(DATASET_VERSION, ""))


def _combined(tokens: list[str]) -> str:
    """Return one token for several districts' (the city's): it changes when any of them does."""
    return "city:" + hashlib.sha256("\n".join(tokens).encode()).hexdigest()[:16]


def _combined_check(checks: list[AuditCheck]) -> AuditCheck:
    """Return the districts' chains' checks as one: the first failing, over all entries."""
    entries = sum(check.entries for check in checks)
    failed = next((check for check in checks if not check.ok), None)
    if failed is None:
        return AuditCheck(entries)
    return AuditCheck(entries, failed.first_bad, failed.reason)


def _stamp_layer(cur: psycopg.Cursor, layer: str) -> None:
    """Give ``layer`` a new version and record that it no longer holds demo rows."""
    meta = read_meta(cur)
    changes = {f"{VERSION_PREFIX}{layer}": f"{now().strftime(STAMP)}-{uuid.uuid4().hex[:8]}"}
    if meta.get("demo") == "true":
        remaining = [n for n in meta.get("demo_layers", ",".join(LAYERS)).split(",")
                     if n and n != layer]
        changes["demo_layers"] = ",".join(remaining)
        changes["demo"] = "true" if remaining else "false"
    write_meta(cur, changes)


def _write_history(cur: psycopg.Cursor, stamp: datetime, record: ImportRecord, layer: str,
                   changes: tuple[RecordChange, ...]) -> int:
    rows = [(stamp.strftime(STAMP), stamp.isoformat(timespec="seconds"), record.user,
             record.source, record.file_name, layer, str(c.record_id), c.op,
             None if c.before is None else Jsonb(c.before),
             None if c.after is None else Jsonb(c.after)) for c in changes]
    if rows:
        cur.executemany(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            table("history"), sql.SQL(", ").join(map(sql.Identifier, HISTORY_COLUMNS)),
            sql.SQL(", ").join(sql.Placeholder() * len(HISTORY_COLUMNS))), rows)
    return len(rows)


def _backups(cur: psycopg.Cursor) -> list[Backup]:
    cur.execute(sql.SQL("SELECT id, created, size, reason FROM {} ORDER BY n DESC").format(
        table("backups")))
    return [Backup(str(i), str(c), int(s), str(r)) for i, c, s, r in cur.fetchall()]


def _copy_table(cur: psycopg.Cursor, source: sql.Composable, target: sql.Composable,
                layer: str) -> None:
    """Make ``target`` hold ``source``'s rows (the columns both have, in order)."""
    names = [sql.Identifier(col) for col, _ in layer_columns(LAYERS[layer])]
    names.append(sql.Identifier("geom"))
    columns = sql.SQL(", ").join(names)
    cur.execute(sql.SQL("DELETE FROM {}").format(target))
    cur.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY fid").format(
        target, columns, columns, source))


def public_location(dsn: str) -> str:
    """Return the database ``dsn`` names, as ``postgresql://USER@HOST:PORT/DB`` (no password).

    Parameters
    ----------
    dsn : str
        A ``postgresql://`` address or a libpq connection string.

    Returns
    -------
    str
        The address without password; an address libpq cannot read, with its password cut.
    """
    try:
        parts = psycopg.conninfo.conninfo_to_dict(dsn)
    except psycopg.Error:
        return hide_password(dsn)
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"
