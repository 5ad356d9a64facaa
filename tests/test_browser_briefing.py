"""The briefing screen in a real browser: readable at both sizes, rotating, live, offline."""

from __future__ import annotations

import time

import pytest

from ledger.importer import import_file
from storage.gpkg import GeoPackageStore
from tests.browser import ARTIFACTS, keep_local, map_painted, streamlit_server
from tests.conftest import DATA, ROOT
from ui.briefing_style import KPI_FLOOR_PX, LABEL_FLOOR_PX
from ui.briefing_views import VIEWS

pytestmark = pytest.mark.browser

SCREENS = {"1080": (1920, 1080), "4k": (3840, 2160)}


@pytest.fixture(scope="module")
def data_path(tmp_path_factory):
    return tmp_path_factory.mktemp("briefing") / "tongxin.gpkg"


@pytest.fixture(scope="module")
def server(data_path):
    with streamlit_server(data_path) as url:
        yield url


def _page(browser, size, outside):
    width, height = size
    page = browser.new_page(viewport={"width": width, "height": height})
    keep_local(page, outside)
    return page


@pytest.mark.parametrize("view", range(len(VIEWS)))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_every_view_fills_the_screen_readably(server, browser, screen, view):
    outside: list[str] = []
    page = _page(browser, SCREENS[screen], outside)
    page.goto(f"{server}/briefing?interval=3600&view={view}&screen={screen}")
    page.wait_for_selector(".tx-top", timeout=60_000)
    if view == 0:
        map_painted(page)
    else:
        page.wait_for_timeout(2500)
    sizes = page.evaluate("""() => ({
        kpi: [...document.querySelectorAll('.tx-kpi .v')].map(e => parseFloat(getComputedStyle(e).fontSize)),
        label: [...document.querySelectorAll('.tx-kpi .l, .tx-list')].map(e => parseFloat(getComputedStyle(e).fontSize)),
        scrollH: document.scrollingElement.scrollHeight, innerH: window.innerHeight,
        scrollW: document.scrollingElement.scrollWidth, innerW: window.innerWidth,
        sidebar: !!document.querySelector('[data-testid="stSidebar"]') &&
                 document.querySelector('[data-testid="stSidebar"]').offsetWidth > 0,
        toolbar: !!document.querySelector('[data-testid="stToolbar"]') &&
                 document.querySelector('[data-testid="stToolbar"]').offsetWidth > 0 })""")
    assert all(size >= KPI_FLOOR_PX for size in sizes["kpi"]), sizes["kpi"]
    assert all(size >= LABEL_FLOOR_PX for size in sizes["label"]), sizes["label"]
    assert sizes["scrollH"] <= sizes["innerH"] and sizes["scrollW"] <= sizes["innerW"], sizes
    assert not sizes["sidebar"] and not sizes["toolbar"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"briefing-{screen}-{view}.png"))
    assert outside == []
    page.close()


def test_rotates_on_its_own_and_shows_new_data_without_reloading(server, browser, data_path):
    outside: list[str] = []
    page = _page(browser, SCREENS["1080"], outside)
    interval = 2
    page.goto(f"{server}/briefing?interval={interval}&view=2")
    page.wait_for_selector(".tx-view", timeout=60_000)
    page.evaluate("() => { window.__tongxin_marker = 1; }")
    seen = set()
    deadline = time.monotonic() + interval * (len(VIEWS) + 3)
    while len(seen) < len(VIEWS) and time.monotonic() < deadline:
        seen.add(page.locator(".tx-view").inner_text())
        page.wait_for_timeout(300)
    assert len(seen) == len(VIEWS), seen
    # An import elsewhere (the data keeper's desk) changes the units layer: 45 -> 2 units.
    store = GeoPackageStore(data_path, ROOT / "data" / "demo" / "tongxin-demo.gpkg")
    report, _ = import_file("units", DATA / "layers" / "units_good.csv", store=store)
    assert report.ok
    deadline = time.monotonic() + interval * (len(VIEWS) + 3)
    shown = ""
    while time.monotonic() < deadline:
        if "驻区单位对接" in page.locator(".tx-view").inner_text():
            shown = page.locator(".tx-kpi .v").first.inner_text()
            if shown == "2":
                break
        page.wait_for_timeout(300)
    assert shown == "2", "the new data did not show within a rotation"
    assert page.evaluate("() => window.__tongxin_marker") == 1, "the page reloaded"
    assert outside == []
    page.close()


def test_behind_a_reverse_proxy_prefix_the_maps_still_draw(browser, tmp_path):
    outside: list[str] = []
    failed: list[str] = []
    with streamlit_server(tmp_path / "tongxin.gpkg", base_path="tongxin") as url:
        page = _page(browser, (1600, 1000), outside)
        page.on("response", lambda r: failed.append(r.url)
                if r.status >= 400 and "/static/vendor/" in r.url else None)
        page.goto(f"{url}/")
        map_painted(page)
        assert "/tongxin/" in page.url
        page.close()
    assert failed == [] and outside == []
