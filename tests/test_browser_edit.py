"""Editing a record in Chromium: a click on the map places the point; two editors, one record.

A real Streamlit server on loopback with its own working dataset and an editor account; every
request that would leave the machine is aborted and fails the test.
"""

from __future__ import annotations

import re

import pytest

from auth.accounts import AccountStore
from core import settings
from core.i18n import t
from ledger.edit import open_record
from storage import GeoPackageStore
from tests.browser import ARTIFACTS, MAP_ELEMENT, keep_local, map_painted, settled, streamlit_server
from ui import record_form
from ui.record_editor import LAYER_KEY, PICK_KEY, QUERY_KEY, form_id

pytestmark = pytest.mark.browser

PASSWORD = "correct horse 42"
FORM = form_id("units")
PLACED, CONTESTED = "U001", "U002"  # one unit moved by a click, one saved by two editors
TIMEOUT_MS = 60_000
# Within this of the clicked spot (degrees, about 10 m): a pixel at the form map's zoom is
# about 5 m, and the click's mouse position is rounded to a pixel.
TOLERANCE = 1e-4
# The place under a point (x, y pixels from the map element's top left corner): the element
# keeps its Leaflet map as ``txMap``; folium's map div may sit anywhere inside the element.
LATLNG_JS = """([selector, x, y]) => {
  const root = document.querySelector(selector);
  const map = root.txMap;
  const outer = root.getBoundingClientRect(), box = map.getContainer().getBoundingClientRect();
  const at = map.containerPointToLatLng([outer.left + x - box.left, outer.top + y - box.top]);
  return [at.lat, at.lng];
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server on its own copy of the demo, with an editor; yield its URL and the store."""
    path = tmp_path_factory.mktemp("browser-edit") / "tongxin.gpkg"
    store = GeoPackageStore(path, settings.path("demo"))
    store.read("units")  # the working copy exists before the server opens it
    AccountStore(path.with_name("accounts.json")).add("li", "editor", PASSWORD, "tester", must_change=False)
    with streamlit_server(path) as url:
        yield url, store


def _css(key: str) -> str:
    """Return the CSS class Streamlit gives a keyed widget's element."""
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key)


def _signed_in(context, url: str, outside: list[str]):
    page = context.new_page()
    keep_local(page, outside)
    page.goto(url)
    page.locator(f"{_css('login_user')} input").fill("li")
    page.locator(f"{_css('login_pass')} input").fill(PASSWORD)
    page.get_by_role("button", name=t("auth.sign_in", "zh"), exact=True).click()
    # Signed in, the dashboard opens on its first page; a new address would be a new session.
    page.get_by_role("link", name=t("nav.data", "zh"), exact=True).click()
    page.locator(_css(LAYER_KEY)).wait_for(timeout=TIMEOUT_MS)
    return page


def _choose(page, key: str, option: str) -> None:
    """Choose the first option of a selectbox holding ``option``, typed as a person would."""
    _settled(page)
    box = page.locator(f"{_css(key)} input[role='combobox']")
    box.click()
    box.fill(option)
    page.get_by_role("option", name=re.compile(re.escape(option))).first.wait_for()
    box.press("Enter")
    _settled(page)


def _settled(page) -> None:
    settled(page, TIMEOUT_MS)


def _open_unit(page, code: str) -> None:
    _choose(page, LAYER_KEY, "驻区单位")
    _settled(page)
    page.locator(f"{_css(QUERY_KEY)} input").fill(code)
    page.locator(f"{_css(QUERY_KEY)} input").press("Enter")
    _settled(page)
    _choose(page, PICK_KEY, code)
    page.locator(f"{_css(record_form.key(FORM, 'staff'))} input").wait_for(timeout=TIMEOUT_MS)
    _settled(page)


def _type(page, name: str, text: str) -> None:
    field = page.locator(f"{_css(record_form.key(FORM, name))} input")
    field.fill(text)
    field.press("Enter")
    _settled(page)


def _save(page) -> None:
    page.locator(f"{_css(record_form.key(FORM, '_submit'))} button").click()
    _settled(page)


