"""The "ten enters" page: where and when activity happened, and which township lacks which kind."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.activity import ActivitySummary
from cartography.compose import CATEGORY_COLOURS, activity_map, activity_points
from core import settings
from core.i18n import t
from ui import charts, data, downloads, escape, filters, maps, missing, record_editor
from ui.map_object import Map
from ui.sidebar import current_lang

# Empty matrix cells take the "bad" colour, which no class of the blue count scale comes near.
EMPTY_COLOUR = maps.BAD
# Matrix height: a row per township must stay tall enough to read its count.
ROW_PX, MATRIX_EXTRA_PX = 34, 150
# Room (pixels) on the right of a zoomed map for the legends, so no point hides under them.
LEGEND_ROOM = (230, 20)
# The ranking has seven columns, the empty list four: give the ranking more of the width.
RANKING_SPLIT = (2, 3)
TREND_HEIGHT = 420
# The subheader above a chart names it: no title room inside the chart.
CHART_TOP_PX = 10


def _d(stamp: pd.Timestamp) -> str:
    """Return a day as 2026-01-31."""
    return stamp.strftime("%Y-%m-%d")


def _points(act: ActivitySummary, f: filters.Filters) -> gpd.GeoDataFrame:
    """Return the rows ``act`` counts (period, categories, townships), with ``township_name``."""
    return activity_points(data.layer("activities"), act, f.period, f.townships)


def build_map(lang: str, f: filters.Filters, *,
              points: gpd.GeoDataFrame | None = None) -> Map:
    """Return the activity map: intensity choropleth, heat and points, each a toggleable layer.

    Parameters
    ----------
    lang : str
        Language.
    f : Filters
        The sidebar's filters: the summary of their period, categories and townships colours
        the choropleth; the filtered townships are outlined and zoomed to; the basemap.
    points : geopandas.GeoDataFrame, optional
        The activities ``f`` counts, as :func:`_points` returns them, when the page has them
        already (at province scale they take a tenth of a second to find again); rows without
        coordinates are skipped.

    Returns
    -------
    Map
        The finished map.
    """
    act = data.activity(f.period, f.categories, f.townships)
    if points is None:
        points = _points(act, f)
    towns, selected = data.map_layer("townships"), f.townships
    fmap = activity_map(Map.for_district(data.map_layer("district"), f.basemap, lang), lang,
                        act, points, towns, selected)
    chosen = towns[towns["code"].astype(str).isin(selected)]
    if len(chosen):
        # A township filter zooms to it: its points would be one blob at the district's scale.
        fmap.fit(chosen, padding_bottom_right=LEGEND_ROOM)
    return fmap.finish(places=data.places(lang))


def _kpis(lang: str, act: ActivitySummary, before: ActivitySummary) -> None:
    """Draw the four figures, each with its change against the previous period."""
    def reached(s: ActivitySummary) -> int:
        return int((s.counts.to_numpy().sum(axis=0) > 0).sum())

    def people(s: ActivitySummary) -> int:
        return int(s.participants.to_numpy().sum())

    cols = st.columns(4)
    cols[0].metric(t("activities.kpi.total", lang), f"{act.total:,}",
                   delta=act.total - before.total)
    cols[1].metric(t("activities.kpi.participants", lang), f"{people(act):,}",
                   delta=people(act) - people(before))
    cols[2].metric(t("activities.kpi.categories", lang), f"{reached(act)} / {len(act.categories)}",
                   delta=reached(act) - reached(before),
                   help=t("activities.kpi.categories_help", lang))
    cols[3].metric(t("activities.kpi.empty", lang), len(act.empty_cells), delta_color="inverse",
                   delta=len(act.empty_cells) - len(before.empty_cells),
                   help=t("activities.kpi.empty_help", lang, cells=act.counts.size))


def _map(lang: str, f: filters.Filters, points: gpd.GeoDataFrame) -> None:
    """Draw the map, say how many activities it cannot place, offer it as HTML."""
    st.subheader(t("activities.map", lang))
    fmap = build_map(lang, f, points=points)
    filters.select_township(fmap.show(key="activities_map"))
    st.caption(t("activities.map_caption", lang, n=maps.CLUSTER_ABOVE,
                 m=f'{settings.get("map_points_max"):,}'))
    missing = int((points.geometry.isna() | points.geometry.is_empty).sum())
    if missing:
        st.caption(t("activities.no_coords", lang, n=f"{missing:,}"))
    downloads.map_buttons(fmap, "tongxin-activities", t("activities.heading", lang), lang)


def _matrix(lang: str, act: ActivitySummary) -> None:
    """Draw the township x category matrix, empty cells standing out; offer it as Excel."""
    st.subheader(t("activities.matrix", lang))
    rows = charts.rows_to_draw(act.counts.eq(0).sum(axis=1), largest=True)
    counts = act.counts.loc[rows].to_numpy()
    # Names go into plotly's labels, which read tags: shown as written.
    towns = escape.labels(act.townships.loc[rows, "name"])
    cats = escape.labels(act.categories)
    hover = {"town": "%{y}", "cat": "%{x}", "n": "%{z}"}
    blues = [[i / (len(maps.SEQUENTIAL) - 1), c] for i, c in enumerate(maps.SEQUENTIAL)]
    fig = go.Figure([
        go.Heatmap(z=np.where(counts > 0, counts, np.nan), x=cats, y=towns, colorscale=blues,
                   text=np.where(counts > 0, counts.astype(str), ""), texttemplate="%{text}",
                   colorbar={"title": {"text": t("activities.colorbar", lang)}},
                   hovertemplate=t("activities.hover.count", lang, **hover) + "<extra></extra>"),
        go.Heatmap(z=np.where(counts == 0, 1.0, np.nan), x=cats, y=towns, showscale=False,
                   colorscale=[[0, EMPTY_COLOUR], [1, EMPTY_COLOUR]], xgap=1, ygap=1,
                   text=np.where(counts == 0, "—", ""), texttemplate="%{text}",
                   textfont={"color": "#ffffff", "size": 16},
                   hovertemplate=t("activities.hover.empty", lang, **hover) + "<extra></extra>"),
    ])
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(side="top")
    charts.show(charts.styled(fig, height=ROW_PX * len(towns) + MATRIX_EXTRA_PX),
                key="activities_matrix", name=t("activities.matrix", lang))
    st.caption(t("activities.matrix_caption", lang))
    charts.say_rows_drawn("activities.matrix_some", lang, len(rows), len(act.counts))
    table = act.counts.copy()
    table.insert(0, "township_name", act.townships["name"])
    downloads.excel_button(table, {"township_name": t("activities.col.township", "zh"),
                                   **{c: c for c in act.categories}},
                           "十进活动_乡镇类别矩阵.xlsx", lang)


def _empty_table(act: ActivitySummary, lang: str, shown: bool = False) -> pd.DataFrame:
    """Return the empty cells for the screen (``shown``) or the Excel file."""
    cells = act.empty_cells
    last = [t("activities.never", lang) if never else _d(day)
            for never, day in zip(cells["never"], cells["last_before"], strict=True)]
    days = cells["days_without"]
    # On screen a never-reached cell reads "—"; the Excel file keeps numbers (blank if never).
    if shown:
        days = ["—" if pd.isna(n) else f"{n:,}" for n in days]
    return pd.DataFrame({"township": cells["township_name"], "category": cells["category"],
                         "last_before": last, "days_without": days})


def _list(lang: str, shown: pd.DataFrame, excel: pd.DataFrame, file_name: str) -> None:
    """Draw ``shown`` and offer ``excel``, headed by the ``activities.col.<column>`` labels."""
    st.dataframe(shown.rename(columns={c: t(f"activities.col.{c}", lang) for c in shown}),
                 hide_index=True, width="stretch")
    downloads.excel_button(excel, {c: t(f"activities.col.{c}", "zh") for c in excel},
                           file_name, lang)


def _empty_cells(lang: str, act: ActivitySummary) -> None:
    """Draw the empty cells list with its Excel download."""
    st.subheader(t("activities.empty_cells", lang))
    if act.empty_cells.empty:
        st.success(t("activities.no_empty", lang))
        return
    st.caption(t("activities.empty_caption", lang))
    _list(lang, _empty_table(act, lang, shown=True), _empty_table(act, "zh"),
          "十进活动_空白清单.xlsx")


def _trend(lang: str, act: ActivitySummary) -> None:
    """Draw activities per month, stacked by category."""
    st.subheader(t("activities.trend", lang))
    months = act.monthly.index.strftime("%Y-%m")
    fig = go.Figure([go.Bar(x=months, y=act.monthly[cat], name=escape.label(cat),
                            marker_color=CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)])
                     for i, cat in enumerate(act.categories)])
    fig = charts.styled(fig, height=TREND_HEIGHT)
    # Months as labels (not dates: plotly would write "Nov 2025"); legend in category order.
    fig.update_layout(barmode="stack", xaxis={"type": "category"}, legend_traceorder="normal",
                      margin_t=CHART_TOP_PX,
                      xaxis_title=t("activities.month", lang),
                      yaxis_title=t("activities.count", lang))
    charts.show(fig, key="activities_trend", name=t("activities.trend", lang))


def _ranking(lang: str, act: ActivitySummary) -> None:
    """Draw the townships by activities per 10,000 residents, with its Excel download."""
    st.subheader(t("activities.ranking", lang))
    # Townships of unknown population (none before the townships layer is imported) have no
    # rate to rank by: they follow, most activities first.
    table = act.townships.sort_values(["rank", "activities", "name"],
                                      ascending=[True, False, True], na_position="last",
                                      kind="stable").rename(
        columns={"name": "township", "per_10k_residents": "per_10k"})
    table = table[["rank", "township", "activities", "participants", "per_10k",
                   "per_1k_minority", "categories_reached"]]
    table = table.round({"per_10k": 1, "per_1k_minority": 2})
    # On screen an unknown rank or rate reads "—" (the other columns keep their numbers'
    # alignment); the Excel file keeps a blank cell.
    gaps = [c for c in table if table[c].isna().any()]
    shown = table.astype(dict.fromkeys(gaps, object))
    shown[gaps] = shown[gaps].where(shown[gaps].notna(), "—")
    _list(lang, shown, table, "十进活动_乡镇排名.xlsx")


def render() -> None:
    """Draw the "ten enters" activity page from the sidebar's filters."""
    lang = current_lang()
    f = filters.current()
    st.header(t("activities.heading", lang))
    missing.township_notice(lang)
    with st.spinner(t("common.computing", lang)):
        act = data.activity(f.period, f.categories, f.townships)
        before = data.activity(f.period.previous(), f.categories, f.townships)
        points = _points(act, f)
    prev = f.period.previous()
    st.caption(t("activities.period", lang, start=_d(f.period.start), end=_d(f.period.end),
                 prev_start=_d(prev.start), prev_end=_d(prev.end)))
    if act.total == 0:
        st.info(t("common.empty", lang))
    _kpis(lang, act, before)
    _map(lang, f, points)
    _matrix(lang, act)
    left, right = st.columns(RANKING_SPLIT)
    with left:
        _empty_cells(lang, act)
    with right:
        _ranking(lang, act)
    if act.total:
        _trend(lang, act)
    # Where activity is recorded as it happens: one record, checked as an import checks it.
    with st.expander(t("edit.activity_heading", lang)):
        record_editor.add_form("activities", lang, form_id="activities_add")


# Streamlit runs a page as __main__; importing it (the tests) only defines its helpers.
if __name__ == "__main__":
    render()
