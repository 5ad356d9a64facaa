"""The dashboard's map: a folium map that draws with no internet, and what it knows about itself.

A :class:`Map` holds its folium map together with the facts its layers need: the language,
the metres a screen pixel spans at the district's extent, whether the tiles are in GCJ-02, the
legends placed so far and, once shown, the page as it was sent. Nothing is kept on folium's
objects.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from branca.element import Figure, MacroElement, Template

from analysis.township_list import with_polygons
from cartography.picture import render_png
from cartography.sketch import Sketch
from core import settings
from core.i18n import t
from ui import map_component
from ui.assets import inline_vendored, localise
from ui.escape import escaped, html_text
from ui.geometry import decimals_for, hex_bins, pixel_metres
from ui.leaflet_layers import (
    Circles,
    EncodedPoints,
    EncodedPolygons,
    Heat,
    Hexagons,
    PointCluster,
    Prelude,
    prelude_script,
)
from ui.map_tools import add_map_tools, on_gcj02
from ui.maps import (
    CLUSTER_ABOVE,
    DISTRICT_STYLE,
    HEX_PX,
    MAP_HEIGHT,
    MAX_ZOOM,
    PALETTE,
    SELECTED_COLOR,
    classify,
    to_gcj02,
)

_LEGEND = Template("""
{% macro html(this, kwargs) %}
<div class="tongxin-legend" style="position:absolute;z-index:9999;{{ this.position }};
  background:rgba(255,255,255,0.92);padding:8px 10px;border-radius:6px;
  box-shadow:0 1px 4px rgba(0,0,0,0.3);font-size:13px;line-height:1.5;max-width:260px;
  font-family:'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif;">
  <div style="font-weight:600;margin-bottom:4px;">{{ this.title }}</div>
  {% for label, colour in this.entries %}
  <div><span style="display:inline-block;width:12px;height:12px;margin-right:6px;
    vertical-align:middle;background:{{ colour }};border:1px solid #555;
    {% if this.shape == 'circle' %}border-radius:50%;{% endif %}"></span>{{ label }}</div>
  {% endfor %}
