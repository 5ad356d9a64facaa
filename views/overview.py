"""The overview page: the district at a glance, its map, and the top gaps from every page."""

from __future__ import annotations

import streamlit as st

from analysis.kpis import Kpi, headline_kpis
from core.district import district_config
from core.i18n import t
from ui import data, downloads, filters, maps, missing
from ui.map_object import Map
from ui.sidebar import current_lang

TOP_GAPS = 5


def kpis(f: filters.Filters) -> list[Kpi]:
    """Return the overview's headline figures for the sidebar's filters (as the report does)."""
    period = f.period
    return headline_kpis(data.coverage(), data.activity(period, f.categories, f.townships),
                         data.activity(period.previous(), f.categories, f.townships),
                         f.township_rows(data.units(f.as_of)),
                         f.township_rows(data.units(period.previous().end)),
                         data.district_area_km2())


def _kpis(lang: str, f: filters.Filters) -> None:
    figures = kpis(f)
    cells = [*st.columns(5), *st.columns(5)]
    for cell, kpi in zip(cells, figures, strict=True):
        delta = None if kpi.delta is None else int(kpi.delta)
        cell.metric(t(f"overview.{kpi.key}", lang), kpi.text() if kpi.kind != "count"
                    else int(kpi.value), delta=delta,
                    delta_color="inverse" if kpi.lower_is_better else "normal")


def build_map(lang: str, f: filters.Filters) -> Map:
    """Return the finished overview map: townships, and the district's township stations.

    Parameters
    ----------
    lang : str
        Language of the layer names, legends and tooltips.
    f : Filters
        The sidebar's filters (basemap; the filtered townships are outlined).

    Returns
    -------
    Map
        The map, layer control added and scripts localised.
    """
    towns = data.map_layer("townships")
    demo = t("map.demo_suffix", lang) if data.is_demo() else ""
    fmap = Map.for_district(data.map_layer("district"), f.basemap, lang)
    fmap.add_townships(towns, {"name": t("map.name", lang), "kind": t("map.kind", lang),
                               "population": t("map.population", lang) + demo,
                               "minority_population":
                                   t("map.minority_population", lang) + demo},
                       selected=f.townships)
    stations = data.layer("workstations")
    ethnic = stations[stations["kind"] == district_config().township_station_kind]
    if len(ethnic):  # none yet (a district just set up): no empty layer, no empty legend
        fmap.add_points(ethnic, t("overview.stations", lang),
                        {"name": t("map.name", lang), "kind": t("map.kind", lang)},
                        color=maps.PALETTE[5], radius=7,
                        legend_title=t("overview.stations", lang))
    return fmap.finish(places=data.places(lang))


def _map(lang: str, f: filters.Filters, towns_missing: bool) -> None:
    fmap = build_map(lang, f)
    filters.select_township(fmap.show(key="overview_map"))
    if not towns_missing:  # the caption explains the townships' fills
        st.caption(t("overview.map_caption", lang))
    downloads.map_buttons(fmap, "tongxin-overview", t("nav.overview", lang), lang)
    if towns_missing:
        # The map cannot show the townships: their figures, counted from the records.
        missing.township_counts(f, lang)


def _top_gaps(lang: str, f: filters.Filters) -> None:
    cov = data.coverage()
    act = data.activity(f.period, f.categories, f.townships)
    status = f.township_rows(data.units(f.as_of))
    columns = st.columns(3)
    with columns[0]:
        st.subheader(t("overview.gap_communities", lang))
        uncovered = f.township_rows(cov.communities[~cov.communities["covered"]])
        uncovered = uncovered.sort_values("minority_population", ascending=False)
        _list(lang, [f"{r.name}（{r.minority_population:,}）" for r in
                     uncovered.head(TOP_GAPS).itertuples()])
    with columns[1]:
        st.subheader(t("overview.gap_cells", lang))
        cells = act.empty_cells.head(TOP_GAPS)
        _list(lang, [f"{r.township_name} · {r.category}" for r in cells.itertuples()])
    with columns[2]:
        st.subheader(t("overview.gap_units", lang))
        gaps = status[status["status"] != "ok"].sort_values("severity", ascending=False)
        _list(lang, [f"{r.name}（{t('analysis.status.' + r.status, lang)}）"
                     for r in gaps.head(TOP_GAPS).itertuples()])


def _list(lang: str, lines: list[str]) -> None:
    if not lines:
        st.caption(t("overview.no_gaps", lang))
    for line in lines:
        st.text(line)


def render() -> None:
    """Draw the overview page."""
    lang = current_lang()
    f = filters.current()
    st.header(t("overview.heading", lang, district=data.district_name()))
    towns_missing = missing.township_notice(lang)
    with st.spinner(t("common.computing", lang)):
        _kpis(lang, f)
    _map(lang, f, towns_missing)
    _top_gaps(lang, f)


# Streamlit runs a page as __main__; importing it (build_map) only defines its functions.
if __name__ == "__main__":
    render()
