"""The 民族工作站 coverage page: who lies within a station's reach, and where to add stations."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.siting import SitingProposal
from cartography.compose import PERCENT, coverage_map, station_labels
from core.district import district_config
from core.i18n import t
from ui import data, downloads, filters, maps, missing
from ui.map_object import Map
from ui.sidebar import current_lang

# Siting: an office weighs a handful of new stations at a time; 20 is more than a district
# builds in years, and 3 is a plausible year's budget.
K_MIN, K_MAX, K_DEFAULT = 0, 20, 3
PROPOSAL_COLOUR = maps.PALETTE[7]  # black: stands apart from every existing station
# Proposals' marker size (px): larger than any station or community, so they are found first.
PROPOSAL_RADIUS = 11
MAP_HEIGHT = 680  # four legends stack in the corner; the default height crowds them
# Tables show up to a whole district's 15 townships without an inner scroll bar.
MAX_ROWS, ROW_PX, BORDER_PX = 20, 35, 3  # st.dataframe's row height and frame border
# Excel headers stay Chinese in either language: the files go into Chinese reports and ledgers.
EXCEL_LANG = "zh"


def _rate(part: float, whole: float) -> str:
    # A district (or filter) with nothing recorded to cover has no rate: a dash, not 100 %.
    return f"{part / whole:.1%}" if whole else "—"


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
                   _rate(towns["communities_covered"].sum(), towns["communities"].sum()))
    cols[2].metric(t("workstations.minority_rate", lang), _rate(covered, minority))
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
    towns = data.map_layer("townships")
    fmap = coverage_map(Map.for_district(data.map_layer("district"), f.basemap, lang), lang,
                        data.coverage(), towns, data.layer("workstations"),
                        data.layer("communities"), f.townships, demo=data.is_demo())
    props = proposal_table(proposal)
    if len(props):
        points = gpd.GeoDataFrame(props, geometry="geometry", crs=proposal.proposals.crs)
        fmap.add_service_areas(points, points["radius_m"].to_numpy(),
                               t("workstations.layer_proposal_areas", lang),
                               color=PROPOSAL_COLOUR)
        fmap.add_points(points, t("workstations.layer_proposals", lang),
                        station_labels(lang, "rank", "place", "added"),
                        station_labels(lang, "rank", "place", "township", "radius_m",
                                       "added", "reached", "before", "after"),
                        color=PROPOSAL_COLOUR, radius=PROPOSAL_RADIUS,
                        legend_title=t("workstations.legend_proposals", lang))
    return fmap.finish(places=data.places(lang))


def _yes_no(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    # Yes/no columns read as words in both the table and the Excel file, not TRUE/FALSE.
    words = {True: t("workstations.yes", lang), False: t("workstations.no", lang)}
    return frame.assign(**{c: frame[c].map(words) for c in frame.columns
                           if frame[c].dtype == bool})


def _table(lang: str, frame: pd.DataFrame, columns: list[str], file_name: str) -> None:
    st.dataframe(_yes_no(frame[columns], lang).rename(columns=station_labels(lang, *columns)),
                 hide_index=True, height=(min(len(frame), MAX_ROWS) + 1) * ROW_PX + BORDER_PX)
    downloads.excel_button(_yes_no(frame[columns], EXCEL_LANG),
                           station_labels(EXCEL_LANG, *columns),
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
    missing.township_notice(lang)
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
    downloads.map_buttons(fmap, "tongxin-workstations", t("workstations.heading", lang), lang)
    _tables(lang, f, towns)
    _proposals(lang, f, proposal, int(k))


# Run as a page (Streamlit executes it as __main__); importing it (tests) only defines it.
if __name__ == "__main__":
    render()
