"""Shared fixtures: a tiny hand-made dataset, and a private copy of the demo as working data."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import settings as hypothesis_settings
from shapely.geometry import Point, box

from core import settings
from storage.gpkg import GeoPackageStore, create_dataset
from tests.pg import pg  # noqa: F401 - the PostgreSQL + PostGIS fixture, for every test

# No per-example deadline: a busy CI machine (or two xdist workers on two cores) makes an
# example slow without making it wrong, and a timed assertion is not what these tests test.
hypothesis_settings.register_profile("tongxin", deadline=None)
hypothesis_settings.load_profile("tongxin")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

# Two townships side by side near 七里河 (each 0.02 x 0.02 degrees, about 1.8 x 2.2 km).
WEST = box(103.76, 36.04, 103.78, 36.06)
EAST = box(103.78, 36.04, 103.80, 36.06)


def tiny_frames() -> dict[str, gpd.GeoDataFrame]:
    """Return a hand-checked dataset: 2 townships, 3 communities, 1 of every other layer."""
    towns = gpd.GeoDataFrame({
        "code": ["620103001", "620103100"], "name": ["西园街道", "阿干镇"], "kind": ["街道", "镇"],
        "urban": [True, False], "population": [1000, 500], "minority_population": [100, 20]},
        geometry=[WEST, EAST], crs=4326)
    communities = gpd.GeoDataFrame({
        "code": ["620103001001", "620103001002", "620103100001"],
        "name": ["下西园社区居委会", "上西园社区居委会", "阿干村委会"],
        "township_code": ["620103001", "620103001", "620103100"], "kind": ["社区", "社区", "村"],
        "key_community": [True, False, False], "population": [600, 400, 500],
        "minority_population": [80, 20, 20]},
        geometry=[Point(103.765, 36.045), Point(103.775, 36.055), Point(103.79, 36.05)], crs=4326)
    sites = gpd.GeoDataFrame({"code": ["R001"], "name": ["西关清真寺（示例）"], "religion": ["伊斯兰教"],
                              "township_code": ["620103001"]},
                             geometry=[Point(103.77, 36.05)], crs=4326)
    stations = gpd.GeoDataFrame({"code": ["W001"], "name": ["西园街道民族工作站"], "kind": ["民族工作站"],
                                 "township_code": ["620103001"]},
                                geometry=[Point(103.768, 36.048)], crs=4326)
    activities = gpd.GeoDataFrame({"code": ["A000001"], "date": [pd.Timestamp("2024-03-05")],
                                   "category": ["进社区"], "township_code": ["620103001"],
                                   "participants": [60]}, geometry=[None], crs=4326)
    units = gpd.GeoDataFrame({"code": ["U001"], "name": ["兰州理工大学"], "category": ["省属高校"],
                              "township_code": ["620103001"], "joint_meeting": [True]},
                             geometry=[Point(103.77, 36.055)], crs=4326)
    visits = gpd.GeoDataFrame({"code": ["V000001"], "unit_code": ["U001"],
                               "date": [pd.Timestamp("2024-05-10")], "form": ["走访"],
                               "township_code": ["620103001"]}, geometry=[None], crs=4326)
    return {"townships": towns, "communities": communities, "religious_sites": sites,
            "workstations": stations, "activities": activities, "units": units,
            "visits": visits}


def tiny_district() -> gpd.GeoDataFrame:
    """Return the tiny dataset's district: the two townships together."""
    return gpd.GeoDataFrame({"name": ["示例区"]}, geometry=[WEST.union(EAST)], crs=4326)


@pytest.fixture
def tiny_store(tmp_path: Path) -> GeoPackageStore:
    """A store whose working file is a fresh copy of the tiny dataset."""
    demo = tmp_path / "tiny-demo.gpkg"
    create_dataset(demo, tiny_frames(), tiny_district(), {"demo": "true"})
    return GeoPackageStore(tmp_path / "work" / "tongxin.gpkg", demo, keep=3)


# Which store the tests that use ``demo_env`` run on: "gpkg" (the default), or "postgis" to run
# them again on a fresh PostgreSQL database each (`make test` runs the import and page tests
# both ways).
TEST_STORE = os.environ.get("TONGXIN_TEST_STORE", "gpkg")


