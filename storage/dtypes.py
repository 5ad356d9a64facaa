"""Typing a layer's columns as its schema declares, for writing and after reading back."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from layers import LayerSchema

_PANDAS_TYPES = {"text": "object", "int": "Int64", "float": "float64",
                 "date": "datetime64[ms]", "bool": "boolean"}


def empty_layer(schema: LayerSchema) -> gpd.GeoDataFrame:
    """Return a layer with no rows but every canonical column, typed.

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract.

    Returns
    -------
    geopandas.GeoDataFrame
        Empty, in EPSG:4326.
    """
    frame = gpd.GeoDataFrame({col.name: pd.Series(dtype=_PANDAS_TYPES[col.dtype])
                              for col in schema.columns},
                             geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    return frame


def to_schema_types(schema: LayerSchema, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` with exactly the schema's columns, each of its declared type.

    Missing optional columns are added empty; extra columns are dropped. Booleans without a
    value stay missing (``pd.NA``) rather than becoming ``False``.

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract.
    frame : geopandas.GeoDataFrame
        Rows with canonical column names.

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame, geometry last.
    """
    out = {}
    for col in schema.columns:
        values = frame[col.name] if col.name in frame else pd.Series(None, index=frame.index)
        out[col.name] = _as_type(values, col.dtype)
    crs = frame.crs if frame.crs is not None else 4326
    return gpd.GeoDataFrame(out, geometry=frame.geometry.values, crs=crs, index=frame.index)


def _as_type(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "text":
        return values.astype(object).where(values.notna(), None)
    if dtype == "date":
        return pd.to_datetime(values, errors="coerce").astype("datetime64[ms]")
    if dtype == "bool":
        return values.astype("boolean")
    return values.astype(_PANDAS_TYPES[dtype])
