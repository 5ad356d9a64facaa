"""The analyses over townships known by code and name only (no polygons, no population yet).

A district set up from its code has its records (each naming its township's nine-digit code)
before its township polygons: the analyses then run over the shipped township list
(:mod:`analysis.township_list`). Every case here is small enough to check by hand.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from shapely.geometry import Point, box

from analysis.activity import Period, activity_summary
from analysis.coverage import station_coverage
from analysis.kpis import headline_kpis
from analysis.scorecard import (
    ScoreInputs,
    indicator_shares,
    load_rubric,
    scorecard,
    supervision_list,
)
from analysis.siting import propose_stations
from analysis.township_list import (
    analysed_townships,
    has_polygons,
    listed_townships,
    records_per_township,
    shipped_townships,
    with_polygons,
)
from analysis.units import unit_status
from core.district import DistrictConfig, district_config
from layers import LAYERS
from storage.dtypes import empty_layer, to_schema_types

XIYUAN, AGAN, WEILING, SUMU = "620103001", "620103100", "620103201", "620103999"
LIST = pd.DataFrame({"code": [XIYUAN, AGAN, WEILING, SUMU],
                     "name": ["西园街道", "阿干镇", "魏岭乡", "某某苏木"]})
# Laid out in EPSG:4544 metres near the district, stored in EPSG:4326 as the layers are.
TO_WGS = pyproj.Transformer.from_crs(4544, 4326, always_xy=True)
X0, Y0 = 480_000.0, 3_990_000.0


def _pt(dx: float, dy: float = 0.0) -> Point:
    return Point(*TO_WGS.transform(X0 + dx, Y0 + dy))


def _config() -> DistrictConfig:
    # 民族工作站: 1 km in a street (urban), 3 km in a town; service points half that.
    base = district_config()
    return DistrictConfig(base.name, base.adcode, base.activity_categories, base.religions,
                          base.unit_categories, ("民族工作站", "社区服务站点"), base.township_kinds,
                          base.community_kinds, {"民族工作站": (1000.0, 3000.0),
                                                 "社区服务站点": (500.0, 1500.0)},
                          default_proposal_kind="社区服务站点")


def _layer(name: str, rows: dict, geometry: list) -> gpd.GeoDataFrame:
    return to_schema_types(LAYERS[name], gpd.GeoDataFrame(rows, geometry=geometry, crs=4326))


def _stations() -> gpd.GeoDataFrame:
    # W1: 西园街道's own station; W2: a service point in 阿干镇 (not a 民族工作站).
    return _layer("workstations", {"code": ["W1", "W2"], "name": ["西园站", "阿干点"],
                                   "kind": ["民族工作站", "社区服务站点"],
                                   "township_code": [XIYUAN, AGAN]}, [_pt(0), _pt(20_000)])


def _communities() -> gpd.GeoDataFrame:
    # C1 500 m from W1: covered. C2 2 km from W1: covered only if 西园街道 were rural (3 km),
    # so it tells that the street's urban flag came from its name. C3 400 m from W2 (rural
    # 1.5 km): covered.
    return _layer("communities", {
        "code": ["C1", "C2", "C3"], "name": ["甲社区", "乙社区", "丙村"],
        "township_code": [XIYUAN, XIYUAN, AGAN], "kind": ["社区", "社区", "村"],
        "key_community": [False, True, False], "population": [100, 200, 50],
        "minority_population": [10, 20, 5]}, [_pt(500), _pt(2000), _pt(20_400)])


def _venues() -> gpd.GeoDataFrame:
    return empty_layer(LAYERS["religious_sites"])


def _towns() -> gpd.GeoDataFrame:
    return listed_townships(LIST)


def _coverage():
    return station_coverage(_stations(), _communities(), _towns(), _venues(), _config())


def _activities() -> gpd.GeoDataFrame:
    # Three activities in listed townships, one in a township the list lacks (not counted).
    return _layer("activities", {
        "code": ["A1", "A2", "A3", "A4"],
        "date": pd.to_datetime(["2024-03-01", "2024-05-01", "2024-06-01", "2024-06-02"]),
        "category": ["进机关", "进社区", "进社区", "进社区"],
        "township_code": [XIYUAN, XIYUAN, AGAN, "620103555"], "participants": [30, 20, 10, 5]},
        [None] * 4)


def test_listed_townships_take_kind_and_urban_from_their_names():
    towns = _towns()
    assert list(towns.columns) == [c.name for c in LAYERS["townships"].columns] + ["geometry"]
    assert towns["kind"].tolist()[:3] == ["街道", "镇", "乡"] and pd.isna(towns["kind"].iloc[3])
    assert towns["urban"].tolist() == [True, False, False, False]
    assert towns["population"].isna().all() and towns["minority_population"].isna().all()
    assert towns.geometry.isna().all() and towns.crs.to_epsg() == 4326
    assert str(towns["code"].dtype) == "object" and str(towns["population"].dtype) == "Int64"


def test_the_layer_wins_and_the_shipped_list_stands_in_when_it_is_empty():
    stored = to_schema_types(LAYERS["townships"], gpd.GeoDataFrame(
        {"code": [XIYUAN], "name": ["西园街道"]}, geometry=[box(103.7, 36.0, 103.8, 36.1)],
        crs=4326))
    assert analysed_townships(stored, "620103") is stored
    listed = analysed_townships(empty_layer(LAYERS["townships"]), "620103")
    assert len(listed) == 15
    assert listed[["code", "name"]].iloc[[0, 9, 14]].values.tolist() == [
        [XIYUAN, "西园街道"], [AGAN, "阿干镇"], [WEILING, "魏岭乡"]]
    # A code the shipped data does not know (a made-up district): no stand-in, no exception.
    assert shipped_townships("999999").empty
    assert analysed_townships(empty_layer(LAYERS["townships"]), "999999").empty


def test_polygons_are_told_apart_from_rows_without_geometry():
    towns = _towns()
    assert not has_polygons(towns) and with_polygons(towns).empty
    assert not has_polygons(empty_layer(LAYERS["townships"]))
    assert not has_polygons(pd.DataFrame({"code": [XIYUAN]}))
    towns.loc[1, "geometry"] = box(103.7, 36.0, 103.8, 36.1)
    assert has_polygons(towns) and with_polygons(towns)["code"].tolist() == [AGAN]


def test_records_per_township_counts_every_code_once():
    records = {
        "units": pd.DataFrame({"township_code": [XIYUAN, XIYUAN, AGAN, "620103888", None, " "]}),
        "visits": pd.DataFrame({"township_code": [WEILING]}),
        "no_column": pd.DataFrame({"name": ["x"]}),
    }
    table = records_per_township(LIST, records)
    assert table.index.tolist() == [XIYUAN, AGAN, WEILING, SUMU, "620103888"]
    assert table["name"].tolist() == ["西园街道", "阿干镇", "魏岭乡", "某某苏木", "620103888"]
    assert table["units"].tolist() == [2, 1, 0, 0, 1]  # the blank and missing codes: not counted
    assert table["visits"].tolist() == [0, 0, 1, 0, 0]
    assert table["no_column"].tolist() == [0] * 5


def test_coverage_by_listed_township_counts_from_the_records():
    towns = _coverage().townships
    assert towns.index.tolist() == [XIYUAN, AGAN, WEILING, SUMU]
    xiyuan, agan, weiling = towns.loc[XIYUAN], towns.loc[AGAN], towns.loc[WEILING]
    # 西园街道 is a street, so urban: W1 reaches 1 km, C1 (500 m) but not C2 (2 km).
    assert (xiyuan["stations"], xiyuan["has_station"], xiyuan["communities"],
            xiyuan["communities_covered"]) == (1, True, 2, 1)
    assert xiyuan["community_rate"] == 0.5 and xiyuan["minority_population"] == 30
    assert xiyuan["minority_covered"] == 10 and xiyuan["minority_rate"] == pytest.approx(1 / 3)
    assert (agan["stations"], agan["has_station"], agan["communities_covered"]) == (1, False, 1)
    # Nothing recorded in 魏岭乡: nothing to cover (the analysis' rule), no station.
    assert (weiling["communities"], weiling["community_rate"], weiling["has_station"]) == \
        (0, 1.0, False)


def test_activity_by_listed_township_has_counts_but_no_rates():
    act = activity_summary(_activities(), _towns(), Period.year(2024), ("进机关", "进社区"))
    assert act.total == 3  # the fourth names a township the list lacks
    assert act.counts.loc[XIYUAN].tolist() == [1, 1] and act.counts.loc[AGAN].tolist() == [0, 1]
    towns = act.townships
    assert towns["activities"].tolist() == [2, 1, 0, 0]
    assert towns["participants"].tolist() == [50, 10, 0, 0]
    # No population known: every rate is NaN and no township is ranked.
    assert towns["per_10k_residents"].isna().all() and towns["per_1k_minority"].isna().all()
    assert towns["rank"].isna().all()
    assert len(act.empty_cells) == 4 * 2 - 3


def _inputs(period: Period) -> ScoreInputs:
    towns = _towns()
    units = _layer("units", {"code": ["U1"], "name": ["兰州理工大学"], "category": ["省属高校"],
                             "township_code": [XIYUAN]}, [None])
    return ScoreInputs(_coverage(), activity_summary(_activities(), towns, period),
                       unit_status(units, period.end), towns, None)


def test_the_scorecard_scores_listed_townships():
    inputs = _inputs(Period.year(2024))
    shares = indicator_shares(inputs, ("station_present", "community_coverage",
                                       "unit_engagement"))
    assert shares["station_present"].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert shares["community_coverage"].tolist() == [0.5, 1.0, 1.0, 1.0]
    # U1 of 西园街道 was never contacted; townships without units are not marked down.
    assert shares["unit_engagement"].tolist() == [0.0, 1.0, 1.0, 1.0]
    table = scorecard(inputs, load_rubric())
    assert sorted(table.index) == sorted(LIST["code"]) and table["score"].notna().all()


def test_the_supervision_list_names_listed_townships():
    period = Period.between("2024-01-01", "2024-12-31")
    items = supervision_list(_inputs(period), period.end)
    no_station = items[items["kind"] == "no_station"]
    assert sorted(no_station["township_code"]) == [AGAN, WEILING, SUMU]
    assert set(no_station["township_name"]) == {"阿干镇", "魏岭乡", "某某苏木"}
    never = items[items["kind"] == "unit_never"]
    assert never[["township_code", "township_name"]].values.tolist() == [[XIYUAN, "西园街道"]]


def test_siting_uses_the_urban_flag_guessed_from_the_name():
    proposal = propose_stations(_coverage(), _communities(), _towns(), 1, config=_config())
    # Only C2 (20 minority residents) is uncovered; a service point in a street reaches 500 m,
    # so only a point at C2 itself reaches it.
    assert proposal.uncovered_before == 20
    assert proposal.proposals["code"].tolist() == ["C2"]
    assert proposal.proposals["radius_m"].tolist() == [500.0]
    assert proposal.uncovered_after == 0


def test_headline_rates_over_nothing_are_not_a_hundred_percent():
    towns = _towns()
    empty = station_coverage(empty_layer(LAYERS["workstations"]),
                             empty_layer(LAYERS["communities"]), towns, _venues(), _config())
    act = activity_summary(empty_layer(LAYERS["activities"]), towns, Period.year(2024))
    units = unit_status(empty_layer(LAYERS["units"]), pd.Timestamp("2024-12-31"))
    kpis = {k.key: k for k in headline_kpis(empty, act, act, units, units, 397.8)}
    assert kpis["townships"].value == 4
    assert math.isnan(kpis["community_rate"].value) and kpis["community_rate"].text() == "—"
    assert math.isnan(kpis["minority_rate"].value) and kpis["minority_rate"].text() == "—"
    # With communities recorded the rates are the coverage's own.
    kpis = {k.key: k for k in headline_kpis(_coverage(), act, act, units, units, 397.8)}
    assert kpis["community_rate"].text() == "66.7%"
    assert kpis["minority_rate"].value == pytest.approx(15 / 35)
    assert np.isfinite(kpis["area"].value)
