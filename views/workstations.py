"""The 民族工作站 coverage page: who lies within a station's reach, and where to add stations."""

from __future__ import annotations

from itertools import cycle

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.coverage import Coverage, station_radii
from analysis.siting import SitingProposal
from core.district import district_config
from core.i18n import t
from ui import data, downloads, filters, maps
from ui.map_object import Map
from ui.sidebar import current_lang

# Siting: an office weighs a handful of new stations at a time; 20 is more than a district
# builds in years, and 3 is a plausible year's budget.
K_MIN, K_MAX, K_DEFAULT = 0, 20, 3
# Station kinds in district.toml order: none is the green or red of covered/uncovered communities.
KIND_COLOURS = (maps.PALETTE[0], maps.PALETTE[1], maps.PALETTE[3], maps.PALETTE[4])
PROPOSAL_COLOUR = maps.PALETTE[7]  # black: stands apart from every existing station
# Marker sizes (px): covered communities under stations, the gaps over them, proposals largest
# so they are found first.
COMMUNITY_RADIUS, STATION_RADIUS, UNCOVERED_RADIUS, PROPOSAL_RADIUS = 5, 7, 8, 11
MAP_HEIGHT = 680  # four legends stack in the corner; the default height crowds them
PERCENT = 100
# Tables show up to a whole district's 15 townships without an inner scroll bar.
MAX_ROWS, ROW_PX, BORDER_PX = 20, 35, 3  # st.dataframe's row height and frame border
# Excel headers stay Chinese in either language: the files go into Chinese reports and ledgers.
EXCEL_LANG = "zh"


def _kind_colours() -> dict[str, str]:
    return dict(zip(district_config().station_kinds, cycle(KIND_COLOURS)))


def _rate(part: float, whole: float) -> float:
    # As the analysis does: nothing to cover counts as fully covered.
    return float(part / whole) if whole else 1.0


def _kpis(lang: str, f: filters.Filters, towns: pd.DataFrame) -> None:
    stations = f.township_rows(data.layer("workstations"))
    kinds = district_config().station_kinds
    for column, kind in zip(st.columns(len(kinds)), kinds, strict=True):
        column.metric(t("workstations.kind_count", lang, kind=kind),
                      int((stations["kind"] == kind).sum()))
    minority, covered = towns["minority_population"].sum(), towns["minority_covered"].sum()
    cols = st.columns(5)
    cols[0].metric(t("workstations.own_station", lang),
                   f"{int(towns['has_station'].sum())}/{len(towns)}")
    cols[1].metric(t("workstations.community_rate", lang),
                   f"{_rate(towns['communities_covered'].sum(), towns['communities'].sum()):.1%}")
    cols[2].metric(t("workstations.minority_rate", lang), f"{_rate(covered, minority):.1%}")
    cols[3].metric(t("workstations.minority_covered", lang), f"{covered:,.0f}")
    cols[4].metric(t("workstations.minority_uncovered", lang), f"{minority - covered:,.0f}")


def proposal_table(proposal: SitingProposal) -> pd.DataFrame:
    """Return the proposals with names, the communities reached and the district before/after.

    Parameters
    ----------
    proposal : SitingProposal
        From ``data.siting``.

    Returns
    -------
    pandas.DataFrame
        The proposals plus ``place`` and ``township`` (names), ``reached`` (names of the
        communities newly reached), ``added``, and the district's uncovered minority
        residents ``before`` and ``after`` each.
    """
    props = pd.DataFrame(proposal.proposals)
    community_names = data.coverage().communities["name"].astype(str)
    after = proposal.uncovered_before - props["cumulative_minority"]
    return props.assign(
        place=props["name"], township=props["township_code"].map(data.township_names()),
        reached=["、".join(community_names.get(c, c) for c in codes)
                 for codes in props["communities"]],
        added=props["added_minority"].round().astype(int),
        radius_m=props["radius_m"].round().astype(int),
        before=(after + props["added_minority"]).round().astype(int),
        after=after.round().astype(int))


