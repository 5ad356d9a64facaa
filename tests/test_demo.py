"""Checks on the demo district: what scripts/build_demo.py builds and data/demo ships."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from core.district import district_config
from layers import LAYERS
from scripts.build_demo import DEFAULT_SEED, REAL_UNITS, REFERENCE_DATE, build_demo

# Builds the demo district from its sources (twice, to compare): about 25 s.
pytestmark = pytest.mark.slow

METRIC_CRS = "EPSG:4544"
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "demo" / "tongxin-demo.gpkg"
STREETS = {"620103001": "西园街道", "620103002": "西湖街道", "620103003": "建兰路街道",
           "620103004": "敦煌路街道", "620103005": "西站街道", "620103006": "晏家坪街道",
           "620103007": "龚家湾街道", "620103008": "土门墩街道", "620103009": "秀川街道"}
TOWNS = {"620103100": "阿干镇", "620103101": "八里镇", "620103102": "彭家坪镇",
         "620103103": "西果园镇", "620103104": "黄峪镇", "620103201": "魏岭乡"}
RELIGIONS = {"伊斯兰教", "佛教", "道教", "基督教", "天主教"}
POINT_LAYERS = ("communities", "workstations", "religious_sites")


@pytest.fixture(scope="module")
def demo() -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame]:
    # One build for the whole module: it takes several seconds.
    return build_demo(DEFAULT_SEED)


@pytest.fixture(scope="module")
def frames(demo):
    return demo[0]


@pytest.fixture(scope="module")
def district(demo):
    return demo[1]


@pytest.fixture(scope="module")
def metric(frames):
    return {name: frame.to_crs(METRIC_CRS) for name, frame in frames.items()}


# --- townships and communities ---------------------------------------------------------------
def test_fifteen_real_townships(frames):
    towns = frames["townships"]
    assert dict(zip(towns["code"], towns["name"], strict=True)) == STREETS | TOWNS
    assert towns.loc[towns["code"].isin(list(STREETS)), "urban"].all()
    assert not towns.loc[towns["code"].isin(list(TOWNS)), "urban"].any()
    assert towns.set_index("name")["kind"].to_dict() == (
        {n: "街道" for n in STREETS.values()} | {"阿干镇": "镇", "八里镇": "镇", "彭家坪镇": "镇",
                                                 "西果园镇": "镇", "黄峪镇": "镇", "魏岭乡": "乡"})


def test_streets_small_in_the_north(metric):
    towns = metric["townships"].assign(km2=lambda f: f.area / 1e6)
    urban = towns["urban"].to_numpy(dtype=bool)
    assert towns.loc[urban, "km2"].max() < towns.loc[~urban, "km2"].min()
    assert 25 <= towns.loc[urban, "km2"].sum() <= 35
    lat = towns.geometry.centroid.to_crs(4326).y
    assert (lat[urban] > 36.03).all()
    assert lat[urban].min() > lat[~urban].max()


def test_141_real_communities(frames):
    source = pd.read_csv(Path(__file__).resolve().parent.parent / "data" / "sources"
                         / "villages_620103.csv", dtype=str)
    comm = frames["communities"]
    assert len(comm) == 141
    assert comm["code"].tolist() == sorted(source["code"])
    assert comm.set_index("code")["township_code"].to_dict() == dict(
        zip(source["code"], source["streetCode"], strict=True))
    assert comm["kind"].value_counts().to_dict() == {"社区": 82, "村": 59}


def test_forty_key_communities_have_the_highest_minority_share(frames):
    comm = frames["communities"]
    share = comm["minority_population"] / comm["population"]
    assert comm["key_community"].sum() == 40
    assert share[comm["key_community"]].min() >= share[~comm["key_community"]].max()


def test_population_totals(frames):
    towns = frames["townships"].set_index("name")
    assert towns["population"].sum() == 650_000
    assert 98_000 <= towns["minority_population"].sum() <= 102_000
    assert towns.loc[list(STREETS.values()), "population"].between(40_000, 75_000).all()
    assert towns.loc[list(TOWNS.values()), "population"].between(8_000, 35_000).all()
    share = towns["minority_population"] / towns["population"]
    assert share[["西站街道", "西湖街道", "建兰路街道"]].between(0.25, 0.35).all()
    assert share.drop(["西站街道", "西湖街道", "建兰路街道"]).max() < 0.25


def test_township_figures_are_the_sums_of_their_communities(frames):
    columns = ["population", "minority_population"]
    sums = frames["communities"].groupby("township_code")[columns].sum().astype(int)
    towns = frames["townships"].set_index("code")[columns].astype(int)
    assert sums.to_dict("index") == towns.to_dict("index")
    comm = frames["communities"]
    assert (comm["minority_population"] <= comm["population"]).all()


# --- venues, stations, units, activities ------------------------------------------------------
def test_95_venues_of_the_five_religions(frames):
    venues = frames["religious_sites"]
    assert len(venues) == 95
    assert set(venues["religion"]) == RELIGIONS
    assert venues["code"].tolist() == [f"R{i:03d}" for i in range(1, 96)]
    mosques = venues[venues["religion"].eq("伊斯兰教")]
    assert len(mosques) > len(venues) / 2
    # Mosques follow the minority population: the three high-share streets hold most of them.
    high = mosques["township_code"].isin(["620103002", "620103003", "620103005"]).sum()
    assert high > len(mosques) / 3


def test_an_ethnic_work_station_in_every_township(frames):
    stations = frames["workstations"]
    ethnic = stations[stations["kind"].eq("民族工作站")]
    names = frames["townships"].set_index("code")["name"]
    assert sorted(ethnic["township_code"]) == sorted(names.index)
    assert (ethnic["name"] == ethnic["township_code"].map(names) + "民族工作站").all()
    assert set(stations["kind"]) == set(district_config().station_kinds)
    assert stations["established_on"].dt.year.between(2015, 2024).all()


def test_some_villages_lie_beyond_3_km_of_every_station(metric):
    stations = shapely.union_all(metric["workstations"].geometry.to_numpy())
    villages = metric["communities"][metric["communities"]["kind"].eq("村")]
    far = villages.distance(stations) > 3000
    assert 0 < far.sum() < len(villages)


def test_nine_named_units_visited_and_in_the_joint_meeting(frames):
    units = frames["units"].set_index("name")
    named = units.loc[[u.name for u in REAL_UNITS]]
    assert (named["visited_on"].dt.year == 2020).all()
    assert named["joint_meeting"].all()
    age = (pd.Timestamp(REFERENCE_DATE) - named["last_contact_on"]).dt.days
    assert age.between(0, 183).all()
    assert named["liaison"].str.contains("示例").all()
    assert named["category"].to_dict() == {u.name: u.category for u in REAL_UNITS}


def test_made_up_units_show_every_gap(frames):
    units = frames["units"]
    others = units[~units["name"].isin([u.name for u in REAL_UNITS])]
    assert len(others) >= 30
    assert others["name"].str.contains("示例").all()
    never = others["visited_on"].isna() & others["last_contact_on"].isna()
    overdue = (pd.Timestamp(REFERENCE_DATE) - others["last_contact_on"]).dt.days > 180
    no_liaison = others["liaison"].isna() & ~never
    assert never.sum() >= 5 and overdue.sum() >= 5 and no_liaison.sum() >= 3
    assert (~others["joint_meeting"] & ~never).sum() >= 1
    assert 0 < others.geometry.isna().sum() < len(others)
    assert set(units["category"]) == set(district_config().unit_categories)


def test_activities_span_and_volume(frames):
    acts = frames["activities"]
    assert 4_000 <= len(acts) <= 6_000
    assert acts["date"].min() >= pd.Timestamp("2019-01-01")
    assert acts["date"].max() <= pd.Timestamp("2026-10-31")
    assert set(acts["category"]) == set(district_config().activity_categories)
    assert acts["code"].is_unique and acts["code"].iat[0] == "A000001"
    assert acts["participants"].between(10, 400).all()
    by_year = acts.groupby(acts["date"].dt.year).size()
    assert by_year[2025] > by_year[2019]
    by_month = acts.groupby(acts["date"].dt.month).size()
    assert by_month.idxmax() in (9, 10)
    assert 0.1 < acts.geometry.isna().mean() < 0.3


def test_activities_leave_real_gaps(frames):
    acts = frames["activities"]
    categories = list(district_config().activity_categories)
    names = frames["townships"].set_index("code")["name"]
    cells = pd.crosstab(acts["township_code"].map(names), acts["category"]).reindex(
        index=names.tolist(), columns=categories, fill_value=0)
    assert (cells == 0).sum().sum() > 0
    assert cells.loc["魏岭乡", "进军营"] == 0 and cells.loc["魏岭乡", "进企业"] == 0
    assert acts.loc[acts["category"].eq("进网络"), "date"].min() >= pd.Timestamp("2021-01-01")
    assert cells["进军营"].sum() < len(acts) / 50
    urban = cells.loc[list(STREETS.values())].sum(axis=1)
    rural = cells.loc[list(TOWNS.values())].sum(axis=1)
    assert urban.min() > rural.max()
    latest = set(acts.loc[acts["date"] >= pd.Timestamp("2026-08-01"), "township_code"])
    assert set(names.index) - latest


# --- geometry -------------------------------------------------------------------------------
@pytest.mark.parametrize("layer", POINT_LAYERS)
def test_points_inside_their_township_and_the_district(frames, district, layer):
    towns = frames["townships"].set_index("code").geometry
    rows = frames[layer]
    polygons = towns.loc[rows["township_code"]].to_numpy()
    assert shapely.contains(polygons, rows.geometry.to_numpy()).all()
    assert rows.within(district.geometry.iloc[0]).all()


def test_located_units_and_activities_inside_the_district(frames, district):
    boundary = district.geometry.iloc[0]
    for layer in ("units", "activities"):
        located = frames[layer].geometry.dropna()
        assert located.within(boundary).all(), layer


def test_communities_at_least_150_m_apart(metric):
    xy = shapely.get_coordinates(metric["communities"].geometry.to_numpy())
    gaps = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(len(xy)) * 1e9
    assert gaps.min() >= 150


def test_townships_partition_the_district(metric, district):
    cells = metric["townships"].geometry.to_numpy()
    for a, b in itertools.combinations(range(len(cells)), 2):
        assert shapely.intersection(cells[a], cells[b]).area < 1e4  # 0.01 km²
    boundary_area = district.to_crs(METRIC_CRS).area.iloc[0]
    union_area = shapely.union_all(cells).area
    assert abs(union_area - boundary_area) / boundary_area < 0.005
    assert abs(boundary_area / 1e6 - 397.8) < 1.0
    assert district["adcode"].iat[0] == "620103" and district["name"].iat[0] == "七里河区"


# --- demo marks, determinism, the shipped file --------------------------------------------------
def test_made_up_text_is_marked(frames):
    for name, frame in frames.items():
        assert (frame["note"] == "示例数据").all(), name
    stations = frames["workstations"]
    assert stations.loc[stations["kind"].ne("民族工作站"), "name"].str.contains("示例").all()
    assert frames["religious_sites"]["name"].str.contains("示例").all()
    assert frames["activities"]["title"].str.contains("示例").all()
    for layer in ("religious_sites", "workstations"):
        assert frames[layer]["contact"].str.contains("示例").all(), layer


def test_two_builds_are_identical(frames, district):
    again, again_district = build_demo(DEFAULT_SEED)
    for name, frame in frames.items():
        other = again[name]
        pd.testing.assert_frame_equal(frame.drop(columns="geometry"),
                                      other.drop(columns="geometry"))
        assert list(frame.geometry.to_wkb()) == list(other.geometry.to_wkb()), name
    assert district.geometry.iloc[0].equals_exact(again_district.geometry.iloc[0], 0)


def test_shipped_file_matches_a_fresh_build(frames):
    assert SHIPPED.is_file(), "run: python scripts/build_demo.py"
    assert SHIPPED.stat().st_size < 5_000_000
    for name, schema in LAYERS.items():
        table = pyogrio.read_dataframe(SHIPPED, layer=name)
        assert len(table) == len(frames[name]), name
        assert list(table.columns) == schema.canonical_columns(), name
    meta = pyogrio.read_dataframe(SHIPPED, layer="tongxin_meta", read_geometry=False)
    meta = dict(zip(meta["key"], meta["value"], strict=True))
    assert meta["demo"] == "true" and meta["adcode"] == "620103"
    assert len(pyogrio.read_dataframe(SHIPPED, layer="district")) == 1
