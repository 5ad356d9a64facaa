"""The map tools: the search index, the vendored plugins on every page's map, none on the briefing."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest
from shapely.geometry import Point

from analysis.activity import Period
from core.i18n import t
from tests.conftest import WEST, map_payloads, reset_caches, tiny_district, tiny_frames
from ui.assets import LOCAL_FILES, VENDOR_DIR, standalone_html
from ui.map_object import Map
from ui.map_tools import COLUMNS, PLACE_LAYERS, on_gcj02, places, search_data

HOSTILE = "<img src=x onerror=alert(1)>"
TOOLS = ("L.control.fullscreen", "L.Control.Measure", "L.Control.Search")
PLUGIN_FILES = ("leaflet.fullscreen/Control.FullScreen.js", "leaflet.fullscreen/Control.FullScreen.css",
                "leaflet-measure/leaflet-measure.cn.js", "leaflet-measure/leaflet-measure.css",
                "leaflet-search/dist/leaflet-search.min.js",
                "leaflet-search/dist/leaflet-search.min.css")


def _assets(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)


def _search_data(html: str) -> dict:
    return next(d for d in map_payloads(html) if "names" in d and "boxes" in d)


def test_places_lists_every_named_placed_row_by_layer_then_name():
    frames = tiny_frames()
    frames["units"] = pd.concat([frames["units"], frames["units"].assign(code="U002", name="无坐标单位",
                                                                            geometry=[None])])
    frames["communities"].loc[2, "name"] = "  "  # no name: nothing to find it by
    index = places(frames, "zh")
    assert list(index.columns) == COLUMNS
    assert index["kind"].tolist() == ["乡镇(街道)"] * 2 + ["社区(村)"] * 2 + \
        ["宗教活动场所", "民族工作站", "驻区单位"]
    assert index["name"].tolist() == ["西园街道", "阿干镇", "上西园社区居委会", "下西园社区居委会",
                                      "西关清真寺（示例）", "西园街道民族工作站", "兰州理工大学"]
    west = index[index["name"] == "西园街道"].iloc[0]
    assert west["bounds"] == pytest.approx((36.04, 103.76, 36.06, 103.78))
    assert WEST.contains(Point(west["lng"], west["lat"]))
    assert west["code"] == "620103001"
    site = index[index["kind"] == "宗教活动场所"].iloc[0]
    assert site["bounds"] is None and (site["lat"], site["lng"]) == (36.05, 103.77)


def test_places_labels_follow_the_language_and_missing_layers_are_skipped():
    frames = {name: frame for name, frame in tiny_frames().items() if name != "units"}
    index = places(frames, "en")
    assert set(index["kind"]) == {t(f"map_tools.kind.{n}", "en") for n in PLACE_LAYERS[:4]}
    empty = places({}, "zh")
    assert list(empty.columns) == COLUMNS and empty.empty


def test_a_hostile_name_is_escaped_in_the_map_and_kept_as_written_in_the_index():
    frames = tiny_frames()
    frames["religious_sites"] = frames["religious_sites"].assign(name=HOSTILE)
    index = places(frames, "zh")
    assert HOSTILE in index["name"].tolist()  # the index holds the data; the map escapes it
    fmap = Map.for_district(tiny_district())
    html = fmap.finish(places=index).html()
    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in json.dumps(_search_data(html), ensure_ascii=False)


def test_the_map_loads_the_three_tools_from_the_vendored_files_only():
    fmap = Map.for_district(tiny_district(), lang="zh")
    html = fmap.finish(places=places(tiny_frames(), "zh")).html()
    assets = _assets(html)
    assert [u for u in assets if not u.startswith("/app/static/vendor/")] == []
    for file in PLUGIN_FILES:
        assert f"/app/static/vendor/{file}" in assets, file
    for tool in TOOLS:
        assert tool in html, tool
    assert t("map_tools.search_placeholder", "zh") in html and json.dumps("全屏") in html
    assert json.dumps("退出全屏") in html and "sqkilometers" in html
    assert "平方公里" in html or json.dumps("平方公里") in html
    for relative in LOCAL_FILES.values():
        assert (VENDOR_DIR / relative).is_file(), relative


def test_english_maps_load_the_english_build_and_no_places_means_no_search_box():
    html = Map.for_district(tiny_district(), lang="en").finish().html()
    assert "/app/static/vendor/leaflet-measure/leaflet-measure.js" in html
    assert "leaflet-measure.cn.js" not in html and "Exit full screen" in html
    assert "L.Control.Search" not in html and "L.control.fullscreen" in html


def test_no_tools_when_asked_for_none():
    html = Map.for_district(tiny_district()).finish(places=places(tiny_frames()), tools=False).html()
    for tool in TOOLS:
        assert tool not in html
    assert not any("leaflet-measure" in u or "fullscreen" in u or "leaflet-search" in u
                   for u in _assets(html))


def test_the_downloaded_map_inlines_the_tools_and_their_images():
    fmap = Map.for_district(tiny_district(), lang="zh")
    html = standalone_html(fmap.finish(places=places(tiny_frames(), "zh")).folium_map)
    assert "/app/static/" not in html and _assets(html) == []
    for tool in TOOLS:
        assert tool in html
    styles = "".join(re.findall(r"<style>(.*?)</style>", html, flags=re.S))
    images = re.findall(r"url\(([^)]*)\)", styles)
    assert [u for u in images if not u.startswith("data:") and not u.startswith("#")] == []
    assert "data:image/svg+xml;base64" in html  # the full-screen icon
    assert "data:image/gif;base64" in html  # the search box's spinner
    assert html.count("data:image/png;base64") >= 12  # the measuring icons and Leaflet's own


def test_the_index_follows_gcj02_tiles(monkeypatch):
    from layers.coords import wgs84_to_gcj02

    index = places(tiny_frames(), "zh")
    shifted = on_gcj02(index)
    lng, lat = wgs84_to_gcj02(index["lng"].to_numpy(), index["lat"].to_numpy())
    assert shifted["lng"].to_numpy() == pytest.approx(lng) and shifted["lat"].to_numpy() == pytest.approx(lat)
    south, west, north, east = index["bounds"].iloc[0]
    (w, e), (s, n) = wgs84_to_gcj02([west, east], [south, north])
    assert shifted["bounds"].iloc[0] == pytest.approx((s, w, n, e))
    assert shifted["bounds"].iloc[-1] is None
    monkeypatch.setenv("TONGXIN_TILE_URL", "http://tiles.intranet/{z}/{x}/{y}.png")
    monkeypatch.setenv("TONGXIN_TILE_ATTRIBUTION", "© 区自然资源局")
    monkeypatch.setenv("TONGXIN_TILE_CRS", "gcj02")
    fmap = Map.for_district(tiny_district(), "intranet")
    plain = _search_data(Map.for_district(tiny_district()).finish(places=index).html())
    moved = _search_data(fmap.finish(places=index).html())
    assert moved["points"] != plain["points"]


def test_every_page_map_has_the_tools_and_the_briefing_map_none(demo_env):
    from ui import filters
    from ui.briefing_views import Screen, coverage_map
    from views import activities, overview, scorecard, sites, units, workstations

    reset_caches()
    f = filters.Filters((), Period.year(2025), (), "none", pd.Timestamp("2025-12-31"))
    for view in (overview, workstations, activities, units, sites, scorecard):
        html = view.build_map("zh", f).html()
        assert [u for u in _assets(html) if not u.startswith("/app/static/vendor/")] == [], view
        assert "https://cdn" not in html
        for tool in TOOLS:
            assert tool in html, (view, tool)
        found = _search_data(html)
        assert {kind for kind, _ in found["kinds"]} == \
            {t(f"map_tools.kind.{name}", "zh") for name in PLACE_LAYERS}
    screen = Screen("zh", 1.0, Period.year(2025), pd.Timestamp("2025-12-31"))
    html = coverage_map(screen).html()
    for tool in TOOLS:
        assert tool not in html
    reset_caches()


def test_the_cached_index_follows_the_language(demo_env):
    from ui import data

    reset_caches()
    chinese, english = data.places("zh"), data.places("en")
    assert len(chinese) == len(english) > 300
    assert "西园街道" in chinese["name"].tolist()
    assert set(chinese["kind"]) != set(english["kind"])
    reset_caches()


def test_the_search_data_is_encoded_once_per_index_and_anew_when_it_changes():
    index = places(tiny_frames(), "zh")
    first = search_data(index, "zh")
    assert search_data(index.copy(), "zh") is first  # the same content: the same encoding
    assert json.loads(first)["names"]
    renamed = index.copy()
    renamed.loc[0, "name"] = "新名街道"
    assert search_data(renamed, "zh") != first
    moved = index.copy()
    moved.loc[0, "lat"] += 0.001
    assert search_data(moved, "zh") != first
    reboxed = index.copy()
    reboxed.at[0, "bounds"] = (36.0, 103.7, 36.1, 103.8)
    assert search_data(reboxed, "zh") != first
    assert search_data(index, "en") != first  # the messages follow the language