def build_map(lang: str, f: filters.Filters, *, k: int = K_DEFAULT,
              proposal_kind: str | None = None) -> Map:
    """Return the finished coverage map: townships, service areas, communities, proposals.

    Parameters
    ----------
    lang : str
        Language of the layer names, legends and popups.
    f : Filters
        The sidebar's filters (basemap; the filtered townships are outlined).
    k : int
        How many new stations the siting proposal drawn has (the page's siting control).
    proposal_kind : str, optional
        Their kind (the page's other siting control); the district's default proposal kind
        when omitted.

    Returns
    -------
    Map
        The map, layer control added and scripts localised.
    """
    proposal = data.siting(int(k), proposal_kind or district_config().default_proposal_kind)
    cov, names = data.coverage(), data.township_names()
    towns, stations = data.map_layer("townships"), data.layer("workstations")
    demo = t("map.demo_suffix", lang) if data.is_demo() else ""
    rates = cov.townships["minority_rate"] * PERCENT
    fmap = Map.for_district(data.map_layer("district"), f.basemap, lang)
    fmap.add_townships(
        towns.assign(rate=towns["code"].astype(str).map(rates).round(1)),
        {"name": t("map.name", lang), "kind": t("map.kind", lang),
         "minority_population": t("map.minority_population", lang) + demo,
         "rate": t("workstations.legend_choropleth", lang)}, values=rates,
        legend_title=t("workstations.legend_choropleth", lang),
        name=t("workstations.layer_choropleth", lang), selected=f.townships)
    colours, radii = _kind_colours(), station_radii(stations, towns)
    for kind, colour in colours.items():
        chosen = (stations["kind"] == kind).to_numpy()
        if chosen.any():
            # Only the township stations' areas start visible: all four kinds overlap into
            # a tangle in the dense urban north. The others are a tick away.
            fmap.add_service_areas(stations[chosen], radii[chosen],
                                   t("workstations.layer_areas", lang, kind=kind), color=colour,
                                   show=kind == district_config().township_station_kind)
    _add_communities(fmap, lang, cov, names, covered=True)
    shown = stations.assign(township=stations["township_code"].astype(str).map(names),
                            radius_m=radii.round().astype(int))
    fmap.add_points(shown, t("workstations.layer_stations", lang),
                    _labels(lang, "name", "kind"),
                    _labels(lang, "name", "kind", "township", "address", "staff", "contact",
                            "phone", "radius_m"),
                    color_by="kind", colors=colours, radius=STATION_RADIUS,
                    legend_title=t("workstations.legend_stations", lang))
    _add_communities(fmap, lang, cov, names, covered=False)
    props = proposal_table(proposal)
    if len(props):
        points = gpd.GeoDataFrame(props, geometry="geometry", crs=proposal.proposals.crs)
        fmap.add_service_areas(points, points["radius_m"].to_numpy(),
                               t("workstations.layer_proposal_areas", lang),
                               color=PROPOSAL_COLOUR)
        fmap.add_points(points, t("workstations.layer_proposals", lang),
                        _labels(lang, "rank", "place", "added"),
                        _labels(lang, "rank", "place", "township", "radius_m", "added",
                                "reached", "before", "after"),
                        color=PROPOSAL_COLOUR, radius=PROPOSAL_RADIUS,
                        legend_title=t("workstations.legend_proposals", lang))
    return fmap.finish()


def _add_communities(fmap: Map, lang: str, cov: Coverage, names: dict[str, str],
                     covered: bool) -> None:
    communities = data.layer("communities")
    table = cov.communities.reindex(communities["code"].astype(str))
    shown = communities.assign(
        township=communities["township_code"].astype(str).map(names),
        covered=table["covered"].to_numpy(), nearest=table["nearest_station_name"].to_numpy(),
        distance=table["nearest_distance_m"].round().astype("Int64").to_numpy())
    # Covered and uncovered are two layers: the gaps drawn larger and on top of the stations,
    # and either can be switched off. One legend explains both.
    fmap.add_points(shown[shown["covered"] == covered],
                    t(f"workstations.layer_{'covered' if covered else 'uncovered'}", lang),
                    _labels(lang, "name", "township", "minority_population", "covered"),
                    _labels(lang, "name", "township", "kind", "key_community", "population",
                            "minority_population", "covered", "nearest", "distance"),
                    color=maps.GOOD if covered else maps.BAD,
                    radius=COMMUNITY_RADIUS if covered else UNCOVERED_RADIUS)
    if not covered:
        fmap.add_legend(t("workstations.legend_communities", lang),
                        [(t("workstations.covered", lang), maps.GOOD),
                         (t("workstations.uncovered", lang), maps.BAD)], shape="circle")


# Columns whose catalog key is not simply workstations.col_<column>.
LABELS = {"key_community": "col_key", "minority_population": "col_minority"}


def _labels(lang: str, *columns: str) -> dict[str, str]:
    # One label per column, shared by popups, tables and Excel headers.
    return {c: t(f"workstations.{LABELS.get(c, 'col_' + c)}", lang) for c in columns}


