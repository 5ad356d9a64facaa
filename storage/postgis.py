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

import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from core import settings
from layers import LAYERS
from storage import _audit_log
from storage._naming import EDIT_PREFIX, STAMP, VERSION_PREFIX, now, reason_of
from storage._pg_tables import (
    BACKUPS,
    SCHEMA,
    create_layer,
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
    ImportRecord,
    RecordChange,
    StoreConflictError,
    StoreError,
)
from storage.dtypes import empty_layer, to_schema_types
from storage.gpkg import GeoPackageStore

_log = logging.getLogger("tongxin.storage")

_DATASET_VERSION = "version"
_AUDIT_HEAD = "audit_head"
# Kept live, never taken from a backup: the dataset's version and the log's head.
_LIVE_KEYS = (_DATASET_VERSION, _AUDIT_HEAD)
# One writer at a time, whichever process: pg_advisory_xact_lock on this key.
_WRITERS_LOCK = 0x746F6E67  # "tong"
_IMPORT_COLUMNS = ("layer", "imported_at", "file_name", "sha256", "rows", "user", "source")
_HISTORY_COLUMNS = ("change_set", "time", "user", "how", "source", "layer", "record_id", "op",
                    "before", "after")
_BOOKKEEPING = (
    "CREATE TABLE {s}.meta (key text PRIMARY KEY, value text NOT NULL)",
    "CREATE TABLE {s}.imports (layer text PRIMARY KEY, imported_at text, file_name text, "
    "sha256 text, rows bigint, \"user\" text, source text)",
    "CREATE TABLE {s}.history (id bigserial PRIMARY KEY, change_set text NOT NULL, "
    "time text NOT NULL, \"user\" text, how text, source text, layer text NOT NULL, "
    "record_id text NOT NULL, op text NOT NULL, before jsonb, after jsonb)",
    "CREATE INDEX history_record ON {s}.history (layer, record_id)",
    # The entry's exact JSON text: its hash is over that text's content, which jsonb would
    # normalise.
    "CREATE TABLE {s}.audit (seq bigserial PRIMARY KEY, entry text NOT NULL)",
    "CREATE TABLE {s}.backups (n bigserial PRIMARY KEY, id text UNIQUE NOT NULL, "
    "created text NOT NULL, reason text NOT NULL, size bigint NOT NULL, meta jsonb NOT NULL, "
    "imports jsonb NOT NULL)",
)



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
    """

    def __init__(self, dsn: str, demo: Path, keep: int = 5) -> None:
        self.dsn = dsn
        self.demo = Path(demo)
        self.keep = max(int(keep), 1)
        self._pool: ConnectionPool | None = None
        self._meta: tuple[str, dict[str, str]] | None = None
        self._ensure()

    @classmethod
    def from_settings(cls) -> PostGISStore:
        """Return the store the ``data``, ``demo`` and ``backups_keep`` settings describe."""
        return cls(str(settings.get("data")), settings.path("demo"),
                   int(settings.get("backups_keep")))

    def close(self) -> None:
        """Close the store's connections (a new call opens them again)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    # -- reading -------------------------------------------------------------------------
    def location(self) -> str:
        """Return the database, without its password."""
        parts = psycopg.conninfo.conninfo_to_dict(self.dsn)
        user = f"{parts['user']}@" if parts.get("user") else ""
        port = f":{parts['port']}" if parts.get("port") else ""
        return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"

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
            cur.execute("SELECT column_name FROM information_schema.columns WHERE "
                        "table_schema = %s AND table_name = 'district' AND column_name NOT IN "
                        "('fid', 'geom') ORDER BY ordinal_position", (SCHEMA,))
            columns = [row[0] for row in cur.fetchall()]
            return read_rows(cur, "district", columns)

    def meta(self) -> dict[str, str]:
        """Return the dataset's key/value metadata (read again only after a change)."""
        dataset = self.version()
        if self._meta is None or self._meta[0] != dataset:
            with self._cursor() as cur:
                self._meta = (dataset, _read_meta(cur))
        return {k: v for k, v in self._meta[1].items() if k not in _LIVE_KEYS}

    def is_demo(self) -> bool:
        """Return whether any layer still holds the demo's made-up rows."""
        return self.meta().get("demo") == "true"

    def recovery(self) -> dict | None:
        """Return None: PostgreSQL recovers its own files; a damaged table is its to report."""
        return None

    def imports(self) -> list[dict]:
        """Return the latest import of every layer."""
        with self._cursor() as cur:
            cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY layer").format(
                sql.SQL(", ").join(map(sql.Identifier, _IMPORT_COLUMNS)),
                table("imports")))
            return [dict(zip(_IMPORT_COLUMNS, row, strict=True)) for row in cur.fetchall()]

    def version(self) -> str:
        """Return the dataset's version, read from the database (one indexed lookup)."""
        with self._cursor() as cur:
            cur.execute(sql.SQL("SELECT value FROM {} WHERE key = %s").format(table("meta")),
                        (_DATASET_VERSION,))
            found = cur.fetchone()
        return str(found[0]) if found else ""

    def versions(self) -> dict[str, str]:
        """Return a token per layer that changes whenever that layer changes."""
        meta = self.meta()
        dataset = self.version()
        return {name: meta.get(f"{VERSION_PREFIX}{name}", dataset) for name in LAYERS}

    def backups(self) -> list[Backup]:
        """Return the kept backups, newest first."""
        with self._cursor() as cur:
            return _backups(cur)

    def history(self, layer: str, record_id: str | None = None) -> list[dict]:
        """Return the history of ``layer``'s records (one record's), newest first."""
        query = sql.SQL("SELECT {} FROM {} WHERE layer = %s").format(
            sql.SQL(", ").join(map(sql.Identifier, _HISTORY_COLUMNS)), table("history"))
        params: list[str] = [layer]
        if record_id is not None:
            query += sql.SQL(" AND record_id = %s")
            params.append(str(record_id))
        with self._cursor() as cur:
            cur.execute(query + sql.SQL(" ORDER BY id DESC"), params)
            return [dict(zip(_HISTORY_COLUMNS, row, strict=True)) for row in cur.fetchall()]

    def audit(self) -> list[dict]:
        """Return the audit log's entries, oldest first."""
        return [json.loads(line) for line in self._audit_lines()]

    def verify_audit(self) -> AuditCheck:
        """Check the audit log's hash chain and its head; name the first entry that fails."""
        lines = self._audit_lines()
        with self._cursor() as cur:
            head = _read_meta(cur).get(_AUDIT_HEAD)
        return _audit_log.verify_lines([line.encode("utf-8") for line in lines],
                                       json.loads(head) if head else None)

    # -- writing -------------------------------------------------------------------------
    def record(self, entry: dict) -> None:
        """Append an entry to the audit log."""
        with self._transaction() as cur:
            _lock_writers(cur)
            _audit(cur, entry)

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
        with self._transaction() as cur:
            _lock_writers(cur)
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
            live = _read_meta(cur)
            cur.execute(sql.SQL("DELETE FROM {}").format(table("meta")))
            _write_meta(cur, {**meta, **{k: live[k] for k in _LIVE_KEYS if k in live}})
            cur.execute(sql.SQL("DELETE FROM {}").format(table("imports")))
            for row in imports:
                _insert_import(cur, row)
            _new_dataset_version(cur)
            self._prune(cur)
            _audit(cur, {"action": "restore", "backup": backup_id, "user": user,
                         "saved_as": saved.id})
        return saved

    # -- helpers -------------------------------------------------------------------------
    def _write(self, layer: str, frame: gpd.GeoDataFrame, record: ImportRecord,
               changes: tuple[RecordChange, ...], expected_version: str | None,
               append: bool) -> Backup:
        schema = LAYERS[layer]
        prepared = to_schema_types(schema, frame).to_crs(4326)
        stamp = now()
        with self._transaction() as cur:
            _lock_writers(cur)
            if expected_version is not None and _dataset_version(cur) != expected_version:
                raise StoreConflictError("store.conflict", layer=schema.label)
            backup = self._backup(cur, reason_of(layer, record.source))
            if not append:
                cur.execute(sql.SQL("DELETE FROM {}").format(table(layer)))
            write_rows(cur, layer, prepared, layer_columns(schema))
            _insert_import(cur, {"layer": record.layer, "file_name": record.file_name,
                                 "imported_at": stamp.isoformat(timespec="seconds"),
                                 "sha256": record.sha256, "rows": int(record.rows),
                                 "user": record.user, "source": record.source})
            _stamp_layer(cur, layer)
            kept = _write_history(cur, stamp, record, layer, changes)
            _new_dataset_version(cur)
            self._prune(cur)
            counts = {op: sum(c.op == op for c in changes) for op in ("add", "update", "remove")}
            _audit(cur, {"action": record.source, "layer": layer, "file": record.file_name,
                         "sha256": record.sha256, "rows": record.rows, "user": record.user,
                         "backup": backup.id, "records": kept, **counts})
        return backup

    def _backup(self, cur: psycopg.Cursor, reason: str) -> Backup:
        """Copy every layer, the metadata and the import records into a new backup."""
        created = now()
        backup_id = f"{created.strftime(STAMP)}_{reason}"
        meta = {k: v for k, v in _read_meta(cur).items() if k not in _LIVE_KEYS}
        cur.execute(sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(map(sql.Identifier, _IMPORT_COLUMNS)), table("imports")))
        imports = [dict(zip(_IMPORT_COLUMNS, row, strict=True)) for row in cur.fetchall()]
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

    def _audit_lines(self) -> list[str]:
        with self._cursor() as cur:
            cur.execute(sql.SQL("SELECT entry FROM {} ORDER BY seq").format(table("audit")))
            return [str(row[0]) for row in cur.fetchall()]

    def _ensure(self) -> None:
        """Create the tables and load the demo on first use of an empty database."""
        with self._transaction() as cur:
            if exists(cur, "meta"):
                return
            _lock_writers(cur)
            if exists(cur, "meta"):  # another process created it while this one waited
                return
            if not self.demo.is_file():
                raise StoreError("store.no_demo", demo=str(self.demo))
            self._create(cur)
        _log.info("created the dataset in %s from %s", self.location(), self.demo)

    def _create(self, cur: psycopg.Cursor) -> None:
        # Opened on the demo itself, the GeoPackage store only reads it.
        demo = GeoPackageStore(self.demo, self.demo)
        try:
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            raise StoreError("store.no_postgis", location=self.location(),
                             detail=_short(exc)) from exc
        cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(SCHEMA)))
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(BACKUPS)))
        for statement in _BOOKKEEPING:
            cur.execute(sql.SQL(statement).format(s=sql.Identifier(SCHEMA)))
        for name, schema in LAYERS.items():
            create_layer(cur, name, layer_columns(schema))
            write_rows(cur, name, demo.read(name), layer_columns(schema))
        district = demo.read_district().to_crs(4326)
        district_columns = [(str(c), "text") for c in district.columns
                            if c != district.geometry.name]
        create_layer(cur, "district", district_columns)
        write_rows(cur, "district", district.astype({c: object for c, _ in district_columns}),
                   district_columns)
        meta = demo.meta()
        if meta.get("demo") == "true":
            meta.setdefault("demo_layers", ",".join(LAYERS))
        built = f"{now().strftime(STAMP)}-{uuid.uuid4().hex[:8]}"
        for name in LAYERS:
            meta.setdefault(f"{VERSION_PREFIX}{name}", built)
        _write_meta(cur, meta)
        for row in demo.imports():
            _insert_import(cur, row)
        _new_dataset_version(cur)
        _audit(cur, {"action": "create", "from": self.demo.name, "user": "system"})

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor]:
        """Yield a cursor in one transaction: committed at the end, undone on error."""
        try:
            with self._connections().connection() as con, con.transaction(), \
                    con.cursor() as cur:
                yield cur
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError("store.db_unreachable", location=self.location(),
                             detail=_short(exc)) from exc

    _cursor = _transaction  # reads are transactions too: one consistent snapshot each

    def _connections(self) -> ConnectionPool:
        if self._pool is None:
            # A connection is checked before the pool is made, so a wrong address or password
            # is reported at once instead of after the pool's timeout.
            try:
                psycopg.connect(self.dsn, connect_timeout=10).close()
            except psycopg.Error as exc:
                raise StoreError("store.db_unreachable", location=self.location(),
                                 detail=_short(exc)) from exc
            self._pool = ConnectionPool(self.dsn, min_size=1, max_size=4, timeout=30,
                                        open=True, name="tongxin")
        return self._pool


