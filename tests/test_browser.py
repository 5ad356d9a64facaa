"""What only a browser shows: every page's map drawn from local files, nothing leaving the machine."""

from __future__ import annotations

import pytest

from core.i18n import t
from tests.browser import ARTIFACTS, MAP_ELEMENT, keep_local, map_painted, streamlit_server
from ui.charts import file_name

pytestmark = pytest.mark.browser

# url path -> whether the page draws a map.
PAGES = {"": True, "workstations": True, "activities": True, "units": True, "sites": True,
         "scorecard": True, "data": False, "briefing": False}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with streamlit_server(tmp_path_factory.mktemp("browser") / "tongxin.gpkg") as url:
        yield url


def _open(browser, url: str, outside: list[str]):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    keep_local(page, outside)
    page.goto(url)
    return page


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_draws_offline(server, browser, path):
    outside: list[str] = []
    errors: list[str] = []
    page = _open(browser, f"{server}/{path}", outside)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # The briefing screen has no heading: its top bar is its own.
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1, "
                           "[data-testid='stMainBlockContainer'] h2, .tx-top", timeout=60_000)
    if PAGES[path]:
        the_map = map_painted(page).locator(MAP_ELEMENT).first
        assert the_map.locator(".leaflet-control-scale").count() == 1
        assert the_map.locator(".leaflet-control-layers").count() == 1
        assert the_map.locator(".tongxin-legend").count() >= 1
    page.wait_for_timeout(1000)
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{path or 'overview'}.png"), full_page=True)
    assert outside == []
    assert errors == []
    page.close()


def test_hovering_a_township_shows_its_name(server, browser):
    outside: list[str] = []
    page = _open(browser, server, outside)
    the_map = map_painted(page).locator(MAP_ELEMENT).first
    box = the_map.bounding_box()
    # The urban streets lie in the district's north; the middle of the map is a town.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.6)
    tooltip = the_map.locator(".leaflet-tooltip")
    tooltip.wait_for(timeout=10_000)
    text = tooltip.inner_text()
    assert any(suffix in text for suffix in ("镇", "乡", "街道")), text
    assert "示例" in text, "made-up figures are marked as demo"
    assert outside == []
    page.close()


def test_clicking_a_township_filters_every_page_to_it(server, browser):
    # Townships are drawn in the browser from compact text; a click must still report the
    # township's code to the page (the map element reads it from the clicked polygon).
    outside: list[str] = []
    page = _open(browser, server, outside)
    map_painted(page)
    box = page.locator(MAP_ELEMENT).first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.6)
    page.wait_for_url("**towns=*", timeout=30_000)
    code = page.url.split("towns=")[1].split("&")[0]
    assert code.isdigit() and len(code) == 9, page.url
    # The sidebar's township filter now holds that one township, by name.
    chosen = page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelectTagsContainer']")
    page.wait_for_function("() => /(镇|乡|街道)/.test(document.querySelector("
                           "\"[data-testid='stSidebar'] [data-testid='stMultiSelectTagsContainer']\")"
                           "?.innerText || '')", timeout=30_000)
    assert len(chosen.first.inner_text().strip().splitlines()) == 1
    assert outside == []
    page.close()


def test_charts_wait_for_the_map_and_speak_the_page_language(server, browser):
    outside: list[str] = []
    page = _open(browser, f"{server}/activities", outside)
    map_painted(page, timeout_ms=60_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tx-chart')].length >= 2 && "
        "[...document.querySelectorAll('.tx-chart')].every(c => c.dataset.drawnAt)",
        timeout=60_000)
    drawn = page.evaluate(
        "() => ({map: Math.min(...[...document.querySelectorAll('.tx-map-root')]"
        ".map(r => Number(r.dataset.drawnAt))), charts: [...document.querySelectorAll("
        "'.tx-chart')].map(c => Number(c.dataset.drawnAt)), files: performance"
        ".getEntriesByType('resource').map(r => r.name)})")
    assert all(at >= drawn["map"] for at in drawn["charts"]), drawn
    # The vendored cartesian bundle, not Streamlit's 4.7 MB plotly chunk.
    assert any(f.endswith("/plotly-cartesian.min.js") for f in drawn["files"])
    assert not any("/PlotlyChart." in f for f in drawn["files"])
    matrix = page.locator(".tx-chart").first
    matrix.scroll_into_view_if_needed()
    matrix.hover()
    camera = matrix.locator("[data-title='下载图表为PNG格式']")  # the modebar in Chinese
    with page.expect_download(timeout=30_000) as download:
        camera.click()
    assert download.value.suggested_filename == file_name(t("activities.matrix", "zh")) + ".png"
    # A narrower column (the sidebar unfolding, say), not a window resize: the chart follows.
    page.evaluate("() => { document.querySelector('.tx-chart').parentElement.style.width = '600px'; }")
    page.wait_for_function(
        "() => document.querySelector('.tx-chart .main-svg').getBoundingClientRect().width <= 600",
        timeout=10_000)
    assert outside == []
    page.close()
