"""Folium maps that draw with no internet: vendored Leaflet, no tiles unless configured."""

from __future__ import annotations

import folium
import geopandas as gpd

from core.i18n import t

# Served by Streamlit's static file serving from static/vendor (see static/vendor/README.md).
STATIC_ROOT = "/app/static/vendor"
LOCAL_JS = [("leaflet", f"{STATIC_ROOT}/leaflet/leaflet.js")]
LOCAL_CSS = [("leaflet_css", f"{STATIC_ROOT}/leaflet/leaflet.css")]
# Outlines are the map when there are no tiles, so they are drawn strong and in two tones.
DISTRICT_STYLE = {"color": "#1f3b73", "weight": 3, "fill": False}
TOWNSHIP_STYLE = {"color": "#4a6fa5", "weight": 1.5, "fillColor": "#dce6f2", "fillOpacity": 0.55}
URBAN_FILL = "#f6d8ae"
MAX_ZOOM = 18


def base_map(district: gpd.GeoDataFrame) -> folium.Map:
    """Return an empty map fitted to the district, using only locally served scripts.

    Parameters
    ----------
    district : geopandas.GeoDataFrame
        The district boundary (EPSG:4326).

    Returns
    -------
    folium.Map
        A map with no tiles (the outlines are the map) and a scale bar.
    """
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, max_zoom=MAX_ZOOM,
                      zoom_control=True)
    # Instance attributes shadow folium's CDN defaults; streamlit-folium reads these too.
    fmap.default_js = LOCAL_JS
    fmap.default_css = LOCAL_CSS
    minx, miny, maxx, maxy = district.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    return fmap


def township_map(district: gpd.GeoDataFrame, townships: gpd.GeoDataFrame,
                 lang: str | None = None, demo: bool = False) -> folium.Map:
    """Return the district outline and its townships, with names on hover.

    Parameters
    ----------
    district : geopandas.GeoDataFrame
        The district boundary.
    townships : geopandas.GeoDataFrame
        Township polygons with ``name``, ``kind``, ``population`` and ``minority_population``.
    lang : str, optional
        Language of the labels.
    demo : bool
        Whether the figures are made up; their labels then say so (示例).

    Returns
    -------
    folium.Map
        The map.
    """
    fmap = base_map(district)
    shown = townships[["name", "kind", "urban", "population", "minority_population",
                       "geometry"]].copy()
    shown["population"] = shown["population"].astype("Int64").astype(str)
    shown["minority_population"] = shown["minority_population"].astype("Int64").astype(str)
    shown["urban"] = shown["urban"].astype(bool)
    folium.GeoJson(
        shown.to_json(drop_id=True),
        name=t("map.townships", lang),
        style_function=lambda f: {**TOWNSHIP_STYLE, "fillColor": URBAN_FILL
                                  if f["properties"]["urban"] else TOWNSHIP_STYLE["fillColor"]},
        highlight_function=lambda f: {"weight": 3, "color": "#c0392b"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "kind", "population", "minority_population"],
            aliases=[t("map.name", lang), t("map.kind", lang),
                     t("map.population", lang) + (t("map.demo_suffix", lang) if demo else ""),
                     t("map.minority_population", lang)
                     + (t("map.demo_suffix", lang) if demo else "")]),
    ).add_to(fmap)
    folium.GeoJson(district.to_json(drop_id=True), name=t("map.district", lang),
                   style_function=lambda f: DISTRICT_STYLE, interactive=False).add_to(fmap)
    return fmap
