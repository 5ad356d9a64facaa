"""The sketch: a map's fills, outlines and legends, the same as the dashboard's folium map computes."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from cartography import style
from cartography.sketch import Circles, Heat, Legend, LegendEntry, Points, Polygons, Sketch
from core.i18n import t
from tests.conftest import ROOT, tiny_district, tiny_frames
from ui import maps
from ui.map_object import Map


@pytest.fixture
def frames():
    return tiny_frames()


def _sketch(lang: str | None = "zh") -> Sketch:
    return Sketch.for_district(tiny_district(), lang)


def test_ui_maps_still_exports_the_moved_names():
    assert maps.PALETTE is style.PALETTE and maps.classify is style.classify
    assert maps._fills is style.township_fills and maps.to_gcj02 is style.to_gcj02
    assert maps.SELECTED_COLOR == "#c0392b"


def test_the_extent_is_the_districts_until_fitted(frames):
    sketch = _sketch()
    assert sketch.extent == pytest.approx(tuple(tiny_district().total_bounds))
    west = frames["townships"].iloc[[0]]
    sketch.fit(west)
    assert sketch.extent == pytest.approx(tuple(west.total_bounds))
    sketch.fit(frames["activities"])  # no geometry: nothing changes
    assert sketch.extent == pytest.approx(tuple(west.total_bounds))


def test_urban_and_rural_fills_with_their_legend(frames):
    sketch = _sketch("zh")
    layer = sketch.add_townships(frames["townships"], {"name": "名称"})
    assert isinstance(layer, Polygons) and sketch.layers == [layer]
    assert layer.fills == (style.URBAN_FILL, style.TOWNSHIP_STYLE["fillColor"])
    assert layer.codes == ("620103001", "620103100")
    assert layer.labels == ("西园街道", "阿干镇")
    assert layer.fill_opacity == style.TOWNSHIP_STYLE["fillOpacity"]
    assert sketch.legends == [layer.legend]
    assert layer.legend == Legend("乡镇(街道)", (LegendEntry("街道（城区）", style.URBAN_FILL),
                                               LegendEntry("镇、乡", "#dce6f2")), "square")
    assert layer.name == t("map.townships", "zh")


def test_a_choropleth_is_classify_of_the_values(frames):
    values = frames["townships"].set_index("code")["population"]
    layer = _sketch().add_townships(frames["townships"], values=values, legend_title="人口",
                                    label_column=None)
    fills, legend = style.classify(values.reindex(layer.codes).to_numpy())
    assert list(layer.fills) == fills
    assert layer.legend is not None and layer.legend.title == "人口"
    assert layer.legend.pairs == legend
    assert layer.labels is None


def test_selected_townships_are_outlined_red(frames):
    layer = _sketch().add_townships(frames["townships"], selected=["620103100"])
    assert layer.edges == (style.TOWNSHIP_STYLE["color"], style.SELECTED_COLOR)
    assert layer.widths == (style.TOWNSHIP_STYLE["weight"], 3.5)
    looks = layer.styles()
    assert looks[1]["color"] == "#c0392b" and looks[1]["weight"] == 3.5
    assert looks[0] == {**style.TOWNSHIP_STYLE, "fillColor": style.URBAN_FILL}


@pytest.mark.parametrize("values", [None, "population"])
def test_the_legend_is_the_one_the_folium_map_records(frames, values):
    towns = frames["townships"]
    numbers = towns.set_index("code")["population"] if values else None
    fmap = Map.for_district(tiny_district(), lang="en")
    fmap.add_townships(towns, {"name": "Name"}, values=numbers, legend_title="Population")
    sketch = Sketch.for_district(tiny_district(), "en")
    sketch.add_townships(towns, {"name": "Name"}, values=numbers, legend_title="Population")
    assert [(lg.title, lg.entries, lg.shape) for lg in fmap.legends] == \
        [(lg.title, lg.pairs, lg.shape) for lg in sketch.legends]


def test_points_legends_are_the_folium_maps(frames):
    sites = pd.concat([frames["religious_sites"]] * 3, ignore_index=True)
    sites["religion"] = ["伊斯兰教", "佛教", "其他"]
    colors = {"佛教": "#111111", "伊斯兰教": "#222222", "道教": "#333333"}
    fmap, sketch = Map.for_district(tiny_district()), _sketch()
    for target in (fmap, sketch):
        target.add_points(sites, "场所", {"name": "名称"}, color_by="religion", colors=colors,
                          legend_title="宗教", labels={"佛教": "佛教（汉传）"})
        target.add_points(frames["workstations"], "工作站", {"name": "名称"},
                          color=style.PALETTE[5], legend_title="工作站")
    assert [(lg.title, lg.entries, lg.shape) for lg in fmap.legends] == \
        [(lg.title, lg.pairs, lg.shape) for lg in sketch.legends]
    venues = sketch.layers[0]
    assert isinstance(venues, Points)
    # Only values present get a legend line; a value without a colour is grey.
    assert sketch.legends[0].pairs == [("佛教（汉传）", "#111111"), ("伊斯兰教", "#222222")]
    assert venues.fills == ("#222222", "#111111", style.NEUTRAL)
    assert sketch.legends[1].pairs == [("工作站", style.PALETTE[5])]


def test_points_without_a_place_are_left_out(frames):
    rows = gpd.GeoDataFrame({"name": ["a", "b", "c"]},
                            geometry=[Point(103.77, 36.05), None, Point()], crs=4326)
    layer = _sketch().add_points(rows, "点", radius=4)
    assert list(layer.frame["name"]) == ["a"] and layer.fills == (style.PALETTE[0],)
    assert layer.radius == 4 and layer.legend is None


def test_service_areas_keep_only_real_circles():
    stations = gpd.GeoDataFrame(geometry=[Point(103.77, 36.05), None, Point(), Point(103.79, 36.05),
                                          Point(103.78, 36.05)], crs=4326)
    layer = _sketch().add_service_areas(stations, [1500, 1500, 1500, 0, np.nan], "服务范围")
    assert isinstance(layer, Circles)
    assert len(layer.centres) == 1 and layer.radii.tolist() == [1500.0]
    assert layer.color == style.PALETTE[2]


def test_heat_and_hexagons_keep_the_placed_points(frames):
    sketch = _sketch()
    heat = sketch.add_heat(frames["communities"], "热力")
    hexes = sketch.add_hexagons(frames["activities"], "六边形", show=False)
    assert isinstance(heat, Heat) and isinstance(hexes, Heat)
    assert len(heat.points) == 3 and len(hexes.points) == 0
    assert sketch.legends == []  # as on the page: a heat layer records no legend


def test_hidden_layers_are_recorded_but_neither_they_nor_their_legends_shown(frames):
    sketch = _sketch()
    shown = sketch.add_points(frames["units"], "单位", legend_title="单位")
    hidden = sketch.add_points(frames["communities"], "社区", legend_title="社区", show=False)
    sketch.add_legend("说明", [("一", "#000000")])
    assert sketch.layers == [shown, hidden]
    assert sketch.visible_layers == [shown]
    assert [lg.title for lg in sketch.legends] == ["单位", "社区", "说明"]
    assert [lg.title for lg in sketch.visible_legends] == ["单位", "说明"]


def test_a_metric_frame_is_brought_back_to_wgs84(frames):
    metric = frames["townships"].to_crs(4544)
    layer = _sketch().add_townships(metric)
    assert layer.frame.crs.equals("EPSG:4326")
    assert layer.frame.total_bounds == pytest.approx(frames["townships"].total_bounds)


def test_the_package_imports_neither_the_dashboard_nor_folium():
    code = ("import sys, cartography.picture, cartography.sketch; "
            "bad = [m for m in sys.modules if m.split('.')[0] in "
            "('ui', 'views', 'storage', 'streamlit', 'folium', 'branca')]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


_values = st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))),
                   min_size=1, max_size=20)


@hsettings(max_examples=60)
@given(values=_values, urban=st.lists(st.booleans(), min_size=20, max_size=20),
       picked=st.sets(st.integers(0, 19), max_size=5), choropleth=st.booleans())
def test_every_township_gets_a_fill_and_the_legend_only_colours_it_uses(values, urban, picked,
                                                                       choropleth):
    n = len(values)
    codes = [f"6201031{i:02d}" for i in range(n)]
    towns = gpd.GeoDataFrame({"code": codes, "name": codes, "urban": urban[:n]},
                             geometry=[box(103.7 + i * 0.01, 36.0, 103.71 + i * 0.01, 36.01)
                                       for i in range(n)], crs=4326)
    numbers = pd.Series(values, index=codes) if choropleth else None
    selected = [codes[i] for i in picked if i < n]
    sketch = _sketch()
    layer = sketch.add_townships(towns, values=numbers, legend_title="值", selected=selected)
    assert len(layer.fills) == len(layer.edges) == len(layer.widths) == n
    assert all(f.startswith("#") and len(f) == 7 for f in layer.fills)
    assert layer.legend is not None and sketch.legends == [layer.legend]
    finite = np.isfinite(values)
    if choropleth and finite.any():
        # Every township is in a class the legend shows (or white: no value).
        legend = {e.color for e in layer.legend.entries}
        assert legend <= set(style.SEQUENTIAL)
        assert set(layer.fills) <= legend | {style.NO_VALUE_FILL}
        assert all((f == style.NO_VALUE_FILL) == (not ok) for f, ok in zip(layer.fills, finite))
    elif choropleth:
        # No value at all: white everywhere and, as the page's map does, the urban/rural legend.
        assert set(layer.fills) == {style.NO_VALUE_FILL}
    for code, edge, width in zip(layer.codes, layer.edges, layer.widths):
        assert (edge == style.SELECTED_COLOR) == (code in selected)
        assert width == (3.5 if code in selected else style.TOWNSHIP_STYLE["weight"])


def test_every_class_in_the_legend_holds_a_township():
    fills, legend = style.classify(np.array([0.0, 1.0, 2.0, 3.0, 4.0, 0.5]))
    assert {colour for _, colour in legend} <= set(fills)
