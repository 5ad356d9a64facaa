"""Workstations layer: a 民族工作站 per township and the made-up service points."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from scripts.demo.common import (
    METRIC_CRS,
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
)

STATION_COUNTS = {"社区服务站点": 40, "同心驿站": 8, "党群服务中心": 6}


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
        rows.append({"kind": "民族工作站", "name": f"{town.name}民族工作站",
                     "township_code": town.code, "community_code": None,
                     "staff": int(rng.integers(3, 7)),
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
