"""Charts save as PNG pictures named in the page's language, at print scale."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.i18n import t
from tests.conftest import charts_on, opened_page
from ui.charts import PRINT_SCALE, PRINT_WIDTH_PX, file_name, image_config, styled

pytestmark = pytest.mark.usefixtures("fresh_caches")


def test_file_names_keep_chinese_and_lose_what_windows_forbids():
    assert file_name("各乡镇(街道)“十进”活动矩阵") == "各乡镇(街道)“十进”活动矩阵"
    assert file_name('a/b\\c:d*e?f"g<h>i|j') == "a_b_c_d_e_f_g_h_i_j"
    assert file_name(" .. ") == "chart"
    assert len(file_name("名" * 200)) == 80


@given(st.text())
def test_any_name_makes_a_file_name(name):
    made = file_name(name)
    assert made and not any(c in made for c in '\\/:*?"<>|') and len(made) <= 80
    assert not any(ord(c) < 32 for c in made)


def test_config_names_the_png_after_the_title_at_print_scale():
    fig = styled(go.Figure(go.Bar(x=[1], y=[2])), "宗教活动场所分布", height=500)
    options = image_config(fig)["toImageButtonOptions"]
    assert options == {"format": "png", "filename": "宗教活动场所分布", "width": PRINT_WIDTH_PX,
                       "height": 500, "scale": PRINT_SCALE}
    assert PRINT_WIDTH_PX * PRINT_SCALE >= 1843  # 156 mm at 300 dpi
    assert image_config(fig, "别名")["toImageButtonOptions"]["filename"] == "别名"


def test_every_chart_on_the_activity_page_saves_under_its_heading(demo_env):
    at = opened_page("views/activities.py", {"period": "2025"})
    charts = charts_on(at)
    assert len(charts) >= 2
    names = [c["config"]["toImageButtonOptions"]["filename"] for c in charts]
    assert t("activities.matrix", "zh") in names and t("activities.trend", "zh") in names
