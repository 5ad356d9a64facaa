"""Geometry as a screen shows it: outlines simplified to a pixel, points binned into hexagons."""

from __future__ import annotations

import math
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from analysis.metric import metric_crs
from core import settings

WGS84 = "EPSG:4326"
MAX_DECIMALS = 5  # about a metre: finer than any screen shows at street level
MIN_DECIMALS = 3


def pixel_metres(frame: gpd.GeoDataFrame, screen_px: int) -> float:
    """Return the metres one screen pixel spans when ``frame``'s extent fills ``screen_px``.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        What the map is fitted to (the district), any CRS.
    screen_px : int
        The map's size in pixels along its longer side.

    Returns
    -------
    float
        Metres per pixel, measured in the metric CRS (EPSG:4544); 1.0 for an empty frame.
    """
    present = frame.geometry[frame.geometry.notna() & ~frame.geometry.is_empty]
    if present.empty:
        return 1.0
    # CRS.srs is the text the CRS was made from; to_string() would search the EPSG database.
    source = present.crs.srs if present.crs else WGS84
    extent = _metric_extent(tuple(present.total_bounds), source, str(settings.get("metric_crs")))
    return max(extent, 1.0) / max(int(screen_px), 1)


@lru_cache(maxsize=64)
def _metric_extent(bounds: tuple[float, float, float, float], source: str, target: str) -> float:
    # The extent's corners and edge midpoints, projected: nine points, not every vertex. Kept
    # per extent: pyproj builds its transformer anew in every thread, and Streamlit runs each
    # script run in a new one.
    minx, miny, maxx, maxy = bounds
    xs = np.array([minx, (minx + maxx) / 2, maxx] * 3)
    ys = np.repeat([miny, (miny + maxy) / 2, maxy], 3)
    mx, my = pyproj.Transformer.from_crs(source, target, always_xy=True).transform(xs, ys)
    return float(max(np.ptp(mx), np.ptp(my)))


def decimals_for(pixel_m: float) -> int:
    """Return how many decimals of a degree keep a coordinate within half a pixel.

    Parameters
    ----------
    pixel_m : float
        Metres per pixel.

    Returns
    -------
    int
        Between 3 (about 100 m) and 5 (about 1 m).
    """
    degrees = max(pixel_m, 1e-9) / 2 / 111_320  # half a pixel, in degrees of latitude
    return int(min(MAX_DECIMALS, max(MIN_DECIMALS, math.ceil(-math.log10(degrees)))))


def round_coordinates(geoms: np.ndarray, decimals: int) -> np.ndarray:
    """Return geometries with every coordinate rounded to ``decimals`` (GeoJSON prints them short).

    Parameters
    ----------
    geoms : numpy.ndarray
        Shapely geometries (``None`` allowed).
    decimals : int
        Decimals to keep.

    Returns
    -------
    numpy.ndarray
        New geometries.
    """
    values = np.asarray(geoms, dtype=object)
    out = values.copy()
    present = pd.notna(values)
    if present.any():
        out[present] = shapely.transform(values[present], lambda xy: np.round(xy, decimals))
    return out


def simplify_for_display(frame: gpd.GeoDataFrame, pixel_m: float) -> gpd.GeoDataFrame:
    """Return polygons simplified to about a pixel, shared edges kept shared, coordinates rounded.

    Neighbouring townships are simplified as one coverage (``shapely.coverage_simplify``), so
    no gap or overlap opens between them; each polygon keeps at least its ring (none vanishes).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Polygons (townships, the district), EPSG:4326.
    pixel_m : float
        Metres per pixel at the zoom shown (:func:`pixel_metres`).

    Returns
    -------
    geopandas.GeoDataFrame
        The same rows and columns in EPSG:4326, lighter geometry.
    """
    if frame.empty:
        return frame
    metric = frame.geometry.to_crs(metric_crs()).to_numpy(dtype=object)
    present = pd.notna(metric) & ~shapely.is_empty(metric)  # is_empty(None) is False
    simplified = metric.copy()
    if present.any():
        simplified[present] = _simplified(metric[present], pixel_m)
    back = gpd.GeoSeries(simplified, index=frame.index, crs=metric_crs()).to_crs(WGS84)
    out = frame.copy()
    out.geometry = gpd.GeoSeries(round_coordinates(back.to_numpy(dtype=object),
                                                   decimals_for(pixel_m)),
                                 index=frame.index, crs=WGS84)
    return out


