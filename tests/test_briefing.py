"""The briefing screen under AppTest: every view draws the demo's figures, and rotation moves on."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import opened_page
from ui.briefing_views import VIEWS


def _briefing(view: int) -> AppTest:
    return opened_page("views/briefing.py", query={"view": str(view), "interval": "3600"})


def _html(at: AppTest) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


@pytest.mark.parametrize(("view", "expected"), [
    (0, ["民族工作站覆盖", ">15<", ">141<", ">95<", "15/15"]),
    (1, ["“十进”活动", "尚未开展的乡镇×类别"]),
    (2, ["驻区单位对接", ">45<", "从未走访对接"]),
    (3, ["乡镇(街道)考评", "满分 6.0 分"]),
])
def test_each_view_shows_its_figures(demo_env, view, expected):
    html = _html(_briefing(view))
    for text in expected:
        assert text in html, text


def test_the_top_bar_names_the_next_view_the_date_and_the_update_time(demo_env):
    html = _html(_briefing(0))
    assert "下一屏：“十进”活动" in html
    assert "数据更新于 2026-" in html


def test_rotation_moves_to_the_next_view_and_wraps(demo_env):
    at = _briefing(len(VIEWS) - 1)
    assert "乡镇(街道)考评" in _html(at)
    at.run()
    assert "民族工作站覆盖</span>" in _html(at)


def test_style_hides_the_sidebar_menu_and_scrollbars(demo_env):
    html = _html(_briefing(0))
    for selector in ('[data-testid="stSidebar"]', '[data-testid="stToolbar"]', "#MainMenu",
                     "overflow: hidden"):
        assert selector in html, selector


def test_names_from_data_are_escaped(demo_env, monkeypatch):
    import ui.briefing_views as views
    monkeypatch.setattr(views, "district_name", lambda: "<script>alert(3)</script>")
    at = _briefing(0)
    assert "<script>alert(3)</script>" not in _html(at)
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in _html(at)


def test_english(demo_env):
    at = opened_page("views/briefing.py", query={"view": "2", "lang": "en"})
    assert "Stationed units" in _html(at) and "Next:" in _html(at)
