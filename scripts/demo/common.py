"""What every stage of the demo build shares: fixed settings, random helpers, the output form.

The constants are hard-coded on purpose: the demo must come out the same on every machine,
whatever the environment or the district configuration says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers import LAYERS
from storage.dtypes import to_schema_types

ROOT = Path(__file__).resolve().parents[2]

# The date seed 003 was published (2020-11-04): a fixed seed makes every build identical.
DEFAULT_SEED = 20201104
# Hard-coded rather than read from settings: an environment override must not change the demo.
METRIC_CRS = "EPSG:4544"
OUTPUT_CRS = "EPSG:4326"
DECIMALS = 6  # ~0.1 m: more digits only bloat the file

TAG = "（示例）"
NOTE = "示例数据"

# The dashboard's "today" in the demo: contact ages and the latest quarter are judged from here.
REFERENCE_DATE = date(2026, 11, 1)
ACTIVITY_START = date(2019, 1, 1)
ACTIVITY_END = date(2026, 10, 31)

# --- Made-up people ----------------------------------------------------------------------
SURNAMES = ("王", "张", "李", "刘", "杨", "赵", "陈", "何", "周", "孙", "魏", "段")
HUI_SURNAMES = ("马", "韩", "丁", "穆", "冶", "白", "沙", "马")  # mosque contacts
GIVEN_NAMES = ("建国", "秀英", "明", "海龙", "文华", "玉兰", "志强", "红梅", "国庆", "伟",
               "丽", "军", "晓东", "春花", "永福", "德胜", "桂兰", "学文", "小军", "兰英")


def bare_name(name: str) -> str:
    """Return a place name without its administrative ending (``下西园社区居委会`` -> ``下西园``).

    Parameters
    ----------
    name : str
        A township, community or village name.

    Returns
    -------
    str
        The bare name used to build made-up venue and station names.
    """
    for suffix in ("社区居民委员会", "社区居委会", "村民委员会", "社区", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def stage_rng(seed: int, stage: int) -> np.random.Generator:
    """Return the random generator of one build stage.

    Each stage draws from its own stream, so changing one layer's recipe leaves the others'
    figures untouched.

    Parameters
    ----------
    seed : int
        The build's seed.
    stage : int
        A fixed number per stage.

    Returns
    -------
    numpy.random.Generator
        The stream.
    """
    return np.random.default_rng([seed, stage])


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest remainder, ties to the first).

    Parameters
    ----------
    total : int
        What to split.
    weights : numpy.ndarray
        Non-negative weights, not all zero.

    Returns
    -------
    numpy.ndarray
        Integers summing to ``total``.
    """
    share = np.asarray(weights, dtype=float) / np.sum(weights) * total
    parts = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - parts), kind="stable")
    parts[order[: total - parts.sum()]] += 1
    return parts


def allocate_capped(total: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Split like :func:`allocate`, but no part may exceed its cap (the excess moves on).

    Parameters
    ----------
    total : int
        What to split; at most ``caps.sum()``.
    weights : numpy.ndarray
        Non-negative weights.
    caps : numpy.ndarray
        Largest allowed part of each.

    Returns
    -------
    numpy.ndarray
        Integers summing to ``total``, each at most its cap.
    """
    if total > caps.sum():
        raise ValueError(f"cannot split {total} under caps summing to {caps.sum()}")
    parts = np.zeros(len(weights), dtype=np.int64)
    open_ = np.ones(len(weights), dtype=bool)
    while parts.sum() < total:
        extra = allocate(total - parts.sum(), np.where(open_, weights, 0.0))
        parts = np.minimum(parts + extra, caps)
        open_ &= parts < caps
    return parts


def random_points_in(area: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` points drawn uniformly inside ``area`` (rejection sampling).

    Parameters
    ----------
    area : shapely.Geometry
        A (multi)polygon in metres.
    n : int
        How many points.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates.
    """
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(4 * n, 64), 2))
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
    return np.concatenate(found)[:n]


