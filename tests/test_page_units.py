"""The stationed-units page: the demo's figures, filters, the empty case, English, the map."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.activity import Period
from analysis.units import unit_gaps, unit_status
from scripts.build_demo import REAL_UNITS
from tests.conftest import charts_on, opened_page, read_layers, reset_caches
from ui.filters import Filters

XIZHAN = "620103005"  # 西站街道
HUANGYU = "620103104"  # 黄峪镇: no stationed unit in the demo


@pytest.fixture
def page(demo_env, open_page) -> AppTest:
    return open_page("views/units.py")


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _gap_list(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "全部缺口" in d.value.columns)


def _status(at: AppTest) -> pd.DataFrame:
    f = at.session_state["filters"]
    return f.township_rows(unit_status(read_layers("units")["units"], f.as_of))


def test_kpis_and_gap_list_are_the_analysis_figures(page):
    status = _status(page)
    metrics = _metrics(page)
    assert metrics["驻区单位总数"] == "45"
    assert metrics["已走访对接"] == "35"  # 10 of the 45 were never engaged
    assert metrics["从未走访对接"] == "10"
    for label, kind in (("联系超期", "overdue"), ("无联络人", "no_liaison"),
                        ("未纳入联席会议", "not_joint")):
        assert metrics[label] == str(sum(kind in flags for flags in status["flags"]))
    gaps = _gap_list(page)
    assert gaps["单位名称"].tolist() == unit_gaps(status)["name"].tolist()
    assert gaps["状态"].iloc[0] == "从未走访对接"
    # Units without coordinates are counted, listed, and said not to be drawn.
    assert any(c.value.startswith("4 个单位没有坐标") for c in page.caption)


def test_the_demo_gaps_on_its_reference_day(page):
    # The demo was built on 2026-10-31: 10 never engaged, 8 overdue, 6 engaged without liaison.
    page.sidebar.selectbox(key="flt_preset").set_value("custom").run()
    page.sidebar.date_input(key="flt_range").set_value(
        (dt.date(2025, 11, 1), dt.date(2026, 10, 31))).run()
    assert not page.exception
    counts = _gap_list(page)["状态"].value_counts()
    assert counts["从未走访对接"] == 10
    assert counts["联系超期"] == 8
    assert counts["无联络人"] == 6
    # The nine real units of the seed are engaged, contacted, with a liaison, in the meeting.
    assert not set(_gap_list(page)["单位名称"]) & {unit.name for unit in REAL_UNITS}
    by_category = next(d.value for d in page.dataframe if "合计" in d.value.columns)
    assert by_category["合计"].sum() == 45


def test_a_township_filter_changes_what_is_counted(page):
    page.sidebar.multiselect(key="flt_towns").set_value([XIZHAN]).run()
    assert not page.exception
    status = _status(page)
    assert 0 < len(status) < 45
    assert _metrics(page)["驻区单位总数"] == str(len(status))
    assert set(_gap_list(page)["所属乡镇(街道)"]) == {"西站街道"}


def test_a_township_without_units_says_so(page):
    page.sidebar.multiselect(key="flt_towns").set_value([HUANGYU]).run()
    assert not page.exception
    assert _metrics(page)["驻区单位总数"] == "0"
    assert any("当前筛选条件下没有数据" in i.value for i in page.info)


def test_english(page):
    page.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not page.exception
    metrics = _metrics(page)
    assert {"Units", "Engaged", "In the joint meeting", "Never engaged", "Contact overdue",
            "No liaison", "Not in joint meeting"} <= set(metrics)
    gaps = next(d.value for d in page.dataframe if "All gaps" in d.value.columns)
    assert gaps["Status"].iloc[0] == "Never engaged"


def _in_map(text: str, html: str) -> bool:
    # Legends are HTML; layer names and popups sit in the script as JSON with \u escapes.
    return text in html or json.dumps(text)[1:-1] in html


def test_the_map_has_units_by_status_with_a_legend(demo_env):
    from views.units import _table, build_map

    reset_caches()
    layers = read_layers("units", "townships")
    units = layers["units"].copy()
    units.loc[units.index[10], "name"] = "<img src=x onerror=alert(1)>"  # a drawn unit
    status = unit_status(units, pd.Timestamp("2026-10-31"))
    table = _table(status, "zh", shown=True)
    assert int(table.geometry.isna().sum()) == 4
    f = Filters((), Period.year(2026), (), "none", pd.Timestamp("2026-10-31"))
    html = build_map("zh", f, table=table).html()
    for text in ("驻区单位状态", "从未走访对接", "联系超期", "无联络人", "正常", "驻区单位",
                 "乡镇(街道)"):
        assert _in_map(text, html), text
    assert "https://cdn" not in html
    assert "<img src=x" not in html
    assert _in_map("&lt;img src=x onerror=alert(1)&gt;", html.replace("\\u0026", "&"))


def test_a_chart_too_tall_for_a_screen_draws_the_townships_most_never_engaged(demo_env,
                                                                             monkeypatch):
    monkeypatch.setenv("TONGXIN_CHART_ROWS_MAX", "3")
    at = opened_page("views/units.py")
    by_town = charts_on(at)[1]["figure"]
    assert len(by_town["data"][0]["y"]) == 3
    assert any("图中只画从未对接单位最多的 3 个" in c.value for c in at.caption)
    # The table beside the chart still lists every township with units.
    table = next(d.value for d in at.dataframe
                 if {"所属乡镇(街道)", "合计"} <= set(d.value.columns))
    assert len(table) > 3
