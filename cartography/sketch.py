"""A map described independent of how it is drawn: its layers, their fills and its legends.

A :class:`Sketch` is what the dashboard's folium map (:class:`ui.map_object.Map`) and the
server's pictures (:func:`cartography.picture.render_png`) both draw, so that a page's map and
the same map in a report agree: each ``add_*`` method computes the fills, outlines and legend
entries once and records them as a small frozen operation (:class:`Polygons`, :class:`Points`,
:class:`Circles`, :class:`Heat`, :class:`Legend`). Everything is in EPSG:4326, as stored; a
drawer projects or shifts it (GCJ-02 tiles, the metric CRS of a picture) itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from cartography.ops import Circles, Heat, Layer, Legend, LegendEntry, Points, Polygons
from cartography.style import (
    NEUTRAL,
    PALETTE,
    SELECTED_COLOR,
    SELECTED_WEIGHT,
    TOWNSHIP_STYLE,
    URBAN_FILL,
    township_fills,
)
from core.i18n import t

__all__ = ["Circles", "Heat", "Layer", "Legend", "LegendEntry", "Points", "Polygons", "Sketch"]

WGS84 = "EPSG:4326"
Extent = tuple[float, float, float, float]


@dataclass(eq=False)
class Sketch:
    """A map: the district, its layers in drawing order, its legends and the extent shown.

    Make one with :meth:`for_district`, then add layers; draw it with
    :func:`cartography.picture.render_png` (or the dashboard's folium map).

    Attributes
    ----------
    district : geopandas.GeoDataFrame
        The district boundary (EPSG:4326), drawn strong.
    lang : str or None
        Language of layer names and legends (``None``: the default language).
    extent : tuple of float
        ``(minx, miny, maxx, maxy)`` in EPSG:4326: what the map shows.
    layers : list
        :class:`Polygons`, :class:`Points`, :class:`Circles` and :class:`Heat`, first drawn
        first; hidden ones (``show=False``) included.
    legends : list of Legend
        Every legend recorded, first first.
    """

    district: gpd.GeoDataFrame
    lang: str | None = None
    extent: Extent = (math.nan, math.nan, math.nan, math.nan)
    layers: list[Layer] = field(default_factory=list)
    legends: list[Legend] = field(default_factory=list)

    @classmethod
    def for_district(cls, district: gpd.GeoDataFrame, lang: str | None = None) -> Sketch:
        """Return an empty map of ``district``, showing the whole district.

        Parameters
        ----------
        district : geopandas.GeoDataFrame
            The district boundary, EPSG:4326 (another CRS is converted to it).
        lang : str, optional
            Language of layer names and legends.

        Returns
        -------
        Sketch
            The map, its extent the district's bounds.
        """
        district = _wgs84(district)
        made = cls(district, lang)
        made.fit(district)
        return made

    def fit(self, frame: gpd.GeoDataFrame) -> None:
        """Show ``frame``'s extent (EPSG:4326); a frame with no geometry changes nothing.

        Parameters
        ----------
        frame : geopandas.GeoDataFrame
            What to show.
        """
        present = _placed(_wgs84(frame))
        if len(present):
            minx, miny, maxx, maxy = (float(v) for v in present.total_bounds)
            self.extent = (minx, miny, maxx, maxy)

    @property
    def visible_layers(self) -> list[Layer]:
        """Return the layers drawn (``show=True``), first drawn first."""
        return [layer for layer in self.layers if layer.show]

    @property
    def visible_legends(self) -> list[Legend]:
        """Return the legends to show: all but those recorded with a hidden layer."""
        hidden = {id(layer.legend) for layer in self.layers
                  if isinstance(layer, Polygons | Points) and not layer.show and layer.legend}
        return [legend for legend in self.legends if id(legend) not in hidden]

    def add_townships(self, townships: gpd.GeoDataFrame, fields: Mapping[str, str] | None = None,
                      values: pd.Series | None = None, legend_title: str | None = None,
                      name: str | None = None, selected: Sequence[str] = (),
                      label_column: str | None = "name") -> Polygons:
        """Add township polygons: a choropleth of ``values``, or urban/rural fills.

        Parameters
        ----------
        townships : geopandas.GeoDataFrame
            Township polygons (EPSG:4326) with ``code`` (and ``urban`` without ``values``).
        fields : mapping, optional
            ``{column: label}`` for the tooltip.
        values : pandas.Series, optional
            A number per township code: five quantile classes of blues
            (:func:`cartography.style.classify`) with a legend titled ``legend_title``.
            Without it, streets (urban) and towns are told apart, with their legend.
        legend_title : str, optional
            The choropleth legend's title.
        name : str, optional
            Layer name (default: townships, in ``lang``).
        selected : sequence of str
            Township codes outlined strong in red (the filter).
        label_column : str or None
            Column written on each polygon in a picture; None (or a missing column) for none.

        Returns
        -------
        Polygons
            The layer, also appended to :attr:`layers`; its legend is in :attr:`legends`.
        """
        lang = self.lang
        townships = _wgs84(townships)
        fills, classes = township_fills(townships, values)
        codes = townships["code"].astype(str).tolist()
        chosen = set(selected)
        if classes:
            legend = self.add_legend(legend_title or "", classes)
        else:
            legend = self.add_legend(t("map.townships", lang),
                                     [(t("map.urban", lang), URBAN_FILL),
                                      (t("map.rural", lang), str(TOWNSHIP_STYLE["fillColor"]))])
        labels = None
        if label_column and label_column in townships:
            labels = tuple("" if pd.isna(v) else str(v) for v in townships[label_column])
        layer = Polygons(
            name=name or t("map.townships", lang), frame=townships, codes=tuple(codes),
            fills=tuple(fills),
            edges=tuple(SELECTED_COLOR if c in chosen else str(TOWNSHIP_STYLE["color"])
                        for c in codes),
            widths=tuple(SELECTED_WEIGHT if c in chosen else float(TOWNSHIP_STYLE["weight"])
                         for c in codes),
            fill_opacity=float(TOWNSHIP_STYLE["fillOpacity"]), labels=labels,
            fields=dict(fields or {}), legend=legend)
        self.layers.append(layer)
        return layer

    def add_points(self, points: gpd.GeoDataFrame, name: str,
                   tooltip: Mapping[str, str] | None = None,
                   popup: Mapping[str, str] | None = None, color_by: str | None = None,
                   colors: Mapping[Any, str] | None = None, color: str = PALETTE[0],
                   radius: float = 6, legend_title: str | None = None,
                   labels: Mapping[Any, str] | None = None, show: bool = True) -> Points:
        """Add points as circles coloured by a column, with a legend.

        Parameters
        ----------
        points : geopandas.GeoDataFrame
            Rows with point geometry (EPSG:4326); rows without, or empty, are left out.
        name : str
            Layer name.
        tooltip, popup : mapping, optional
            ``{column: label}`` for hover and click.
        color_by : str, optional
            Column whose value picks the colour from ``colors`` (grey when not in it).
        colors : mapping, optional
            ``{value: colour}``.
        color : str
            Colour when not coloured by a column.
        radius : float
            Radius in screen pixels.
        legend_title : str, optional
            Title of the legend: one entry per colour of a value present (or, without
            ``colors``, one entry for the layer); no legend when omitted.
        labels : mapping, optional
            ``{value: label}`` for the legend entries.
        show : bool
            Whether the layer is drawn.

        Returns
        -------
        Points
            The layer, also appended to :attr:`layers`.
        """
        placed = _placed(_wgs84(points))
        fills = [(colors or {}).get(v, NEUTRAL) for v in placed[color_by]] if color_by \
            else [color] * len(placed)
        legend = None
        if legend_title and colors:
            present = set(placed[color_by]) if color_by else set(colors)
            entries = [((labels or {}).get(v, str(v)), c) for v, c in colors.items()
                       if v in present]
            legend = self.add_legend(legend_title, entries, shape="circle")
        elif legend_title:
            legend = self.add_legend(legend_title, [(name, color)], shape="circle")
        layer = Points(name, placed, tuple(fills), float(radius), dict(tooltip or {}),
                       dict(popup or {}), legend, show)
        self.layers.append(layer)
        return layer

    def add_service_areas(self, stations: gpd.GeoDataFrame, radii: np.ndarray | Sequence[float],
                          name: str, color: str = PALETTE[2], show: bool = True) -> Circles:
        """Add each station's service area: a circle of its radius in metres.

        Parameters
        ----------
        stations : geopandas.GeoDataFrame
            Station points (EPSG:4326).
        radii : array-like
            Radius per station in metres; stations without a point, or with no positive
            radius, are left out.
        name : str
            Layer name.
        color : str
            Circle colour.
        show : bool
            Whether the layer is drawn.

        Returns
        -------
        Circles
            The layer, also appended to :attr:`layers`.
        """
        centres = _wgs84(stations).geometry.to_numpy(dtype=object)
        sizes = np.asarray(radii, dtype=float)
        drawn = shapely.is_geometry(centres) & ~shapely.is_empty(centres) & (sizes > 0)
        layer = Circles(name, gpd.GeoSeries(centres[drawn], crs=WGS84), sizes[drawn], color,
                        show)
        self.layers.append(layer)
        return layer

    def add_heat(self, points: gpd.GeoDataFrame, name: str, show: bool = True) -> Heat:
        """Add the density of ``points`` (rows without a point left out).

        Parameters
        ----------
        points : geopandas.GeoDataFrame
            Points (EPSG:4326).
        name : str
            Layer name.
        show : bool
            Whether the layer is drawn.

        Returns
        -------
        Heat
            The layer, also appended to :attr:`layers`.
        """
        layer = Heat(name, _placed(_wgs84(points)).geometry, show)
        self.layers.append(layer)
        return layer

    def add_hexagons(self, points: gpd.GeoDataFrame, name: str, show: bool = True) -> Heat:
        """Add many points as their density: recorded as :class:`Heat`.

        The dashboard's hexagons are sized in screen pixels (``ui.maps.HEX_PX`` at the
        district's extent), which a printed picture does not have, and their count classes
        change with that size. What they tell, where points crowd, a printed page shows as a
        smooth density, and it costs the same for any number of points. So the sketch keeps
        the points as a heat layer; the folium map bins its hexagons itself.

        Parameters
        ----------
        points : geopandas.GeoDataFrame
            Points (EPSG:4326).
        name : str
            Layer name.
        show : bool
            Whether the layer is drawn.

        Returns
        -------
        Heat
            The layer, also appended to :attr:`layers`.
        """
        return self.add_heat(points, name, show=show)

    def add_legend(self, title: str, entries: Sequence[tuple[str, str]],
                   shape: str = "square") -> Legend:
        """Add a legend.

        Parameters
        ----------
        title : str
            Legend title.
        entries : sequence of (label, colour)
            One line each.
        shape : str
            ``"square"`` (areas) or ``"circle"`` (points).

        Returns
        -------
        Legend
            The legend, also appended to :attr:`legends`.
        """
        legend = Legend(title, tuple(LegendEntry(str(label), str(colour))
                                     for label, colour in entries), shape)
        self.legends.append(legend)
        return legend


def _wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # Layers are stored in EPSG:4326; a frame in another CRS (a metric copy) is brought back
    # rather than drawn hundreds of kilometres off. A frame without a CRS is taken as stored.
    if frame.crs is None or frame.crs.equals(WGS84):
        return frame
    return frame.to_crs(WGS84)


def _placed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    # shapely on the array, not GeoSeries.notna(), which warns when empty geometries are present.
    values = frame.geometry.to_numpy(dtype=object)
    return frame[shapely.is_geometry(values) & ~shapely.is_empty(values)]
