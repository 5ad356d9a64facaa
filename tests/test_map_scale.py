"""Maps whose cost follows the screen: display geometry, hexagon totals, compact circles."""

from __future__ import annotations

import itertools
import json
import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from analysis.metric import metric_crs
from tests.conftest import map_payloads, read_layers
from ui import maps
from ui.geometry import (
    decimals_for,
    hex_bins,
    pixel_metres,
    round_coordinates,
    simplify_for_display,
)
from ui.leaflet_layers import read_column
from ui.map_object import Map
from ui.polyline import decode_ring

METRIC = "EPSG:4544"


def _metric_frame(geoms) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, crs=METRIC)).to_crs(4326)


def test_a_pixel_is_the_extent_over_the_screen():
    # A 12.8 km square (in EPSG:4544) on a 1,280-pixel map: 10 m a pixel.
    square = _metric_frame([box(500_000, 4_000_000, 512_800, 4_012_800)])
    # (the extent is taken from the bounds in degrees: a shade wider than the square)
    assert pixel_metres(square, 1280) == pytest.approx(10.0, rel=0.01)
    assert pixel_metres(square.iloc[:0], 1280) == 1.0


@pytest.mark.parametrize(("pixel_m", "decimals"), [(1, 5), (2, 5), (23, 4), (106, 4), (300, 3),
                                                   (5000, 3)])
def test_decimals_keep_a_coordinate_within_half_a_pixel(pixel_m, decimals):
    assert decimals_for(pixel_m) == decimals
    # 10^-d degrees of latitude is at most half a pixel, unless capped at 5 decimals.
    assert 10 ** -decimals * 111_320 <= max(pixel_m / 2, 10 ** -5 * 111_320) + 1e-9


def test_rounded_coordinates_print_short():
    rounded = round_coordinates(np.array([Point(103.123456789, 36.987654321), None]), 5)
    assert rounded[1] is None
    assert json.dumps(shapely.geometry.mapping(rounded[0])["coordinates"]) == \
        "[103.12346, 36.98765]"


@pytest.fixture(scope="module")
def townships():
    return read_layers("townships")["townships"]


def test_simplified_townships_stay_a_coverage_within_a_pixel(townships):
    pixel = 100.0  # metres: a city-sized view
    shown = simplify_for_display(townships, pixel)
    assert list(shown["code"]) == list(townships["code"])
    assert shown.crs.equals(townships.crs)
    before = shapely.get_num_coordinates(townships.geometry.values).sum()
    after = shapely.get_num_coordinates(shown.geometry.values).sum()
    assert after < before * 0.8, (before, after)
    assert not shown.geometry.is_empty.any() and shown.geometry.notna().all()
    metric_before, metric_after = townships.to_crs(METRIC), shown.to_crs(METRIC)
    # Shared edges stay shared: no gaps or overlaps beyond rounding opened between neighbours.
    overlap = shapely.union_all(metric_after.geometry.values).area
    assert overlap == pytest.approx(metric_after.area.sum(), rel=1e-3)
    # Each outline moved by at most about a pixel (plus half a pixel of rounding).
    for a, b in zip(metric_before.geometry, metric_after.geometry, strict=True):
        assert a.hausdorff_distance(b) <= 2 * pixel
    assert metric_after.area.sum() == pytest.approx(metric_before.area.sum(), rel=0.01)


def test_overlapping_hand_drawn_polygons_are_simplified_one_by_one():
    wobbly = shapely.Polygon([(500_000 + 1000 * math.cos(a), 4_000_000 + 1000 * math.sin(a))
                              for a in np.linspace(0, 2 * math.pi, 400)])
    frame = _metric_frame([wobbly, shapely.affinity.translate(wobbly, 500, 0)])
    shown = simplify_for_display(frame, 50.0)
    assert len(shown) == 2 and not shown.geometry.is_empty.any()
    assert shapely.get_num_coordinates(shown.geometry.values).sum() < 200


def test_hexagons_count_points_hand_checked():
    # Three points at one spot, one 10 km away, cells 1 km across.
    pts = _metric_frame([Point(500_000, 4_000_000)] * 3 + [Point(510_000, 4_000_000), None])
    pts["people"] = [10, 20, 30, 5, 99]
    cells = hex_bins(pts, 1000.0, weight="people")
    assert list(cells["count"]) == [3, 1]
    assert list(cells["total"]) == [60, 5]
    widths = cells.to_crs(METRIC).geometry.apply(lambda g: g.bounds[3] - g.bounds[1])
    assert widths.to_numpy() == pytest.approx(1000.0, rel=1e-3)  # across flats
    assert hex_bins(pts.iloc[:0], 1000.0).empty


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 20_000), st.floats(0, 20_000)), min_size=1, max_size=60),
       st.floats(200, 5000))
def test_every_point_lies_in_its_hexagon_and_none_is_lost(xy, cell):
    pts = _metric_frame([Point(500_000 + x, 4_000_000 + y) for x, y in xy])
    cells = hex_bins(pts, cell)
    assert cells["count"].sum() == len(xy)
    metric_cells = cells.to_crs(metric_crs())
    assert shapely.is_valid(metric_cells.geometry.values).all()
    # Every point is covered by some cell (rounding to 1e-5 degrees moves edges by ~1 m).
    grown = metric_cells.geometry.buffer(2.0)
    for point in pts.to_crs(metric_crs()).geometry:
        assert grown.covers(point).any()
    # Cells do not overlap: their areas add up to their union's.
    assert shapely.union_all(metric_cells.geometry.values).area == pytest.approx(
        metric_cells.area.sum(), rel=1e-3)