def _lock_writers(cur: psycopg.Cursor) -> None:
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_WRITERS_LOCK,))


def _read_meta(cur: psycopg.Cursor) -> dict[str, str]:
    cur.execute(sql.SQL("SELECT key, value FROM {}").format(table("meta")))
    return {str(k): str(v) for k, v in cur.fetchall()}


def _write_meta(cur: psycopg.Cursor, values: dict[str, Any]) -> None:
    for key, value in values.items():
        cur.execute(sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s) ON CONFLICT (key) "
                            "DO UPDATE SET value = EXCLUDED.value").format(table("meta")),
                    (key, str(value)))


def _dataset_version(cur: psycopg.Cursor) -> str:
    return _read_meta(cur).get(_DATASET_VERSION, "")


def _new_dataset_version(cur: psycopg.Cursor) -> None:
    _write_meta(cur, {_DATASET_VERSION:
                      f"{now().strftime(STAMP)}-{os.getpid()}-{uuid.uuid4().hex[:8]}"})


def _stamp_layer(cur: psycopg.Cursor, layer: str) -> None:
    """Give ``layer`` a new version and record that it no longer holds demo rows."""
    meta = _read_meta(cur)
    changes = {f"{VERSION_PREFIX}{layer}": f"{now().strftime(STAMP)}-{uuid.uuid4().hex[:8]}"}
    if meta.get("demo") == "true":
        remaining = [n for n in meta.get("demo_layers", ",".join(LAYERS)).split(",")
                     if n and n != layer]
        changes["demo_layers"] = ",".join(remaining)
        changes["demo"] = "true" if remaining else "false"
    _write_meta(cur, changes)


