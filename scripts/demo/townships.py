"""Townships layer: a made-up partition of the real boundary, and made-up populations."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from scripts.demo.common import METRIC_CRS, Geography, allocate, random_points_in, to_output
from scripts.demo.district import MINORITY_TOTAL, TOTAL_POPULATION

# --- Made-up geography: which part of the real boundary each township gets -----------------
URBAN_STRIP_KM2 = 30.0  # the nine streets share a ~30 km² strip along the Yellow River
# Listed east -> west: the urban cells are named in this order of their centroids' x.
URBAN_EAST_TO_WEST = ("西园街道", "西湖街道", "建兰路街道", "敦煌路街道", "西站街道",
                      "龚家湾街道", "晏家坪街道", "土门墩街道", "秀川街道")
# Rough positions of the towns in the rural part, as (east, north) fractions of its bounding box.
TOWN_ANCHORS = {"阿干镇": (0.62, 0.08), "八里镇": (0.88, 0.62), "彭家坪镇": (0.22, 0.88),
                "西果园镇": (0.52, 0.55), "黄峪镇": (0.85, 0.28), "魏岭乡": (0.10, 0.45)}

URBAN_POPULATION = (45_000, 70_000)  # drawn, then scaled to the total: stays within 40-75k
TOWN_POPULATION = (12_000, 30_000)  # likewise within 8-35k
# Minority shares: Hui neighbourhoods around 西站, 小西湖 and 建兰路 are the densest.
MINORITY_SHARE = {
    "西园街道": 0.15, "西湖街道": 0.29, "建兰路街道": 0.26, "敦煌路街道": 0.12,
    "西站街道": 0.31, "晏家坪街道": 0.08, "龚家湾街道": 0.10, "土门墩街道": 0.11,
    "秀川街道": 0.09, "阿干镇": 0.05, "八里镇": 0.09, "彭家坪镇": 0.06, "西果园镇": 0.04,
    "黄峪镇": 0.02, "魏岭乡": 0.03,
}


def wavy_north(cut: float, bounds: tuple[float, float, float, float]) -> shapely.Polygon:
    """Return the half-plane north of a gently waving east-west line at ``y = cut``.

    A straight cut would give all nine streets one ruler-straight southern edge.

    Parameters
    ----------
    cut : float
        Mean northing of the line (metres).
    bounds : tuple
        Bounds of the area being cut.

    Returns
    -------
    shapely.Polygon
        Everything north of the line within the bounds (plus a margin).
    """
    minx, _, maxx, maxy = bounds
    x = np.linspace(minx - 1000, maxx + 1000, 120)
    y = cut + 400 * np.sin(2 * np.pi * (x - minx) / 7000) + 200 * np.sin(2 * np.pi * x / 2300)
    top = [[maxx + 1000, maxy + 1000], [minx - 1000, maxy + 1000]]
    ring = np.column_stack([x, y]).tolist() + top
    return shapely.Polygon(ring)


def split_urban_strip(boundary: shapely.Geometry) -> tuple[shapely.Geometry, shapely.Geometry]:
    """Cut the boundary into the urban strip along the river (north) and the hilly rest.

    Parameters
    ----------
    boundary : shapely.Geometry
        The district in metres.

    Returns
    -------
    tuple of shapely.Geometry
        ``(urban, rural)``; the urban part has about :data:`URBAN_STRIP_KM2`.
    """
    bounds = boundary.bounds
    low, high = bounds[1], bounds[3]
    for _ in range(50):  # bisection on the line's northing: area north of it is monotone
        mid = (low + high) / 2
        area = boundary.intersection(wavy_north(mid, bounds)).area / 1e6
        low, high = (mid, high) if area > URBAN_STRIP_KM2 else (low, mid)
    north = wavy_north((low + high) / 2, bounds)
    return boundary.intersection(north), boundary.difference(north)


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator, steps: int = 100) -> np.ndarray:
    """Return ``k`` cluster centres of ``points`` (k-means++ start, Lloyd iterations).

    Parameters
    ----------
    points : numpy.ndarray
        ``(n, 2)`` coordinates.
    k : int
        Number of clusters.
    rng : numpy.random.Generator
        The random stream (the start).
    steps : int
        Most iterations.

    Returns
    -------
    numpy.ndarray
        ``(k, 2)`` centres.
    """
    centres = points[[rng.integers(len(points))]]
    while len(centres) < k:  # k-means++: far points are likelier next centres
        d2 = ((points[:, None, :] - centres[None]) ** 2).sum(-1).min(1)
        centres = np.vstack([centres, points[rng.choice(len(points), p=d2 / d2.sum())]])
    for _ in range(steps):
        label = ((points[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
        moved = np.array([points[label == j].mean(0) for j in range(k)])
        if np.allclose(moved, centres, atol=0.01):
            break
        centres = moved
    return centres


def voronoi_cells(centres: np.ndarray, part: shapely.Geometry) -> list[shapely.Geometry]:
    """Return the Voronoi cell of each centre clipped to ``part``, in the centres' order.

    Parameters
    ----------
    centres : numpy.ndarray
        ``(k, 2)`` seed points.
    part : shapely.Geometry
        The area to partition.

    Returns
    -------
    list of shapely.Geometry
        One (multi)polygon per centre; together they tile ``part``.
    """
    diagram = shapely.voronoi_polygons(shapely.MultiPoint(centres), extend_to=part, ordered=True)
    cells = [part.intersection(cell) for cell in diagram.geoms]
    return absorb_fragments(cells)


def absorb_fragments(cells: list[shapely.Geometry]) -> list[shapely.Geometry]:
    """Give every stray piece of a cell to the neighbour it shares the longest border with.

    A convex Voronoi cell clipped to a concave boundary can fall apart; a township made of a
    main body and a detached sliver would look wrong on the map.

    Parameters
    ----------
    cells : list of shapely.Geometry
        A partition, one (multi)polygon per township.

    Returns
    -------
    list of shapely.Geometry
        The same partition with every cell in one piece where possible.
    """
    cells = list(cells)
    for i, cell in enumerate(cells):
        pieces = sorted(getattr(cell, "geoms", [cell]), key=lambda p: p.area, reverse=True)
        if len(pieces) < 2:
            continue
        cells[i] = pieces[0]
        for piece in pieces[1:]:
            shared = [piece.boundary.intersection(other).length if j != i else -1.0
                      for j, other in enumerate(cells)]
            j = int(np.argmax(shared))
            cells[j] = shapely.union(cells[j], piece)
    return [shapely.make_valid(c) for c in cells]


def name_urban_cells(centres: np.ndarray) -> list[str]:
    """Return the street name of each urban cell: ordered east to west by centre.

    Parameters
    ----------
    centres : numpy.ndarray
        ``(9, 2)`` cell centres.

    Returns
    -------
    list of str
        A name per centre.
    """
    order = np.argsort(-centres[:, 0], kind="stable")
    names = [""] * len(centres)
    for rank, index in enumerate(order):
        names[index] = URBAN_EAST_TO_WEST[rank]
    return names


def name_rural_cells(centres: np.ndarray, part: shapely.Geometry) -> list[str]:
    """Return the town name of each rural cell: the assignment closest to the rough geography.

    Parameters
    ----------
    centres : numpy.ndarray
        ``(6, 2)`` cell centres.
    part : shapely.Geometry
        The rural part, whose bounding box the anchors are fractions of.

    Returns
    -------
    list of str
        A name per centre.
    """
    minx, miny, maxx, maxy = part.bounds
    names = list(TOWN_ANCHORS)
    anchors = np.array([(minx + fx * (maxx - minx), miny + fy * (maxy - miny))
                        for fx, fy in TOWN_ANCHORS.values()])
    # Six towns: trying all 720 assignments is instant and exact.
    best = min(itertools.permutations(range(len(names))),
               key=lambda perm: float(((centres - anchors[list(perm)]) ** 2).sum()))
    return [names[j] for j in best]


def partition(boundary: shapely.Geometry, rng: np.random.Generator) -> dict[str, shapely.Geometry]:
    """Return a made-up polygon for every township name, tiling the boundary.

    Parameters
    ----------
    boundary : shapely.Geometry
        The district in metres.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    dict
        ``{township name: polygon in metres}``.
    """
    urban, rural = split_urban_strip(boundary)
    # k-means of uniform points gives compact cells of similar area: streets of ~3 km² in
    # the strip, towns of ~60 km² in the hills.
    streets = kmeans(random_points_in(urban, 6000, rng), len(URBAN_EAST_TO_WEST), rng)
    towns = kmeans(random_points_in(rural, 6000, rng), len(TOWN_ANCHORS), rng)
    names = name_urban_cells(streets) + name_rural_cells(towns, rural)
    cells = voronoi_cells(streets, urban) + voronoi_cells(towns, rural)
    return dict(zip(names, cells, strict=True))


def seat_of(cell: shapely.Geometry) -> np.ndarray:
    """Return a township's seat: its centroid, or a point well inside when that falls outside.

    Parameters
    ----------
    cell : shapely.Geometry
        The township in metres.

    Returns
    -------
    numpy.ndarray
        ``(x, y)``.
    """
    inner = cell.buffer(-400)
    point = cell.centroid if inner.contains(cell.centroid) else inner.point_on_surface()
    return np.array([point.x, point.y])


def township_population(townships: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Return made-up populations: streets 40-75k, towns 8-35k, exactly 650,000 in all.

    Parameters
    ----------
    townships : pandas.DataFrame
        The townships with ``urban``.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        One integer per township.
    """
    low = np.where(townships["urban"], URBAN_POPULATION[0], TOWN_POPULATION[0])
    high = np.where(townships["urban"], URBAN_POPULATION[1], TOWN_POPULATION[1])
    raw = rng.uniform(low, high)
    # Scaling to the total moves each figure by a few per cent only: the ranges still hold.
    population = np.round(raw * TOTAL_POPULATION / raw.sum(), -1).astype(np.int64)
    population[np.argmax(population)] += TOTAL_POPULATION - population.sum()
    urban = townships["urban"].to_numpy()
    if not (np.all(population[urban] >= 40_000) and np.all(population[urban] <= 75_000)
            and np.all(population[~urban] >= 8_000) and np.all(population[~urban] <= 35_000)):
        raise ValueError(f"township populations out of range: {population.tolist()}")
    return population


