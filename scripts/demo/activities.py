"""Activities layer: several thousand made-up "ten enters" records, 2019-01 to 2026-10."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from core.district import district_config
from scripts.demo.common import (
    ACTIVITY_END,
    ACTIVITY_START,
    METRIC_CRS,
    TAG,
    Geography,
    bare_name,
    jitter_inside,
    points,
    stage_rng,
    to_output,
)
from scripts.demo.townships import MINORITY_SHARE


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
              "进农村": f"{community}村委会", "进学校": f"{community}小学",
              "进军营": "驻区部队营区", "进家庭": f"{community}居民家中",
              "进网络": "“同心七里河”微信公众号"}
    if category == "进宗教活动场所" and venue:
        return venue
    return f"{places.get(category, community)}{TAG}"


def organiser(town: pd.Series, community: pd.Series, rng: np.random.Generator) -> str:
    """Return a made-up organiser: a township's station or party committee, or a community.

    Each of the five bodies, the district's 区委统战部 and 区民宗局 among them, is equally likely.

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
    categories = district_config().activity_categories
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
