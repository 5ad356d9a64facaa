"""Units layer: the nine stationed units seed 003 names and made-up ones with engagement gaps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd

from scripts.demo.common import (
    METRIC_CRS,
    REFERENCE_DATE,
    TAG,
    Geography,
    bare_name,
    jitter_inside,
    person,
    phone,
    points,
    random_date,
    stage_rng,
    to_output,
    township_at,
)


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
