"""The operations a :class:`cartography.sketch.Sketch` records: small frozen values.

Each holds what a drawer needs and nothing of how it draws: rows in EPSG:4326, colours,
widths in screen pixels, radii in metres, and the legend recorded with the layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np

from cartography.style import TOWNSHIP_STYLE


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: a swatch of ``color`` and its ``label``."""

    label: str
    color: str


@dataclass(frozen=True)
class Legend:
    """A legend: a title over one swatch per entry.

    Attributes
    ----------
    title : str
        Shown above the entries.
    entries : tuple of LegendEntry
        In the order shown.
    shape : str
        ``"square"`` (areas) or ``"circle"`` (points).
    """

    title: str
    entries: tuple[LegendEntry, ...]
    shape: str = "square"

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """Return the entries as ``(label, colour)``, the form folium's legend takes."""
        return [(entry.label, entry.color) for entry in self.entries]


@dataclass(frozen=True, eq=False)
class Polygons:
    """Township polygons with a fill, an outline colour and an outline width each.

    Attributes
    ----------
    name : str
        Layer name.
    frame : geopandas.GeoDataFrame
        The rows as given (EPSG:4326), for tooltips.
    codes : tuple of str
        Each row's township code.
    fills, edges : tuple of str
        Fill and outline colour per row.
    widths : tuple of float
        Outline width per row, in screen pixels (as Leaflet's ``weight``).
    fill_opacity : float
        Opacity of every fill.
    labels : tuple of str or None
        The name to write on each polygon in a picture; None for no names.
    fields : dict
        ``{column: label}`` for the tooltip.
    legend : Legend or None
        The legend recorded with the layer.
    show : bool
        Whether the layer is drawn (a hidden layer is only offered in the layer control).
    """

    name: str
    frame: gpd.GeoDataFrame
    codes: tuple[str, ...]
    fills: tuple[str, ...]
    edges: tuple[str, ...]
    widths: tuple[float, ...]
    fill_opacity: float
    labels: tuple[str, ...] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    legend: Legend | None = None
    show: bool = True

    @property
    def geometry(self) -> gpd.GeoSeries:
        """Return the polygons (EPSG:4326)."""
        return self.frame.geometry

    def styles(self) -> list[dict[str, Any]]:
        """Return each polygon's Leaflet path style (``color``, ``weight``, ``fillColor`` ...)."""
        return [{**TOWNSHIP_STYLE, "fillColor": fill, "weight": width, "color": edge,
                 "fillOpacity": self.fill_opacity}
                for fill, edge, width in zip(self.fills, self.edges, self.widths, strict=True)]


@dataclass(frozen=True, eq=False)
class Points:
    """Points drawn as filled circles of ``radius`` screen pixels with a white rim.

    Attributes
    ----------
    name : str
        Layer name.
    frame : geopandas.GeoDataFrame
        The rows with a point (EPSG:4326), for tooltips and popups.
    fills : tuple of str
        Fill colour per row.
    radius : float
        Radius in screen pixels.
    tooltip, popup : dict
        ``{column: label}`` for hover and click.
    legend : Legend or None
        The legend recorded with the layer.
    show : bool
        Whether the layer is drawn.
    """

    name: str
    frame: gpd.GeoDataFrame
    fills: tuple[str, ...]
    radius: float
    tooltip: dict[str, str] = field(default_factory=dict)
    popup: dict[str, str] = field(default_factory=dict)
    legend: Legend | None = None
    show: bool = True

    @property
    def geometry(self) -> gpd.GeoSeries:
        """Return the points (EPSG:4326)."""
        return self.frame.geometry


@dataclass(frozen=True, eq=False)
class Circles:
    """Circles of a true radius on the ground: service areas.

    Attributes
    ----------
    name : str
        Layer name.
    centres : geopandas.GeoSeries
        Points (EPSG:4326).
    radii : numpy.ndarray
        Radius per centre, in metres (all positive).
    color : str
        Outline colour; the fill is the same colour, faint.
    show : bool
        Whether the layer is drawn.
    """

    name: str
    centres: gpd.GeoSeries
    radii: np.ndarray
    color: str
    show: bool = True


@dataclass(frozen=True, eq=False)
class Heat:
    """Point density: where points crowd, warm; where there are none, nothing.

    Attributes
    ----------
    name : str
        Layer name.
    points : geopandas.GeoSeries
        Points (EPSG:4326).
    show : bool
        Whether the layer is drawn.
    """

    name: str
    points: gpd.GeoSeries
    show: bool = True


Layer = Polygons | Points | Circles | Heat
