"""A record as plain values: what history keeps, what diffs compare, what a form starts from.

Every column becomes a JSON value (text, int, float, ``YYYY-MM-DD`` for dates, bool, or
``None``), and the location its WKT, rounded to 1e-7 degrees (about 1 cm): a record read back
from the store compares equal to the same row read from a file.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import LayerSchema

GEOMETRY = "geometry"
_DECIMALS = 7
# Numbers and booleans as the plain Python values JSON keeps (not numpy's or pandas' scalars).
_PYTHON_TYPES = {"int": int, "float": float, "bool": bool}


def values_of(schema: LayerSchema, frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return ``frame``'s columns as comparable plain values, one object column each.

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract.
    frame : geopandas.GeoDataFrame
        Rows typed per the schema (EPSG:4326).

    Returns
    -------
    pandas.DataFrame
        Same index; the schema's columns and ``geometry`` (WKT or None), values ``None``
        where missing.
    """
    out = {col.name: _plain(frame[col.name], col.dtype) if col.name in frame
           else pd.Series([None] * len(frame), index=frame.index, dtype=object)
           for col in schema.columns}
    geoms = frame.geometry.to_crs(4326).array if len(frame) else []
    wkt = shapely.to_wkt(np.asarray(geoms, dtype=object), rounding_precision=_DECIMALS,
                         trim=True) if len(frame) else np.asarray([], dtype=object)
    out[GEOMETRY] = pd.Series(wkt, index=frame.index, dtype=object)
    return pd.DataFrame(out, index=frame.index)


def record_dicts(schema: LayerSchema, frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Return each row of ``frame`` as a ``{column: plain value}`` dict (see :func:`values_of`).

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract.
    frame : geopandas.GeoDataFrame
        Rows typed per the schema.

    Returns
    -------
    list of dict
        One per row, in order.
    """
    return values_of(schema, frame).to_dict("records")


def differing(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Return ``{field: (before, after)}`` for the fields whose plain values differ.

    Parameters
    ----------
    before, after : dict
        Two versions of one record, as :func:`record_dicts` gives them.

    Returns
    -------
    dict
        Only the fields that changed.
    """
    return {name: (before.get(name), after.get(name)) for name in after
            if not same(before.get(name), after.get(name))}


def same(a: Any, b: Any) -> bool:
    """Return whether two plain values are the same (floats within rounding, None only None)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-9)
    return bool(a == b)


def _plain(values: pd.Series, dtype: str) -> pd.Series:
    missing = values.isna().to_numpy()
    if dtype == "date":
        text = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        plain = text.astype(object)
    elif dtype in _PYTHON_TYPES:
        cast = _PYTHON_TYPES[dtype]
        plain = pd.Series([None if m else cast(v) for v, m in zip(values, missing, strict=True)],
                          index=values.index, dtype=object)
    else:
        plain = values.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
        missing = missing | plain.map(lambda v: v == "").to_numpy()
    plain = plain.astype(object)
    plain[missing] = None
    return plain
