"""The map tools in Chromium with every outside request refused: full screen, measuring, search.

On the overview page's map (our map element, drawn in the app's page): the full-screen button
fills the screen with the map and gives it back; two clicks measure a distance that matches the pixels
between them at the map's zoom and latitude, three an area in km²; a township and a venue are
found by name, zoomed to and marked. The briefing screen has none of the tools. A downloaded
map (everything inlined) finds a hostile name and shows it as written.
"""

from __future__ import annotations

import math
import re

import pytest

from tests.browser import ARTIFACTS, LOCAL_PREFIXES, MAP_ELEMENT, map_painted, streamlit_server
from tests.conftest import tiny_district, tiny_frames

pytestmark = pytest.mark.browser

EARTH_M = 40_075_016.686  # the equator in Web Mercator metres: a pixel's span at zoom 0 x 256
# The Leaflet map, as a JavaScript expression: in the app, the first map element's ``txMap``
# (folium's variables are not globals there); in a downloaded map, folium's global.
THE_MAP = (f"(document.querySelector('{MAP_ELEMENT}') ? "
           f"document.querySelector('{MAP_ELEMENT}').txMap : "
           "window[Object.keys(window).find(k => { try { return window[k] instanceof L.Map; } "
           "catch (e) { return false; } })])")
VIEW_JS = """() => { const m = """ + THE_MAP + """, c = m.getCenter(), b = m.getBounds();
  return {zoom: m.getZoom(), lat: c.lat, lng: c.lng, south: b.getSouth(), west: b.getWest(),
          north: b.getNorth(), east: b.getEast(),
          marked: m.tongxinSearchHighlight ? m.tongxinSearchHighlight.getLayers().length : -1,
          inView: m.tongxinSearchHighlight && m.tongxinSearchHighlight.getLayers().length ?
            b.contains(m.tongxinSearchHighlight.getBounds()) : null}; }"""
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("map_tools") / "tongxin.gpkg") as url:
        yield url


class Watched:
    """A page whose requests outside this machine are refused and recorded, as are dialogs."""

    def __init__(self, browser) -> None:
        self.page = browser.new_page(viewport={"width": 1600, "height": 1000})
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._guard)
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _guard(self, route) -> None:
        if route.request.url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"map_tools_{name}.png"))

    def close(self) -> None:
        assert self.outside == []
        assert self.dialogs == []
        assert self.errors == []
        self.page.close()


@pytest.fixture
def overview(server, browser):
    watched = Watched(browser)
    watched.page.goto(server)
    frame = map_painted(watched.page, timeout_ms=60_000)
    assert frame.evaluate(f"() => {THE_MAP} instanceof L.Map")
    # Gone if the page were reloaded (a link followed): a measurement must not reload it.
    frame.evaluate("() => { window.__stays = 1; }")
    yield watched, frame, frame.locator(MAP_ELEMENT).first
    assert frame.evaluate("() => window.__stays") == 1
    watched.close()


def test_full_screen_fills_the_screen_with_the_map_and_gives_it_back(overview):
    watched, frame, the_map = overview
    button = the_map.locator(".leaflet-control-zoom-fullscreen")
    assert button.get_attribute("title") == "全屏"
    button.click()
    # The map element, legends and all, takes the screen (not the whole app page).
    frame.wait_for_function(
        "(sel) => document.fullscreenElement === document.querySelector(sel)",
        arg=MAP_ELEMENT, timeout=10_000)
    watched.page.wait_for_timeout(500)
    size = frame.evaluate(f"() => {THE_MAP}.getSize()")
    assert size["x"] >= 1500 and size["y"] >= 900  # the viewport, not the 560 px element
    assert the_map.locator(".tongxin-legend").first.is_visible()
    assert button.get_attribute("title") == "退出全屏"
    watched.shot("fullscreen")
    button.click()
    frame.wait_for_function("() => document.fullscreenElement === null", timeout=10_000)
    assert frame.evaluate(f"() => {THE_MAP}.getSize().y") < 700


def _measured(text: str, unit: str) -> float:
    number = re.search(r"([\d,]+(?:\.\d+)?)\s*" + unit, text)
    assert number, (unit, text)
    return float(number.group(1).replace(",", ""))


