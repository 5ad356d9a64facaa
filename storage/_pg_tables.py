"""A layer as a PostGIS table: its columns typed as the schema declares, written and read back.

Every layer table has the schema's columns, a ``geom`` column (any geometry type, EPSG:4326,
with a GiST index), ``fid`` (the order rows were written in) and ``adcode`` (the district a row
belongs to). Rows go in through ``COPY`` (geometry as hexadecimal EWKB; by way of a temporary
table, as row-level security allows no ``COPY``) and come out through ``ST_AsBinary``: a
district's layers in milliseconds, a province's in well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from shapely.geometry import MultiPolygon

from layers import LayerSchema
from storage.dtypes import to_schema_types

SCHEMA = "tongxin"
BACKUPS = "tongxin_backups"
GEOMETRY = "geom"
_SQL_TYPES = {"text": "text", "int": "bigint", "float": "double precision", "date": "date",
              "bool": "boolean"}


def table(name: str, schema: str = SCHEMA) -> sql.Composable:
    """Return a table's qualified, quoted name."""
    return sql.Identifier(schema, name)


def create_layer(cur: psycopg.Cursor, name: str, columns: Sequence[tuple[str, str]],
                 schema: str = SCHEMA) -> None:
    """Create a table of ``(column, dtype)`` plus ``fid``, an indexed ``geom`` and ``adcode``.

    ``adcode`` only in the schema ``tongxin``: a backup's table is made as a copy of one.

    Parameters
    ----------
    cur : psycopg.Cursor
        In the writing transaction.
    name : str
        The table.
    columns : sequence of (str, str)
        Column names and their schema dtypes (``text``, ``int``, ``float``, ``date``, ``bool``).
    schema : str
        The PostgreSQL schema.
    """
    fields: list[sql.Composable] = [sql.SQL("fid bigserial PRIMARY KEY")]
    if schema == SCHEMA:
        # The district the row belongs to: the acting district role's (storage/_pg_roles.py).
        fields.append(sql.SQL("adcode text NOT NULL DEFAULT {}.session_adcode()").format(
            sql.Identifier(SCHEMA)))
    fields += [sql.SQL("{} {}").format(sql.Identifier(col), sql.SQL(_SQL_TYPES[dtype]))
               for col, dtype in columns]
    fields.append(sql.SQL("{} geometry(Geometry, 4326)").format(sql.Identifier(GEOMETRY)))
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(table(name, schema),
                                                     sql.SQL(", ").join(fields)))
    cur.execute(sql.SQL("CREATE INDEX {} ON {} USING gist ({})").format(
        sql.Identifier(f"{name}_geom_idx"), table(name, schema), sql.Identifier(GEOMETRY)))


def layer_columns(schema: LayerSchema) -> list[tuple[str, str]]:
    """Return a layer's ``(column, dtype)`` pairs, in the schema's order."""
    return [(col.name, col.dtype) for col in schema.columns]


def write_rows(cur: psycopg.Cursor, name: str, frame: gpd.GeoDataFrame,
               columns: Sequence[tuple[str, str]], schema: str = SCHEMA) -> None:
    """Add ``frame``'s rows to a table through ``COPY`` and the table's policies.

    Parameters
    ----------
    cur : psycopg.Cursor
        In the writing transaction.
    name : str
        The table.
    frame : geopandas.GeoDataFrame
        The rows, in EPSG:4326, with every one of ``columns``.
    columns : sequence of (str, str)
        The table's columns and their dtypes.
    schema : str
        The PostgreSQL schema.
    """
    values = [_plain(frame[col], dtype) for col, dtype in columns]
    values.append(_hex_ewkb(frame.geometry))
    names = [sql.Identifier(col) for col, _ in columns] + [sql.Identifier(GEOMETRY)]
    listed = sql.SQL(", ").join(names)
    # PostgreSQL will not COPY into a table with row-level security: rows are copied into a
    # temporary table of the same columns first, then inserted, in their order, through the
    # policies (which check every row's district).
    staging = sql.Identifier(f"_incoming_{name}")
    fields: list[sql.Composable] = [
        sql.SQL("{} {}").format(sql.Identifier(col), sql.SQL(_SQL_TYPES[dtype]))
        for col, dtype in columns]
    fields += [sql.SQL("{} geometry").format(sql.Identifier(GEOMETRY)),
               sql.SQL("_order bigserial")]
    cur.execute(sql.SQL("CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP").format(
        staging, sql.SQL(", ").join(fields)))
    with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(staging, listed)) as copy:
        for row in zip(*values, strict=True):
            copy.write_row(row)
    cur.execute(sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY _order").format(
        table(name, schema), listed, listed, staging))
    cur.execute(sql.SQL("DROP TABLE {}").format(staging))


def read_rows(cur: psycopg.Cursor, name: str, columns: Sequence[str],
              schema: str = SCHEMA, geometry: bool = True) -> pd.DataFrame:
    """Return a table's rows in the order they were written.

    Parameters
    ----------
    cur : psycopg.Cursor
        Any transaction.
    name : str
        The table.
    columns : sequence of str
        The columns to read.
    schema : str
        The PostgreSQL schema.
    geometry : bool
        Whether to read the geometry too (a GeoDataFrame in EPSG:4326 then).

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        The rows.
    """
    fields: list[sql.Composable] = [sql.Identifier(col) for col in columns]
    if geometry:
        fields.append(sql.SQL("ST_AsBinary({})").format(sql.Identifier(GEOMETRY)))
    cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY fid").format(sql.SQL(", ").join(fields),
                                                               table(name, schema)))
    rows = cur.fetchall()
    data = {col: [row[i] for row in rows] for i, col in enumerate(columns)}
    frame = pd.DataFrame({col: pd.Series(data[col], dtype=object) for col in columns})
    if not geometry:
        return frame
    wkb = np.array([bytes(row[-1]) if row[-1] is not None else None for row in rows],
                   dtype=object)
    return gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=4326)


def read_layer(cur: psycopg.Cursor, name: str, schema: LayerSchema,
               pg_schema: str = SCHEMA) -> gpd.GeoDataFrame:
    """Return a layer table typed per its schema (see :func:`read_rows`)."""
    frame = read_rows(cur, name, [col.name for col in schema.columns], pg_schema)
    return to_schema_types(schema, frame)


def exists(cur: psycopg.Cursor, name: str, schema: str = SCHEMA) -> bool:
    """Return whether the table exists."""
    cur.execute("SELECT to_regclass(%s) IS NOT NULL",
                (sql.Identifier(schema, name).as_string(cur),))
    found = cur.fetchone()
    return bool(found and found[0])


def _plain(values: pd.Series, dtype: str) -> Iterable[Any]:
    """Return a column's values as Python objects ``COPY`` writes, missing ones as None."""
    if dtype == "date":
        dates = pd.to_datetime(values, errors="coerce")
        return [None if pd.isna(v) else v.date() for v in dates]
    return [None if pd.isna(v) else v for v in values.astype(object).tolist()]


def _hex_ewkb(geometry: gpd.GeoSeries) -> list[str | None]:
    # Polygons go in as MultiPolygons, as in the GeoPackage: a township in two parts and one
    # in one share a type.
    shapes = [MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g
              for g in geometry.to_numpy()]
    with_srid = shapely.set_srid(np.array(shapes, dtype=object), 4326)
    encoded = shapely.to_wkb(with_srid, hex=True, include_srid=True)
    return [None if g is None else str(g) for g in encoded]