</div>
{% endmacro %}
""")


class Legend(MacroElement):
    """A legend box on the map; its title and labels are HTML-escaped."""

    _template = _LEGEND

    def __init__(self, title: str, entries: Sequence[tuple[str, str]], shape: str,
                 position: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.title = html_text(title)
        self.entries = [(html_text(label), colour) for label, colour in entries]
        self.shape = shape
        self.position = position


@dataclass(eq=False)
class Map:
    """A map fitted to the district, and the facts its layers are drawn with.

    Make one with :meth:`for_district`; add layers; :meth:`finish`; then :meth:`show` and
    :meth:`download`.

    Attributes
    ----------
    folium_map : folium.Map
        The folium map drawn.
    lang : str or None
        Language of layer names and legends (``None``: the default language).
    pixel_m : float
        Metres one screen pixel spans when the district fills the map: outlines are rounded
        and hexagons sized by it.
    gcj : bool
        Whether the tiles are in GCJ-02, so that data is shifted onto them.
    sketch : cartography.sketch.Sketch
        The same map described for drawing elsewhere: every layer's fills and legends are
        computed there once, drawn here and, for a picture, by
        :func:`cartography.picture.render_png` (:meth:`download_png`).
    legends : list of Legend
        The legends placed so far, bottom first: each further one stacks above them.
    page : str or None
        The page as rendered just before :meth:`show` sent it (``None`` until shown).
    """

    folium_map: folium.Map
    lang: str | None
    pixel_m: float
    gcj: bool
    sketch: Sketch
    legends: list[Legend] = field(default_factory=list)
    page: str | None = None

    @classmethod
    def for_district(cls, district: gpd.GeoDataFrame, basemap: str = "none",
                     lang: str | None = None) -> Map:
        """Return a map fitted to the district with a scale bar and the chosen basemap.

        Parameters
        ----------
        district : geopandas.GeoDataFrame
            The district boundary (EPSG:4326), drawn strong: with no tiles it is the map.
        basemap : str
            ``"none"`` (default: no tiles, works offline), ``"osm"``, ``"tianditu"`` (needs
            the ``tianditu_key`` setting) or ``"intranet"`` (the ``tile_url`` setting).
        lang : str, optional
            Language of layer names and legends.

        Returns
        -------
        Map
            The map, with the district outline added.
        """
        fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, zoom_snap=0.25)
        # folium hands max_zoom to its tile layer; with no tiles Leaflet's map has no maxZoom
        # and MarkerCluster stops the rest of the map script. Set it on the map itself.
        fmap.options["maxZoom"] = MAX_ZOOM
        Prelude().add_to(fmap)  # first: every compact layer below decodes with it
        _add_basemap(fmap, basemap, lang)
        # Tiles drawn in GCJ-02 (most Chinese web maps) sit a few hundred metres off WGS84
        # data: shift the data to the tiles rather than show everything misplaced.
        gcj = basemap == "intranet" and str(settings.get("tile_crs")) == "gcj02"
        sketch = Sketch.for_district(district, lang)  # a picture has no tiles: never shifted
        district = to_gcj02(district) if gcj else district
        made = cls(fmap, lang, pixel_metres(district, int(settings.get("map_screen_px"))), gcj,
                   sketch)
        minx, miny, maxx, maxy = district.total_bounds
        fmap.fit_bounds([[miny, minx], [maxy, maxx]])
        EncodedPolygons(district.geometry.to_numpy(dtype=object), made.decimals,
                        name=t("map.district", lang), styles=[DISTRICT_STYLE],
                        control=False).add_to(fmap)
        return made

    @property
    def decimals(self) -> int:
        """Return the decimals outlines are written with (about a pixel, see ``pixel_m``)."""
        return decimals_for(self.pixel_m)

    def on_tiles(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Return ``frame`` in the coordinates of the map's tiles (GCJ-02 when they are).

        Parameters
        ----------
        frame : geopandas.GeoDataFrame
            Rows in EPSG:4326.

        Returns
        -------
        geopandas.GeoDataFrame
            ``frame`` itself, or a copy with its geometry shifted to GCJ-02.
        """
        return to_gcj02(frame) if self.gcj else frame

    def fit(self, frame: gpd.GeoDataFrame, padding_top_left: Sequence[float] | None = None,
            padding_bottom_right: Sequence[float] | None = None) -> None:
        """Zoom the map to ``frame``'s extent (as given, not shifted onto the tiles).

        Parameters
        ----------
        frame : geopandas.GeoDataFrame
            What to show.
        padding_top_left, padding_bottom_right : sequence of float, optional
            Room kept free at the map's corners, in pixels (``(x, y)``).
        """
        minx, miny, maxx, maxy = frame.total_bounds
        self.folium_map.fit_bounds([[miny, minx], [maxy, maxx]],
                                   padding_top_left=padding_top_left,
                                   padding_bottom_right=padding_bottom_right)
        self.sketch.fit(frame)

    def add_css(self, css: str) -> None:
        """Add a stylesheet to the map page's head (``css``: rules written by the caller)."""
        page = cast(Figure, self.folium_map.get_root())
        page.header.add_child(folium.Element(f"<style>{css}</style>"))

    def add_townships(self, townships: gpd.GeoDataFrame, fields: Mapping[str, str],
                      values: pd.Series | None = None, legend_title: str | None = None,
                      name: str | None = None,
                      selected: Sequence[str] = ()) -> EncodedPolygons | None:
        """Add township polygons: a choropleth of ``values`` or urban/rural fills, names on hover.

        Rows without a polygon are left out; with none to draw (no township boundaries
        imported yet) nothing is added, not even a legend.

        Parameters
        ----------
        townships : geopandas.GeoDataFrame
            Township polygons with ``code`` and the columns named in ``fields``.
        fields : mapping
            ``{column: label}`` shown in the tooltip.
        values : pandas.Series, optional
            A number per township code for a five-class choropleth (quantiles), with a legend.
        legend_title : str, optional
            The choropleth legend's title.
        name : str, optional
            Layer name in the layer control.
        selected : sequence of str
            Township codes drawn with a strong outline (the filter).

        Returns
        -------
        EncodedPolygons or None
            The layer; its features carry ``code`` so a click can filter the page. None when
            no row has a polygon.
        """
        townships = with_polygons(townships)
        if townships.empty:
            return None
        drawn = self.sketch.add_townships(townships, fields, values, legend_title, name,
                                          selected)
        townships = self.on_tiles(townships)
        layer = EncodedPolygons(
            townships.geometry.to_numpy(dtype=object), self.decimals, name=drawn.name,
            styles=drawn.styles(), codes=list(drawn.codes),
            tooltip=(list(fields.values()), escaped(townships, list(fields))),
            highlight={"weight": 3, "color": SELECTED_COLOR})
        layer.add_to(self.folium_map)
        if drawn.legend is not None:
            self._place_legend(drawn.legend.title, drawn.legend.pairs, drawn.legend.shape)
        return layer

    def add_points(self, points: gpd.GeoDataFrame, name: str, tooltip: Mapping[str, str],
                   popup: Mapping[str, str] | None = None, color_by: str | None = None,
                   colors: Mapping[Any, str] | None = None, color: str = PALETTE[0],
                   radius: float = 6, legend_title: str | None = None,
                   labels: Mapping[Any, str] | None = None, show: bool = True) -> str:
        """Add points as circle markers coloured by a column, with tooltips, popups and a legend.

        Beyond :data:`ui.maps.CLUSTER_ABOVE` points the layer is a marker cluster instead, and
        beyond the ``map_points_max`` setting hexagons with their totals
        (:meth:`add_hexagons`), so the page's cost follows the screen rather than the data.

        Parameters
        ----------
        points : geopandas.GeoDataFrame
            Rows with point geometry (rows without are skipped).
        name : str
            Layer name in the layer control.
        tooltip, popup : mapping
            ``{column: label}`` for hover and click.
        color_by : str, optional
            Column whose value picks the colour from ``colors``.
        colors : mapping, optional
            ``{value: colour}``.
        color : str
            Colour when not coloured by a column.
        radius : float
            Marker radius in pixels.
        legend_title : str, optional
            Title of the legend (one entry per colour); no legend when omitted.
        labels : mapping, optional
            ``{value: label}`` for the legend entries.
        show : bool
            Whether the layer starts visible.

        Returns
        -------
        str
            How the points were drawn: ``"points"``, ``"clusters"`` or ``"hexagons"``.
        """
        drawn = self.sketch.add_points(points, name, tooltip, popup, color_by, colors, color,
                                       radius, legend_title, labels, show)
        placed = self.on_tiles(drawn.frame)
        if len(placed) > int(settings.get("map_points_max")):
            self._add_hexagons(placed, name, show=show)
            return "hexagons"
        group = folium.FeatureGroup(name=name, show=show)
        if len(placed) > CLUSTER_ABOVE:
            # folium's default cluster marker is an AwesomeMarkers icon, which is not
            # vendored: draw circle markers like the unclustered layer instead.
            PointCluster(placed.geometry.y.to_numpy(), placed.geometry.x.to_numpy(),
                         {"radius": float(radius), "weight": 1, "color": "#ffffff",
                          "fillColor": color, "fillOpacity": 0.9}, name=name).add_to(group)
        elif len(placed):
            shown = escaped(placed, list(dict.fromkeys([*tooltip, *(popup or {})])))
            fills = drawn.fills
            EncodedPoints(placed.geometry.y.to_numpy(), placed.geometry.x.to_numpy(),
                          [{"radius": float(radius), "weight": 1, "color": "#ffffff",
                            "fillColor": fill, "fillOpacity": 0.9} for fill in fills],
                          shown, dict(tooltip), dict(popup or {}), name=name).add_to(group)
        group.add_to(self.folium_map)
        if drawn.legend is not None:
            self._place_legend(drawn.legend.title, drawn.legend.pairs, drawn.legend.shape)
        return "clusters" if len(placed) > CLUSTER_ABOVE else "points"

    def _add_hexagons(self, points: gpd.GeoDataFrame, name: str, show: bool = True) -> None:
        """Add points as hexagon totals: one shaded cell per ``HEX_PX`` pixels, with its count.

        What a screen can show does not grow with the data: at the district's extent the map
        has room for a few thousand cells however many points fall in them.

        Parameters
        ----------
        points : geopandas.GeoDataFrame
            The points (already in the map's coordinates).
        name : str
            Layer name; the legend is titled with it.
        show : bool
            Whether the layer starts visible.
        """
        size_m = self.pixel_m * HEX_PX
        cells = hex_bins(points, size_m)
        fills, legend = classify(cells["count"].to_numpy(), decimals=0)
        colours = list(dict.fromkeys(fills))
        group = folium.FeatureGroup(name=name, show=show)
        Hexagons(*_centres(cells), cells["count"].to_numpy(),
                 [colours.index(f) for f in fills], colours, size_m / math.sqrt(3),
                 t("map.hex_count", self.lang)).add_to(group)
        group.add_to(self.folium_map)
        # The page's own legend: a picture draws the points themselves (the sketch has them).
        self._place_legend(t("map.hex_legend", self.lang, layer=name), legend)

    def add_service_areas(self, stations: gpd.GeoDataFrame, radii: np.ndarray, name: str,
                          color: str = PALETTE[2], show: bool = True) -> None:
        """Add each station's service area as a circle of its radius (metres).

        Parameters
        ----------
        stations : geopandas.GeoDataFrame
            Station points.
        radii : numpy.ndarray
            Radius per station in metres.
        name : str
            Layer name.
        color : str
            Circle colour.
        show : bool
            Whether the layer starts visible.
        """
        self.sketch.add_service_areas(stations, radii, name, color, show)
        group = folium.FeatureGroup(name=name, show=show)
        placed = self.on_tiles(stations).geometry.to_numpy(dtype=object)
        drawn = shapely.is_geometry(placed) & ~shapely.is_empty(placed) & (np.asarray(radii) > 0)
        Circles(shapely.get_y(placed[drawn]), shapely.get_x(placed[drawn]),
                np.asarray(radii, dtype=float)[drawn],
                {"color": color, "weight": 1, "fill": True, "fillOpacity": 0.08,
                 "interactive": False}).add_to(group)
        group.add_to(self.folium_map)

    def add_heat(self, points: gpd.GeoDataFrame, name: str, show: bool = True) -> None:
        """Add a heat layer of point density (the vendored Leaflet.heat)."""
        self.sketch.add_heat(points, name, show)
        placed = self.on_tiles(points[points.geometry.notna() & ~points.geometry.is_empty])
        if len(placed) > int(settings.get("map_points_max")):
            # As many heat points as a screen has room for: hexagon centres weighted by count.
            cells = hex_bins(placed, self.pixel_m * HEX_PX / 2)
            lat, lng = _centres(cells)
            weights = cells["count"].to_numpy() / max(int(cells["count"].max()), 1) \
                if len(cells) else np.zeros(0)
        else:
            lat, lng, weights = placed.geometry.y.to_numpy(), placed.geometry.x.to_numpy(), None
        Heat(lat, lng, weights, name=name, radius=14, blur=18, min_opacity=0.3,
             show=show).add_to(self.folium_map)

    def add_legend(self, title: str, entries: Sequence[tuple[str, str]],
                   shape: str = "square") -> None:
        """Add a legend; each further legend stacks above the previous in the bottom-right corner.

        Parameters
        ----------
        title : str
            Legend title.
        entries : sequence of (label, colour)
            One line each.
        shape : str
            ``"square"`` (areas) or ``"circle"`` (points).
        """
        self.sketch.add_legend(title, entries, shape)
        self._place_legend(title, entries, shape)

    def _place_legend(self, title: str, entries: Sequence[tuple[str, str]],
                      shape: str = "square") -> None:
        """Draw a legend on the folium map only, stacked above the ones placed before."""
        lines = sum(len(legend.entries) for legend in self.legends)
        position = f"bottom:{30 + lines * 21 + len(self.legends) * 34}px;right:10px"
        legend = Legend(title, entries, shape, position)
        self.folium_map.add_child(legend)
        self.legends.append(legend)

    def finish(self, places: pd.DataFrame | None = None, tools: bool = True) -> Map:
        """Add the layer control and the map tools, and point every script at the vendored files.

        Parameters
        ----------
        places : pandas.DataFrame, optional
            The places the search box finds (:func:`ui.map_tools.places`, WGS84); no search
            box without them.
        tools : bool
            Whether to add full screen, measuring and search (the briefing screen has none:
            nobody touches it).

        Returns
        -------
        Map
            This map.
        """
        if _switchable(self.folium_map):
            # Without a layer to switch (a map of the district alone) it would be an empty box.
            folium.LayerControl(collapsed=False).add_to(self.folium_map)
        if tools:
            # Shifted like every layer when the tiles are in GCJ-02 (see for_district).
            shown = on_gcj02(places) if places is not None and self.gcj else places
            add_map_tools(self.folium_map, self.lang, shown)
        localise(self.folium_map)
        return self

    def html(self) -> str:
        """Return the map page as rendered before :meth:`show` sent it (rendered now if not shown).

        Returns
        -------
        str
            The page, loading the vendored files from the dashboard (see
            :func:`ui.assets.inline_vendored` for a file that opens anywhere).
        """
        return self.page if self.page is not None else self.folium_map.get_root().render()

    def show(self, key: str, height: int = MAP_HEIGHT) -> str | None:
        """Draw the finished map; return the code of a township the user clicked, if any.

        Only a click reports back (``returned_objects``): panning and zooming never rerun the
        script.

        Parameters
        ----------
        key : str
            Widget key, unique on the page.
        height : int
            Pixels.

        Returns
        -------
        str or None
            The clicked township's code.
        """
        return self._draw(key, height, "feature").get("code")

    def pick(self, key: str, height: int = MAP_HEIGHT) -> tuple[float, float] | None:
        """Draw the finished map; return where the user last clicked on it, if anywhere.

        Like :meth:`show`, but a click anywhere (not only on a township) reports back, so a
        form can place a point by clicking.

        Parameters
        ----------
        key : str
            Widget key, unique on the page.
        height : int
            Pixels.

        Returns
        -------
        tuple of float or None
            ``(lat, lng)`` of the last click, in the map's coordinates (GCJ-02 when
            :attr:`gcj`); None before any click.
        """
        clicked = self._draw(key, height, "click")
        if clicked.get("lat") is None or clicked.get("lng") is None:
            return None
        return float(clicked["lat"]), float(clicked["lng"])

    def _draw(self, key: str, height: int, report: str) -> dict:
        """Send the map to the browser; return the last click it reported."""
        root = self.folium_map.get_root()
        # The page as HTML, kept for the download; the map element is made of its parts.
        self.page = root.render()
        parts = map_component.payload(cast(Figure, root), self.folium_map.get_name(), key,
                                      height, report, prelude_script())
        return map_component.mount(parts, key)

    def download(self, file_name: str) -> None:
        """Offer the map as a standalone HTML file that opens with no server and no internet."""
        # No rerun on click (see ui.downloads.excel_button). The page was rendered once by
        # show(); inlining the vendored scripts (about 150 KB) waits for a click.
        page = self.html()
        st.download_button(t("map.download", self.lang),
                           lambda: inline_vendored(page).encode("utf-8"),
                           file_name=file_name, mime="text/html", key=f"dl-{file_name}",
                           on_click="ignore")


    def picture(self, title: str | None = None, note: str | None = None) -> bytes:
        """Return the map drawn on the server as a print-resolution PNG (200 dpi, 156 mm).

        The same layers, colours and legends as on the page (:attr:`sketch`), with township
        names, a scale bar and a north arrow; layers switched off at the start are left out.

        Parameters
        ----------
        title : str, optional
            Written above the map.
        note : str, optional
            Written small under it (the data's date, the demo marking).

        Returns
        -------
        bytes
            The PNG.
        """
        return render_png(self.sketch, title=title, note=note, lang=self.lang)

    def download_png(self, file_name: str, title: str,
                     note: Callable[[], str] | None = None) -> None:
        """Offer the map as a PNG picture for a report (下载图片 (PNG)), drawn when clicked.

        Parameters
        ----------
        file_name : str
            Name of the file, ending in .png.
        title : str
            Written above the map.
        note : callable, optional
            Returns what is written small under it; asked when clicked, like the picture.
        """
        # Drawn on click, not on every run of the page (about half a second at district
        # scale); no rerun on click, as for the HTML download.
        st.download_button(t("map.download_png", self.lang),
                           lambda: self.picture(title, note() if note else None),
                           file_name=file_name,
                           mime="image/png", key=f"png-{file_name}", on_click="ignore")