def test_measuring_a_distance_and_an_area(overview):
    watched, frame, the_map = overview
    page = watched.page
    box = the_map.bounding_box()
    control = the_map.locator(".leaflet-control-measure")
    control.hover()
    the_map.locator(".leaflet-control-measure .js-start").click()
    # Two points 300 pixels apart across the middle of the map, clear of controls and legends.
    y = box["y"] + box["height"] * 0.5
    first, second = (box["x"] + box["width"] * 0.4, y), (box["x"] + box["width"] * 0.4 + 300, y)
    page.mouse.click(*first)
    page.mouse.click(*second)
    results = the_map.locator(".leaflet-control-measure .js-results")
    results.wait_for(state="visible", timeout=5_000)
    text = results.inner_text()
    view = frame.evaluate(VIEW_JS)
    metres_per_px = EARTH_M * math.cos(math.radians(view["lat"])) / (256 * 2 ** view["zoom"])
    expected = 300 * metres_per_px
    assert _measured(text, "米") == pytest.approx(expected, rel=0.10), text
    assert _measured(text, "公里") == pytest.approx(expected / 1000, rel=0.10), text
    watched.shot("measure_line")
    # A third point makes an area: a right triangle of 300 x 200 pixels.
    page.mouse.click(second[0], y - 200)
    page.wait_for_timeout(300)
    text = results.inner_text()
    area_km2 = 300 * 200 / 2 * metres_per_px ** 2 / 1e6
    assert _measured(text, "平方公里") == pytest.approx(area_km2, rel=0.10), text
    assert "平方米" in text
    the_map.locator(".leaflet-control-measure .js-finish").click()
    popup = the_map.locator(".leaflet-measure-resultpopup")
    popup.wait_for(state="visible", timeout=5_000)
    assert "平方公里" in popup.inner_text()
    page.wait_for_timeout(300)
    watched.shot("measure_area")
    # The popup's links act on the map (their "#" is never followed: the page stays).
    popup.locator(".js-deletemarkup").click()
    page.wait_for_timeout(300)
    assert "#" not in page.url
    assert the_map.locator(".leaflet-measure-resultpopup").count() == 0


def _search(scope, text: str, kind: str, shot=None) -> None:
    """Search in the map under ``scope`` (the map element, or a downloaded map's page)."""
    box = scope.locator(".leaflet-control-search input.search-input")
    box.fill("")
    box.press_sequentially(text, delay=30)
    tip = scope.locator(".leaflet-control-search .search-tip", has_text=kind).first
    tip.wait_for(state="visible", timeout=5_000)
    if shot:
        shot()
    tip.click()


def test_search_finds_a_township_and_a_venue_zooms_to_them_and_marks_them(overview):
    watched, frame, the_map = overview
    search = the_map.locator(".leaflet-control-search input.search-input")
    assert search.get_attribute("placeholder") == "搜索乡镇、社区、场所、工作站、单位"
    before = frame.evaluate(VIEW_JS)
    assert before["marked"] == 0
    _search(the_map, "西园", "乡镇(街道)", lambda: watched.shot("search_tips"))
    frame.wait_for_function(f"() => {THE_MAP}.getZoom() > {before['zoom']}",
                            timeout=10_000)
    watched.page.wait_for_timeout(800)  # the zoom animation
    town = frame.evaluate(VIEW_JS)
    assert town["marked"] == 1
    assert search.input_value() == "西园街道 · 乡镇(街道)"
    assert town["inView"]  # the whole township, outlined, fills the map
    watched.shot("search_township")
    _search(the_map, "清真寺", "宗教活动场所")
    frame.wait_for_function(f"() => {THE_MAP}.getZoom() >= 15", timeout=10_000)
    watched.page.wait_for_timeout(800)
    venue = frame.evaluate(VIEW_JS)
    assert venue["marked"] == 2  # the township's outline gave way to the venue's ring and dot
    assert "清真寺" in search.input_value()
    watched.shot("search_venue")
    _search(the_map, "兰州", "驻区单位")
    frame.wait_for_function(f"() => {THE_MAP}.getCenter().distanceTo("
                            f"[{venue['lat']}, {venue['lng']}]) > 1", timeout=10_000)
    assert frame.evaluate(VIEW_JS)["marked"] == 2


def test_the_briefing_screen_shows_no_tools(server, browser):
    watched = Watched(browser)
    watched.page.goto(f"{server}/briefing?view=0")
    frame = map_painted(watched.page, timeout_ms=60_000)
    assert frame.locator(f"{MAP_ELEMENT} .leaflet-container").count() >= 1
    for control in (".leaflet-control-zoom-fullscreen", ".leaflet-control-measure",
                    ".leaflet-control-search"):
        assert frame.locator(control).count() == 0, control
    watched.shot("briefing")
    watched.close()


def test_a_downloaded_map_searches_offline_and_shows_a_hostile_name_as_written(browser):
    from ui.assets import standalone_html
    from ui.map_object import Map
    from ui.map_tools import places

    frames = tiny_frames()
    frames["religious_sites"] = frames["religious_sites"].assign(name=HOSTILE + "寺")
    fmap = Map.for_district(tiny_district(), lang="zh")
    fmap.add_townships(frames["townships"], {"name": "名称"})
    html = standalone_html(fmap.finish(places=places(frames, "zh")).folium_map)
    watched = Watched(browser)
    watched.page.set_content(html, wait_until="load")
    page = watched.page
    icon = page.evaluate("() => getComputedStyle(document.querySelector("
                         "'.leaflet-control-zoom-fullscreen')).backgroundImage")
    assert icon.startswith('url("data:image/svg+xml'), icon
    _search(page.main_frame, "<img", "宗教活动场所", lambda: watched.shot("download_tips"))
    page.wait_for_timeout(500)
    assert page.locator(".leaflet-control-search input.search-input").input_value() == \
        HOSTILE + "寺 · 宗教活动场所"
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate(VIEW_JS)["marked"] == 2
    _search(page.main_frame, "西园", "乡镇(街道)")
    page.wait_for_timeout(800)
    watched.shot("download")
    watched.close()
