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

from core.district import district_config
from layers import LAYERS
from storage import _audit_log
from storage._naming import new_dataset_meta, now
from storage._pg_books import (
    AUDIT_HEAD,
    BOOKKEEPING,
    BOOKS,
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
from storage._pg_roles import (
    ADCODE,
    CITY,
    act_as,
    create_function,
    ensure_roles,
    protect,
    stop_acting,
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
# The district table's own columns; its ``adcode`` is every table's (create_layer).
DISTRICT_COLUMNS = [("name", "text")]


def read_district(cur: psycopg.Cursor) -> gpd.GeoDataFrame:
    """Return the district boundary: its columns as written, then its ``adcode``."""
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_name NOT IN ('fid', 'geom') "
                "ORDER BY ordinal_position", (SCHEMA, DISTRICT))
    columns = [row[0] for row in cur.fetchall() if row[0] != "adcode"]
    return read_rows(cur, DISTRICT, [*columns, "adcode"])


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


def adcode_of(dataset: Dataset) -> str:
    """Return the district code of ``dataset``: its district table's ``adcode``.

    A dataset whose district table has no code (a GeoPackage written before districts) is
    the configured district's.

    Raises
    ------
    StoreError
        When the code is not six digits: the rows would belong to no district.
    """
    codes = dataset.district.get("adcode")
    code = str(codes.iloc[0] or "") if codes is not None and len(codes) else ""
    code = code or district_config().adcode
    if not ADCODE.match(code):
        raise StoreError("store.bad_district", district=code or "-")
    return code


def districts(cur: psycopg.Cursor) -> list[str]:
    """Return the codes of the districts the database holds (read as the city role).

    Parameters
    ----------
    cur : psycopg.Cursor
        As the login role, in a transaction; it is the login role again afterwards.
    """
    act_as(cur, CITY)
    cur.execute(sql.SQL("SELECT DISTINCT adcode FROM {} ORDER BY adcode").format(table("meta")))
    found = [str(row[0]) for row in cur.fetchall()]
    stop_acting(cur)
    return found


def is_legacy(cur: psycopg.Cursor) -> bool:
    """Return whether the schema was made before districts (its tables have no ``adcode``)."""
    cur.execute("SELECT NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE "
                "table_schema = %s AND table_name = 'meta' AND column_name = 'adcode')",
                (SCHEMA,))
    return bool((cur.fetchone() or (False,))[0])


def occupied(cur: psycopg.Cursor, adcode: str, location: str) -> str:
    """Return what in the database stands where district ``adcode``'s dataset would go.

    "" when it is free: neither ``tongxin`` nor ``tongxin_backups`` holds a table (a schema
    made by hand and left empty counts as free), or the schema holds other districts and not
    this one. Otherwise the schemas (a schema without districts, or only this district's) or
    the district itself, named.

    Parameters
    ----------
    cur : psycopg.Cursor
        As the login role, holding the writers' lock.
    adcode : str
        The district about to be written.
    location : str
        The database without password, for messages.
    """
    cur.execute("SELECT DISTINCT n.nspname FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname IN (%s, %s) "
                "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY n.nspname",
                (SCHEMA, BACKUPS))
    schemas = ", ".join(str(row[0]) for row in cur.fetchall())
    if not schemas or not exists(cur, "meta") or is_legacy(cur):
        return schemas
    ensure_roles(cur, [adcode], location)
    return f"{SCHEMA} ({adcode})" if adcode in districts(cur) else ""


def set_aside(cur: psycopg.Cursor, adcode: str) -> str:
    """Rename Tongxin's schemas out of the way, whole; return their new names.

    Nothing is dropped: ``tongxin_replaced_<time>`` (and ``tongxin_backups_replaced_<time>``)
    keep every table, index and backup. Renamed back they are the dataset again; a
    database administrator drops them once sure (``DROP SCHEMA ... CASCADE``).

    Raises
    ------
    StoreError
        When the schema holds other districts too: one district's rows are changed by
        importing or restoring, never by setting the whole city's schema aside.
    """
    if exists(cur, "meta") and not is_legacy(cur):
        others = [code for code in districts(cur) if code != adcode]
        if others:
            raise StoreError("store.pg_shared_replace", district=adcode,
                             others=", ".join(others))
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


def create_schema(cur: psycopg.Cursor, location: str, adcodes: list[str]) -> None:
    """Create Tongxin's schemas, tables, policies and the function the policies call.

    Parameters
    ----------
    cur : psycopg.Cursor
        As the login role, holding the writers' lock; ``tongxin.meta`` does not exist.
    location : str
        The database without password, for the message when PostGIS is missing.
    adcodes : list of str
        The districts about to be written (their roles are made with the schema).
    """
    try:
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error as exc:
        raise StoreError("store.no_postgis", location=location, detail=short_error(exc)) from exc
    for name in (SCHEMA, BACKUPS):
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(name)))
    create_function(cur)
    for statement in BOOKKEEPING:
        cur.execute(sql.SQL(statement).format(s=sql.Identifier(SCHEMA)))
    for name, schema in LAYERS.items():
        create_layer(cur, name, layer_columns(schema))
    create_layer(cur, DISTRICT, DISTRICT_COLUMNS)
    ensure_roles(cur, adcodes, location)  # the roles the policies name
    for name in (*BOOKS, *LAYERS, DISTRICT):
        protect(cur, name)


def write(cur: psycopg.Cursor, dataset: Dataset) -> None:
    """Write ``dataset`` as the acting district's rows (:func:`storage._pg_roles.act_as`).

    The log's lines are copied as they are and its head set to them: the next entry
    appended (:func:`storage._pg_books.append_audit`) continues the chain. The dataset gets
    a new version; layers keep theirs when the metadata has them.

    Parameters
    ----------
    cur : psycopg.Cursor
        In the writing transaction, holding the writers' lock, acting as the district of
        ``dataset`` (:func:`adcode_of`), which has no rows yet.
    dataset : Dataset
        What to write.
    """
    for name, schema in LAYERS.items():
        prepared = to_schema_types(schema, dataset.layers[name]).to_crs(4326)
        write_rows(cur, name, prepared, layer_columns(schema))
    district = dataset.district.to_crs(4326)
    names = district["name"].astype(str) if "name" in district else [""] * len(district)
    outline = gpd.GeoDataFrame({"name": list(names)}, geometry=district.geometry.values,
                               crs=4326)
    write_rows(cur, DISTRICT, outline, DISTRICT_COLUMNS)
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
