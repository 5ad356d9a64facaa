"""A whole dataset read out of, or written into, the PostGIS store's schema in one transaction.

Writing creates everything the store keeps (storage/postgis.py's module docstring): the
schemas, the bookkeeping tables, one table per layer; the store's first use writes the demo
this way, a move (``python -m layers migrate``) another store's data.
"""

from __future__ import annotations

import json

import geopandas as gpd
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from layers import LAYERS
from storage import _audit_log
from storage._naming import new_dataset_meta, now
from storage._pg_books import (
    AUDIT_HEAD,
    BOOKKEEPING,
    HISTORY_COLUMNS,
    LIVE_KEYS,
    audit_lines,
    insert_import,
    new_dataset_version,
    read_imports,
    read_meta,
    short_error,
    write_meta,
)
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
from storage.base import Dataset, StoreError
from storage.dtypes import empty_layer, to_schema_types

DISTRICT = "district"


def read_district(cur: psycopg.Cursor) -> gpd.GeoDataFrame:
    """Return the district boundary with whatever columns it was written with."""
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_name NOT IN ('fid', 'geom') "
                "ORDER BY ordinal_position", (SCHEMA, DISTRICT))
    columns = [row[0] for row in cur.fetchall()]
    return read_rows(cur, DISTRICT, columns)


def dump(cur: psycopg.Cursor) -> Dataset:
    """Return the whole dataset the schema holds, as the transaction of ``cur`` sees it.

    Parameters
    ----------
    cur : psycopg.Cursor
        In a transaction that sees one snapshot (``REPEATABLE READ``), so that every table
        is read as of the same moment.

    Returns
    -------
    Dataset
        Every layer, the district, metadata (without the live keys), imports, history and
        the audit log's exact lines.
    """
    layers = {name: read_layer(cur, name, schema) if exists(cur, name) else empty_layer(schema)
              for name, schema in LAYERS.items()}
    meta = {k: v for k, v in read_meta(cur).items() if k not in LIVE_KEYS}
    cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY id").format(
        sql.SQL(", ").join(map(sql.Identifier, HISTORY_COLUMNS)), table("history")))
    history = tuple(dict(zip(HISTORY_COLUMNS, row, strict=True)) for row in cur.fetchall())
    return Dataset(layers=layers, district=read_district(cur), meta=meta,
                   imports=tuple(read_imports(cur)), history=history,
                   audit=tuple(audit_lines(cur)))


def occupied(cur: psycopg.Cursor) -> str:
    """Return the Tongxin schemas that hold any table ("" when the database is free).

    Empty means: neither ``tongxin`` nor ``tongxin_backups`` exists, or they hold no table
    (a schema made by hand and left empty). Backups' tables count: a new dataset's backups
    would be numbered from 1 again and meet them.
    """
    cur.execute("SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname IN (%s, %s) "
                "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY n.nspname",
                (SCHEMA, BACKUPS))
    return ", ".join(str(row[0]) for row in cur.fetchall())


def set_aside(cur: psycopg.Cursor) -> str:
    """Rename Tongxin's schemas out of the way, whole; return their new names.

    Nothing is dropped: ``tongxin_replaced_<time>`` (and ``tongxin_backups_replaced_<time>``)
    keep every table, index and backup. Renamed back they are the dataset again; a
    database administrator drops them once sure (``DROP SCHEMA ... CASCADE``).
    """
    suffix = now().strftime("%Y%m%d_%H%M%S_%f")
    renamed = []
    for name in (SCHEMA, BACKUPS):
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (name,))
        if cur.fetchone():
            new = f"{name}_replaced_{suffix}"
            cur.execute(sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                sql.Identifier(name), sql.Identifier(new)))
            renamed.append(new)
    return ", ".join(renamed)


def write(cur: psycopg.Cursor, dataset: Dataset, location: str) -> None:
    """Create Tongxin's schemas in a database without them and fill them with ``dataset``.

    The log's lines are copied as they are and its head set to them: the next entry
    appended (:func:`storage._pg_books.append_audit`) continues the chain. The dataset gets
    a new version; layers keep theirs when the metadata has them.

    Parameters
    ----------
    cur : psycopg.Cursor
        In the writing transaction, holding the writers' lock; the schemas are free
        (:func:`occupied` is "").
    dataset : Dataset
        What to write.
    location : str
        The database without password, for the message when PostGIS is missing.
    """
    try:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error as exc:
        raise StoreError("store.no_postgis", location=location, detail=short_error(exc)) from exc
    for name in (SCHEMA, BACKUPS):
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name)))
    for statement in BOOKKEEPING:
        cur.execute(sql.SQL(statement).format(s=sql.Identifier(SCHEMA)))
    for name, schema in LAYERS.items():
        create_layer(cur, name, layer_columns(schema))
        prepared = to_schema_types(schema, dataset.layers[name]).to_crs(4326)
        write_rows(cur, name, prepared, layer_columns(schema))
    district = dataset.district.to_crs(4326)
    columns = [(str(c), "text") for c in district.columns if c != district.geometry.name]
    create_layer(cur, DISTRICT, columns)
    write_rows(cur, DISTRICT, district.astype({c: object for c, _ in columns}), columns)
    write_meta(cur, new_dataset_meta({k: v for k, v in dataset.meta.items()
                                      if k not in LIVE_KEYS}, LAYERS))
    for row in dataset.imports:
        insert_import(cur, row)
    _write_history(cur, dataset.history)
    if dataset.audit:
        cur.executemany(sql.SQL("INSERT INTO {} (entry) VALUES (%s)").format(table("audit")),
                        [(line,) for line in dataset.audit])
        write_meta(cur, {AUDIT_HEAD: json.dumps({"entries": len(dataset.audit),
                                                 "last": _audit_log.follows(dataset.audit)})})
    new_dataset_version(cur)


def _write_history(cur: psycopg.Cursor, rows: tuple[dict, ...]) -> None:
    values = [tuple(Jsonb(row[c]) if c in ("before", "after") and row[c] is not None
                    else row[c] for c in HISTORY_COLUMNS) for row in rows]
    if values:
        cur.executemany(sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
            table("history"), sql.SQL(", ").join(map(sql.Identifier, HISTORY_COLUMNS)),
            sql.SQL(", ").join(sql.Placeholder() * len(HISTORY_COLUMNS))), values)