def _yes_no(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    # Yes/no columns read as words in both the table and the Excel file, not TRUE/FALSE.
    words = {True: t("workstations.yes", lang), False: t("workstations.no", lang)}
    return frame.assign(**{c: frame[c].map(words) for c in frame.columns
                           if frame[c].dtype == bool})


def _table(lang: str, frame: pd.DataFrame, columns: list[str], file_name: str) -> None:
    st.dataframe(_yes_no(frame[columns], lang).rename(columns=_labels(lang, *columns)),
                 hide_index=True, height=(min(len(frame), MAX_ROWS) + 1) * ROW_PX + BORDER_PX)
    downloads.excel_button(_yes_no(frame[columns], EXCEL_LANG), _labels(EXCEL_LANG, *columns),
                           file_name, lang)


def _tables(lang: str, f: filters.Filters, towns: pd.DataFrame) -> None:
    cov, names = data.coverage(), data.township_names()
    st.subheader(t("workstations.uncovered_heading", lang))
    uncovered = f.township_rows(cov.communities[~cov.communities["covered"]])
    if uncovered.empty:
        st.success(t("workstations.all_covered", lang))
    else:
        uncovered = uncovered.sort_values("minority_population", ascending=False).assign(
            township=uncovered["township_code"].map(names),
            nearest=uncovered["nearest_station_name"],
            distance=uncovered["nearest_distance_m"].round().astype("Int64"))
        _table(lang, uncovered, ["name", "township", "kind", "key_community", "population",
                                 "minority_population", "nearest", "distance"],
               "tongxin-uncovered-communities.xlsx")
    st.subheader(t("workstations.townships_heading", lang))
    shown = towns.assign(community_rate=(towns["community_rate"] * PERCENT).round(1),
                         minority_rate=(towns["minority_rate"] * PERCENT).round(1),
                         minority_covered=towns["minority_covered"].round().astype(int))
    _table(lang, shown, ["name", "has_station", "stations", "communities",
                         "communities_covered", "community_rate", "minority_population",
                         "minority_covered", "minority_rate", "venues", "venues_covered"],
           "tongxin-township-coverage.xlsx")


def _proposals(lang: str, f: filters.Filters, proposal: SitingProposal, k: int) -> None:
    st.subheader(t("workstations.proposals_heading", lang))
    shown = f.township_rows(proposal_table(proposal))
    if k == K_MIN:
        st.info(t("workstations.siting_zero", lang))
    elif not proposal.uncovered_before:
        st.success(t("workstations.siting_not_needed", lang))
    elif shown.empty:
        st.info(t("common.empty", lang))
    else:
        _table(lang, shown, ["rank", "place", "township", "radius_m", "added", "reached",
                             "before", "after"], "tongxin-siting-proposals.xlsx")
    st.caption(t("workstations.siting_ranked", lang))


def render() -> None:
    """Draw the work station coverage page: KPIs, the siting controls, the map and the lists."""
    lang = current_lang()
    f = filters.current()
    st.header(t("workstations.heading", lang))
    filters.say_filtered(f, lang)
    with st.spinner(t("common.computing", lang)):
        towns = f.township_rows(data.coverage().townships.reset_index(), "code")
    if towns.empty:
        st.info(t("common.empty", lang))
        return
    st.caption(t("workstations.intro", lang))
    _kpis(lang, f, towns)
    st.subheader(t("workstations.siting_heading", lang))
    kinds = list(district_config().station_kinds)
    left, middle, right = st.columns([1, 2, 3])
    k = left.number_input(t("workstations.siting_k", lang), min_value=K_MIN, max_value=K_MAX,
                          value=K_DEFAULT, step=1, key="ws_k")
    kind = middle.selectbox(t("workstations.siting_kind", lang), kinds, key="ws_kind",
                            index=kinds.index(district_config().default_proposal_kind))
    right.caption(t("workstations.siting_help", lang))
    with st.spinner(t("common.computing", lang)):
        proposal = data.siting(int(k), kind)
        fmap = build_map(lang, f, k=int(k), proposal_kind=kind)
    if len(proposal.proposals):
        st.write(t("workstations.siting_summary", lang, n=len(proposal.proposals), kind=kind,
                   before=f"{proposal.uncovered_before:,.0f}",
                   after=f"{proposal.uncovered_after:,.0f}"))
    filters.select_township(fmap.show(key="workstations_map", height=MAP_HEIGHT))
    st.caption(t("workstations.map_caption", lang))
    fmap.download("tongxin-workstations.html")
    _tables(lang, f, towns)
    _proposals(lang, f, proposal, int(k))


# Run as a page (Streamlit executes it as __main__); importing it (tests) only defines it.
if __name__ == "__main__":
    render()