@pytest.fixture
def demo_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             request: pytest.FixtureRequest) -> Path:
    """Point TONGXIN_DATA at a fresh working dataset made from the shipped demo.

    Returns the working file's path; with ``TONGXIN_TEST_STORE=postgis`` the data is in a new
    PostGIS database instead (the path is then where a GeoPackage would have been, unused).
    """
    work = tmp_path / "work" / "tongxin.gpkg"
    if TEST_STORE == "postgis":
        monkeypatch.setenv("TONGXIN_DATA", request.getfixturevalue("pg").new_database())
    else:
        monkeypatch.setenv("TONGXIN_DATA", str(work))
    monkeypatch.setenv("TONGXIN_USER", "tester")
    # No accounts unless a test makes some: never the developer's own accounts file.
    monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "work" / "accounts.json"))
    assert settings.path("demo").is_file(), "run scripts/build_demo.py"
    return work


def reset_caches() -> None:
    """Empty both Streamlit caches: the app keeps its store and results in ``st.cache_resource``.

    Caches outlive an AppTest in the process: without this a page would show the data of the
    working file of an earlier test, or of this test's file before it changed.
    """
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def opened_page(view: str | None = None, query: dict[str, str] | None = None):
    """Run the dashboard under AppTest, caches emptied, and open ``view``; fail on an exception.

    Without ``view`` it stays on the page the dashboard opens on; ``query`` sets the URL's
    query parameters before the first run.
    """
    from streamlit.testing.v1 import AppTest

    reset_caches()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if view is not None:
        at.switch_page(view).run()
    assert not at.exception, at.exception
    return at


def charts_on(at) -> list[dict]:
    """Return the page's charts as sent to the browser: ``figure``, ``config``, ``height``."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component")
            if e.proto.component_name.endswith("tongxin_chart")]


@pytest.fixture
def fresh_caches():
    """Both Streamlit caches emptied before the test and again after it.

    After, so that no cached store is left pointing at this test's working file (some tests
    change its data) for the tests that follow.
    """
    reset_caches()
    yield
    reset_caches()


@pytest.fixture
def open_page(fresh_caches):
    """Return :func:`opened_page`, for a test that opens the dashboard (caches reset around it)."""
    return opened_page


def copy_fixture(name: str, tmp_path: Path) -> Path:
    """Copy a file from tests/data into ``tmp_path`` (tests never write into tests/data)."""
    target = tmp_path / Path(name).name
    shutil.copyfile(DATA / name, target)
    return target


def read_layers(*names: str) -> dict[str, gpd.GeoDataFrame]:
    """Read layers from the configured working dataset (all of them when none are named)."""
    from layers import LAYERS
    from storage import open_store

    store = open_store()
    return {name: store.read(name) for name in (names or tuple(LAYERS))}


def map_payloads(html: str) -> list[dict]:
    """Return the data of every compact layer in a rendered map (``d = {...}`` in its script)."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(html, m.end() - 1)[0] for m in re.finditer(r"\bd = \{", html)]


def map_texts(html: str) -> list[str]:
    """Return the labels and values the compact layers of a map show, decoded."""
    from ui.leaflet_layers import read_column

    texts: list[str] = []
    for payload in map_payloads(html):
        tip = payload.get("tip") if isinstance(payload.get("tip"), dict) else {}
        texts += tip.get("labels", []) + payload.get("tipLabels", []) + \
            payload.get("popLabels", [])
        for column in [*tip.get("columns", []), *payload.get("columns", [])]:
            texts += read_column(column)
    return texts


def shown_in_map(text: str, html: str) -> bool:
    """Return whether ``text`` appears in a rendered map, as text or as its script writes it.

    Layer names and feature properties reach the page as JSON: UTF-8, with ``&`` (and
    ``< > '``) as ``\\u`` escapes, so ``&lt;`` in escaped HTML arrives as ``\\u0026lt;``.
    Tooltip and popup values of the compact layers travel as columns (:func:`map_texts`).
    """
    as_json = json.dumps(text, ensure_ascii=False)[1:-1]
    return any(form in html for form in (text, as_json, as_json.replace("&", "\\u0026"),
                                         json.dumps(text)[1:-1])) or \
        any(text in value for value in map_texts(html))


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module (never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session", autouse=True)
def _renderers():
    """Configure folium and plotly as the dashboard does (importing a module changes neither)."""
    from ui import renderers

    renderers.configure()
