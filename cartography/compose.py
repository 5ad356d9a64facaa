"""The maps a page shows and the report prints, composed once for any canvas.

A canvas is the dashboard's folium map (:class:`ui.map_object.Map`) or a :class:`Sketch`
drawn on the server (:func:`cartography.picture.render_png`): both take the same ``add_*``
calls. The "ten enters" page and the report's activity picture both come from
:func:`activity_map`, the stations page and the report's coverage picture from
:func:`coverage_map`, so a picture in the report is the page's map on paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import cycle
from typing import Any, Protocol, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.activity import ActivitySummary, Period
from analysis.coverage import Coverage, station_radii
from analysis.township_list import with_polygons
from cartography.style import BAD, GOOD, NEUTRAL, PALETTE
from core.district import district_config
from core.i18n import t

# -- "ten enters" ------------------------------------------------------------------------
# Leaflet.heat's default gradient (blue -> lime -> red), as the heat legend shows it.
HEAT_COLOURS = ("#0000ff", "#00ff00", "#ff0000")
POINT_RADIUS = 5
# Points in reddish purple: apart from the blue choropleth and the heat's blue-lime-red.
POINT_COLOUR = PALETTE[3]
TOOLTIP_COLUMNS = ("title", "date", "category")
POPUP_COLUMNS = (*TOOLTIP_COLUMNS, "place", "participants", "organiser")
# Ten categories but eight Okabe-Ito colours: grey and a dark brown stay apart from all eight.
CATEGORY_COLOURS = (*PALETTE, NEUTRAL, "#8C510A")

# -- stations ----------------------------------------------------------------------------
# Station kinds in district.toml order: none is the green or red of covered/uncovered communities.
KIND_COLOURS = (PALETTE[0], PALETTE[1], PALETTE[3], PALETTE[4])
# Marker sizes (px): covered communities under stations, the gaps over them.
COMMUNITY_RADIUS, STATION_RADIUS, UNCOVERED_RADIUS = 5, 7, 8
PERCENT = 100
# Coverage popup columns whose catalog key is not simply workstations.col_<column>.
LABELS = {"key_community": "col_key", "minority_population": "col_minority"}


class Canvas(Protocol):
    """What a map composition draws on: a folium ``Map`` or a ``Sketch``."""

    def add_townships(self, townships: gpd.GeoDataFrame, fields: Mapping[str, str],
                      values: pd.Series | None = ..., legend_title: str | None = ...,
                      name: str | None = ..., selected: Sequence[str] = ...) -> Any:
        """Add township polygons."""

    def add_points(self, points: gpd.GeoDataFrame, name: str, tooltip: Mapping[str, str],
                   popup: Mapping[str, str] | None = ..., color_by: str | None = ...,
                   colors: Mapping[Any, str] | None = ..., color: str = ...,
                   radius: float = ..., legend_title: str | None = ...,
                   labels: Mapping[Any, str] | None = ..., show: bool = ...) -> Any:
        """Add points."""

    def add_service_areas(self, stations: gpd.GeoDataFrame, radii: np.ndarray, name: str,
                          color: str = ..., show: bool = ...) -> Any:
        """Add service-area circles (radii in metres)."""

    def add_heat(self, points: gpd.GeoDataFrame, name: str, show: bool = ...) -> Any:
        """Add a heat layer."""

    def add_legend(self, title: str, entries: Sequence[tuple[str, str]],
                   shape: str = ...) -> Any:
        """Add a legend."""


C = TypeVar("C", bound=Canvas)


def activity_points(activities: gpd.GeoDataFrame, summary: ActivitySummary, period: Period,
                    townships: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """Return the activities ``summary`` counts, with ``township_name``.

    Parameters
    ----------
    activities : geopandas.GeoDataFrame
        The activities layer.
    summary : ActivitySummary
        The summary of the period, categories and townships chosen.
    period : Period
        Its period.
    townships : sequence of str
        The township codes chosen (empty: all).

    Returns
    -------
    geopandas.GeoDataFrame
        Those rows (with or without a place), ``township_name`` added.
    """
    rows = activities
    if townships:
        rows = rows[rows["township_code"].astype(str).isin(townships)]
    rows = rows[rows["category"].isin(summary.categories).to_numpy()
                & period.contains(rows["date"]).to_numpy()].copy()
    names = dict(zip(summary.townships.index, summary.townships["name"], strict=True))
    rows["township_name"] = rows["township_code"].astype(str).map(names)
    return rows


def activity_map(canvas: C, lang: str, summary: ActivitySummary, points: gpd.GeoDataFrame,
                 townships: gpd.GeoDataFrame, selected: Sequence[str] = ()) -> C:
    """Draw "ten enters" activity on ``canvas``: intensity choropleth, heat, points.

    Parameters
    ----------
    canvas : Map or Sketch
        Fitted to the district already.
    lang : str
        Language of layer names and legends.
    summary : ActivitySummary
        The period's summary; its activities per 10,000 residents colour the townships.
    points : geopandas.GeoDataFrame
        The activities it counts (:func:`activity_points`); rows without a place are skipped.
    townships : geopandas.GeoDataFrame
        Township polygons as drawn; rows without one are skipped, and without any there is
        no choropleth (nor its legend).
    selected : sequence of str
        Township codes outlined (the filter).

    Returns
    -------
    Map or Sketch
        ``canvas``.
    """
    townships = with_polygons(townships)
    if len(townships):
        stats = summary.townships[["activities", "per_10k_residents", "categories_reached"]]
        shown = townships.merge(stats, left_on="code", right_index=True, how="left")
        canvas.add_townships(
            shown, {"name": t("activities.col.township", lang),
                    "activities": t("activities.col.activities", lang),
                    "per_10k_residents": t("activities.col.per_10k", lang),
                    "categories_reached": t("activities.col.categories_reached", lang)},
            values=summary.townships["per_10k_residents"], selected=selected,
            legend_title=t("activities.legend.intensity", lang),
            name=t("activities.layer.intensity", lang))
    placed = points[points.geometry.notna() & ~points.geometry.is_empty]
    if len(placed):
        canvas.add_heat(placed, t("activities.layer.heat", lang))
        canvas.add_legend(t("activities.legend.heat", lang),
                          list(zip([t(f"activities.heat.{k}", lang)
                                    for k in ("low", "mid", "high")], HEAT_COLOURS,
                                   strict=True)))
        popup = {c: t(f"activities.col.{c}", lang) for c in POPUP_COLUMNS}
        popup["township_name"] = t("activities.col.township", lang)
        canvas.add_points(placed, t("activities.layer.points", lang),
                          {c: popup[c] for c in TOOLTIP_COLUMNS}, popup,
                          color=POINT_COLOUR, radius=POINT_RADIUS,
                          legend_title=t("activities.layer.points", lang))
    return canvas


def kind_colours() -> dict[str, str]:
    """Return ``{station kind: colour}`` in the district's configured order."""
    return dict(zip(district_config().station_kinds, cycle(KIND_COLOURS)))