def _district(townships):
    return townships.dissolve()[["geometry"]]


def _points(payload: dict) -> list[tuple[float, float]]:
    decimals = round(math.log10(payload["scale"]))
    return decode_ring(payload["points"], (0, 0), decimals)[0]


def test_points_beyond_the_limit_become_hexagon_totals(townships, monkeypatch):
    monkeypatch.setenv("TONGXIN_MAP_POINTS_MAX", "50")
    rng = np.random.default_rng(1)
    minx, miny, maxx, maxy = townships.total_bounds
    pts = gpd.GeoDataFrame({"name": ["<b>x</b>"] * 600},
                           geometry=gpd.points_from_xy(rng.uniform(minx, maxx, 600),
                                                       rng.uniform(miny, maxy, 600)), crs=4326)
    fmap = Map.for_district(_district(townships))
    assert fmap.add_points(pts, "活动点位", {"name": "名称"}) == "hexagons"
    html = fmap.html()
    assert '"格内数量"' in html and "活动点位（每格数量）" in html
    assert "<b>x</b>" not in html  # totals only: no text from the points travels
    cells = next(d for d in map_payloads(html) if "counts" in d)
    assert sum(cells["counts"]) == 600 and len(cells["counts"]) < 600
    # Each cell is a centre, a count and a colour class: three numbers and an index.
    assert len(_points(cells)) == len(cells["counts"]) == len(cells["fill"])
    minx, miny, maxx, maxy = townships.total_bounds
    assert all(miny - 0.01 < lat < maxy + 0.01 and minx - 0.01 < lng < maxx + 0.01
               for lat, lng in _points(cells))
    monkeypatch.setenv("TONGXIN_MAP_POINTS_MAX", "5000")
    assert Map.for_district(_district(townships)).add_points(pts, "n", {"name": "n"}) \
        == "clusters"
    assert Map.for_district(_district(townships)).add_points(pts.iloc[:10], "n",
                           {"name": "n"}) == "points"


def test_service_areas_are_one_text_not_a_variable_each(townships):
    stations = townships.assign(geometry=townships.representative_point())
    radii = np.arange(1, len(stations) + 1) * 100.0
    fmap = Map.for_district(_district(townships))
    fmap.add_service_areas(stations, radii, "服务范围")
    html = fmap.html()
    assert "L.circle(" in html and html.count("L.circle(") == 1
    circles = next(d for d in map_payloads(html) if "radii" in d)
    assert read_column(circles["radii"]) == [str(round(r)) for r in radii]
    centres = _points(circles)
    assert len(centres) == len(stations)
    expected = [v for p in stations.geometry for v in (p.y, p.x)]
    assert [v for c in centres for v in c] == pytest.approx(expected, abs=6e-6)


def test_the_township_layer_sent_is_a_fraction_of_its_geojson(townships):
    fmap = Map.for_district(_district(townships))
    pixel = pixel_metres(_district(townships), 640)  # the default map_screen_px
    layer = fmap.add_townships(simplify_for_display(townships, pixel), {"name": "名称"})
    plain = json.dumps(townships.to_geo_dict(), ensure_ascii=False).encode()
    sent = layer.data.encode()
    assert len(sent) < len(plain) / 10, (len(plain), len(sent))
    names = read_column(json.loads(layer.data)["tip"]["columns"][0])
    assert names == list(townships["name"])


def test_charts_draw_at_most_the_rows_a_screen_holds(monkeypatch):
    import pandas as pd

    from ui.charts import rows_to_draw

    need = pd.Series([0, 5, 2, 5, 1], index=list("abcde"))
    assert list(rows_to_draw(need, largest=True)) == list("abcde")  # 5 <= 60: all
    monkeypatch.setenv("TONGXIN_CHART_ROWS_MAX", "2")
    assert list(rows_to_draw(need, largest=True)) == ["b", "d"]  # kept in their order
    assert list(rows_to_draw(need, largest=False)) == ["a", "e"]


def test_count_classes_are_whole_numbers_that_do_not_overlap():
    fills, legend = maps.classify(np.array([1, 1, 1, 2, 3, 4, 5, 7, 9, 12, 20, 40]), decimals=0)
    labels = [label for label, _ in legend]
    bounds = [tuple(int(x.replace(",", "")) for x in label.split(" – ")) for label in labels]
    flat = [(b[0], b[-1]) for b in bounds]
    assert flat[0][0] == 1 and flat[-1][1] == 40
    for (_, top), (low, _) in itertools.pairwise(flat):
        assert low == top + 1, labels
    assert len(fills) == 12


def test_hexagon_labels_follow_the_map_language(townships, monkeypatch):
    monkeypatch.setenv("TONGXIN_MAP_POINTS_MAX", "5")
    pts = townships.assign(geometry=townships.representative_point())
    fmap = Map.for_district(_district(townships), lang="en")
    fmap.add_points(pts, "Activities", {"name": "Name"})
    html = fmap.html()
    assert "In this cell" in html and "Activities (per cell)" in html
