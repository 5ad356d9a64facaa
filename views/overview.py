"""The overview page: the district at a glance on its map."""

from __future__ import annotations

import pyproj
import streamlit as st
from streamlit_folium import st_folium

from core import settings
from core.i18n import t
from ui import data
from ui.maps import township_map
from ui.sidebar import current_lang

MAP_HEIGHT = 620


def _area_km2() -> float:
    # Area in the projected metric CRS, never in degrees.
    metric = pyproj.CRS(settings.get("metric_crs"))
    return float(data.district().to_crs(metric).area.sum() / 1e6)


def render() -> None:
    """Draw the overview page."""
    lang = current_lang()
    conf = settings.district()
    st.header(t("overview.heading", lang, district=conf.name))
    stations = data.layer("workstations")
    counts = [
        ("overview.townships", len(data.layer("townships"))),
        ("overview.communities", len(data.layer("communities"))),
        ("overview.sites", len(data.layer("religious_sites"))),
        ("overview.stations", int((stations["kind"] == conf.station_kinds[0]).sum())),
        ("overview.area", f"{_area_km2():.2f}"),
    ]
    for column, (key, value) in zip(st.columns(len(counts)), counts, strict=True):
        column.metric(t(key, lang), value)
    fmap = township_map(data.district(), data.layer("townships"), lang, demo=data.is_demo())
    # returned_objects=[]: panning and zooming must not rerun the script.
    st_folium(fmap, height=MAP_HEIGHT, use_container_width=True, returned_objects=[],
              key="overview_map")
    st.caption(t("overview.map_caption", lang))


render()
