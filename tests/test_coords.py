"""Tests of layers.coords: vendor datums, coordinate text and reference systems."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pyproj
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers import CrsError
from layers.coords import (
    CrsSpec,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    looks_projected,
    parse_coordinates,
    resolve_crs,
    suggest_projected_crs,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = pyproj.Geod(ellps="WGS84")


def metres(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Return the geodesic distance between two points in metres."""
    return GEOD.inv(lng1, lat1, lng2, lat2)[2]


# --- Published reference pairs -------------------------------------------------------------
# Each tuple: (label, WGS84 (lng, lat), vendor (lng, lat)). Sources:
# - googollee/eviltransform, python/test.py (TESTS; given there as lat, lng).
# - wandergis/coordtransform, test/app.js (wgs84togcj02(116.404, 39.915)).
# - Glatzel/pyxis, python/tests/test_crypto.py (one WGS84 / GCJ-02 / BD-09 triple).
# - hujiulong/gcoord, test/fixtures/china-cities.json (triples; two chosen in Gansu).
# eviltransform's TESTS_bd pairs are left out on purpose: they disagree with eviltransform's
# own formulas by 10 m and 41 m, so they are not a reference for the algorithm.
GCJ02_PAIRS = [
    ("eviltransform shanghai", (121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ("eviltransform shenzhen", (113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ("eviltransform beijing", (116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ("coordtransform beijing", (116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    ("pyxis", (121.0917077, 30.6107779), (121.09626935575027, 30.608604331756705)),
    ("gcoord 酒泉", (98.4937175, 39.7319946), (98.4943595, 39.7328234)),
    ("gcoord 金昌", (102.1860478, 38.5196469), (102.1880474, 38.5200925)),
]
BD09_PAIRS = [
    ("pyxis", (121.0917077, 30.6107779), (121.10271732371203, 30.61484572185035)),
    ("gcoord 驻马店", (114.0164322, 33.0133556), (114.0287781, 33.0176697)),
    ("gcoord 酒泉", (98.4937175, 39.7319946), (98.5008441, 39.7388949)),
    ("gcoord 金昌", (102.1860478, 38.5196469), (102.194653, 38.5258128)),
]
# wandergis/coordtransform, test/app.js: gcj02tobd09(116.404, 39.915).
GCJ02_BD09_PAIR = ((116.404, 39.915), (116.41036949371029, 39.92133699351021))


@pytest.mark.parametrize(("label", "wgs", "gcj"), GCJ02_PAIRS, ids=[p[0] for p in GCJ02_PAIRS])
def test_gcj02_to_wgs84_matches_published_pairs(label, wgs, gcj):
    assert metres(*gcj02_to_wgs84(*gcj), *wgs) < 2.0


@pytest.mark.parametrize(("label", "wgs", "gcj"), GCJ02_PAIRS, ids=[p[0] for p in GCJ02_PAIRS])
def test_wgs84_to_gcj02_matches_published_pairs(label, wgs, gcj):
    assert metres(*wgs84_to_gcj02(*wgs), *gcj) < 2.0


@pytest.mark.parametrize(("label", "wgs", "bd"), BD09_PAIRS, ids=[p[0] for p in BD09_PAIRS])
def test_bd09_to_wgs84_matches_published_pairs(label, wgs, bd):
    assert metres(*bd09_to_wgs84(*bd), *wgs) < 2.0


@pytest.mark.parametrize(("label", "wgs", "bd"), BD09_PAIRS, ids=[p[0] for p in BD09_PAIRS])
def test_wgs84_to_bd09_matches_published_pairs(label, wgs, bd):
    assert metres(*wgs84_to_bd09(*wgs), *bd) < 2.0


def test_gcj02_bd09_pair_both_ways():
    gcj, bd = GCJ02_BD09_PAIR
    assert metres(*gcj02_to_bd09(*gcj), *bd) < 0.01
    assert metres(*bd09_to_gcj02(*bd), *gcj) < 0.01


# --- Round trips, arrays, NaN, outside China ------------------------------------------------
china_lng = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)
china_lat = st.floats(min_value=18.0, max_value=54.0, allow_nan=False)
ROUND_TRIPS = [
    (wgs84_to_gcj02, gcj02_to_wgs84),
    (gcj02_to_bd09, bd09_to_gcj02),
    (wgs84_to_bd09, bd09_to_wgs84),
]


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS, ids=lambda f: f.__name__)
@settings(max_examples=300, deadline=None)
@given(lng=china_lng, lat=china_lat)
def test_round_trip_within_a_decimetre(forward, inverse, lng, lat):
    back = inverse(*forward(lng, lat))
    assert metres(*back, lng, lat) < 0.1


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS, ids=lambda f: f.__name__)
def test_round_trip_on_arrays(forward, inverse):
    rng = np.random.default_rng(7)
    lng, lat = rng.uniform(73, 135, 5000), rng.uniform(18, 54, 5000)
    back_lng, back_lat = inverse(*forward(lng, lat))
    assert np.max(GEOD.inv(back_lng, back_lat, lng, lat)[2]) < 0.1


def test_inverse_is_iterative_not_one_step():
    # The one-step inverse misses by about a metre here; the iterative one by far less.
    wgs = (103.8, 36.05)
    assert metres(*gcj02_to_wgs84(*wgs84_to_gcj02(*wgs)), *wgs) < 0.001


ALL_TRANSFORMS = [wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02,
                  bd09_to_wgs84, wgs84_to_bd09]


@pytest.mark.parametrize("func", ALL_TRANSFORMS, ids=lambda f: f.__name__)
def test_scalar_in_scalar_out(func):
    lng, lat = func(103.8, 36.05)
    assert isinstance(lng, float) and isinstance(lat, float)
    assert (lng, lat) != (103.8, 36.05)


@pytest.mark.parametrize("func", ALL_TRANSFORMS, ids=lambda f: f.__name__)
def test_arrays_match_scalars(func):
    lngs, lats = np.array([103.8, 116.4, 121.5]), np.array([36.05, 39.9, 31.2])
    got_lng, got_lat = func(lngs, lats)
    for i in range(3):
        assert (got_lng[i], got_lat[i]) == pytest.approx(func(lngs[i], lats[i]), abs=1e-9)


@pytest.mark.parametrize("func", ALL_TRANSFORMS, ids=lambda f: f.__name__)
def test_nan_passes_through(func):
    lng, lat = func(np.array([np.nan, 103.8, 103.8]), np.array([36.0, np.nan, 36.0]))
    assert np.isnan(lng[0]) and np.isnan(lat[0])
    assert np.isnan(lng[1]) and np.isnan(lat[1])
    assert np.isfinite(lng[2]) and np.isfinite(lat[2])
    assert all(math.isnan(v) for v in func(math.nan, math.nan))


@pytest.mark.parametrize("func", ALL_TRANSFORMS, ids=lambda f: f.__name__)
def test_outside_china_unchanged(func):
    lngs, lats = np.array([2.3522, -74.006, 151.2093]), np.array([48.8566, 40.7128, -33.8688])
    got_lng, got_lat = func(lngs, lats)
    np.testing.assert_array_equal(got_lng, lngs)
    np.testing.assert_array_equal(got_lat, lats)


def test_inputs_are_not_modified():
    lngs, lats = np.array([103.8]), np.array([36.05])
    gcj02_to_wgs84(lngs, lats)
    assert lngs[0] == 103.8 and lats[0] == 36.05


# --- Parsing ------------------------------------------------------------------------------
DMS_CASES = [
    ("103°46'30\"", 103.775),
    ("103°46′30.5″E", 103 + 46 / 60 + 30.5 / 3600),
    ("103度46分30秒", 103.775),
    ("103°46.5'", 103.775),
    ("E103°46'30\"", 103.775),
    ("东经103°46'30\"", 103.775),
    ("北纬35°50'", 35 + 50 / 60),
    ("35:50:12", 35 + 50 / 60 + 12 / 3600),
    ("103 46 30", 103.775),
    ("１０３°４６′３０″", 103.775),
    ("１０３．７７５", 103.775),
    ("－１０３．７７５", -103.775),
    ("  103 ° 46 ' 30 \"  ", 103.775),
    ("103°46'30\"W", -103.775),
    ("西经103°46'30\"", -103.775),
    ("35°50'S", -(35 + 50 / 60)),
    ("南纬35°50'", -(35 + 50 / 60)),
    ("-103°46'30\"", -103.775),
    ("N36.05", 36.05),
    ("36.05 N", 36.05),
    ("103.775°", 103.775),
    ("103º46'30\"", 103.775),
    ("103°46'30''", 103.775),
    ("东经：103°46′30″", 103.775),
]


@pytest.mark.parametrize(("text", "expected"), DMS_CASES)
def test_parse_dms_text(text, expected):
    assert parse_coordinates([text])[0] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text", [
    "abc", "", "  ", "103°61'", "103°46'75\"", "103.5°46'", "35:75:00", "103..5", "inf", "1°2°3",
])
def test_parse_unreadable_gives_nan(text):
    assert np.isnan(parse_coordinates([text])[0])


def test_parse_mixed_column():
    values = [103.8, 36, "103.5", None, float("nan"), "103°46'30\"", True, "x"]
    got = parse_coordinates(values)
    expected = [103.8, 36.0, 103.5, np.nan, np.nan, 103.775, np.nan, np.nan]
    np.testing.assert_allclose(got, expected, equal_nan=True)
    assert got.dtype == np.float64


@pytest.mark.parametrize("series", [
    pd.Series(["103.5", "36.25", None]),
    pd.Series([103.5, 36.25, None], dtype=object),
    pd.Series([103.5, 36.25, np.nan]),
])
def test_parse_series_of_any_dtype(series):
    np.testing.assert_allclose(parse_coordinates(series), [103.5, 36.25, np.nan], equal_nan=True)


def test_parse_large_numeric_column_is_vectorised():
    values = pd.Series(np.linspace(103.6, 103.9, 100_000).astype(str))
    np.testing.assert_allclose(parse_coordinates(values), np.linspace(103.6, 103.9, 100_000))


@settings(max_examples=200, deadline=None)
@given(d=st.integers(0, 179), m=st.integers(0, 59), s=st.decimals(0, "59.99", places=2))
def test_parse_dms_property(d, m, s):
    text = f"{d}°{m}′{s}″"
    assert parse_coordinates([text])[0] == pytest.approx(d + m / 60 + float(s) / 3600, abs=1e-9)


# --- Reference systems --------------------------------------------------------------------
@pytest.mark.parametrize(("spec", "kind", "epsg"), [
    ("wgs84", "epsg", 4326), ("WGS-84", "epsg", 4326), ("4326", "epsg", 4326),
    ("cgcs2000", "epsg", 4490), ("CGCS-2000", "epsg", 4490), ("4490", "epsg", 4490),
    ("gcj02", "gcj02", 4326), ("GCJ-02", "gcj02", 4326), ("amap", "gcj02", 4326),
    ("Gaode", "gcj02", 4326), ("高德", "gcj02", 4326), ("tencent", "gcj02", 4326),
    ("腾讯", "gcj02", 4326),
    ("bd09", "bd09", 4326), ("BD-09", "bd09", 4326), ("baidu", "bd09", 4326),
    ("百度", "bd09", 4326),
    ("EPSG:4544", "epsg", 4544), ("epsg : 4544", "epsg", 4544), ("4544", "epsg", 4544),
    (" EPSG:4523 ", "epsg", 4523),
])
def test_resolve_named_and_coded(spec, kind, epsg):
    resolved = resolve_crs(spec)
    assert resolved.kind == kind
    assert resolved.crs.to_epsg() == epsg
    assert resolved.label == spec.strip()


def test_resolve_wkt_and_proj_strings():
    wkt = pyproj.CRS.from_epsg(4544).to_wkt()
    assert resolve_crs(wkt).crs.to_epsg() == 4544
    proj = "+proj=tmerc +lon_0=105 +k=1 +x_0=500000 +ellps=GRS80 +units=m +no_defs"
    resolved = resolve_crs(proj)
    assert resolved.kind == "epsg" and resolved.crs.is_projected


@pytest.mark.parametrize("spec", ["foo", "", "EPSG:99999", "gcj03", "+proj=nonsense"])
def test_resolve_unknown_raises_with_both_languages(spec):
    with pytest.raises(CrsError) as caught:
        resolve_crs(spec)
    error = caught.value
    assert error.key == "crs.unknown"
    zh, en = error.message(lang="zh"), error.message(lang="en")
    assert zh and en and zh != en
    assert spec.strip() in zh and spec.strip() in en


@pytest.mark.parametrize("spec", ["EPSG:5773", "EPSG:4978"])
def test_resolve_non_horizontal_crs_is_unsupported(spec):
    with pytest.raises(CrsError) as caught:
        resolve_crs(spec)
    assert caught.value.key == "crs.unsupported"
    assert caught.value.message(lang="zh") != caught.value.message(lang="en")


def test_crs_spec_is_frozen():
    spec = resolve_crs("wgs84")
    assert isinstance(spec, CrsSpec)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.kind = "bd09"


def test_to_wgs84_from_projected_metres():
    forward = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4544", always_xy=True)
    x, y = forward.transform([103.8, 103.7], [36.05, 36.0])
    lng, lat = to_wgs84(x, y, resolve_crs("EPSG:4544"))
    np.testing.assert_allclose(lng, [103.8, 103.7], atol=1e-9)
    np.testing.assert_allclose(lat, [36.05, 36.0], atol=1e-9)


def test_to_wgs84_geographic_is_identity_within_a_metre():
    lng, lat = to_wgs84([103.8], [36.05], resolve_crs("cgcs2000"))
    assert metres(lng[0], lat[0], 103.8, 36.05) < 1.0


@pytest.mark.parametrize(
    ("spec", "inverse"), [("gcj02", gcj02_to_wgs84), ("百度", bd09_to_wgs84)]
)
def test_to_wgs84_vendor_datums(spec, inverse):
    x, y = np.array([103.81, 103.75]), np.array([36.06, 36.02])
    lng, lat = to_wgs84(x, y, resolve_crs(spec))
    expected_lng, expected_lat = inverse(x, y)
    np.testing.assert_array_equal(lng, expected_lng)
    np.testing.assert_array_equal(lat, expected_lat)


def test_to_wgs84_nan_and_failures_become_nan():
    lng, lat = to_wgs84([np.nan, 400000.0, 1e12], [4e6, np.nan, 4e6], resolve_crs("EPSG:4544"))
    assert np.isnan(lng).all() and np.isnan(lat).all()


# --- Recognising projected metres -------------------------------------------------------
def _project(code: str, lng: list[float], lat: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Return district points in the grid ``code``."""
    transformer = pyproj.Transformer.from_crs("EPSG:4326", code, always_xy=True)
    x, y = transformer.transform(lng, lat)
    return np.asarray(x), np.asarray(y)


DISTRICT_LNG = [103.70, 103.78, 103.80, 103.85, 103.82]
DISTRICT_LAT = [35.95, 36.00, 36.02, 36.05, 36.07]


def test_looks_projected():
    x, y = _project("EPSG:4544", DISTRICT_LNG, DISTRICT_LAT)
    assert looks_projected(x, y)
    assert not looks_projected(DISTRICT_LNG, DISTRICT_LAT)
    assert not looks_projected([np.nan], [np.nan])
    assert not looks_projected([], [])
    # A few metre values among degrees are typos, not a projected file.
    assert not looks_projected([103.8, 103.7, 103.9, 400000.0], [36.0, 36.1, 36.0, 3.9e6])


@pytest.mark.parametrize("code", [
    "EPSG:4544", "EPSG:4524", "EPSG:4523", "EPSG:4496", "EPSG:4543", "EPSG:4522",
])
def test_suggest_projected_crs_finds_the_grid(code):
    x, y = _project(code, DISTRICT_LNG, DISTRICT_LAT)
    assert suggest_projected_crs(x, y) == code


def test_suggest_ignores_nan_rows():
    x, y = _project("EPSG:4523", DISTRICT_LNG, DISTRICT_LAT)
    assert suggest_projected_crs(np.append(x, np.nan), np.append(y, 1.0)) == "EPSG:4523"


@pytest.mark.parametrize(("x", "y"), [
    ([103.8, 103.7], [36.0, 36.1]),  # degrees, not metres
    ([1e9, 1e9], [1e9, 1e9]),
    ([np.nan], [np.nan]),
    ([], []),
])
def test_suggest_none_when_no_grid_fits(x, y):
    assert suggest_projected_crs(x, y) is None