def test_a_click_on_the_map_places_the_unit(served, browser):
    url, store = served
    outside: list[str] = []
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = _signed_in(context, url, outside)
    _open_unit(page, PLACED)
    before = open_record("units", PLACED, store)["geometry"]
    frame = map_painted(page, timeout_ms=TIMEOUT_MS)
    assert frame.evaluate("(sel) => document.querySelector(sel).txMap instanceof L.Map",
                          MAP_ELEMENT)
    _settled(page)  # no rerun under way that would replace the map being clicked
    # A mouse clicks where the screen shows: the map must be in view.
    the_map = page.locator(MAP_ELEMENT).first
    the_map.scroll_into_view_if_needed()
    box = the_map.bounding_box()
    # Away from the current point (the map's centre), south-west of it: inside the district.
    x, y = round(box["width"] * 0.42), round(box["height"] * 0.62)
    lat, lng = frame.evaluate(LATLNG_JS, [MAP_ELEMENT, x, y])
    page.mouse.click(box["x"] + x, box["y"] + y)
    lng_field = page.locator(f"{_css(record_form.key(FORM, '_lng'))} input")
    page.wait_for_function(
        "([sel, old]) => { const e = document.querySelector(sel); return e && e.value && "
        "e.value !== old; }",
        arg=[f"{_css(record_form.key(FORM, '_lng'))} input", before.split("(")[1].split()[0]],
        timeout=TIMEOUT_MS)
    assert abs(float(lng_field.input_value()) - lng) < TOLERANCE
    map_painted(page, timeout_ms=TIMEOUT_MS)  # redrawn with the point where it was clicked
    _save(page)
    page.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="已保存").wait_for(timeout=TIMEOUT_MS)
    saved = open_record("units", PLACED, store)["geometry"]
    x_saved, y_saved = (float(v) for v in saved.split("(")[1].rstrip(")").split())
    assert abs(x_saved - lng) < TOLERANCE and abs(y_saved - lat) < TOLERANCE, (saved, lat, lng)
    entry = store.history("units", PLACED)[0]
    assert (entry["user"], entry["how"]) == ("li", "edit")
    map_painted(page, timeout_ms=TIMEOUT_MS)
    page.locator(_css(record_form.key(FORM, "_crs"))).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "page-data-edit.png"))
    assert page.locator("[data-testid='stException']").count() == 0
    assert outside == []
    context.close()


def test_two_editors_on_one_record_the_second_sees_the_conflict(served, browser):
    url, store = served
    outside: list[str] = []
    first = browser.new_context(viewport={"width": 1600, "height": 1000})
    second = browser.new_context(viewport={"width": 1600, "height": 1000})
    mine, theirs = _signed_in(first, url, outside), _signed_in(second, url, outside)
    _open_unit(mine, CONTESTED)
    _open_unit(theirs, CONTESTED)
    staff = open_record("units", CONTESTED, store)["staff"]
    _type(theirs, "staff", str(staff + 1))
    _save(theirs)
    theirs.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="已保存").wait_for(timeout=TIMEOUT_MS)
    version = store.version()
    _type(mine, "staff", str(staff + 2))
    _save(mine)
    warning = mine.locator("[data-testid='stAlertContentWarning']").filter(
        has_text="您的修改没有保存")
    warning.wait_for(timeout=TIMEOUT_MS)
    assert "li" in warning.inner_text()
    assert store.version() == version  # nothing overwritten
    assert open_record("units", CONTESTED, store)["staff"] == staff + 1
    table = mine.locator("[data-testid='stTable']").first
    assert "当前库中" in table.inner_text() and "我的修改" in table.inner_text()
    assert str(staff + 1) in table.inner_text() and str(staff + 2) in table.inner_text()
    table.scroll_into_view_if_needed()
    mine.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    mine.screenshot(path=str(ARTIFACTS / "page-data-conflict.png"))
    # Having seen both, the second editor keeps theirs.
    mine.locator(f"{_css('edit_overwrite')} button").click()
    mine.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="已保存").wait_for(timeout=TIMEOUT_MS)
    assert open_record("units", CONTESTED, store)["staff"] == staff + 2
    for page in (mine, theirs):
        assert page.locator("[data-testid='stException']").count() == 0
    assert outside == []
    first.close()
    second.close()