def station_labels(lang: str, *columns: str) -> dict[str, str]:
    """Return ``{column: label}`` of the stations page (popups, tables, Excel headers)."""
    return {c: t(f"workstations.{LABELS.get(c, 'col_' + c)}", lang) for c in columns}


def coverage_map(canvas: C, lang: str, coverage: Coverage, townships: gpd.GeoDataFrame,
                 stations: gpd.GeoDataFrame, communities: gpd.GeoDataFrame,
                 selected: Sequence[str] = (), demo: bool = False) -> C:
    """Draw station coverage on ``canvas``: coverage by township, stations and communities.

    Minority coverage colours the townships; then the service areas, the covered communities,
    the stations, and the uncovered communities on top.

    Parameters
    ----------
    canvas : Map or Sketch
        Fitted to the district already.
    lang : str
        Language.
    coverage : Coverage
        :func:`analysis.coverage.station_coverage` of these layers.
    townships : geopandas.GeoDataFrame
        Township polygons as drawn; rows without one are skipped, and without any there is
        no choropleth (nor its legend).
    stations, communities : geopandas.GeoDataFrame
        The layers.
    selected : sequence of str
        Township codes outlined.
    demo : bool
        Whether the data is the demo (population labels say so).

    Returns
    -------
    Map or Sketch
        ``canvas``.
    """
    # Names and urban flags from the coverage's own township rows: they are there (from the
    # district's township list) even before the polygons are, and the circles drawn are then
    # the radii the coverage was computed with.
    towns = coverage.townships
    names = dict(zip(towns.index.astype(str), towns["name"].astype(str), strict=True))
    rates = towns["minority_rate"] * PERCENT
    _choropleth(canvas, lang, with_polygons(townships), rates, selected, demo)
    colours = kind_colours()
    radii = station_radii(stations, pd.DataFrame({"code": towns.index.astype(str),
                                                  "urban": towns["urban"].to_numpy()}))
    for kind, colour in colours.items():
        chosen = (stations["kind"] == kind).to_numpy()
        if chosen.any():
            # Only the township stations' areas start visible: all four kinds overlap into
            # a tangle in the dense urban north. The others are a tick away.
            canvas.add_service_areas(stations[chosen], radii[chosen],
                                     t("workstations.layer_areas", lang, kind=kind),
                                     color=colour,
                                     show=kind == district_config().township_station_kind)
    _communities(canvas, lang, coverage, communities, names, covered=True)
    if len(stations):  # none yet (a district just set up): no empty layer, no empty legend
        shown = stations.assign(township=stations["township_code"].astype(str).map(names),
                                radius_m=radii.round().astype(int))
        canvas.add_points(shown, t("workstations.layer_stations", lang),
                          station_labels(lang, "name", "kind"),
                          station_labels(lang, "name", "kind", "township", "address", "staff",
                                         "contact", "phone", "radius_m"),
                          color_by="kind", colors=colours, radius=STATION_RADIUS,
                          legend_title=t("workstations.legend_stations", lang))
    _communities(canvas, lang, coverage, communities, names, covered=False)
    return canvas


