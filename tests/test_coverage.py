"""Station coverage on hand-checked cases, properties that must always hold, and the demo."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from analysis.coverage import station_coverage, station_radii
from core.district import DistrictConfig, district_config
from tests.conftest import read_layers

# Everything is laid out in EPSG:4544 metres around a point in the district, then stored in
# EPSG:4326 as the layers are: the analysis must measure in metres again.
TO_WGS = pyproj.Transformer.from_crs(4544, 4326, always_xy=True)
X0, Y0 = 480_000.0, 3_990_000.0


def _pt(dx: float, dy: float) -> Point:
    return Point(*TO_WGS.transform(X0 + dx, Y0 + dy))


def _config(urban: float = 1000.0, rural: float = 3000.0) -> DistrictConfig:
    base = district_config()
    return DistrictConfig(base.name, base.adcode, base.activity_categories, base.religions,
                          base.unit_categories, ("民族工作站", "社区服务站点"), base.township_kinds,
                          base.community_kinds, {"民族工作站": (urban, rural),
                                                 "社区服务站点": (urban / 2, rural / 2)})


def _towns() -> gpd.GeoDataFrame:
    west = box(*TO_WGS.transform(X0 - 10_000, Y0 - 5_000), *TO_WGS.transform(X0, Y0 + 5_000))
    east = box(*TO_WGS.transform(X0, Y0 - 5_000), *TO_WGS.transform(X0 + 10_000, Y0 + 5_000))
    return gpd.GeoDataFrame({"code": ["T1", "T2"], "name": ["甲街道", "乙镇"],
                             "urban": [True, False]}, geometry=[west, east], crs=4326)


def _stations(points, kinds, towns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"W{i}" for i in range(len(points))],
                             "name": [f"站{i}" for i in range(len(points))],
                             "kind": kinds, "township_code": towns},
                            geometry=points, crs=4326)


def _communities(points, towns, minority, geoms=None) -> gpd.GeoDataFrame:
    n = len(towns)
    return gpd.GeoDataFrame({
        "code": [f"C{i}" for i in range(n)], "name": [f"社区{i}" for i in range(n)],
        "township_code": towns, "kind": ["社区"] * n, "key_community": [True] * n,
        "population": [1000] * n, "minority_population": minority},
        geometry=geoms if geoms is not None else points, crs=4326)


def _venues(points, towns) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"code": [f"R{i}" for i in range(len(points))],
                             "name": [f"场所{i}" for i in range(len(points))],
                             "religion": ["伊斯兰教"] * len(points), "township_code": towns},
                            geometry=points, crs=4326)


def test_radius_depends_on_kind_and_urban_township():
    stations = _stations([_pt(-500, 0), _pt(500, 0), _pt(600, 0)],
                         ["民族工作站", "民族工作站", "社区服务站点"], ["T1", "T2", "T2"])
    assert list(station_radii(stations, _towns(), _config())) == [1000, 3000, 1500]


def test_hand_checked_points():
    # Station in the urban west (radius 1,000 m) and a rural one in the east (3,000 m).
    stations = _stations([_pt(-2000, 0), _pt(5000, 0)], ["民族工作站", "民族工作站"], ["T1", "T2"])
    communities = _communities(
        [_pt(-2000, 900), _pt(-2000, 1100), _pt(5000, 2900), _pt(9000, 0)],
        ["T1", "T1", "T2", "T2"], [100, 200, 300, 400])
    venues = _venues([_pt(-1500, 0), _pt(1000, 0)], ["T1", "T2"])
    cov = station_coverage(stations, communities, _towns(), venues, _config())
    assert list(cov.communities["covered"]) == [True, False, True, False]
    assert cov.communities.loc["C1", "nearest_station"] == "W0"
    assert cov.communities.loc["C1", "nearest_distance_m"] == pytest.approx(1100, abs=1)
    assert cov.communities.loc["C3", "nearest_distance_m"] == pytest.approx(4000, abs=1)
    assert cov.venues.loc["R0", "serving_station"] == "W0"
    assert cov.venues.loc["R0", "distance_m"] == pytest.approx(500, abs=1)
    # 3 km from the west station (radius 1 km) and 4 km from the east one (radius 3 km).
    assert not cov.venues.loc["R1", "covered"]
    towns = cov.townships
    assert towns.loc["T1", "community_rate"] == 0.5
    assert towns.loc["T1", "minority_rate"] == pytest.approx(100 / 300)
    assert towns.loc["T2", "minority_rate"] == pytest.approx(300 / 700)
    assert towns["has_station"].all()
    assert cov.totals["communities_covered"] == 2
    assert cov.totals["minority_uncovered"] == pytest.approx(600)
    assert cov.totals["venue_rate"] == 0.5


def test_polygon_communities_count_their_covered_area():
    # A 2 km x 1 km community whose left half lies within 1 km of the station.
    left, bottom = TO_WGS.transform(X0 - 3000, Y0 - 100)
    right, top = TO_WGS.transform(X0 - 1000, Y0 + 100)
    polygon = box(left, bottom, right, top)
    stations = _stations([_pt(-3000, 0)], ["民族工作站"], ["T1"])
    communities = _communities(None, ["T1"], [1000], geoms=[polygon])
    cov = station_coverage(stations, communities, _towns(), _venues([], []), _config())
    share = cov.communities.loc["C0", "covered_share"]
    assert share == pytest.approx(0.5, abs=0.01)
    assert cov.townships.loc["T1", "minority_covered"] == pytest.approx(1000 * share)


def test_a_township_without_its_own_work_station_is_flagged():
    stations = _stations([_pt(-2000, 0)], ["社区服务站点"], ["T1"])
    cov = station_coverage(stations, _communities([_pt(-2000, 0)], ["T1"], [10]), _towns(),
                           _venues([], []), _config())
    assert not cov.townships["has_station"].any()
    assert cov.totals["townships_with_station"] == 0


def test_no_stations_at_all_covers_nothing_and_does_not_crash():
    stations = _stations([], [], [])
    cov = station_coverage(stations, _communities([_pt(0, 0)], ["T1"], [10]), _towns(),
                           _venues([_pt(0, 0)], ["T1"]), _config())
    assert not cov.communities["covered"].any() and not cov.venues["covered"].any()
    assert np.isnan(cov.communities["nearest_distance_m"]).all()


coords = st.tuples(st.floats(-9000, 9000), st.floats(-4500, 4500))


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(coords, min_size=1, max_size=6), st.lists(coords, min_size=1, max_size=25),
       st.floats(100, 3000), st.floats(1.0, 3.0), coords)
@pytest.mark.slow  # about 9 s of examples
def test_more_reach_and_more_stations_never_lower_coverage(stations_xy, communities_xy, radius,
                                                           factor, extra):
    towns = ["T1" if x < 0 else "T2" for x, _ in communities_xy]
    communities = _communities([_pt(*xy) for xy in communities_xy], towns,
                               list(range(1, len(towns) + 1)))
    stations = _stations([_pt(*xy) for xy in stations_xy], ["民族工作站"] * len(stations_xy),
                         ["T1" if x < 0 else "T2" for x, _ in stations_xy])
    venues = _venues([], [])
    base = station_coverage(stations, communities, _towns(), venues, _config(radius, radius))
    wider = station_coverage(stations, communities, _towns(), venues,
                             _config(radius * factor, radius * factor))
    more = station_coverage(
        pd.concat([stations, _stations([_pt(*extra)], ["民族工作站"], ["T1"])],
                  ignore_index=True).assign(code=lambda f: [f"W{i}" for i in range(len(f))]),
        communities, _towns(), venues, _config(radius, radius))
    for other in (wider, more):
        assert (other.communities["covered_share"] >= base.communities["covered_share"]).all()
        assert other.totals["minority_rate"] >= base.totals["minority_rate"] - 1e-12
        assert (other.townships["community_rate"] >= base.townships["community_rate"]).all()
    # Every community belongs to exactly one township in the township table.
    assert base.townships["communities"].sum() == len(communities)


def test_demo_every_township_has_a_station_and_every_venue_is_counted(demo_env):
    layers = read_layers()
    cov = station_coverage(layers["workstations"], layers["communities"], layers["townships"],
                           layers["religious_sites"])
    assert cov.totals["townships_with_station"] == cov.totals["townships"] == 15
    assert cov.totals["venues"] == 95 and cov.totals["communities"] == 141
    # The demo has real gaps: some rural villages lie beyond every station's reach.
    assert 0 < cov.totals["communities_covered"] < 141
    uncovered = cov.communities[~cov.communities["covered"]]
    urban_codes = set(layers["townships"].loc[layers["townships"]["urban"], "code"])
    assert not set(uncovered["township_code"]) & urban_codes
