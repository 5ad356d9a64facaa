"""Plotly charts in the dashboard's style: Chinese labels, a colour-blind-safe palette."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui.maps import PALETTE

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}


def styled(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """Return ``fig`` with the dashboard's font, palette, margins and a readable legend."""
    fig.update_layout(title=title, height=height, font={"family": FONT, "size": 14},
                      colorway=list(PALETTE), margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2}, template="plotly_white")
    return fig


def show(fig: go.Figure, key: str) -> None:
    """Draw a chart full width (plotly.js comes with Streamlit: no CDN)."""
    st.plotly_chart(fig, width="stretch", config=CONFIG, key=key)