def _switchable(fmap: folium.Map) -> bool:
    """Return whether the map has a layer its layer control would list."""
    # The children folium's LayerControl lists when it renders (the same test it makes).
    return any(isinstance(child, folium.map.Layer) and child.control
               for child in fmap._children.values())


def _add_basemap(fmap: folium.Map, basemap: str, lang: str | None) -> None:
    if basemap == "osm":
        folium.TileLayer("OpenStreetMap", name=t("map.basemap.osm", lang),
                         attr="© OpenStreetMap contributors").add_to(fmap)
    elif basemap == "tianditu" and settings.get("tianditu_key"):
        key = settings.get("tianditu_key")
        for layer in ("vec", "cva"):
            folium.TileLayer(
                f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
                f"&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}",
                subdomains="01234567", name=t("map.basemap.tianditu", lang),
                attr="© 天地图 Tianditu", overlay=layer == "cva", control=False).add_to(fmap)
    elif basemap == "intranet" and settings.get("tile_url"):
        folium.TileLayer(settings.get("tile_url"), name=t("map.basemap.intranet", lang),
                         attr=str(settings.get("tile_attribution"))).add_to(fmap)


def _centres(cells: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    # Latitude and longitude of each hexagon's centre: what the browser draws it from.
    centres = shapely.centroid(cells.geometry.to_numpy(dtype=object))
    return shapely.get_y(centres), shapely.get_x(centres)
