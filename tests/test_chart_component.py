"""The chart element's payload: the figure as plotly.js reads it, from vendored files only."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs_version

from core.settings import PROJECT_ROOT
from ui.chart_component import DEFAULT_HEIGHT, PLOTLY_JS, payload
from ui.charts import image_config, styled

VENDOR = PROJECT_ROOT / "static" / "vendor"


def _fig(height: int | None = 300) -> go.Figure:
    return styled(go.Figure(go.Bar(x=["西园街道", "阿干镇"], y=[3, 1])), "测试", height=height)


def test_the_payload_carries_the_figure_config_and_height():
    fig = _fig()
    parts = payload(fig, image_config(fig), "zh")
    assert parts["figure"]["data"][0]["x"] == ["西园街道", "阿干镇"]
    assert parts["figure"]["layout"]["title"]["text"] == "测试"
    assert parts["config"]["toImageButtonOptions"]["filename"] == "测试"
    assert parts["height"] == 300
    fig.layout.height = None
    assert payload(fig, {}, "zh")["height"] == DEFAULT_HEIGHT


def test_the_same_chart_gives_the_same_signature_and_another_a_new_one():
    first, again = payload(_fig(), {}, "zh"), payload(_fig(), {}, "zh")
    assert first["sig"] == again["sig"]
    assert payload(_fig(400), {}, "zh")["sig"] != first["sig"]
    assert payload(_fig(), {}, "en")["sig"] != first["sig"]


def test_scripts_are_vendored_files_and_the_locale_follows_the_language():
    zh, en = payload(_fig(), {}, "zh"), payload(_fig(), {}, "en")
    assert zh["locale"] == "zh-CN" and en["locale"] is None
    assert len(zh["scripts"]) == 2 and len(en["scripts"]) == 1
    for url in zh["scripts"]:
        assert url.startswith("/app/static/vendor/")
        assert (VENDOR / url.removeprefix("/app/static/vendor/")).is_file(), url


def test_the_vendored_plotly_is_the_version_the_python_package_writes_for():
    # The figure JSON (typed arrays as base64 "bdata", say) is plotly.py's for its plotly.js.
    head = (VENDOR / PLOTLY_JS).read_text(encoding="utf-8")[:200]
    assert f"v{get_plotlyjs_version()}" in head, head
