"""The religious venues page: where the approved venues are, and which station serves each."""

from __future__ import annotations

from itertools import cycle

import geopandas as gpd
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.district import district_config
from core.i18n import t
from ui import charts, data, downloads, escape, filters, maps, missing
from ui.map_object import Map
from ui.sidebar import current_lang

# One colour per religion in district.toml order; black is kept for the "not covered" ring.
RELIGION_COLOURS = (maps.PALETTE[0], maps.PALETTE[1], maps.PALETTE[2], maps.PALETTE[3],
                    maps.PALETTE[5], maps.PALETTE[4])
UNCOVERED_COLOUR = maps.PALETTE[7]
# Marker sizes (px): the uncovered ring is drawn under the venue's own dot, so it shows round it.
VENUE_RADIUS, UNCOVERED_RADIUS = 6, 11
CHART_HEIGHT = 420
# Excel headers stay Chinese in either language: the files go into Chinese reports and ledgers.
EXCEL_LANG = "zh"
# Column -> catalog key of its label, shared by popups, tables and Excel headers.
LABELS = {"name": "col_name", "religion": "col_religion", "township": "col_township",
          "address": "col_address", "approved_on": "col_approved_on", "covered": "col_covered",
          "serving": "col_serving", "distance": "col_distance", "nearest": "col_nearest",
          "venues": "col_venues"}


def _labels(lang: str, *columns: str) -> dict[str, str]:
    return {c: t(f"sites.{LABELS[c]}", lang) for c in columns}


def religion_colours() -> dict[str, str]:
    """Return ``{religion: colour}`` for the district's configured religions."""
    return dict(zip(district_config().religions, cycle(RELIGION_COLOURS)))


def venue_table() -> gpd.GeoDataFrame:
    """Return every venue with its township, coverage, serving and nearest station, distance.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``religious_sites`` layer plus ``township``, ``covered``, ``serving``,
        ``nearest`` (station names) and ``distance`` (m, to the serving station, else to
        the nearest one).
    """
    venues = data.layer("religious_sites")
    stations = data.layer("workstations")
    station_names = dict(zip(stations["code"].astype(str), stations["name"].astype(str),
                             strict=True))
    cov = data.coverage().venues.reindex(venues["code"].astype(str))
    return venues.assign(
        township=venues["township_code"].astype(str).map(data.township_names()),
        # A day, not a midnight timestamp, in the table and the Excel file.
        approved_on=pd.to_datetime(venues["approved_on"], errors="coerce").dt.date,
        covered=cov["covered"].fillna(False).astype(bool).to_numpy(),
        serving=cov["serving_station_name"].to_numpy(),
        nearest=cov["nearest_station"].map(station_names).to_numpy(),
        distance=cov["distance_m"].round().astype("Int64").to_numpy())


def _kpis(lang: str, venues: pd.DataFrame) -> None:
    covered = int(venues["covered"].sum())
    cols = st.columns(4)
    cols[0].metric(t("sites.total", lang), len(venues))
    cols[1].metric(t("sites.covered", lang), covered)
    cols[2].metric(t("sites.uncovered", lang), len(venues) - covered)
    cols[3].metric(t("sites.rate", lang), f"{covered / len(venues):.1%}")
    religions = district_config().religions
    for column, religion in zip(st.columns(len(religions)), religions, strict=True):
        column.metric(t("sites.religion_count", lang, religion=religion),
                      int((venues["religion"] == religion).sum()))


def build_map(lang: str, f: filters.Filters) -> Map:
    """Return the finished venues map: townships outlined, venues by religion, gaps ringed.

    Parameters
    ----------
    lang : str
        Language of the layer names, legends and popups.
    f : Filters
        The sidebar's filters (basemap; the filtered townships are outlined).

    Returns
    -------
    Map
        The map, layer control added and scripts localised.
    """
    towns = data.map_layer("townships")
    venues = venue_table()
    counts = venues["township_code"].astype(str).value_counts()
    fmap = Map.for_district(data.map_layer("district"), f.basemap, lang)
    fmap.add_townships(towns.assign(venues=towns["code"].astype(str).map(counts)
                                    .fillna(0).astype(int)),
                       {"name": t("map.name", lang), "kind": t("map.kind", lang),
                        "venues": t("sites.col_venues", lang)}, selected=f.townships)
    popup = _labels(lang, "name", "religion", "township", "address", "approved_on", "serving",
                    "distance", "nearest")
    uncovered = venues[~venues["covered"]]
    if len(uncovered):
        fmap.add_points(uncovered, t("sites.layer_uncovered", lang),
                        _labels(lang, "name", "religion"), popup, color=UNCOVERED_COLOUR,
                        radius=UNCOVERED_RADIUS, legend_title=t("sites.legend_uncovered", lang))
    if len(venues):  # none yet: no empty layer, no legend of nothing
        fmap.add_points(venues, t("sites.layer_venues", lang),
                        _labels(lang, "name", "religion", "serving"), popup,
                        color_by="religion", colors=religion_colours(), radius=VENUE_RADIUS,
                        legend_title=t("sites.legend_religion", lang))
    return fmap.finish(places=data.places(lang))


