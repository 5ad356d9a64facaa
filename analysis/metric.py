"""Projecting layers to the metric CRS, where every distance and area is computed."""

from __future__ import annotations

import geopandas as gpd
import pyproj

from core import settings


def metric_crs() -> pyproj.CRS:
    """Return the projected CRS distances and areas are computed in (``metric_crs`` setting)."""
    return pyproj.CRS(settings.get("metric_crs"))


def to_metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` projected to the metric CRS (EPSG:4544 by default).

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
