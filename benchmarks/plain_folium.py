"""The baseline: each page's map as a newcomer writes it with folium, for the scale benchmark.

Full-precision geometry straight from the file, one ``folium.Marker`` per point, one
``folium.Circle`` per service area, every layer read again on every run (no caching), the
same rows the dashboard's page shows. Only what the comparison must hold equal is changed:
no tiles (none load here, and tiles are not what is measured) and the same vendored Leaflet,
so both maps load the same scripts.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.coverage import station_radii
from ui.filters import LAST_12, _period


def _read(path: Path, layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(path, layer=layer)


def _map(path: Path) -> folium.Map:
    district = _read(path, "district")
    minx, miny, maxx, maxy = district.total_bounds
    fmap = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=10, tiles=None)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(district, name="district").add_to(fmap)
    return fmap


def _townships(fmap: folium.Map, path: Path) -> None:
    towns = _read(path, "townships")
    folium.GeoJson(towns[["name", "kind", "population", "minority_population", "geometry"]],
                   name="townships",
                   tooltip=folium.GeoJsonTooltip(["name", "kind", "population"])).add_to(fmap)


def _markers(fmap: folium.Map, frame: gpd.GeoDataFrame, tooltip: str, popup: list[str]) -> None:
    group = folium.FeatureGroup(name=tooltip)
    for _, row in frame[frame.geometry.notna()].iterrows():
        folium.Marker([row.geometry.y, row.geometry.x], tooltip=str(row[tooltip]),
                      popup="<br>".join(str(row[c]) for c in popup)).add_to(group)
    group.add_to(fmap)


def overview(path: Path) -> folium.Map:
    """Townships and the ethnic work stations."""
    fmap = _map(path)
    _townships(fmap, path)
    stations = _read(path, "workstations")
    _markers(fmap, stations[stations["kind"] == stations["kind"].iloc[0]], "name",
             ["name", "kind", "address"])
    return fmap


def workstations(path: Path) -> folium.Map:
    """Townships, every station's service area, stations and communities."""
    fmap = _map(path)
    _townships(fmap, path)
    stations, towns = _read(path, "workstations"), _read(path, "townships")
    for (_, row), radius in zip(stations.iterrows(), station_radii(stations, towns),
                                strict=True):
        folium.Circle([row.geometry.y, row.geometry.x], radius=float(radius),
                      fill=True).add_to(fmap)
    _markers(fmap, stations, "name", ["name", "kind", "address", "staff", "phone"])
    _markers(fmap, _read(path, "communities"), "name", ["name", "kind", "population"])
    return fmap


def activities(path: Path) -> folium.Map:
    """Townships and the activities of the default period (the last twelve months)."""
    fmap = _map(path)
    _townships(fmap, path)
    acts = _read(path, "activities")
    period = _period(LAST_12, None)
    acts = acts[period.contains(pd.to_datetime(acts["date"]))]
    _markers(fmap, acts, "title", ["title", "category", "date", "place", "participants"])
    return fmap


def units(path: Path) -> folium.Map:
    """Townships and the stationed units."""
    fmap = _map(path)
    _townships(fmap, path)
    _markers(fmap, _read(path, "units"), "name", ["name", "category", "liaison"])
    return fmap


def sites(path: Path) -> folium.Map:
    """Townships and the religious venues."""
    fmap = _map(path)
    _townships(fmap, path)
    _markers(fmap, _read(path, "religious_sites"), "name", ["name", "religion", "address"])
    return fmap


def scorecard(path: Path) -> folium.Map:
    """The townships as a choropleth (here plain outlines, as the newcomer's first cut)."""
    fmap = _map(path)
    _townships(fmap, path)
    return fmap


PAGES: dict[str, Callable[[Path], folium.Map]] = {
    "": overview, "workstations": workstations, "activities": activities, "units": units,
    "sites": sites, "scorecard": scorecard}
"""Each map page's url path and its plain-folium map."""
