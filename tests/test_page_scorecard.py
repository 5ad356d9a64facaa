"""The scorecard page: the demo's scores and supervision list, filters, English, chart and map."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analysis.activity import Period
from analysis.scorecard import ScoreInputs, load_rubric, scorecard, supervision_list
from core.i18n import t
from tests.conftest import opened_page, read_layers, shown_in_map
from ui.filters import Filters

PAGE = "views/scorecard.py"
XIZHAN = "620103005"  # 西站街道


# Caches emptied before and after each test: start from this test's working file.
pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def app(demo_env) -> AppTest:
    return opened_page(PAGE)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _expected(f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the scorecard and supervision list computed straight from the layers."""
    layers = read_layers()
    table = scorecard(ScoreInputs.from_layers(layers, f.period, f.as_of), load_rubric())
    from views.scorecard import supervision_period

    period = supervision_period(f.as_of)
    items = supervision_list(ScoreInputs.from_layers(layers, period), period.end)
    return table, items


def test_scores_and_supervision_match_the_analysis(app):
    table, items = _expected(app.session_state["filters"])
    metrics = _metrics(app)
    assert metrics["参评乡镇(街道)"] == "15"
    assert metrics["平均得分"] == f"{table['score'].mean():.2f}"
    assert metrics["最高分"] == f"{table['score'].max():.2f}"
    assert metrics["督办事项"] == str(len(items))
    shown = app.dataframe[0].value
    assert list(shown["乡镇(街道)"]) == list(table["name"])
    assert list(shown["得分"]) == list(table["score"])
    # One column per rubric indicator, labelled from the rubric; the points add up to the score.
    labels = [ind.label for ind in load_rubric().indicators]
    assert list(shown.columns) == ["乡镇(街道)", "得分", "排名", *labels]
    assert (shown[labels].sum(axis=1).round(2) == shown["得分"]).all()
    listed = app.dataframe[1].value
    assert len(listed) == len(items)
    assert listed["紧急程度"].is_monotonic_decreasing
    assert "驻区单位从未走访" in set(listed["督办类型"])
    names = {b.label for b in app.download_button}
    assert {"下载 Excel", "下载地图（HTML，可离线打开）"} <= names
    assert any("近一年" in c.value for c in app.caption)


def test_township_filter_narrows_scores_and_list(app):
    _, items = _expected(app.session_state["filters"])
    app.sidebar.multiselect(key="flt_towns").set_value([XIZHAN]).run()
    assert not app.exception
    metrics = _metrics(app)
    assert metrics["参评乡镇(街道)"] == "1"
    assert list(app.dataframe[0].value["乡镇(街道)"]) == ["西站街道"]
    assert metrics["督办事项"] == str(int((items["township_code"] == XIZHAN).sum()))
    assert set(app.dataframe[1].value["乡镇(街道)"]) == {"西站街道"}


def test_period_changes_the_scores(app):
    app.sidebar.selectbox(key="flt_preset").set_value("2025").run()
    assert not app.exception
    f = app.session_state["filters"]
    assert f.period == Period.year(2025)
    table, _ = _expected(f)
    assert list(app.dataframe[0].value["得分"]) == list(table["score"])
    assert any("2025-01-01 至 2025-12-31" in c.value for c in app.caption)


def test_a_kind_filter_matching_nothing_says_so(app):
    # Every demo township has its own station: no "no_station" item anywhere.
    app.multiselect(key="sc_kinds").set_value(["no_station"]).run()
    assert not app.exception
    assert any(i.value == t("common.empty", "zh") for i in app.info)


def test_english_labels(app):
    app.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not app.exception
    metrics = _metrics(app)
    assert "Average score" in metrics and "Items to supervise" in metrics
    columns = app.dataframe[0].value.columns
    assert "Ethnic work station" in columns and "Score" in columns
    assert "Unit never engaged" in set(app.dataframe[1].value["Kind"])


def test_a_broken_rubric_is_a_message_not_a_traceback(demo_env, tmp_path, monkeypatch):
    broken = tmp_path / "rubric.toml"
    broken.write_text('total = 6\n[[indicator]]\nname = "no_such"\nweight = 2\n'
                      'label = "x"\nlabel_en = "x"\n', encoding="utf-8")
    monkeypatch.setenv("TONGXIN_RUBRIC", str(broken))
    at = opened_page(PAGE)
    assert any("考评细则文件有误" in e.value for e in at.error)
    assert any("unknown indicator name" in c.value for c in at.code)
    # The supervision list does not depend on the rubric and is still there.
    assert "督办事项" in _metrics(at)


def test_the_chart_stacks_one_segment_per_indicator(demo_env):
    from views.scorecard import score_chart

    rubric = load_rubric()
    table, _ = _expected(Filters((), Period.year(2025), (), "none", pd.Timestamp("2025-12-31")))
    fig = score_chart(table, rubric, "zh")
    bars = [tr for tr in fig.data if tr.type == "bar"]
    assert [b.name for b in bars] == [ind.label for ind in rubric.indicators]
    assert fig.layout.barmode == "stack" and all(b.orientation == "h" for b in bars)
    assert list(bars[0].y) == list(table["name"])


def test_the_map_colours_townships_by_score_with_a_legend(demo_env, monkeypatch):
    import ui.data as data
    from views.scorecard import build_map

    towns = data.map_layer("townships").copy()
    towns.loc[towns["code"] == XIZHAN, "name"] = "<script>alert(1)</script>"
    monkeypatch.setattr(data, "map_layer", lambda name: towns if name == "townships"
                        else data.district())
    f = Filters((XIZHAN,), Period.year(2025), (), "none", pd.Timestamp("2025-12-31"))
    table, _ = _expected(f)
    html = build_map("zh", f, table=table).html()
    assert "考评得分（分）" in html and "考评得分" in html
    assert "https://cdn" not in html
    # Shown as text: HTML-escaped on the server, then put into the map's script as JSON.
    assert "<script>alert(1)</script>" not in html
    assert shown_in_map("&lt;script&gt;alert(1)&lt;/script&gt;", html)
    # Tooltip text sits in the map's table as UTF-8 text.
    assert shown_in_map("分（满分 6 分）", html) and shown_in_map("第 1 名 / 15", html)


def test_supervision_frame_words(demo_env):
    from views.scorecard import supervision_frame, supervision_period

    period = supervision_period(pd.Timestamp("2026-06-30"))
    assert period == Period.between("2025-07-01", "2026-06-30")
    items = supervision_list(ScoreInputs.from_layers(read_layers(), period), period.end)
    words = supervision_frame(items, "zh")
    never = words[words["kind"] == "unit_never"]
    assert (never["overdue_text"] == "从未开展").all()
    late = words[words["overdue_days"].notna()]
    assert all(text.startswith("超期") for text in late["overdue_text"])
    assert set(words["kind_label"]) <= {t(f"analysis.kind.{k}", "zh") for k in items["kind"]}
