"""The city page (全市对比): every district side by side, and a way into any one of them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.districts import compare_districts
from analysis.scorecard import Rubric, RubricError, load_rubric
from core import settings
from core.i18n import t
from ui import charts, data, district_choice, downloads, escape, filters, maps
from ui.sidebar import current_lang

FILE = "各区县对比.xlsx"
RATES = ("station_rate", "community_rate", "minority_rate", "venue_rate")
COUNTS = ("townships", "activities", "units", "units_never", "units_gap", "rank")
BAR_PX, CHART_PAD_PX = 34, 150


def comparison(f: filters.Filters, rubric: Rubric) -> pd.DataFrame:
    """Return :func:`analysis.districts.compare_districts` of every district for ``f``'s period.

    Each district's figures are its own pages' (cached per district and version).
    """
    figures = [data.district_figures(row["adcode"], row["name"], f.period, f.as_of, rubric)
               for row in data.districts()]
    return compare_districts(figures)


def headers(lang: str, total: float) -> dict[str, str]:
    """Return ``{column: header}`` of the comparison table, in the page's order.

    ``total`` is the rubric's full score, which the mean score's header names.
    """
    names = ("name", *RATES, "population", "activities", "per_10k_residents", "units",
             "units_never", "units_gap", "score", "rank", "townships")
    return {name: t(f"city.col.{name}", lang, total=f"{total:g}") for name in names}


def score_chart(table: pd.DataFrame, total: float, lang: str) -> go.Figure:
    """Return bars of each district's mean score and community coverage, both in %.

    The score is shown as a share of the rubric's ``total``, so that both bars share a scale.
    """
    ranked = table.sort_values("score", ascending=False, na_position="last")
    names = escape.labels(ranked["name"])
    share = ranked["score"] / total * 100 if total else ranked["score"]
    fig = go.Figure()
    fig.add_bar(y=names, x=share, orientation="h", marker_color=maps.PALETTE[0],
                name=t("city.score_share", lang), text=[f"{v:.0f}%" for v in share],
                textposition="outside", hovertemplate="%{y}: %{x:.1f}%<extra></extra>")
    fig.add_bar(y=names, x=ranked["community_rate"] * 100, orientation="h",
                marker_color=maps.PALETTE[2], name=t("city.col.community_rate", lang),
                hovertemplate="%{y}: %{x:.1f}%<extra></extra>")
    fig.update_layout(barmode="group", yaxis={"autorange": "reversed"},
                      xaxis={"range": [0, 110], "ticksuffix": "%"})
    return charts.styled(fig, t("city.chart_title", lang),
                         height=BAR_PX * 2 * len(ranked) + CHART_PAD_PX)


def _table(table: pd.DataFrame, total: float, lang: str) -> None:
    shown = table.reset_index(drop=True)
    heads = headers(lang, total)
    config = {heads[c]: st.column_config.ProgressColumn(format="percent", min_value=0,
                                                        max_value=1) for c in RATES}
    config[heads["per_10k_residents"]] = st.column_config.NumberColumn(format="%.1f")
    config[heads["score"]] = st.column_config.NumberColumn(format="%.2f")
    config[heads["population"]] = st.column_config.NumberColumn(format="localized")
    st.dataframe(shown[list(heads)].rename(columns=heads), hide_index=True,
                 column_config=config)
    downloads.excel_button(shown, heads, FILE, lang)


def _open(table: pd.DataFrame, lang: str) -> None:
    """Open one district's pages: the sidebar's choice, and the overview of it."""
    names = dict(zip(table.index, table["name"], strict=True))
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    chosen = left.selectbox(t("city.open", lang), list(names),
                            format_func=lambda code: f"{names[code]} {code}")
    if right.button(t("city.open_button", lang), type="primary") and chosen:
        district_choice.open_district(chosen)
        st.switch_page("views/overview.py", query_params={district_choice.PARAM: chosen})


def render() -> None:
    """Draw the city page: the districts compared, a chart of them, the way into one."""
    lang = current_lang()
    f = filters.current()
    st.header(t("city.heading", lang))
    st.caption(t("city.caption", lang, start=f.period.start.date().isoformat(),
                 end=f.period.end.date().isoformat(), districts=len(data.districts())))
    try:
        rubric = load_rubric()
        table = comparison(f, rubric)
        total = rubric.total
    except RubricError:
        st.error(t("scorecard.rubric_error", lang, path=settings.path("rubric")))
        return
    _table(table, total, lang)
    _open(table, lang)
    charts.show(score_chart(table, total, lang), key="city_chart",
                name=t("city.heading", lang))


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
