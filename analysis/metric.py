"""Projecting layers to the metric CRS, where every distance and area is computed."""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import pyproj

from core import settings
from core.district import district_config


def metric_crs() -> pyproj.CRS:
    """Return the projected CRS distances and areas are computed in.

    The district file's ``crs`` (its own Gauss-Kruger zone, written by ``python -m layers
    init``), else the ``metric_crs`` setting.
    """
    return _crs(district_config().crs or str(settings.get("metric_crs")))


@lru_cache(maxsize=8)
def _crs(name: str) -> pyproj.CRS:
    # Asked for by every map and analysis: building a CRS takes milliseconds.
    return pyproj.CRS(name)


def to_metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` projected to the district's metric CRS (:func:`metric_crs`).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        A layer with a CRS (EPSG:4326 as stored).

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows in metres.
    """
    if frame.crs is None:
        msg = "a layer without a CRS cannot be measured; layers are stored in EPSG:4326"
        raise ValueError(msg)
    return frame.to_crs(metric_crs())
