"""Every page runs under Streamlit's AppTest without exception and shows the demo's figures."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture
def app(demo_env, open_page) -> AppTest:
    return open_page()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_demo_districts_figures(app):
    metrics = _metrics(app)
    assert metrics["乡镇(街道)"] == "15"
    assert metrics["社区(村)"] == "141"
    assert metrics["宗教活动场所"] == "95"
    assert metrics["民族工作站"] == "15"
    # Computed from the real boundary in EPSG:4544; the seed says 397.25 km².
    assert abs(float(metrics["面积（平方公里）"]) - 397.25) / 397.25 < 0.005


def test_demo_data_is_marked_as_such(app):
    assert any("示例数据" in i.value for i in app.sidebar.info)


def test_english_switch(app):
    app.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not app.exception
    assert "Townships" in _metrics(app)
    assert any("Demo data" in i.value for i in app.sidebar.info)
