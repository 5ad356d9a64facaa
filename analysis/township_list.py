"""Townships known by code and name only: what the analyses use before the polygons are imported.

Township polygons are often not public, so an office may import its stations, communities,
activities and units, each with its nine-digit ``township_code``, long before the townships
layer (polygons required) holds anything. The district's own township list ships with
Tongxin (:func:`layers.divisions.townships`); from it the analyses get one row per township,
named, with its kind and urban flag taken from the name as an import would take them, its
population unknown and no geometry. Every figure counted from the records' township column
then has its township row; rates over population are NaN, and maps draw no polygon.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from layers import LAYERS
from layers.divisions import DivisionError
from layers.divisions import townships as listed_in_divisions

TOWNSHIPS = "townships"
# The records' column naming their township (every record layer has it).
TOWNSHIP_CODE = "township_code"
# Pandas types of the townships layer's columns, as the store reads them back.
_DTYPES = {"text": "object", "int": "Int64", "float": "float64", "date": "datetime64[ms]",
           "bool": "boolean"}
CRS = "EPSG:4326"


def listed_townships(listed: pd.DataFrame) -> gpd.GeoDataFrame:
    """Return township rows for a list of codes and names, typed as the townships layer.

    Parameters
    ----------
    listed : pandas.DataFrame
        ``code`` (nine digits) and ``name``, e.g. :func:`layers.divisions.townships`.

    Returns
    -------
    geopandas.GeoDataFrame
        Every column of the townships layer, one row per listed township in the list's
        order: ``kind`` from the name's suffix (街道, 镇, 乡; missing when the name ends
        otherwise), ``urban`` true for streets (街道), as the layer's import derives them;
        ``population`` and ``minority_population`` missing; geometry None; EPSG:4326.
    """
    schema = LAYERS[TOWNSHIPS]
    rows = len(listed)
    frame = pd.DataFrame({col.name: pd.Series([None] * rows, dtype=_DTYPES[col.dtype])
                          for col in schema.columns})
    # Text stays object, as the store types it (pandas 3 would infer its string dtype).
    for column in ("code", "name"):
        frame[column] = pd.Series(listed[column].astype(str).to_numpy(dtype=object),
                                  dtype=object)
    if schema.derive is not None:
        # The import's own rule: kind from the name's suffix, streets urban.
        frame = schema.derive(frame)
    frame["urban"] = frame["urban"].astype("boolean")
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * rows, crs=CRS), crs=CRS)


def shipped_townships(adcode: str) -> pd.DataFrame:
    """Return a district's township list as shipped with Tongxin (NBS 2023 codes and names).

    Parameters
    ----------
    adcode : str
        The district's six-digit code.

    Returns
    -------
    pandas.DataFrame
        ``code`` and ``name``; no rows when the shipped data does not know the district (a
        development zone, a code set up since, a made-up test district).
    """
    try:
        return listed_in_divisions(adcode)
    except DivisionError:
        # Not a district the shipped tables hold: the pages then count by code alone.
        return pd.DataFrame({"code": pd.Series(dtype=object), "name": pd.Series(dtype=object)})


def analysed_townships(townships: gpd.GeoDataFrame, adcode: str) -> gpd.GeoDataFrame:
    """Return the township rows the analyses run over: the layer's, or the shipped list's.

    Parameters
    ----------
    townships : geopandas.GeoDataFrame
        The townships layer as stored.
    adcode : str
        The district's six-digit code.

    Returns
    -------
    geopandas.GeoDataFrame
        ``townships`` itself when it has rows; else :func:`listed_townships` of the district's
        shipped list (no geometry, population unknown), which may be empty too.
    """
    if len(townships):
        return townships
    return listed_townships(shipped_townships(adcode))


def with_polygons(townships: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the rows of ``townships`` that have a polygon to draw.

    Parameters
    ----------
    townships : geopandas.GeoDataFrame
        A townships frame: the stored layer, or :func:`listed_townships` rows.

    Returns
    -------
    geopandas.GeoDataFrame
        Its rows whose geometry is neither missing nor empty (``townships`` itself when all
        are).
    """
    geometry = townships.geometry
    drawable = (geometry.notna() & ~geometry.is_empty).to_numpy(dtype=bool)
    return townships if drawable.all() else townships[drawable]


def has_polygons(townships: pd.DataFrame) -> bool:
    """Return whether any row of ``townships`` has a polygon to draw.

    Parameters
    ----------
    townships : pandas.DataFrame
        A townships frame: the stored layer, or :func:`listed_townships` rows.

    Returns
    -------
    bool
        False for a frame without rows, without a geometry column (not a GeoDataFrame), or
        whose geometries are all missing or empty.
    """
    if not isinstance(townships, gpd.GeoDataFrame) or townships.empty:
        return False
    return not with_polygons(townships).empty


def records_per_township(townships: pd.DataFrame,
                         records: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Return how many records of each kind name each township in their ``township_code``.

    Parameters
    ----------
    townships : pandas.DataFrame
        ``code`` and ``name`` of the district's townships, in the order wanted.
    records : mapping of str to pandas.DataFrame
        ``{column name: records}``, each with a ``township_code`` column (a frame without one
        counts nothing).

    Returns
    -------
    pandas.DataFrame
        Index township code (named ``township_code``): ``name``, then one int column per
        entry of ``records``, in its order. The listed townships come first, in their order;
        codes the records name that the list lacks follow, sorted, named by their code, so
        that every record with a township code is counted once. Records without one are not.
    """
    codes = townships["code"].astype(str).tolist()
    counts = {label: _codes(frame).value_counts() for label, frame in records.items()}
    others = sorted({code for c in counts.values() for code in c.index} - set(codes))
    index = pd.Index(codes + others, dtype=object, name=TOWNSHIP_CODE)
    names = dict(zip(codes, townships["name"].astype(str), strict=True))
    table = pd.DataFrame({"name": [names.get(code, code) for code in index]}, index=index,
                         dtype=object)
    for label, count in counts.items():
        table[label] = count.reindex(index, fill_value=0).astype(int).to_numpy()
    return table


def _codes(frame: pd.DataFrame) -> pd.Series:
    """Return the township codes ``frame`` names, as text, blanks left out."""
    if TOWNSHIP_CODE not in frame:
        return pd.Series(dtype=object)
    codes = frame[TOWNSHIP_CODE].dropna().astype(str).str.strip()
    return codes[codes != ""]
