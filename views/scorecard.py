"""The scorecard page (考评督办): township scores by the rubric, their map, the supervision list."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.scorecard import (
    KINDS,
    Rubric,
    RubricError,
    load_rubric,
    scorecard,
    supervision_period,
)
from core import settings
from core.i18n import t
from reports.tables import supervision_frame
from ui import charts, data, downloads, escape, filters, maps, missing
from ui.map_object import Map
from ui.sidebar import current_lang

SCORES_FILE = "考评得分.xlsx"
SUPERVISION_FILE = "督办清单.xlsx"
# Pixels per township bar, plus room for the title and axis, so 15 bars stay readable.
BAR_PX, CHART_PAD_PX = 30, 140
AXIS_ROOM = 1.08  # the axis runs a little past the total, for the score written at a bar's end
# Streamlit's table row height and border, and the most rows shown before a table scrolls.
ROW_PX, BORDER_PX, MAX_ROWS_SHOWN = 35, 3, 16
DATE = "%Y-%m-%d"


def _headers(rubric: Rubric, lang: str) -> dict[str, str]:
    """Return ``{column: header}`` of the score table, one column per rubric indicator."""
    headers = {"name": t("scorecard.name", lang),
               "score": t("scorecard.score_column", lang, total=f"{rubric.total:g}"),
               "rank": t("analysis.rank", lang)}
    for ind in rubric.indicators:
        headers[ind.name] = t("scorecard.indicator_column", lang, label=ind.label_in(lang),
                              weight=f"{ind.weight:g}")
    return headers


def score_chart(table: pd.DataFrame, rubric: Rubric, lang: str) -> go.Figure:
    """Return stacked horizontal bars of the ``table`` townships' points, best on top.

    ``table`` holds rows of :func:`analysis.scorecard.scorecard` in rank order; each bar has
    one segment per ``rubric`` indicator and the score written at its end.
    """
    fig = go.Figure()
    unit = t("scorecard.points", lang)
    # Township names are labels plotly would read tags in: shown as written.
    names = escape.labels(table["name"])
    for i, ind in enumerate(rubric.indicators):
        label = escape.label(ind.label_in(lang))
        fig.add_bar(y=names, x=table[ind.name], orientation="h", name=label,
                    marker_color=maps.PALETTE[i % len(maps.PALETTE)],
                    hovertemplate=f"%{{y}} · {label}: %{{x:.2f}} {unit}"
                                  "<extra></extra>")
    fig.add_scatter(y=names, x=table["score"], mode="text", showlegend=False,
                    text=[f"{s:.2f}" for s in table["score"]], textposition="middle right",
                    hoverinfo="skip")
    fig.update_layout(barmode="stack", yaxis={"autorange": "reversed"},
                      legend={"traceorder": "normal"},
                      xaxis={"range": [0, rubric.total * AXIS_ROOM], "title": unit})
    height = BAR_PX * len(table) + CHART_PAD_PX
    return charts.styled(fig, t("scorecard.chart_title", lang, total=f"{rubric.total:g}"),
                         height=height)


def build_map(lang: str, f: filters.Filters, *, table: pd.DataFrame | None = None) -> Map:
    """Return the finished map of townships coloured by score (the whole district's).

    The tooltip gives the score, the rank and each indicator's points; the townships chosen
    in ``f`` are outlined, on ``f``'s basemap.

    Parameters
    ----------
    lang : str
        Language.
    f : Filters
        The sidebar's filters: the scores of their period on their day (``as_of``), every
        township's; the basemap; the filtered townships are outlined.
    table : pandas.DataFrame, optional
        That scorecard (:func:`analysis.scorecard.scorecard` with the configured rubric),
        when the page has it already (at province scale it takes a tenth of a second to make
        again).

    Returns
    -------
    Map
        The finished map.

    Raises
    ------
    RubricError
        When the configured rubric is not valid (the page says so before it draws the map).
    """
    rubric = load_rubric()
    if table is None:
        table = scorecard(data.score_inputs(f.period, f.as_of), rubric)
    towns = data.map_layer("townships").copy()
    codes = towns["code"].astype(str)
    total = f"{rubric.total:g}"
    towns["score_text"] = codes.map(lambda c: t("analysis.score_of", lang, total=total,
                                                score=f"{table.at[c, 'score']:.2f}")
                                    if c in table.index else None)
    towns["rank_text"] = codes.map(lambda c: t("scorecard.rank_of", lang, count=len(table),
                                               rank=table.at[c, "rank"])
                                   if c in table.index else None)
    fields = {"name": t("map.name", lang), "score_text": t("analysis.score", lang),
              "rank_text": t("analysis.rank", lang)}
    for ind in rubric.indicators:
        towns[ind.name] = codes.map(table[ind.name]).map(lambda v: f"{v:.2f}",
                                                          na_action="ignore")
        fields[ind.name] = ind.label_in(lang)
    fmap = Map.for_district(data.map_layer("district"), f.basemap, lang)
    fmap.add_townships(towns, fields, values=table["score"],
                       legend_title=t("scorecard.map_legend", lang),
                       name=t("scorecard.map_layer", lang), selected=f.townships)
    return fmap.finish(places=data.places(lang))


def _scores(lang: str, f: filters.Filters, rubric: Rubric, towns_missing: bool) -> None:
    with st.spinner(t("common.computing", lang)):
        table = scorecard(data.score_inputs(f.period, f.as_of), rubric)
    st.caption(t("scorecard.period_caption", lang, start=f.period.start.strftime(DATE),
                 end=f.period.end.strftime(DATE), as_of=f.as_of.strftime(DATE),
                 total=f"{rubric.total:g}", count=len(table)))
    shown = table[table.index.isin(f.townships)] if f.townships else table
    if shown.empty:
        st.info(t("common.empty", lang))
        return
    kpi = st.columns(4)
    kpi[0].metric(t("scorecard.towns_scored", lang), len(shown))
    kpi[1].metric(t("scorecard.mean", lang), f"{shown['score'].mean():.2f}")
    best, worst = shown.iloc[0], shown.iloc[-1]
    # The delta line reads markdown: the township's name is shown as written.
    kpi[2].metric(t("scorecard.best", lang), f"{best['score']:.2f}",
                  escape.markdown_literal(best["name"]), delta_color="off", delta_arrow="off")
    kpi[3].metric(t("scorecard.worst", lang), f"{worst['score']:.2f}",
                  escape.markdown_literal(worst["name"]), delta_color="off", delta_arrow="off")
    st.subheader(t("scorecard.table_heading", lang))
    headers = _headers(rubric, lang)
    # On screen the headers are short, the points in their tooltips, so that every indicator
    # fits in the page's width; the Excel file keeps the points in its headers.
    short = {"name": headers["name"], "score": t("analysis.score", lang),
             "rank": headers["rank"], **{i.name: i.label_in(lang) for i in rubric.indicators}}
    config = {short[c]: st.column_config.NumberColumn(format="%.2f", help=headers[c])
              for c in short if c not in ("name", "rank")}
    st.dataframe(shown[list(headers)].rename(columns=short), hide_index=True,
                 height=_table_height(len(shown)), column_config=config)
    st.caption(t("scorecard.weights", lang, total=f"{rubric.total:g}", weights=t(
        "scorecard.weight_sep", lang).join(t("scorecard.weight", lang, label=i.label_in(lang),
                                             weight=f"{i.weight:g}")
                                           for i in rubric.indicators)))
    downloads.excel_button(shown, headers, SCORES_FILE, lang)
    if towns_missing:
        # Without township polygons the map would colour nothing: the chart is the picture.
        _chart(lang, shown, rubric)
        return
    left, right = st.columns(2)
    # The map's column first: the chart beside it then waits for the map, not the reverse.
    with right:
        st.markdown(f"**{t('scorecard.map_heading', lang)}**")
        fmap = build_map(lang, f, table=table)
        filters.select_township(fmap.show(key="scorecard_map"))
        st.caption(t("scorecard.map_caption", lang))
        downloads.map_buttons(fmap, "tongxin-scorecard", t("scorecard.map_heading", lang), lang)
    with left:
        _chart(lang, shown, rubric)


def _chart(lang: str, shown: pd.DataFrame, rubric: Rubric) -> None:
    """Draw the score bars of the ``shown`` townships (the most a chart draws)."""
    rows = charts.rows_to_draw(shown["score"], largest=False)
    charts.show(score_chart(shown.loc[rows], rubric, lang), key="scorecard_chart")
    charts.say_rows_drawn("scorecard.chart_some", lang, len(rows), len(shown))


def _table_height(rows: int) -> int:
    # Every township in view at once (a district has about 15), longer lists scroll.
    return ROW_PX * (min(rows, MAX_ROWS_SHOWN) + 1) + BORDER_PX


def _supervision(lang: str, f: filters.Filters) -> None:
    st.subheader(t("scorecard.sup_heading", lang))
    period = supervision_period(f.as_of)
    with st.spinner(t("common.computing", lang)):
        items = data.supervision(period)
    st.caption(t("scorecard.sup_caption", lang, as_of=period.end.strftime(DATE),
                 start=period.start.strftime(DATE), end=period.end.strftime(DATE),
                 gap=settings.get("activity_gap_days"),
                 overdue=settings.get("contact_overdue_days")))
    if items.empty:
        st.success(t("scorecard.sup_none", lang))
        return
    kinds = st.multiselect(t("scorecard.sup_kinds", lang), list(KINDS), key="sc_kinds",
                           format_func=lambda k: t(f"analysis.kind.{k}", lang),
                           placeholder=t("scorecard.sup_all_kinds", lang))
    shown = f.township_rows(items)
    if kinds:
        shown = shown[shown["kind"].isin(kinds)]
    if shown.empty:
        st.info(t("common.empty", lang))
        return
    shown = supervision_frame(shown, lang)
    counts = shown.groupby("kind", sort=False).size()
    cells = st.columns(len(counts) + 1)
    cells[0].metric(t("scorecard.sup_total", lang), len(shown))
    for cell, (kind, count) in zip(cells[1:], counts.items(), strict=True):
        cell.metric(t(f"analysis.kind.{kind}", lang), int(count))
    headers = {"severity": t("scorecard.col_severity", lang),
               "township_name": t("scorecard.name", lang),
               "kind_label": t("scorecard.col_kind", lang),
               "item": t("scorecard.col_item", lang), "ref_text": t("scorecard.col_ref", lang),
               "since_text": t("scorecard.col_since", lang),
               "overdue_text": t("scorecard.col_overdue", lang)}
    scale = t("scorecard.weight_sep", lang).join(f"{t(f'analysis.kind.{k}', lang)} {v}"
                                                 for k, v in KINDS.items())
    urgency = st.column_config.NumberColumn(
        width="small", help=t("scorecard.severity_help", lang, kinds=scale))
    st.dataframe(shown[list(headers)].rename(columns=headers), hide_index=True,
                 height=_table_height(len(shown)), column_config={headers["severity"]: urgency})
    downloads.excel_button(shown, headers, SUPERVISION_FILE, lang)


def render() -> None:
    """Draw the scorecard page: scores, their chart and map, then the supervision list."""
    lang = current_lang()
    f = filters.current()
    st.header(t("scorecard.heading", lang))
    towns_missing = missing.township_notice(lang)
    try:
        rubric = load_rubric()
    except RubricError as exc:
        # The rubric is configuration an administrator edits: say what to fix, no traceback.
        st.error(t("scorecard.rubric_error", lang, path=settings.path("rubric")))
        st.code(str(exc), language=None)
    else:
        _scores(lang, f, rubric, towns_missing)
    _supervision(lang, f)


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
