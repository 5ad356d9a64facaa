"""The "ten enters" activity page: the demo's figures, filters, the empty case, English, the map."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.activity import Period, activity_summary
from tests.conftest import charts_on, opened_page, read_layers, reset_caches, shown_in_map
from ui.filters import Filters

XIZHAN = "620103005"  # 西站街道
WEILING = "620103201"  # 魏岭乡: never had a 进军营 activity in the demo


@pytest.fixture
def page(demo_env, open_page) -> AppTest:
    return open_page("views/activities.py")


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _expected(at: AppTest):
    f = at.session_state["filters"]
    layers = read_layers("activities", "townships")
    return activity_summary(layers["activities"], layers["townships"], f.period,
                            f.categories or None, f.townships or None)


def test_kpis_are_the_analysis_figures(page):
    expected = _expected(page)
    metrics = _metrics(page)
    assert metrics["本期活动（次）"] == f"{expected.total:,}"
    assert metrics["参与人次"] == f"{int(expected.participants.to_numpy().sum()):,}"
    assert metrics["空白（乡镇×类别）"] == str(len(expected.empty_cells))
    reached = int((expected.counts.to_numpy().sum(axis=0) > 0).sum())
    assert metrics["已开展的类别"] == f"{reached} / 10"
    assert expected.total > 0
    # Activities without coordinates count through their township and are said to be undrawn.
    acts = read_layers("activities")["activities"]
    undrawn = int((acts.geometry.isna() & expected.period.contains(acts["date"])).sum())
    assert undrawn > 0
    assert any(c.value.startswith(f"{undrawn:,} 条活动没有坐标") for c in page.caption)


def test_the_year_2025_on_the_demo(page):
    page.sidebar.selectbox(key="flt_preset").set_value("2025").run()
    assert not page.exception
    layers = read_layers("activities", "townships")
    year = activity_summary(layers["activities"], layers["townships"], Period.year(2025))
    before = activity_summary(layers["activities"], layers["townships"], Period.year(2024))
    metric = next(m for m in page.metric if m.label == "本期活动（次）")
    assert metric.value == f"{year.total:,}"
    assert int(metric.delta) == year.total - before.total
    # The matrix, the empty cells and the ranking are drawn, 15 townships in the ranking.
    ranking = next(d.value for d in page.dataframe if "排名" in d.value.columns)
    assert len(ranking) == 15
    assert ranking["排名"].iloc[0] == 1
    empty = next(d.value for d in page.dataframe if "未开展天数" in d.value.columns)
    assert len(empty) == len(year.empty_cells)
    assert ("魏岭乡", "进军营", "从未开展") in set(
        zip(empty["乡镇(街道)"], empty["类别"], empty["此前最近一次"]))


def test_a_township_filter_changes_the_counts(page):
    district = _metrics(page)["本期活动（次）"]
    page.sidebar.multiselect(key="flt_towns").set_value([XIZHAN]).run()
    assert not page.exception
    expected = _expected(page)
    assert expected.counts.index.tolist() == [XIZHAN]
    assert _metrics(page)["本期活动（次）"] == f"{expected.total:,}"
    assert _metrics(page)["本期活动（次）"] != district
    ranking = next(d.value for d in page.dataframe if "排名" in d.value.columns)
    assert ranking["乡镇(街道)"].tolist() == ["西站街道"]


def test_a_filter_matching_nothing_says_so(page):
    page.sidebar.multiselect(key="flt_towns").set_value([WEILING]).run()
    page.sidebar.multiselect(key="flt_cats").set_value(["进军营"]).run()
    assert not page.exception
    assert _metrics(page)["本期活动（次）"] == "0"
    assert any("当前筛选条件下没有数据" in i.value for i in page.info)
    # The one empty cell is still listed: it is the gap an official acts on.
    empty = next(d.value for d in page.dataframe if "未开展天数" in d.value.columns)
    assert empty[["乡镇(街道)", "类别", "此前最近一次"]].values.tolist() == [
        ["魏岭乡", "进军营", "从未开展"]]


def test_english(page):
    page.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not page.exception
    metrics = _metrics(page)
    assert {"Activities in the period", "Participants", "Categories reached",
            "Empty township × category cells"} <= set(metrics)
    assert any(h.value == "'Ten enters' activities" for h in page.header)
    columns = {c for d in page.dataframe for c in d.value.columns}
    assert {"Township", "Days without", "Per 10,000 residents"} <= columns


def _map_html(townships: tuple[str, ...], points=None) -> str:
    from views.activities import build_map

    reset_caches()
    f = Filters(townships, Period.year(2025), (), "none", pd.Timestamp("2025-12-31"))
    return build_map("zh", f, points=points).html()


def test_the_map_has_its_three_layers_and_legends(demo_env):
    layers = read_layers("activities", "townships")
    period = Period.year(2025)
    acts = layers["activities"]
    points = acts[(acts["township_code"] == XIZHAN) & period.contains(acts["date"])].copy()
    points["township_name"] = "西站街道"
    points.loc[points.index[0], "title"] = "<script>alert(1)</script>"
    html = _map_html((XIZHAN,), points)
    for title in ("每万常住人口活动次数", "活动热力（点位密度）", "活动点位", "活动强度（每万人）",
                  "活动热力"):
        assert shown_in_map(title, html), title
    assert "https://cdn" not in html
    assert "<script>alert(1)</script>" not in html
    # HTML-escaped before it goes into the map's JSON (where "&" is written \u0026).
    assert shown_in_map("&lt;script&gt;alert(1)&lt;/script&gt;", html.replace("\\u0026", "&"))
    assert "L.control.layers" in html and "HeatLayer" in html.replace("heatLayer", "HeatLayer")


def test_a_clustered_map_uses_no_unvendored_plugin(demo_env):
    layers = read_layers("activities", "townships")
    period = Period.year(2025)
    acts = layers["activities"]
    points = acts[period.contains(acts["date"])]
    assert points.geometry.notna().sum() > 400  # clustered
    html = _map_html(())
    assert "markerClusterGroup" in html
    assert "AwesomeMarkers" not in html


def test_a_matrix_too_tall_for_a_screen_draws_the_townships_most_in_need(demo_env, monkeypatch):
    monkeypatch.setenv("TONGXIN_CHART_ROWS_MAX", "4")
    at = opened_page("views/activities.py")
    matrix = charts_on(at)[0]["figure"]
    drawn = matrix["data"][0]["y"]
    assert len(drawn) == 4
    assert any("此处只画空白格最多的 4 个" in c.value for c in at.caption)
