"""The chart element: a plotly figure drawn in the app's own page, after the page's maps.

Streamlit's ``st.plotly_chart`` loads its 4.7 MB plotly chunk and evaluates it on the page's
main thread (about a second here) before the page's later elements appear, so a map below a
chart waited for it. This element sends the same figure JSON; ``ui/chart_component.js``
keeps its place on the page, waits until the page's maps are drawn and the browser is idle,
then loads plotly.js once per browser tab (the vendored cartesian bundle, 1.5 MB: bar,
heatmap and scatter are all these charts use) and draws.
"""

from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ui.assets import element_script, signed, static_base

_JS = element_script("element_assets.js", "chart_component.js")
_MOUNT = st.components.v2.component("tongxin_chart", js=_JS, isolate_styles=False)

PLOTLY_JS = "plotly.js-cartesian-dist-min/plotly-cartesian.min.js"
# Modebar tips in the page's language; plotly.js speaks English without one.
LOCALES = {"zh": ("zh-CN", "plotly.js-locales/zh-cn.js")}
DEFAULT_HEIGHT = 450  # plotly's own, for a figure that sets none


def payload(fig: go.Figure, config: dict[str, Any], lang: str) -> dict[str, Any]:
    """Return what the browser needs to draw ``fig``: its JSON, config, height and scripts.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The chart, styled.
    config : dict
        plotly.js config (modebar buttons, the PNG's name and size, ``staticPlot``).
    lang : str
        The page's language: the modebar's tips follow it.

    Returns
    -------
    dict
        JSON-ready parts and their signature ``sig``.
    """
    base = static_base()
    locale, locale_js = LOCALES.get(lang, (None, None))
    parts: dict[str, Any] = {
        "figure": json.loads(fig.to_json()), "config": config,
        "height": int(fig.layout.height or DEFAULT_HEIGHT),
        "scripts": [f"{base}/{PLOTLY_JS}"] + ([f"{base}/{locale_js}"] if locale_js else []),
        "locale": locale,
    }
    return signed(parts)


def mount(parts: dict[str, Any], key: str) -> None:
    """Draw the chart element from :func:`payload`'s ``parts`` under the widget ``key``."""
    _MOUNT(key=key, data=parts, height=parts["height"])
