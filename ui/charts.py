"""Plotly charts in the dashboard's style: Chinese labels, a colour-blind-safe palette.

The light template is plotly's process default, set by :func:`ui.renderers.configure`; labels
from data are escaped with :func:`ui.escape.label`. Charts are drawn by the page's own chart
element (:mod:`ui.chart_component`), after the page's maps.
"""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core import settings
from core.i18n import t
from ui import chart_component
from ui.maps import PALETTE
from ui.sidebar import current_lang

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
# The camera button saves a PNG this many pixels wide, twice over (scale): 2,400 pixels fill
# the 156 mm text width of an A4 page at about 390 dpi, sharp in print and in a slide.
PRINT_WIDTH_PX, PRINT_SCALE = 1200, 2
# Characters no file name may hold on Windows (where most reports are written), nor a path.
_NOT_IN_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def styled(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    """Return ``fig`` with the dashboard's font, palette, margins and a readable legend."""
    fig.update_layout(title=title, height=height, font={"family": FONT, "size": 14},
                      colorway=list(PALETTE), margin={"l": 10, "r": 10, "t": 50, "b": 10},
                      legend={"orientation": "h", "y": -0.2})
    return fig


def file_name(name: str) -> str:
    """Return ``name`` as a file name (without extension) a chart's PNG can be saved under.

    Parameters
    ----------
    name : str
        What the chart shows, in the user's language ("各乡镇(街道)活动矩阵").

    Returns
    -------
    str
        The name without characters Windows forbids, stripped; ``"chart"`` if nothing is left.
    """
    cleaned = _NOT_IN_NAMES.sub("_", name).strip(" ._")
    return cleaned[:80] or "chart"


def image_config(fig: go.Figure, name: str | None = None) -> dict:
    """Return the chart's plotly config: its camera button saves a print-scale PNG named ``name``.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The chart (its height is kept; its title names the file when ``name`` is omitted).
    name : str, optional
        The file's name, e.g. the heading above the chart.

    Returns
    -------
    dict
        :data:`CONFIG` plus ``toImageButtonOptions``.
    """
    title = fig.layout.title.text if fig.layout.title else None
    height = fig.layout.height or 450
    return {**CONFIG, "toImageButtonOptions": {
        "format": "png", "filename": file_name(name or title or "chart"),
        "width": PRINT_WIDTH_PX, "height": int(height), "scale": PRINT_SCALE}}


def show(fig: go.Figure, key: str, name: str | None = None) -> None:
    """Draw a chart full width, once the page's maps are drawn (plotly.js is vendored: no CDN).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The chart.
    key : str
        Widget key.
    name : str, optional
        What the chart is called, for the PNG its camera button saves (default: its title).
    """
    chart_component.mount(chart_component.payload(fig, image_config(fig, name), current_lang()),
                          key)


def rows_to_draw(need: pd.Series, largest: bool) -> pd.Index:
    """Return the rows a chart draws: all of them, or the ``chart_rows_max`` most in need.

    A chart of 1,500 townships is 50,000 pixels tall and says nothing; beyond the setting it
    shows the rows with the largest (or smallest) ``need``, in their original order.

    Parameters
    ----------
    need : pandas.Series
        One value per row (empty cells, a score), indexed like the chart's rows.
    largest : bool
        Whether a larger value means more in need.

    Returns
    -------
    pandas.Index
        The labels of the rows to draw.
    """
    limit = int(settings.get("chart_rows_max"))
    if len(need) <= limit:
        return need.index
    ranked = need.sort_values(ascending=not largest, kind="stable").index[:limit]
    return need.index[need.index.isin(ranked)]


def say_rows_drawn(key: str, lang: str, drawn: int, total: int) -> None:
    """Caption a chart that draws fewer rows than it has (:func:`rows_to_draw`), with ``key``.

    Parameters
    ----------
    key : str
        Catalog key of the caption; it takes ``shown`` and ``total``.
    lang : str
        Language.
    drawn, total : int
        Rows drawn and rows there are; nothing is said when they are equal.
    """
    if drawn < total:
        st.caption(t(key, lang, shown=drawn, total=total))
