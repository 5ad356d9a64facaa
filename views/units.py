"""The stationed-units page (驻区单位): who has been engaged, where, and the gaps to chase."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.units import STATUSES, unit_counts, unit_gaps
from core import settings
from core.district import district_config
from core.i18n import t
from ui import (
    charts,
    data,
    downloads,
    escape,
    filters,
    maps,
    missing,
    record_editor,
    visit_charts,
)
from ui.map_object import Map
from ui.sidebar import current_lang

# Status colours, most severe first (Okabe-Ito, colour-blind safe): the "bad" vermilion for
# never engaged, orange for overdue, purple for no liaison, sky blue for not in the joint
# meeting, the "good" green for no gap.
STATUS_COLOURS = {"never": maps.BAD, "overdue": maps.PALETTE[1], "no_liaison": maps.PALETTE[3],
                  "not_joint": maps.PALETTE[4], "ok": maps.GOOD}
GAP_KINDS = STATUSES[:-1]
# Units are few (tens): dots larger than activity points, easy to hit with a click.
UNIT_RADIUS = 8
# Bar charts: a bar per group must stay tall enough to read its label.
BAR_PX, CHART_EXTRA_PX = 34, 110
# The subheader above a chart names it: no title room inside the chart.
CHART_TOP_PX = 10
# Padding (pixels) around the units when the map zooms to them; more on the right, where the
# legends sit, so no unit hides under them.
FIT_TOP_LEFT, FIT_BOTTOM_RIGHT = (40, 40), (230, 40)
# Gap list columns -> catalog key of their header (units.col.*); the Excel file takes the same.
LIST_COLUMNS = {"name": "name", "category": "category", "township_name": "township",
                "status_label": "status", "gaps_label": "gaps", "last_contact": "last_contact",
                "days": "days", "liaison": "liaison", "phone": "phone", "joint_label": "joint",
                "address": "address"}
TOOLTIP_COLUMNS = ("name", "category", "status_label")
# A unit's visit table columns -> catalog key of their header (units.visit_col.*).
VISIT_COLUMNS = ("date", "form", "visitor", "topic", "outcome", "follow_up", "follow_up_due",
                 "overdue")
VISIT_DATE = "%Y-%m-%d"


def _status_label(status: str, lang: str) -> str:
    """Return the catalog label of a unit status."""
    return t(f"analysis.status.{status}", lang)


def _table(status: pd.DataFrame, lang: str, shown: bool = False) -> gpd.GeoDataFrame:
    """Return the units of ``status`` with their ledger details, as the page shows them.

    Parameters
    ----------
    status : pandas.DataFrame
        Rows of :func:`analysis.units.unit_status` (index unit code).
    lang : str
        Language of the labels.
    shown : bool
        For the screen ("—" for a never-contacted unit's days) rather than the Excel file
        (a blank cell there).

    Returns
    -------
    geopandas.GeoDataFrame
        Same index: the :data:`LIST_COLUMNS`, ``status`` and the unit's point (may be empty).
    """
    units = data.layer("units")
    ledger = units.set_index(units["code"].astype(str)).reindex(status.index)
    names = data.township_names()
    sep = t("units.list_sep", lang)
    days = status["days_since_contact"]
    last = status["last_contact"]
    frame = pd.DataFrame({
        "name": status["name"], "category": status["category"],
        "township_name": status["township_code"].astype(str).map(names),
        "status": status["status"],
        "status_label": [_status_label(s, lang) for s in status["status"]],
        "gaps_label": [sep.join(_status_label(g, lang) for g in flags)
                       for flags in status["flags"]],
        "last_contact": [None if pd.isna(d) else d.strftime("%Y-%m-%d") for d in last],
        "days": ["—" if pd.isna(n) else f"{n:,}" for n in days] if shown else days,
        "liaison": ledger["liaison"], "phone": ledger["phone"],
        "joint_label": [t("units.yes" if bool(j) else "units.no", lang)
                        for j in ledger["joint_meeting"].eq(True).fillna(False)],
        "address": ledger["address"],
    }, index=status.index)
    return gpd.GeoDataFrame(frame, geometry=ledger.geometry.to_numpy(), crs=units.crs)


def build_map(lang: str, f: filters.Filters, *,
              table: gpd.GeoDataFrame | None = None) -> Map:
    """Return the map of units coloured by status over the township outlines.

    Parameters
    ----------
    lang : str
        Language.
    f : Filters
        The sidebar's filters: the units of their townships on their day (``as_of``), the
        basemap; the filtered townships are outlined.
    table : geopandas.GeoDataFrame, optional
        Those units as :func:`_table` returns them for the screen, when the page has them
        already (at province scale they take a tenth of a second to make again); rows
        without a point are not drawn.

    Returns
    -------
    Map
        The finished map.
    """
    if table is None:
        table = _table(f.township_rows(data.units(f.as_of)), lang, shown=True)
    towns, selected = data.map_layer("townships"), f.townships
    fmap = Map.for_district(data.map_layer("district"), f.basemap, lang)
    fmap.add_townships(towns, {"name": t("units.col.township", lang),
                               "kind": t("map.kind", lang)}, selected=selected)
    placed = table[table.geometry.notna() & ~table.geometry.is_empty]
    popup = {c: t(f"units.col.{k}", lang) for c, k in LIST_COLUMNS.items()}
    if len(placed):  # none placed: no empty layer in the layer control
        fmap.add_points(placed, t("units.layer", lang),
                        {c: popup[c] for c in TOOLTIP_COLUMNS}, popup, color_by="status",
                        colors=STATUS_COLOURS, radius=UNIT_RADIUS,
                        legend_title=t("units.legend", lang),
                        labels={s: _status_label(s, lang) for s in STATUSES})
    # Units sit in a few streets: zoom to them (or to the chosen townships when they have none)
    # rather than the whole district.
    focus = placed if len(placed) else towns[towns["code"].astype(str).isin(selected)]
    if len(focus):
        fmap.fit(focus, padding_top_left=FIT_TOP_LEFT, padding_bottom_right=FIT_BOTTOM_RIGHT)
    return fmap.finish(places=data.places(lang))


def _gap_counts(status: pd.DataFrame) -> dict[str, int]:
    """Return how many units show each gap kind (a unit may show several)."""
    # Each kind counts every unit showing it, not just those for which it is the worst.
    return {kind: int(sum(kind in flags for flags in status["flags"])) for kind in GAP_KINDS}


def _kpis(lang: str, status: pd.DataFrame, before: pd.DataFrame) -> None:
    """Draw the unit figures; changes are against the previous period's last day."""
    def engaged(s: pd.DataFrame) -> int:
        return int((s["status"] != "never").sum())

    gaps, gaps_before = _gap_counts(status), _gap_counts(before)
    first, second = st.columns(4), st.columns(4)
    first[0].metric(t("units.kpi.total", lang), len(status))
    first[1].metric(t("units.kpi.engaged", lang), engaged(status),
                    delta=engaged(status) - engaged(before))
    first[2].metric(t("units.kpi.joint", lang), len(status) - gaps["not_joint"])
    first[3].metric(t("units.kpi.ok", lang), int((status["status"] == "ok").sum()))
    days = settings.get("contact_overdue_days")
    for col, kind in zip(second, GAP_KINDS, strict=True):
        col.metric(_status_label(kind, lang), gaps[kind], delta=gaps[kind] - gaps_before[kind],
                   delta_color="inverse", help=t(f"analysis.status_help.{kind}", lang, days=days))
    st.caption(t("units.kpi.caption", lang))


def _map(lang: str, f: filters.Filters, table: gpd.GeoDataFrame) -> None:
    """Draw the map, name the units it cannot place, offer it as HTML."""
    st.subheader(t("units.map", lang))
    fmap = build_map(lang, f, table=table)
    filters.select_township(fmap.show(key="units_map"))
    st.caption(t("units.map_caption", lang))
    unplaced = table[table.geometry.isna() | table.geometry.is_empty]
    if len(unplaced):
        st.caption(t("units.no_coords", lang, n=len(unplaced)))
        st.text(t("units.list_sep", lang).join(unplaced["name"].astype(str)))
    downloads.map_buttons(fmap, "tongxin-units", t("units.heading", lang), lang)


def _gaps(lang: str, status: pd.DataFrame, table: gpd.GeoDataFrame) -> None:
    """Draw the gap list, most urgent first, with its Excel download."""
    st.subheader(t("units.gaps", lang))
    order = unit_gaps(status).index
    if not len(order):
        st.success(t("units.no_gaps", lang))
        return
    shown = table.loc[order, list(LIST_COLUMNS)]
    # Missing ledger values (no liaison, never contacted) read as a dash, not "None".
    st.dataframe(shown.astype(object).where(shown.notna(), "—").rename(
        columns={c: t(f"units.col.{k}", lang) for c, k in LIST_COLUMNS.items()}),
        hide_index=True, width="stretch")
    st.caption(t("units.gaps_caption", lang))
    downloads.excel_button(_table(status.loc[order], "zh"),
                           {c: t(f"units.col.{k}", "zh") for c, k in LIST_COLUMNS.items()},
                           "驻区单位_缺口清单.xlsx", lang)


def _counts(lang: str, status: pd.DataFrame) -> None:
    """Draw units per status by category and by township, as bars and tables."""
    names = data.township_names()
    for col, by, key in zip(st.columns(2), ("category", "township_code"),
                            ("units.by_category", "units.by_township"), strict=True):
        counts = unit_counts(status, by)
        by_town = by == "township_code"
        groups = pd.Series([names.get(g, g) for g in counts.index] if by_town
                           else list(counts.index), index=counts.index)
        # A province's 1,500 townships: the chart draws those with most units never engaged.
        drawn = counts.loc[charts.rows_to_draw(counts["never"], largest=True)] if by_town \
            else counts
        # Names go into plotly's labels, which read tags: shown as written.
        fig = go.Figure([go.Bar(y=escape.labels(groups[drawn.index]), x=drawn[s],
                                name=_status_label(s, lang), orientation="h",
                                marker_color=STATUS_COLOURS[s])
                         for s in STATUSES])
        fig.update_layout(barmode="stack", xaxis_title=t("units.count", lang),
                          legend_traceorder="normal")
        fig.update_yaxes(autorange="reversed")
        header = t(f"units.col.{'category' if by == 'category' else 'township'}", lang)
        labels = {s: _status_label(s, lang) for s in STATUSES}
        labels["total"] = t("units.col.total", lang)
        # "Engaged" is the total less never engaged: left out so the table fits half the page.
        shown = counts[list(labels)].rename(columns=labels)
        shown.insert(0, header, list(groups))
        with col:
            st.subheader(t(key, lang))
            fig = charts.styled(fig, height=BAR_PX * len(drawn) + CHART_EXTRA_PX)
            fig.update_layout(margin_t=CHART_TOP_PX)
            charts.show(fig, key=f"units_chart_{by}", name=t(key, lang))
            charts.say_rows_drawn("units.chart_some", lang, len(drawn), len(counts))
            st.dataframe(shown, hide_index=True, width="stretch")


def _visit_table(visits: pd.DataFrame, overdue: pd.Series, lang: str) -> pd.DataFrame:
    """Return a unit's ``visits`` newest first as the page shows them, headers translated.

    ``overdue`` gives the days past due of the visits whose follow-up is overdue (index
    visit code); the others' cell stays empty.
    """
    rows = visits.sort_values(["date", "code"], ascending=False, kind="stable")

    def day(value: object) -> str:
        return "" if pd.isna(value) else pd.Timestamp(value).strftime(VISIT_DATE)

    late = rows["code"].astype(str).map(overdue)
    frame = pd.DataFrame({
        "date": [day(d) for d in rows["date"]], "form": rows["form"],
        "visitor": rows["visitor"], "topic": rows["topic"], "outcome": rows["outcome"],
        "follow_up": rows["follow_up"], "follow_up_due": [day(d) for d in rows["follow_up_due"]],
        "overdue": ["" if pd.isna(n) else t("analysis.overdue_days", lang, days=int(n))
                    for n in late]})
    # Missing values read as a dash, not "None".
    frame = frame.astype(object).where(frame.notna() & frame.ne(""), "—")
    return frame.rename(columns={c: t(f"units.visit_col.{c}", lang) for c in VISIT_COLUMNS})


def _visits(lang: str, f: filters.Filters, status: pd.DataFrame) -> None:
    """Draw one chosen unit's visits: their timeline and their table, newest first."""
    st.subheader(t("units.visits", lang))
    visits = data.layer("visits")
    codes = [str(c) for c in status.index]
    names = status["name"].astype(str)
    # Open on the unit visited most recently, so the section shows a timeline at once.
    dated = visits[visits["unit_code"].astype(str).isin(codes)].sort_values("date")
    latest = str(dated["unit_code"].iloc[-1]) if len(dated) else codes[0]
    code = st.selectbox(t("units.visit_unit", lang), codes, index=codes.index(latest),
                        format_func=lambda c: names.get(c, c), key="units_visit_unit")
    rows = visits[visits["unit_code"].astype(str) == code]
    if rows.empty:
        st.info(t("units.no_visits", lang))
        return
    charts.show(visit_charts.visit_timeline(rows, district_config().visit_forms, lang),
                key="units_visit_chart",
                name=f"{t('units.visits', lang)}_{names.get(code, code)}")
    late = data.follow_ups(f.as_of)
    overdue = pd.Series(late["overdue_days"].to_numpy(), index=late["code"].astype(str))
    st.dataframe(_visit_table(rows, overdue, lang), hide_index=True, width="stretch")
    st.caption(t("units.visits_caption", lang, day=f.as_of.strftime(VISIT_DATE),
                 n=len(rows)))


def render() -> None:
    """Draw the stationed-units page from the sidebar's filters."""
    lang = current_lang()
    f = filters.current()
    st.header(t("units.heading", lang))
    missing.township_notice(lang)
    with st.spinner(t("common.computing", lang)):
        status = f.township_rows(data.units(f.as_of))
        before = f.township_rows(data.units(f.period.previous().end))
        table = _table(status, lang, shown=True)
    st.caption(t("units.as_of", lang, day=f.as_of.strftime("%Y-%m-%d"),
                 days=settings.get("contact_overdue_days")))
    if status.empty:
        st.info(t("common.empty", lang))
    _kpis(lang, status, before)
    _map(lang, f, table)
    if status.empty:
        return
    _gaps(lang, status, table)
    _counts(lang, status)
    _visits(lang, f, status)
    # Record a visit where its timeline is read: to the unit chosen above unless another is.
    with st.expander(t("edit.visit_heading", lang)):
        codes, names = [str(c) for c in status.index], status["name"].astype(str)
        above = str(st.session_state.get("units_visit_unit", codes[0]))
        unit = st.selectbox(t("edit.visit_unit", lang), codes, key="units_visit_add_unit",
                            index=codes.index(above) if above in codes else 0,
                            format_func=lambda c: names.get(c, c))
        record_editor.add_form("visits", lang, form_id="units_visit_add",
                               fixed={"unit_code": unit})


# Streamlit runs a page as __main__; importing it (the tests) only defines its helpers.
if __name__ == "__main__":
    render()
