"""Locating rows: geometry from GIS files, WKT or coordinate columns, in EPSG:4326, checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from core import settings
from core.district import district_config
from core.errors import Issue
from core.projection import candidate_grids
from layers.coords import (
    CrsSpec,
    looks_projected,
    parse_coordinates,
    resolve_crs,
    suggest_projected_crs,
    to_wgs84,
)

_FAMILY = {"Point": "Point", "MultiPoint": "Point", "Polygon": "Polygon",
           "MultiPolygon": "Polygon"}
# Beyond this share of rows outside the district, a wrong coordinate system is the likely cause.
_MOSTLY_OUTSIDE = 0.8


@dataclass
class Located:
    """Geometry for every row (None where absent), in EPSG:4326, and the problems found."""

    geometry: gpd.GeoSeries
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    crs_label: str = ""


def locate(frame: pd.DataFrame, rows: np.ndarray, geometry: gpd.GeoSeries | None,
           file_crs: pyproj.CRS | None, crs: str | None, headers: dict[str, str],
           required: bool) -> Located:
    """Return each row's geometry in EPSG:4326 from whatever the file holds.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with canonical column names (``_lng``, ``_lat``, ``_wkt`` for coordinates).
    rows : numpy.ndarray
        Row numbers as the user sees them.
    geometry : geopandas.GeoSeries, optional
        Geometry read from a GIS file.
    file_crs : pyproj.CRS, optional
        The CRS the file declares.
    crs : str, optional
        The CRS the user declared (``--crs``); it wins over the file's.
    headers : dict
        ``{canonical column: header as the file shows it}``, for messages.
    required : bool
        Whether a row without a location is an error.

    Returns
    -------
    Located
        Geometry and problems.
    """
    spec = resolve_crs(crs) if crs else None
    index = frame.index
    if geometry is not None:
        out = Located(gpd.GeoSeries(shapely.force_2d(geometry.values), index=index))
        raw_bounds = _xy(out.geometry)
    elif "_wkt" in frame:
        out = _from_wkt(frame["_wkt"], rows, headers.get("_wkt", "WKT"))
        raw_bounds = _xy(out.geometry)
    elif "_lng" in frame and "_lat" in frame:
        out = _from_columns(frame, rows, headers)
        raw_bounds = _xy(out.geometry)
    else:
        out = Located(gpd.GeoSeries([None] * len(index), index=index))
        if required:
            out.errors.append(Issue("validate.no_coordinates"))
        return _finish(out)
    if spec is None:
        spec = _spec_from_file(file_crs, raw_bounds, out)
        if spec is None:
            return _finish(out)
    out.geometry = _transform(out.geometry, spec)
    out.crs_label = spec.label
    _check_range(out, rows)
    if required:
        # Rows already reported (bad or half coordinates) need no second message.
        reported = {i.row for i in out.errors}
        missing = rows[out.geometry.isna().to_numpy()]
        out.errors.extend(Issue("validate.no_location", int(r)) for r in missing
                          if int(r) not in reported)
    return _finish(out)


def _finish(out: Located) -> Located:
    out.geometry = out.geometry.set_crs(4326, allow_override=True)
    return out


def _xy(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    coords = shapely.get_coordinates(geoms.dropna().values)
    return coords[:, 0], coords[:, 1]


def _spec_from_file(file_crs: pyproj.CRS | None, bounds, out: Located) -> CrsSpec | None:
    if file_crs is not None:
        return CrsSpec("epsg", pyproj.CRS(file_crs), file_crs.to_string())
    x, y = bounds
    if len(x) and looks_projected(x, y):
        out.errors.append(Issue("validate.projected_undeclared",
                                params={"suggestion": suggest_projected_crs(x, y)
                                        or candidate_grids(district_config().centre[0])[0]}))
        return None
    out.warnings.append(Issue("validate.assumed_wgs84"))
    return resolve_crs("wgs84")


def _from_wkt(values: pd.Series, rows: np.ndarray, header: str) -> Located:
    texts = values.where(values.notna(), None).map(lambda v: None if v is None else str(v))
    geoms = shapely.from_wkt(texts.to_numpy(dtype=object), on_invalid="ignore")
    bad = pd.isna(geoms) & texts.notna().to_numpy()
    located = Located(gpd.GeoSeries(geoms, index=values.index))
    located.errors.extend(Issue("validate.bad_wkt", int(r), header) for r in rows[bad])
    return located


def _from_columns(frame: pd.DataFrame, rows: np.ndarray, headers: dict[str, str]) -> Located:
    lng = parse_coordinates(frame["_lng"])
    lat = parse_coordinates(frame["_lat"])
    located = Located(gpd.GeoSeries([None] * len(frame), index=frame.index))
    for column, parsed in (("_lng", lng), ("_lat", lat)):
        given = frame[column].notna().to_numpy() & (frame[column].astype(str).str.strip() != "")
        bad = given & np.isnan(parsed)
        located.errors.extend(Issue("validate.bad_coordinate", int(r), headers.get(column, column),
                                    {"value": frame[column].iloc[i]})
                              for i, r in zip(np.flatnonzero(bad), rows[bad], strict=True))
    half = np.isnan(lng) ^ np.isnan(lat)
    located.errors.extend(Issue("validate.coord_incomplete", int(r)) for r in rows[half])
    both = ~np.isnan(lng) & ~np.isnan(lat)
    points = np.full(len(frame), None, dtype=object)
    points[both] = shapely.points(lng[both], lat[both])
    located.geometry = gpd.GeoSeries(points, index=frame.index)
    return located


def _transform(geoms: gpd.GeoSeries, spec: CrsSpec) -> gpd.GeoSeries:
    present = geoms.notna().to_numpy()
    if not present.any():
        return geoms
    values = geoms.to_numpy(dtype=object).copy()

    def convert(coords: np.ndarray) -> np.ndarray:
        x, y = to_wgs84(coords[:, 0], coords[:, 1], spec)
        return np.column_stack([x, y])

    values[present] = shapely.transform(values[present], convert)
    return gpd.GeoSeries(values, index=geoms.index)


def _check_range(out: Located, rows: np.ndarray) -> None:
    geoms = out.geometry
    present = geoms.notna().to_numpy()
    if not present.any():
        return
    bounds = shapely.bounds(geoms.to_numpy(dtype=object)[present])
    finite = np.isfinite(bounds).all(axis=1)
    bad_range = ~finite | (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | \
        (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
    # Latitude beyond 90 while longitude would pass as one: the columns are swapped.
    swapped = (np.abs(bounds[:, [0, 2]]) <= 90).all(axis=1) & \
        (np.abs(bounds[:, [1, 3]]) <= 180).all(axis=1)
    for r, is_swapped in zip(rows[present][bad_range], swapped[bad_range], strict=True):
        key = "validate.coord_swapped" if is_swapped else "validate.coord_range"
        out.errors.append(Issue(key, int(r)))
    values = geoms.to_numpy(dtype=object)
    values[np.flatnonzero(present)[bad_range]] = None
    out.geometry = gpd.GeoSeries(values, index=geoms.index)


def check_families(geoms: gpd.GeoSeries, rows: np.ndarray, allowed: tuple[str, ...],
                   errors: list[Issue], warnings: list[Issue]) -> gpd.GeoSeries:
    """Return the geometry with invalid polygons repaired; flag rows of the wrong kind.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometry in EPSG:4326 (None where absent).
    rows : numpy.ndarray
        Row numbers as the user sees them.
    allowed : tuple of str
        Allowed families, ``"Point"`` and/or ``"Polygon"``.
    errors, warnings : list of Issue
        Where problems are added.

    Returns
    -------
    geopandas.GeoSeries
        The geometry, repaired; None where the kind is wrong.
    """
    values = geoms.to_numpy(dtype=object).copy()
    present = ~pd.isna(values)
    kinds = np.array([_FAMILY.get(g.geom_type, g.geom_type) if g is not None else None
                      for g in values], dtype=object)
    wrong = present & ~np.isin(kinds, allowed)
    for i in np.flatnonzero(wrong):
        errors.append(Issue("validate.wrong_geometry", int(rows[i]), None,
                            {"found": values[i].geom_type, "expected": "/".join(allowed)}))
        values[i] = None
    polygons = present & ~wrong & (kinds == "Polygon")
    invalid = polygons.copy()
    invalid[polygons] = ~shapely.is_valid(values[polygons])
    for i in np.flatnonzero(invalid):
        repaired = _polygonal(shapely.make_valid(values[i]))
        if repaired is None or repaired.is_empty:
            errors.append(Issue("validate.polygon_unrepairable", int(rows[i])))
            values[i] = None
        else:
            warnings.append(Issue("validate.polygon_repaired", int(rows[i])))
            values[i] = repaired
    multi_points = present & ~wrong & np.array([g is not None and g.geom_type == "MultiPoint"
                                                for g in values])
    for i in np.flatnonzero(multi_points):
        if len(values[i].geoms) == 1:
            values[i] = values[i].geoms[0]
        else:
            errors.append(Issue("validate.multipoint", int(rows[i])))
            values[i] = None
    return gpd.GeoSeries(values, index=geoms.index, crs=4326)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry | None:
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else None


def check_inside(geoms: gpd.GeoSeries, rows: np.ndarray, district: shapely.Geometry,
                 errors: list[Issue]) -> np.ndarray:
    """Flag rows lying outside the district (beyond the tolerance), with a hint when swapped.

    Parameters
    ----------
    geoms : geopandas.GeoSeries
        Geometry in EPSG:4326.
    rows : numpy.ndarray
        Row numbers as the user sees them.
    district : shapely.Geometry
        The district boundary in EPSG:4326.
    errors : list of Issue
        Where problems are added.

    Returns
    -------
    numpy.ndarray of bool
        True for rows found outside.
    """
    metric = pyproj.CRS(settings.get("metric_crs"))
    area, to_metric = _metric_district(district, metric.to_string())
    tolerance = float(settings.get("district_tolerance_m"))
    values = geoms.to_numpy(dtype=object)
    present = ~pd.isna(values)
    outside = np.zeros(len(values), dtype=bool)
    if not present.any():
        return outside
    metric_geoms = gpd.GeoSeries(values[present], crs=4326).to_crs(metric).to_numpy()
    points = shapely.get_type_id(metric_geoms) == shapely.GeometryType.POINT
    inside = np.ones(len(metric_geoms), dtype=bool)
    # A point projected from wildly wrong coordinates is NaN: not within, no warning needed.
    with np.errstate(invalid="ignore"):
        inside[points] = shapely.dwithin(area, metric_geoms[points], tolerance)
    if not points.all():  # an outline must lie wholly within the tolerance of the district
        inside[~points] = shapely.covered_by(metric_geoms[~points],
                                             _buffered(district, metric.to_string(), tolerance))
    outside[present] = ~inside
    if not outside.any():
        return outside
    for i in np.flatnonzero(outside):
        errors.append(_outside_issue(values[i], int(rows[i]), area, tolerance, to_metric))
    located = int(present.sum())
    if outside.sum() >= _MOSTLY_OUTSIDE * located and located >= 3:
        grid = candidate_grids(district_config().centre[0])[0]  # the district's own zone
        errors.insert(0, Issue("validate.mostly_outside", params={
            "count": int(outside.sum()), "total": located, "grid": grid}))
    return outside


@lru_cache(maxsize=4)
def _metric_district(district: shapely.Geometry, metric: str
                     ) -> tuple[shapely.Geometry, pyproj.Transformer]:
    """Return the district in metres (prepared) and the transformer to metres.

    Kept between calls: a form's one record is checked against the same district each time.
    Points are then tested by distance (``dwithin``), not against a buffered district: buffering
    a province of 1,500 townships took 3 s.
    """
    to_metric = pyproj.Transformer.from_crs(4326, pyproj.CRS(metric), always_xy=True)
    area = shapely.transform(
        district, lambda c: np.column_stack(to_metric.transform(c[:, 0], c[:, 1])))
    shapely.prepare(area)
    return area, to_metric


@lru_cache(maxsize=4)
def _buffered(district: shapely.Geometry, metric: str, tolerance: float) -> shapely.Geometry:
    area, _ = _metric_district(district, metric)
    allowed = area.buffer(tolerance)
    shapely.prepare(allowed)
    return allowed


def _outside_issue(geom: shapely.Geometry, row: int, area: shapely.Geometry,
                   tolerance: float, to_metric: pyproj.Transformer) -> Issue:
    point = geom.representative_point()
    swapped_xy = to_metric.transform(point.y, point.x)
    if np.all(np.isfinite(swapped_xy)) and shapely.dwithin(area, shapely.Point(*swapped_xy),
                                                           tolerance):
        return Issue("validate.outside_swapped", row)
    here = shapely.Point(*to_metric.transform(point.x, point.y))
    km = area.distance(here) / 1000
    return Issue("validate.outside", row, None,
                 {"km": f"{km:.1f}", "lng": f"{point.x:.6f}", "lat": f"{point.y:.6f}"})
