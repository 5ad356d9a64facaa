"""The religious venues page: the demo's 95 venues, the filter, English, the chart and its map."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.activity import Period
from core.district import district_config
from core.i18n import t
from storage import open_store
from storage.base import ImportRecord
from tests.conftest import charts_on, opened_page, shown_in_map
from ui.filters import Filters

PAGE = "views/sites.py"
AGAN, XIZHAN = "620103100", "620103005"  # 阿干镇 (the uncovered venue), 西站街道
DEMO_RELIGIONS = {"伊斯兰教": 62, "佛教": 14, "道教": 9, "基督教": 7, "天主教": 3}


# Some tests change the working file's data: caches emptied before and after each.
pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def app(demo_env) -> AppTest:
    return opened_page(PAGE)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_kpis_show_the_demos_95_venues(app):
    metrics = _metrics(app)
    assert metrics["场所总数"] == "95"
    assert metrics["在工作站服务范围内"] == "94"
    assert metrics["未被工作站覆盖"] == "1"
    for religion, count in DEMO_RELIGIONS.items():
        assert metrics[f"{religion}（处）"] == str(count)
    assert list(DEMO_RELIGIONS) == list(district_config().religions)


def test_tables_list_every_venue_and_the_uncovered_one(app):
    venues, uncovered = (d.value for d in app.dataframe)
    assert len(venues) == 95
    covered = venues[venues["是否覆盖"] == "是"]
    assert covered["服务站点"].notna().all()
    assert len(uncovered) == 1
    assert uncovered["所属乡镇(街道)"].iloc[0] == "阿干镇"
    assert uncovered["最近站点"].notna().all()
    assert len(app.get("download_button")) == 4  # two lists and the map (HTML and PNG)


def test_the_township_filter_changes_the_counts(app):
    app.sidebar.multiselect(key="flt_towns").set_value([XIZHAN]).run()
    assert not app.exception
    metrics = _metrics(app)
    assert metrics["场所总数"] == "20"
    assert metrics["未被工作站覆盖"] == "0"
    assert set(app.dataframe[0].value["所属乡镇(街道)"]) == {"西站街道"}
    assert any(s.value == t("sites.all_covered", "zh") for s in app.success)
    app.sidebar.multiselect(key="flt_towns").set_value([AGAN]).run()
    assert _metrics(app)["未被工作站覆盖"] == "1"


def test_a_township_without_venues_says_so(demo_env):
    store = open_store()
    venues = store.read("religious_sites")
    venues = venues[venues["township_code"].astype(str) != XIZHAN]
    store.replace("religious_sites", venues,
                  ImportRecord("religious_sites", "t.xlsx", "0" * 64, len(venues), "tester"))
    at = opened_page(PAGE)
    assert _metrics(at)["场所总数"] == str(len(venues))
    at.sidebar.multiselect(key="flt_towns").set_value([XIZHAN]).run()
    assert not at.exception
    assert any(i.value == t("common.empty", "zh") for i in at.info)
    assert not at.metric and not at.dataframe


def test_english_switch(app):
    app.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not app.exception
    assert app.header[0].value == "Religious venues"
    assert _metrics(app)["Venues"] == "95"
    assert "Serving station" in app.dataframe[0].value.columns


def test_the_chart_stacks_the_religions_per_township(demo_env):
    at = opened_page(PAGE)
    spec = charts_on(at)[0]["figure"]
    traces = {trace["name"]: int(_numbers(trace["y"]).sum()) for trace in spec["data"]}
    assert traces == DEMO_RELIGIONS


def _numbers(values) -> np.ndarray:
    # plotly sends numeric arrays as base64 with their dtype.
    if isinstance(values, dict):
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values)


def _filters(townships: tuple[str, ...] = ()) -> Filters:
    return Filters(townships, Period.year(2025), (), "none", pd.Timestamp("2025-12-31"))


def test_the_map_has_its_layers_and_legends_and_no_cdn(demo_env):
    from views import sites

    html = sites.build_map("zh", _filters((AGAN,))).html()
    for key in ("legend_religion", "legend_uncovered", "layer_venues", "layer_uncovered"):
        assert shown_in_map(t(f"sites.{key}", "zh"), html)
    for religion in DEMO_RELIGIONS:
        assert shown_in_map(religion, html)
    assert shown_in_map("阿干禅院（示例）", html)
    assert "https://cdn" not in html
    assert shown_in_map("Religion", sites.build_map("en", _filters()).html())


def test_the_map_escapes_text_from_the_data(demo_env):
    from views import sites

    store = open_store()
    venues = store.read("religious_sites")
    venues.loc[0, "name"] = "<img src=x onerror=alert(1)>寺"
    store.replace("religious_sites", venues,
                  ImportRecord("religious_sites", "t.xlsx", "0" * 64, len(venues), "tester"))
    html = sites.build_map("zh", _filters()).html()
    assert "<img src=x" not in html
    assert shown_in_map("&lt;img src=x onerror=alert(1)&gt;寺", html)


def test_a_chart_too_wide_for_a_screen_draws_the_townships_with_most_venues(demo_env,
                                                                           monkeypatch):
    monkeypatch.setenv("TONGXIN_CHART_ROWS_MAX", "3")
    at = opened_page(PAGE)
    chart = charts_on(at)[0]["figure"]
    assert len({x for trace in chart["data"] for x in trace["x"]}) == 3
    assert any("图中只画场所最多的 3 个" in c.value for c in at.caption)