def _simplified(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    # Real township layers are rarely a perfect coverage (slivers along shared edges), and
    # coverage_simplify handles those well; what it cannot handle it returns broken rather
    # than refusing. So: try it, and simplify each polygon alone when a result is invalid
    # (overlapping hand-drawn polygons, stray lines). That may open hairline gaps between
    # neighbours but never drops a polygon.
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6)).all()  # Polygon, MultiPolygon
    if polygonal:
        try:
            simplified = shapely.coverage_simplify(geoms, tolerance)
        except (shapely.errors.GEOSException, TypeError):
            simplified = None
        if simplified is not None and shapely.is_valid(simplified).all():
            return simplified
    return shapely.simplify(geoms, tolerance, preserve_topology=True)


def hex_bins(points: gpd.GeoDataFrame, cell_m: float,
             weight: str | None = None) -> gpd.GeoDataFrame:
    """Return the hexagons (flat-topped, ``cell_m`` across) holding points, with their totals.

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Points, any CRS; rows without geometry are left out.
    cell_m : float
        The hexagons' width across flats, in metres (computed in EPSG:4544).
    weight : str, optional
        A column summed per hexagon as ``total`` (participants); rows count 1 each otherwise.

    Returns
    -------
    geopandas.GeoDataFrame
        ``count``, ``total`` and the hexagon polygon (EPSG:4326), busiest first.
    """
    placed = points[points.geometry.notna() & ~points.geometry.is_empty]
    columns = ["count", "total"]
    if placed.empty:
        return gpd.GeoDataFrame(columns=[*columns, "geometry"], geometry="geometry", crs=WGS84)
    metric = placed.geometry.to_crs(metric_crs())
    q, r = _axial(metric.x.to_numpy(), metric.y.to_numpy(), cell_m / math.sqrt(3))
    weights = (pd.to_numeric(placed[weight], errors="coerce").fillna(0).to_numpy()
               if weight else np.ones(len(placed)))
    cells = pd.DataFrame({"q": q, "r": r, "count": 1, "total": weights})
    totals = cells.groupby(["q", "r"], sort=False).sum().reset_index()
    totals = totals.sort_values("count", ascending=False, kind="stable")
    size = cell_m / math.sqrt(3)
    polygons = _hexagons(totals["q"].to_numpy(), totals["r"].to_numpy(), size)
    out = gpd.GeoDataFrame(totals[columns].reset_index(drop=True),
                           geometry=gpd.GeoSeries(polygons, crs=metric_crs()).to_crs(WGS84))
    out.geometry = gpd.GeoSeries(round_coordinates(out.geometry.to_numpy(dtype=object),
                                                   MAX_DECIMALS), crs=WGS84)
    return out


def _axial(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    # Flat-topped hexagons of circumradius ``size``: fractional axial coordinates, then cube
    # rounding (the nearest centre, https://www.redblobgames.com/grids/hexagons/).
    q = (2 / 3 * x) / size
    r = (-1 / 3 * x + math.sqrt(3) / 3 * y) / size
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    return rq.astype(np.int64), rr.astype(np.int64)


def _hexagons(q: np.ndarray, r: np.ndarray, size: float) -> np.ndarray:
    cx = size * 3 / 2 * q
    cy = size * math.sqrt(3) * (r + q / 2)
    angles = np.deg2rad(np.arange(0, 360, 60))
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    rings = np.stack([xs, ys], axis=-1)
    return shapely.polygons(np.concatenate([rings, rings[:, :1]], axis=1))