def _insert_import(cur: psycopg.Cursor, row: dict) -> None:
    values = [row.get(c) for c in _IMPORT_COLUMNS]
    cur.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (layer) DO UPDATE SET "
                        "{}").format(
        table("imports"), sql.SQL(", ").join(map(sql.Identifier, _IMPORT_COLUMNS)),
        sql.SQL(", ").join(sql.Placeholder() * len(_IMPORT_COLUMNS)),
        sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c))
                           for c in _IMPORT_COLUMNS[1:])), values)


def _write_history(cur: psycopg.Cursor, stamp: datetime, record: ImportRecord, layer: str,
                   changes: tuple[RecordChange, ...]) -> int:
    rows = [(stamp.strftime(STAMP), stamp.isoformat(timespec="seconds"), record.user,
             record.source, record.file_name, layer, str(c.record_id), c.op,
             None if c.before is None else Jsonb(c.before),
             None if c.after is None else Jsonb(c.after)) for c in changes]
    if rows:
        cur.executemany(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            table("history"), sql.SQL(", ").join(map(sql.Identifier, _HISTORY_COLUMNS)),
            sql.SQL(", ").join(sql.Placeholder() * len(_HISTORY_COLUMNS))), rows)
    return len(rows)


def _audit(cur: psycopg.Cursor, entry: dict) -> dict:
    """Append an entry chained to the last one; the caller holds the writers' lock."""
    head = _read_meta(cur).get(_AUDIT_HEAD)
    recorded: dict[str, Any] = json.loads(head) if head else {"entries": 0,
                                                               "last": _audit_log.GENESIS}
    chained = _audit_log.chain({"time": now().isoformat(timespec="seconds"), **entry},
                               str(recorded["last"]))
    cur.execute(sql.SQL("INSERT INTO {} (entry) VALUES (%s)").format(table("audit")),
                (json.dumps(chained, ensure_ascii=False),))
    _write_meta(cur, {_AUDIT_HEAD: json.dumps({"entries": int(recorded["entries"]) + 1,
                                               "last": chained["hash"]})})
    return chained


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



def _short(exc: BaseException, limit: int = 200) -> str:
    flat = " ".join(str(exc).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