def _choropleth(canvas: Canvas, lang: str, townships: gpd.GeoDataFrame, rates: pd.Series,
                selected: Sequence[str], demo: bool) -> None:
    """Draw the townships coloured by minority coverage (nothing without polygons)."""
    if townships.empty:
        return
    suffix = t("map.demo_suffix", lang) if demo else ""
    canvas.add_townships(
        townships.assign(rate=townships["code"].astype(str).map(rates).round(1)),
        {"name": t("map.name", lang), "kind": t("map.kind", lang),
         "minority_population": t("map.minority_population", lang) + suffix,
         "rate": t("workstations.legend_choropleth", lang)}, values=rates,
        legend_title=t("workstations.legend_choropleth", lang),
        name=t("workstations.layer_choropleth", lang), selected=selected)


def _communities(canvas: Canvas, lang: str, coverage: Coverage, communities: gpd.GeoDataFrame,
                 names: dict[str, str], covered: bool) -> None:
    table = coverage.communities.reindex(communities["code"].astype(str))
    shown = communities.assign(
        township=communities["township_code"].astype(str).map(names),
        covered=table["covered"].to_numpy(), nearest=table["nearest_station_name"].to_numpy(),
        distance=table["nearest_distance_m"].round().astype("Int64").to_numpy())
    # Covered and uncovered are two layers: the gaps drawn larger and on top of the stations,
    # and either can be switched off (a layer with nothing in it is left out). One legend
    # explains both, when there are communities at all.
    chosen = shown[shown["covered"] == covered]
    if len(chosen):
        canvas.add_points(chosen,
                          t(f"workstations.layer_{'covered' if covered else 'uncovered'}", lang),
                          station_labels(lang, "name", "township", "minority_population",
                                         "covered"),
                          station_labels(lang, "name", "township", "kind", "key_community",
                                         "population", "minority_population", "covered",
                                         "nearest", "distance"),
                          color=GOOD if covered else BAD,
                          radius=COMMUNITY_RADIUS if covered else UNCOVERED_RADIUS)
    if not covered and len(shown):
        canvas.add_legend(t("workstations.legend_communities", lang),
                          [(t("workstations.covered", lang), GOOD),
                           (t("workstations.uncovered", lang), BAD)], shape="circle")
