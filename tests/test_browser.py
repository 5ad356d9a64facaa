"""What only a browser shows: the map drawn from local files, and nothing leaving the machine."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LOCAL_PREFIXES, streamlit_server

MAP_FRAME = "streamlit_folium"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("browser") / "tongxin.gpkg") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open(browser, url: str, outside: list[str]):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})

    def guard(route):
        if route.request.url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(url)
    return page


def _map_frame(page):
    page.wait_for_selector(f"iframe[src*='{MAP_FRAME}']", timeout=30_000)
    frame = next(f for f in page.frames if MAP_FRAME in f.url)
    frame.wait_for_selector(".leaflet-overlay-pane canvas", timeout=30_000)
    return frame


def test_overview_map_draws_townships_from_local_files_only(server, browser):
    outside: list[str] = []
    page = _open(browser, server, outside)
    frame = _map_frame(page)
    page.wait_for_timeout(1500)
    # prefer_canvas draws the polygons on a canvas: count the painted pixels.
    painted = frame.evaluate("""() => {
        const c = document.querySelector('.leaflet-overlay-pane canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n; }""")
    assert painted > 10_000, "the township polygons were not drawn"
    assert frame.locator(".leaflet-control-scale").count() == 1
    assert frame.locator(".leaflet-control-zoom").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert outside == []
    page.close()


def test_hovering_a_township_shows_its_name(server, browser):
    outside: list[str] = []
    page = _open(browser, server, outside)
    frame = _map_frame(page)
    box = page.locator(f"iframe[src*='{MAP_FRAME}']").bounding_box()
    # The urban streets lie in the district's north; the middle of the map is a town.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.6)
    frame.wait_for_selector(".leaflet-tooltip", timeout=10_000)
    text = frame.locator(".leaflet-tooltip").inner_text()
    assert any(suffix in text for suffix in ("镇", "乡", "街道")), text
    assert "示例" in text, "made-up figures are marked as demo"
    assert outside == []
    page.close()
