"""The overview page: the district at a glance, its map, and the top gaps from every page."""

from __future__ import annotations

import streamlit as st

from core.district import district_config
from core.i18n import t
from ui import data, filters, maps
from ui.map_object import Map
from ui.sidebar import current_lang

TOP_GAPS = 5


def _percent(value: float) -> str:
    return f"{value:.1%}"


def _kpis(lang: str, f: filters.Filters) -> None:
    cov = data.coverage()
    act = data.activity(f.period, f.categories, f.townships)
    before = data.activity(f.period.previous(), f.categories, f.townships)
    status = f.township_rows(data.units(f.as_of))
    prev_status = f.township_rows(data.units(f.period.previous().end))
    engaged = int((status["status"] != "never").sum())
    gaps = int((status["status"] != "ok").sum())
    first, second = st.columns(5), st.columns(5)
    first[0].metric(t("overview.townships", lang), cov.totals["townships"])
    first[1].metric(t("overview.communities", lang), cov.totals["communities"])
    first[2].metric(t("overview.sites", lang), cov.totals["venues"])
    first[3].metric(t("overview.stations", lang), cov.totals["townships_with_station"])
    first[4].metric(t("overview.area", lang), f"{data.district_area_km2():.2f}")
    second[0].metric(t("overview.community_rate", lang), _percent(cov.totals["community_rate"]))
    second[1].metric(t("overview.minority_rate", lang), _percent(cov.totals["minority_rate"]))
    second[2].metric(t("overview.activities", lang), act.total, delta=act.total - before.total)
    second[3].metric(t("overview.units_engaged", lang), engaged,
                     delta=engaged - int((prev_status["status"] != "never").sum()))
    second[4].metric(t("overview.units_gap", lang), gaps, delta_color="inverse",
                     delta=gaps - int((prev_status["status"] != "ok").sum()))


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
    fmap.add_points(ethnic, t("overview.stations", lang),
                    {"name": t("map.name", lang), "kind": t("map.kind", lang)},
                    color=maps.PALETTE[5], radius=7, legend_title=t("overview.stations", lang))
    return fmap.finish()


def _map(lang: str, f: filters.Filters) -> None:
    fmap = build_map(lang, f)
    filters.select_township(fmap.show(key="overview_map"))
    st.caption(t("overview.map_caption", lang))
    fmap.download("tongxin-overview.html")


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
    st.header(t("overview.heading", lang, district=district_config().name))
    with st.spinner(t("common.computing", lang)):
        _kpis(lang, f)
    _map(lang, f)
    _top_gaps(lang, f)


# Streamlit runs a page as __main__; importing it (build_map) only defines its functions.
if __name__ == "__main__":
    render()