def township_minorities(townships: pd.DataFrame, population: np.ndarray,
                        rng: np.random.Generator) -> np.ndarray:
    """Return made-up minority populations: shares near :data:`MINORITY_SHARE`.

    They sum to :data:`MINORITY_TOTAL`.

    Parameters
    ----------
    townships : pandas.DataFrame
        The townships with ``name``.
    population : numpy.ndarray
        Their populations.
    rng : numpy.random.Generator
        The random stream (a ±8 % wobble on each share).

    Returns
    -------
    numpy.ndarray
        One integer per township.
    """
    share = townships["name"].map(MINORITY_SHARE).to_numpy(dtype=float)
    share = share * rng.uniform(0.92, 1.08, len(share))
    return allocate(MINORITY_TOTAL, population * share)


def townships_layer(geo: Geography) -> gpd.GeoDataFrame:
    """Return the townships layer.

    Parameters
    ----------
    geo : Geography
        The geography.

    Returns
    -------
    geopandas.GeoDataFrame
        15 rows in EPSG:4326.
    """
    shapes = [geo.cells[code] for code in geo.townships["code"]]
    frame = gpd.GeoDataFrame(geo.townships.copy(), geometry=shapes, crs=METRIC_CRS)
    out = to_output(frame, "townships")
    # The GeoPackage stores townships as MultiPolygon; match it so built and read-back agree.
    multi = [g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
             for g in out.geometry]
    return out.set_geometry(gpd.GeoSeries(multi, index=out.index, crs=out.crs))