def jitter_inside(centre: np.ndarray, area: shapely.Geometry, radius: tuple[float, float],
                  rng: np.random.Generator) -> np.ndarray:
    """Return a point at a random distance within ``radius`` of ``centre`` and inside ``area``.

    Parameters
    ----------
    centre : numpy.ndarray
        ``(x, y)`` in metres; should itself lie in ``area`` (the fallback).
    area : shapely.Geometry
        Where the point must fall.
    radius : tuple of float
        Smallest and largest distance from ``centre`` in metres.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        ``(x, y)``.
    """
    angles = rng.uniform(0, 2 * np.pi, 32)
    dists = rng.uniform(radius[0], radius[1], 32)
    xy = centre + np.column_stack([np.cos(angles), np.sin(angles)]) * dists[:, None]
    inside = np.flatnonzero(shapely.contains_xy(area, xy[:, 0], xy[:, 1]))
    return xy[inside[0]] if len(inside) else np.asarray(centre, dtype=float)


def random_date(start: date, end: date, rng: np.random.Generator) -> date:
    """Return a uniformly drawn date between ``start`` and ``end`` inclusive.

    Parameters
    ----------
    start, end : datetime.date
        The range.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    datetime.date
        The date.
    """
    return start + timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def person(rng: np.random.Generator, surnames: tuple[str, ...] = SURNAMES) -> str:
    """Return a made-up person's name marked （示例）.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.
    surnames : tuple of str
        Surnames to draw from.

    Returns
    -------
    str
        E.g. ``马建国（示例）``.
    """
    surname = surnames[rng.integers(len(surnames))]
    return f"{surname}{GIVEN_NAMES[rng.integers(len(GIVEN_NAMES))]}{TAG}"


def phone(rng: np.random.Generator) -> str:
    """Return a made-up Lanzhou phone number that cannot be dialled (one digit short).

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    str
        E.g. ``0931-0000123（示例）``.
    """
    return f"0931-0000{int(rng.integers(0, 1000)):03d}{TAG}"


def to_output(frame: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Return a metric frame in EPSG:4326, 6-decimal coordinates, typed per the layer schema.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Rows in EPSG:4544 with canonical columns.
    layer : str
        The layer's name in :data:`layers.LAYERS`.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer as written to the GeoPackage.
    """
    out = frame.to_crs(OUTPUT_CRS)
    present = out.geometry.notna()
    # set_precision snaps every vertex to the same grid, so neighbours still share edges.
    out.loc[present, "geometry"] = shapely.set_precision(
        out.geometry[present].to_numpy(), 10.0 ** -DECIMALS)
    out["note"] = NOTE
    return to_schema_types(LAYERS[layer], out.reset_index(drop=True))


def township_at(xy: np.ndarray, cells: dict[str, shapely.Geometry]) -> list[str]:
    """Return the code of the township containing each point.

    Parameters
    ----------
    xy : numpy.ndarray
        ``(n, 2)`` coordinates in metres.
    cells : dict
        Township polygons (metres) by code.

    Returns
    -------
    list of str
        A code per point.
    """
    inside = np.column_stack([shapely.contains_xy(cell, xy[:, 0], xy[:, 1])
                              for cell in cells.values()])
    if not inside.any(axis=1).all():
        raise ValueError("a point fell outside every township")
    codes = list(cells)
    return [codes[j] for j in inside.argmax(axis=1)]


def points(xy: np.ndarray) -> np.ndarray:
    """Return shapely points for ``(n, 2)`` coordinates, NaN rows as missing geometry.

    Parameters
    ----------
    xy : numpy.ndarray
        Coordinates; rows of NaN mean "no location".

    Returns
    -------
    numpy.ndarray
        Points or None.
    """
    geoms = shapely.points(xy)
    geoms[np.isnan(xy).any(axis=1)] = None
    return geoms


@dataclass
class Geography:
    """What later layers need of the earlier ones, in metres."""

    townships: pd.DataFrame
    cells: dict[str, shapely.Geometry]
    seats: dict[str, np.ndarray]
    communities: pd.DataFrame
    community_xy: np.ndarray
