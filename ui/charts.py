"""Plotly charts in the dashboard's style: Chinese labels, a colour-blind-safe palette."""

from __future__ import annotations

import html
from collections.abc import Iterable

import plotly.graph_objects as go
import streamlit as st

from ui.maps import PALETTE

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def label(text: object) -> str:
    """Return ``text`` for a plotly label, shown as written: tags in it are not interpreted.

    Plotly reads ``<b>``, ``<a href>``, ``<br>`` and a few other tags in tick labels, hover
    labels, legends and text, and turns entities back into characters: escaping ``&``, ``<``
    and ``>`` makes a name such as ``<b>x</b>`` read as typed instead of bold.

    Parameters
    ----------
    text : object
        A name from the data (a township, a unit category) or from configuration.

    Returns
    -------
    str
        The escaped text.
    """
    return html.escape(str(text), quote=False)


def labels(values: Iterable[object]) -> list[str]:
    """Return :func:`label` of each value (axis categories, bar names)."""
    return [label(v) for v in values]


def styled(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """Return ``fig`` with the dashboard's font, palette, margins and a readable legend."""
    fig.update_layout(title=title, height=height, font={"family": FONT, "size": 14},
                      colorway=list(PALETTE), margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    return fig


def show(fig: go.Figure, key: str) -> None:
    """Draw a chart full width (plotly.js comes with Streamlit: no CDN)."""
    st.plotly_chart(fig, width="stretch", config=CONFIG, key=key)