def _chart(lang: str, venues: pd.DataFrame) -> None:
    names = data.township_names()
    counts = pd.crosstab(venues["township_code"].astype(str), venues["religion"])
    # Townships in their statistical-code order, as the district's reports list them.
    counts = counts.reindex(sorted(counts.index))
    everyone = len(counts)
    counts = counts.loc[charts.rows_to_draw(counts.sum(axis=1), largest=True)]
    # Names go into plotly's labels, which read tags: shown as written.
    fig = go.Figure([go.Bar(x=escape.labels(names.get(c, c) for c in counts.index),
                            y=counts[religion], name=escape.label(religion), marker_color=colour)
                     for religion, colour in religion_colours().items()
                     if religion in counts.columns])
    fig.update_layout(barmode="stack", yaxis_title=t("sites.chart_count", lang),
                      xaxis_title=t("sites.col_township", lang))
    # plotly lists stacked traces top first; keep the religions in the configured order.
    fig.update_layout(legend_traceorder="normal")
    charts.show(charts.styled(fig, t("sites.chart_title", lang), height=CHART_HEIGHT),
                key="sites_chart")
    charts.say_rows_drawn("sites.chart_some", lang, len(counts), everyone)


def _yes_no(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    # Yes/no columns read as words in both the table and the Excel file, not TRUE/FALSE.
    words = {True: t("sites.yes", lang), False: t("sites.no", lang)}
    return frame.assign(**{c: frame[c].map(words) for c in frame.columns
                           if frame[c].dtype == bool})


def _table(lang: str, frame: pd.DataFrame, columns: list[str], file_name: str,
           labels: dict[str, str] | None = None) -> None:
    def headers(in_lang: str) -> dict[str, str]:
        return {**_labels(in_lang, *columns),
                **{c: t(key, in_lang) for c, key in (labels or {}).items()}}
    shown = pd.DataFrame(frame[columns])
    st.dataframe(_yes_no(shown, lang).rename(columns=headers(lang)), hide_index=True)
    downloads.excel_button(_yes_no(shown, EXCEL_LANG), headers(EXCEL_LANG), file_name, lang)


def _tables(lang: str, venues: pd.DataFrame) -> None:
    st.subheader(t("sites.all_heading", lang))
    _table(lang, venues, ["name", "religion", "township", "address", "approved_on", "covered",
                          "serving", "distance"], "tongxin-religious-venues.xlsx")
    st.subheader(t("sites.uncovered_heading", lang))
    uncovered = venues[~venues["covered"]]
    if uncovered.empty:
        st.success(t("sites.all_covered", lang))
        return
    _table(lang, uncovered, ["name", "religion", "township", "address", "nearest", "distance"],
           "tongxin-uncovered-venues.xlsx", {"distance": "sites.col_nearest_distance"})


def render() -> None:
    """Draw the religious venues page: KPIs, the map, venues by township, and the lists."""
    lang = current_lang()
    f = filters.current()
    st.header(t("sites.heading", lang))
    filters.say_filtered(f, lang)
    missing.township_notice(lang)
    with st.spinner(t("common.computing", lang)):
        venues = f.township_rows(venue_table())
        fmap = build_map(lang, f)
    if venues.empty:
        st.info(t("common.empty", lang))
    else:
        st.caption(t("sites.intro", lang))
        _kpis(lang, venues)
    # The map stays on an empty filter: the district and its townships, so a click can widen it.
    filters.select_township(fmap.show(key="sites_map"))
    st.caption(t("sites.map_caption", lang))
    downloads.map_buttons(fmap, "tongxin-sites", t("sites.heading", lang), lang)
    if venues.empty:
        return
    _chart(lang, venues)
    _tables(lang, venues)


# Run as a page (Streamlit executes it as __main__); importing it (tests) only defines it.
if __name__ == "__main__":
    render()
