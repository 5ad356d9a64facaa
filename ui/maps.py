"""The dashboard map's choices: basemaps, zoom, clustering and hexagon sizes (pure).

The looks every map shares (palettes, styles, township fills and classes) live in
:mod:`cartography.style` and are re-exported here for the dashboard's modules. The map itself,
with its layers and legends, is :class:`ui.map_object.Map`.
"""

from __future__ import annotations

from cartography.style import (
    BAD,
    DISTRICT_STYLE,
    GOOD,
    NEUTRAL,
    PALETTE,
    SELECTED_COLOR,
    SEQUENTIAL,
    TOWNSHIP_STYLE,
    URBAN_FILL,
    _class_label,
    classify,
    to_gcj02,
    township_fills,
)
from core import settings

__all__ = [
    "BAD", "CLUSTER_ABOVE", "DISTRICT_STYLE", "GOOD", "HEX_PX", "MAP_HEIGHT", "MAX_ZOOM",
    "NEUTRAL", "PALETTE", "SELECTED_COLOR", "SEQUENTIAL", "TOWNSHIP_STYLE", "URBAN_FILL",
    "_class_label", "_fills", "basemap_options", "classify", "to_gcj02", "township_fills",
]

# The name ui.map_object and older tests know township_fills by.
_fills = township_fills

MAX_ZOOM = 18
# Beyond this many points a layer is clustered; below it each point is its own circle.
CLUSTER_ABOVE = 400
MAP_HEIGHT = 560
# Above map_points_max a layer is drawn as hexagons this many pixels across (at the district's
# extent): about a finger's width on a desk screen, a few hundred on the whole map.
HEX_PX = 16


def basemap_options() -> list[str]:
    """Return the basemaps this deployment can offer (no tiles is always first)."""
    options = ["none", "osm"]
    if settings.get("tianditu_key"):
        options.append("tianditu")
    if settings.get("tile_url"):
        options.append("intranet")
    return options
