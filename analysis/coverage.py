"""Station coverage: which communities, venues and minority residents a station reaches."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.metric import to_metric
from core.district import DistrictConfig, district_config


@dataclass(frozen=True)
class Coverage:
    """Coverage of communities, venues and townships by the stations' service areas.

    Attributes
    ----------
    communities : pandas.DataFrame
        Index community code: ``name``, ``township_code``, ``kind``, ``key_community``,
        ``population``, ``minority_population``, ``covered_share`` (0-1: the point's 0/1, or
        the covered share of a polygon's area), ``covered`` (share > 0.5),
        ``nearest_station``, ``nearest_station_name``, ``nearest_distance_m``.
    venues : pandas.DataFrame
        Index venue code: ``name``, ``religion``, ``township_code``, ``covered``,
        ``serving_station``, ``serving_station_name`` (the nearest station whose area holds
        it), ``distance_m`` (to the serving station, else to the nearest one).
    townships : pandas.DataFrame
        Index township code: ``name``, ``urban``, ``has_station`` (a 民族工作站 of its own),
        ``stations``, ``communities``, ``communities_covered``, ``community_rate``,
        ``population``, ``population_covered``, ``minority_population``,
        ``minority_covered``, ``minority_rate``, ``venues``, ``venues_covered``.
    totals : dict
        District figures: counts, covered counts and rates by count and by population.
    """

    communities: pd.DataFrame
    venues: pd.DataFrame
    townships: pd.DataFrame
    totals: dict


def station_radii(stations: pd.DataFrame, townships: pd.DataFrame,
                  config: DistrictConfig | None = None) -> np.ndarray:
    """Return each station's service radius (m), by its kind and its township's urban flag.

    Parameters
    ----------
    stations : pandas.DataFrame
        Stations with ``kind`` and ``township_code``.
    townships : pandas.DataFrame
        Townships with ``code`` and ``urban``.
    config : DistrictConfig, optional
        Radii per kind; the configured district's when omitted.

    Returns
    -------
    numpy.ndarray
        Radius in metres per station (0 for a kind without a radius).
    """
    config = config or district_config()
    urban = dict(zip(townships["code"].astype(str), townships["urban"].fillna(False).astype(bool),
                     strict=True))
    return np.array([config.radius(str(kind), urban.get(str(town), False))
                     for kind, town in zip(stations["kind"], stations["township_code"],
                                           strict=True)], dtype=float)


def station_coverage(stations: gpd.GeoDataFrame, communities: gpd.GeoDataFrame,
                     townships: gpd.GeoDataFrame, venues: gpd.GeoDataFrame,
                     config: DistrictConfig | None = None,
                     radii: np.ndarray | None = None) -> Coverage:
    """Return what the stations' service areas cover, per community, venue and township.

    A point community is covered when it lies within some station's radius; a polygon
    community by the share of its area inside the union of service areas (and counts as
    covered above half). Populations covered are weighted by that share. All distances are
    in the metric CRS.

    Parameters
    ----------
    stations, communities, townships, venues : geopandas.GeoDataFrame
        The layers (EPSG:4326 as stored).
    config : DistrictConfig, optional
        Service radii and station kinds; the configured district's when omitted.
    radii : numpy.ndarray, optional
        Radius per station, overriding the configured ones (what-if analysis, tests).

    Returns
    -------
    Coverage
        The tables and district totals.
    """
    config = config or district_config()
    placed = stations[stations.geometry.notna()]
    if radii is None:
        radii = station_radii(placed, townships, config)
    else:
        radii = np.asarray(radii, dtype=float)[stations.geometry.notna().to_numpy()]
    station_xy = to_metric(placed).geometry.to_numpy()
    community_table = _cover_communities(communities, placed, station_xy, radii)
    venue_table = _cover_venues(venues, placed, station_xy, radii)
    town_table = _township_table(townships, placed, community_table, venue_table,
                                 config.township_station_kind)
    return Coverage(community_table, venue_table, town_table,
                    _totals(town_table, community_table, venue_table))


def _nearest(points: np.ndarray, station_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the index of the nearest station to each geometry and the distance (m)."""
    index = np.full(len(points), -1)
    distance = np.full(len(points), np.nan)
    present = ~pd.isna(points)
    if len(station_xy) == 0 or not present.any():
        return index, distance
    tree = shapely.STRtree(station_xy)
    pairs, dist = tree.query_nearest(points[present], return_distance=True, all_matches=False)
    found = np.flatnonzero(present)[pairs[0]]
    index[found] = pairs[1]
    distance[found] = dist
    return index, distance


def _within_reach(points: np.ndarray, station_xy: np.ndarray,
                  radii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (point, station) index pairs where the point lies within the station's radius."""
    present = ~pd.isna(points)
    if len(station_xy) == 0 or not present.any() or radii.max(initial=0) <= 0:
        return np.empty(0, dtype=int), np.empty(0, dtype=int)
    tree = shapely.STRtree(station_xy)
    idx = np.flatnonzero(present)
    pairs = tree.query(points[present], predicate="dwithin", distance=float(radii.max()))
    point_i, station_i = idx[pairs[0]], pairs[1]
    dist = shapely.distance(points[point_i], station_xy[station_i])
    keep = dist <= radii[station_i]
    return point_i[keep], station_i[keep]


def _polygon_share(polygons: np.ndarray, station_xy: np.ndarray,
                   radii: np.ndarray) -> np.ndarray:
    """Return the share of each polygon's area inside the union of the service areas."""
    share = np.zeros(len(polygons))
    if len(station_xy) == 0:
        return share
    discs = shapely.buffer(station_xy, radii, quad_segs=16)
    tree = shapely.STRtree(discs)
    for i, polygon in enumerate(polygons):
        near = tree.query(polygon, predicate="intersects")
        if len(near) and polygon.area > 0:
            covered = shapely.intersection(polygon, shapely.union_all(discs[near]))
            share[i] = covered.area / polygon.area
    return share


def _cover_communities(communities: gpd.GeoDataFrame, stations: gpd.GeoDataFrame,
                       station_xy: np.ndarray, radii: np.ndarray) -> pd.DataFrame:
    geoms = to_metric(communities).geometry.to_numpy()
    is_polygon = np.array([g is not None and g.geom_type in ("Polygon", "MultiPolygon")
                           for g in geoms])
    share = np.zeros(len(geoms))
    # numpy's stub reads np.where(c, None, y) as the one-argument form; it is the three-argument
    # one (an object array with None where the polygons were).
    point_i, _ = _within_reach(np.where(is_polygon, None, geoms),  # type: ignore[arg-type]
                               station_xy, radii)
    share[np.unique(point_i)] = 1.0
    if is_polygon.any():
        share[is_polygon] = _polygon_share(geoms[is_polygon], station_xy, radii)
    nearest, distance = _nearest(geoms, station_xy)
    table = pd.DataFrame({
        "name": communities["name"].to_numpy(),
        "township_code": communities["township_code"].astype(str).to_numpy(),
        "kind": communities["kind"].to_numpy(),
        "key_community": communities["key_community"].fillna(False).astype(bool).to_numpy(),
        "population": communities["population"].fillna(0).astype(int).to_numpy(),
        "minority_population": communities["minority_population"].fillna(0).astype(int)
        .to_numpy(),
        "covered_share": share,
        "covered": share > 0.5,
    }, index=pd.Index(communities["code"].astype(str), name="code"))
    return _with_nearest(table, stations, nearest, distance, "nearest_station",
                         "nearest_station_name", "nearest_distance_m")


def _with_nearest(table: pd.DataFrame, stations: gpd.GeoDataFrame, index: np.ndarray,
                  distance: np.ndarray, code_col: str, name_col: str,
                  distance_col: str) -> pd.DataFrame:
    codes = stations["code"].astype(str).to_numpy()
    names = stations["name"].astype(str).to_numpy()
    found = index >= 0
    table[code_col] = np.where(found, codes[np.maximum(index, 0)] if len(codes) else None, None)
    table[name_col] = np.where(found, names[np.maximum(index, 0)] if len(names) else None, None)
    table[distance_col] = distance
    return table


def _cover_venues(venues: gpd.GeoDataFrame, stations: gpd.GeoDataFrame,
                  station_xy: np.ndarray, radii: np.ndarray) -> pd.DataFrame:
    geoms = to_metric(venues).geometry.to_numpy()
    point_i, station_i = _within_reach(geoms, station_xy, radii)
    serving = np.full(len(geoms), -1)
    serving_distance = np.full(len(geoms), np.nan)
    if len(point_i):
        dist = shapely.distance(geoms[point_i], station_xy[station_i])
        # The serving station is the nearest of those whose area holds the venue.
        order = np.lexsort((dist, point_i))
        first = np.unique(point_i[order], return_index=True)[1]
        serving[point_i[order][first]] = station_i[order][first]
        serving_distance[point_i[order][first]] = dist[order][first]
    nearest, distance = _nearest(geoms, station_xy)
    table = pd.DataFrame({
        "name": venues["name"].to_numpy(),
        "religion": venues["religion"].to_numpy(),
        "township_code": venues["township_code"].astype(str).to_numpy(),
        "covered": serving >= 0,
    }, index=pd.Index(venues["code"].astype(str), name="code"))
    table = _with_nearest(table, stations, serving, serving_distance, "serving_station",
                          "serving_station_name", "distance_m")
    table["distance_m"] = np.where(serving >= 0, serving_distance, distance)
    table["nearest_station"] = _with_nearest(pd.DataFrame(index=table.index), stations, nearest,
                                             distance, "c", "n", "d")["c"].to_numpy()
    return table


def _township_table(townships: gpd.GeoDataFrame, stations: gpd.GeoDataFrame,
                    communities: pd.DataFrame, venues: pd.DataFrame,
                    township_kind: str) -> pd.DataFrame:
    codes = pd.Index(townships["code"].astype(str), name="code")
    table = pd.DataFrame({"name": townships["name"].to_numpy(),
                          "urban": townships["urban"].fillna(False).astype(bool).to_numpy()},
                         index=codes)
    by_town = stations["township_code"].astype(str)
    table["stations"] = by_town.value_counts().reindex(codes, fill_value=0).astype(int)
    own = by_town[stations["kind"] == township_kind]
    table["has_station"] = codes.isin(own)
    weighted = communities.assign(
        covered_n=communities["covered"].astype(int),
        population_covered=communities["population"] * communities["covered_share"],
        minority_covered=communities["minority_population"] * communities["covered_share"])
    sums = weighted.groupby("township_code").agg(
        communities=("covered", "size"), communities_covered=("covered_n", "sum"),
        population=("population", "sum"), population_covered=("population_covered", "sum"),
        minority_population=("minority_population", "sum"),
        minority_covered=("minority_covered", "sum")).reindex(codes, fill_value=0)
    table = table.join(sums)
    table["community_rate"] = _rate(table["communities_covered"], table["communities"])
    table["minority_rate"] = _rate(table["minority_covered"], table["minority_population"])
    venue_sums = venues.groupby("township_code")["covered"].agg(["size", "sum"])
    venue_sums = venue_sums.reindex(codes, fill_value=0)
    table["venues"] = venue_sums["size"].astype(int)
    table["venues_covered"] = venue_sums["sum"].astype(int)
    return table


def _rate(part: pd.Series, whole: pd.Series) -> pd.Series:
    # A township with nothing to cover is fully covered, not undefined.
    return (part / whole.where(whole > 0)).fillna(1.0).clip(0, 1)


def _totals(towns: pd.DataFrame, communities: pd.DataFrame, venues: pd.DataFrame) -> dict:
    def rate(part: float, whole: float) -> float:
        return float(part / whole) if whole else 1.0
    population = float(communities["population"].sum())
    minority = float(communities["minority_population"].sum())
    population_covered = float((communities["population"] * communities["covered_share"]).sum())
    minority_covered = float(
        (communities["minority_population"] * communities["covered_share"]).sum())
    return {
        "townships": len(towns), "townships_with_station": int(towns["has_station"].sum()),
        "communities": len(communities), "communities_covered": int(communities["covered"].sum()),
        "community_rate": rate(communities["covered"].sum(), len(communities)),
        "population": population, "population_rate": rate(population_covered, population),
        "minority_population": minority, "minority_covered": minority_covered,
        "minority_uncovered": minority - minority_covered,
        "minority_rate": rate(minority_covered, minority),
        "venues": len(venues), "venues_covered": int(venues["covered"].sum()),
        "venue_rate": rate(venues["covered"].sum(), len(venues)),
    }
