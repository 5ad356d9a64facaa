"""Folium maps that draw with no internet: vendored Leaflet, outlines as the map, safe text."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import streamlit as st
from branca.element import MacroElement, Template
from streamlit_folium import st_folium

from core import settings
from core.i18n import t
from layers._coords import wgs84_to_gcj02
from ui.assets import inline_vendored, localise
from ui.geometry import decimals_for, hex_bins, pixel_metres
from ui.leaflet_layers import (Circles, EncodedPoints, EncodedPolygons, Heat, Hexagons,
                                PointCluster, Prelude, html_text)

# Chinese text as UTF-8 (3 bytes a character) rather than \uXXXX escapes (6) in what folium's
# own templates write (layer names). Jinja's tojson still escapes < > & ' so no text can close
# the script. Set once on the environment all folium templates share.
folium.features.GeoJson._template.environment.policies["json.dumps_kwargs"] = {
    "sort_keys": True, "ensure_ascii": False}

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
# Sequential blues for choropleths, light to dark (ColorBrewer Blues, 5 classes).
SEQUENTIAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
GOOD, BAD, NEUTRAL = "#009E73", "#D55E00", "#7F7F7F"
DISTRICT_STYLE = {"color": "#1f3b73", "weight": 3, "fill": False}
TOWNSHIP_STYLE = {"color": "#4a6fa5", "weight": 1.2, "fillColor": "#dce6f2", "fillOpacity": 0.45}
URBAN_FILL = "#f6d8ae"
MAX_ZOOM = 18
# Beyond this many points a layer is clustered; below it each point is its own circle.
CLUSTER_ABOVE = 400
MAP_HEIGHT = 560
# Above map_points_max a layer is drawn as hexagons this many pixels across (at the district's
# extent): about a finger's width on a desk screen, a few hundred on the whole map.
HEX_PX = 16


def base_map(district: gpd.GeoDataFrame, basemap: str = "none",
             lang: str | None = None) -> folium.Map:
    """Return a map fitted to the district with a scale bar and the chosen basemap.

    Parameters
    ----------
    district : geopandas.GeoDataFrame
        The district boundary (EPSG:4326), drawn strong: with no tiles it is the map.
    basemap : str
        ``"none"`` (default: no tiles, works offline), ``"osm"``, ``"tianditu"`` (needs the
        ``tianditu_key`` setting) or ``"intranet"`` (the ``tile_url`` setting).
    lang : str, optional
        Language of layer names.

    Returns
    -------
    folium.Map
        The map, with the district outline added.
    """
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True, zoom_snap=0.25)
    # folium hands max_zoom to its tile layer; with no tiles Leaflet's map has no maxZoom and
    # MarkerCluster stops the rest of the map script. Set it on the map itself.
    fmap.options["maxZoom"] = MAX_ZOOM
    Prelude().add_to(fmap)  # first: every compact layer below decodes with it
    _add_basemap(fmap, basemap, lang)
    # Tiles drawn in GCJ-02 (most Chinese web maps) sit a few hundred metres off WGS84 data:
    # shift the data to the tiles rather than show everything misplaced.
    fmap._tongxin_gcj = basemap == "intranet" and str(settings.get("tile_crs")) == "gcj02"
    district = on_tiles(fmap, district)
    fmap._tongxin_pixel_m = pixel_metres(district, int(settings.get("map_screen_px")))
    fmap._tongxin_lang = lang  # for layers added without a language (hexagon totals)
    minx, miny, maxx, maxy = district.total_bounds
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    EncodedPolygons(district.geometry.to_numpy(dtype=object), _decimals(fmap),
                    name=t("map.district", lang), styles=[DISTRICT_STYLE],
                    control=False).add_to(fmap)
    return fmap


def basemap_options() -> list[str]:
    """Return the basemaps this deployment can offer (no tiles is always first)."""
    options = ["none", "osm"]
    if settings.get("tianditu_key"):
        options.append("tianditu")
    if settings.get("tile_url"):
        options.append("intranet")
    return options


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


def on_tiles(fmap: folium.Map, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` in the coordinates of the map's tiles (GCJ-02 when they are).

    Parameters
    ----------
    fmap : folium.Map
        A map from :func:`base_map`.
    frame : geopandas.GeoDataFrame
        Rows in EPSG:4326.

    Returns
    -------
    geopandas.GeoDataFrame
        ``frame`` itself, or a copy with its geometry shifted to GCJ-02.
    """
    if not getattr(fmap, "_tongxin_gcj", False) or frame.empty:
        return frame

    def shift(coords: np.ndarray) -> np.ndarray:
        lng, lat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
        return np.column_stack([lng, lat])

    shifted = frame.copy()
    present = shifted.geometry.notna().to_numpy()
    values = shifted.geometry.to_numpy(dtype=object)
    values[present] = shapely.transform(values[present], shift)
    shifted.geometry = gpd.GeoSeries(values, index=frame.index, crs=frame.crs)
    return shifted


def escaped(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Return ``columns`` as HTML-escaped text: text from data is shown, never run.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows.
    columns : sequence of str
        Columns to show in tooltips or popups.

    Returns
    -------
    pandas.DataFrame
        The columns as escaped strings ("-" where missing).
    """
    out = pd.DataFrame(index=frame.index)
    for col in columns:
        values = frame[col]
        out[col] = [("-" if _missing(v) else html_text(_text(v))) for v in values]
    return out


_MARKDOWN_SPECIAL = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark


def markdown_literal(text: object) -> str:
    """Return ``text`` for a Streamlit markdown string (captions, alerts), shown as written.

    ``st.caption``, ``st.success``, ``st.error``, ``st.metric`` deltas and the like read
    markdown: a name from the data such as ``[x](javascript:…)`` would become a link,
    ``![x](http://…)`` would fetch an image from outside, ``:red[x]`` or ``$x$`` would be
    restyled. Every ASCII punctuation mark is backslash-escaped (CommonMark shows it as
    the mark itself); tags were never run (Streamlit shows raw HTML as text) and still are not.

    Parameters
    ----------
    text : object
        A value from the data or an upload (a township name, a file name).

    Returns
    -------
    str
        The escaped text, on one line.
    """
    flat = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, (str, tuple, list)) and pd.isna(value))


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (bool, np.bool_)):
        return "✓" if value else "✗"
    return str(value)


def add_townships(fmap: folium.Map, townships: gpd.GeoDataFrame, fields: Mapping[str, str],
                  lang: str | None = None, values: pd.Series | None = None,
                  legend_title: str | None = None, name: str | None = None,
                  selected: Sequence[str] = ()) -> folium.GeoJson:
    """Add township polygons: a choropleth of ``values`` or urban/rural fills, names on hover.

    Parameters
    ----------
    fmap : folium.Map
        The map.
    townships : geopandas.GeoDataFrame
        Township polygons with ``code`` and the columns named in ``fields``.
    fields : mapping
        ``{column: label}`` shown in the tooltip.
    lang : str, optional
        Language.
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
    EncodedPolygons
        The layer; its features carry ``code`` so a click can filter the page.
    """
    townships = on_tiles(fmap, townships)
    fills, legend = _fills(townships, values)
    codes = townships["code"].astype(str).tolist()
    chosen = set(selected)
    looks = [{**TOWNSHIP_STYLE, "fillColor": fill,
              "weight": 3.5 if code in chosen else TOWNSHIP_STYLE["weight"],
              "color": "#c0392b" if code in chosen else TOWNSHIP_STYLE["color"]}
             for code, fill in zip(codes, fills, strict=True)]
    layer = EncodedPolygons(
        townships.geometry.to_numpy(dtype=object), _decimals(fmap),
        name=name or t("map.townships", lang), styles=looks, codes=codes,
        tooltip=(list(fields.values()), escaped(townships, list(fields))),
        highlight={"weight": 3, "color": "#c0392b"})
    layer.add_to(fmap)
    if legend:
        add_legend(fmap, legend_title or "", legend)
    else:
        add_legend(fmap, t("map.townships", lang), [(t("map.urban", lang), URBAN_FILL),
                                                     (t("map.rural", lang), TOWNSHIP_STYLE[
                                                         "fillColor"])])
    return layer


def _fills(townships: gpd.GeoDataFrame,
           values: pd.Series | None) -> tuple[list[str], list[tuple[str, str]]]:
    if values is None:
        urban = townships["urban"].fillna(False).astype(bool)
        return [URBAN_FILL if u else TOWNSHIP_STYLE["fillColor"] for u in urban], []
    numbers = values.reindex(townships["code"].astype(str)).astype(float).to_numpy()
    return classify(numbers)


def classify(numbers: np.ndarray, decimals: int = 1) -> tuple[list[str], list[tuple[str, str]]]:
    """Return a fill per number (five quantile classes of blues) and the legend's entries.

    Parameters
    ----------
    numbers : numpy.ndarray
        One value per feature; NaN gets white.
    decimals : int
        Decimals shown in the legend.

    Returns
    -------
    tuple
        The fills, and ``(label, colour)`` per class.
    """
    numbers = np.asarray(numbers, dtype=float)
    finite = numbers[np.isfinite(numbers)]
    if not len(finite):
        return ["#ffffff"] * len(numbers), []
    # Quantiles of the distinct values: when most townships share a value (13 of 15 fully
    # covered) the few that differ still get classes of their own. No more classes than
    # distinct values: two townships make two classes, not five.
    distinct = np.unique(finite)
    n_classes = min(len(SEQUENTIAL), len(distinct))
    edges = np.unique(np.quantile(distinct, np.linspace(0, 1, n_classes + 1)))
    if decimals == 0:
        # Counts: whole-number classes that do not overlap ("1 – 2", "3 – 5", ...).
        edges = np.unique(np.concatenate([np.ceil(edges[:-1]), edges[-1:]]))
    colours = SEQUENTIAL[-max(len(edges) - 1, 1):]
    classes = np.clip(np.searchsorted(edges, numbers, side="right") - 1, 0, len(colours) - 1)
    fills = [colours[c] if np.isfinite(n) else "#ffffff" for c, n in zip(classes, numbers,
                                                                          strict=True)]
    if len(edges) == 1:
        # One value everywhere: a middle tone, neither "best" nor "worst".
        middle = SEQUENTIAL[len(SEQUENTIAL) // 2]
        return [middle if np.isfinite(n) else "#ffffff" for n in numbers], \
            [(f"{edges[0]:,.{decimals}f}", middle)]
    last = len(edges) - 2
    legend = [(_class_label(lo, hi, decimals, i == last), colours[i])
              for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True))]
    return fills, legend


def _class_label(lo: float, hi: float, decimals: int, last: bool) -> str:
    if decimals:
        return f"{lo:,.{decimals}f} – {hi:,.{decimals}f}"
    top = hi if last else hi - 1  # whole numbers: the next class starts at hi
    return f"{lo:,.0f}" if top <= lo else f"{lo:,.0f} – {top:,.0f}"


def add_points(fmap: folium.Map, points: gpd.GeoDataFrame, name: str,
               tooltip: Mapping[str, str], popup: Mapping[str, str] | None = None,
               color_by: str | None = None, colors: Mapping[object, str] | None = None,
               color: str = PALETTE[0], radius: float = 6, legend_title: str | None = None,
               labels: Mapping[object, str] | None = None, show: bool = True) -> str:
    """Add points as circle markers coloured by a column, with tooltips, popups and a legend.

    Beyond :data:`CLUSTER_ABOVE` points the layer is a marker cluster instead, and beyond
    the ``map_points_max`` setting hexagons with their totals (:func:`add_hexagons`), so the
    page's cost follows the screen rather than the data.

    Parameters
    ----------
    fmap : folium.Map
        The map.
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
    placed = on_tiles(fmap, points[points.geometry.notna() & ~points.geometry.is_empty])
    if len(placed) > int(settings.get("map_points_max")):
        add_hexagons(fmap, placed, name, show=show)
        return "hexagons"
    group = folium.FeatureGroup(name=name, show=show)
    if len(placed) > CLUSTER_ABOVE:
        # folium's default cluster marker is an AwesomeMarkers icon, which is not vendored:
        # draw circle markers like the unclustered layer instead.
        PointCluster(placed.geometry.y.to_numpy(), placed.geometry.x.to_numpy(),
                     {"radius": float(radius), "weight": 1, "color": "#ffffff",
                      "fillColor": color, "fillOpacity": 0.9}, name=name).add_to(group)
    elif len(placed):
        shown = escaped(placed, list(dict.fromkeys([*tooltip, *(popup or {})])))
        fills = [(colors or {}).get(v, NEUTRAL) for v in placed[color_by]] if color_by \
            else [color] * len(placed)
        EncodedPoints(placed.geometry.y.to_numpy(), placed.geometry.x.to_numpy(),
                      [{"radius": float(radius), "weight": 1, "color": "#ffffff",
                        "fillColor": fill, "fillOpacity": 0.9} for fill in fills],
                      shown, dict(tooltip), dict(popup or {}), name=name).add_to(group)
    group.add_to(fmap)
    if legend_title and colors:
        present = set(placed[color_by]) if color_by else set(colors)
        entries = [((labels or {}).get(v, str(v)), c) for v, c in colors.items() if v in present]
        add_legend(fmap, legend_title, entries, shape="circle")
    elif legend_title:
        add_legend(fmap, legend_title, [(name, color)], shape="circle")
    return "clusters" if len(placed) > CLUSTER_ABOVE else "points"


def add_hexagons(fmap: folium.Map, points: gpd.GeoDataFrame, name: str,
                 lang: str | None = None, show: bool = True) -> None:
    """Add points as hexagon totals: one shaded cell per :data:`HEX_PX` pixels, with its count.

    What a screen can show does not grow with the data: at the district's extent the map has
    room for a few thousand cells however many points fall in them.

    Parameters
    ----------
    fmap : folium.Map
        A map from :func:`base_map`.
    points : geopandas.GeoDataFrame
        The points (already in the map's coordinates).
    name : str
        Layer name; the legend is titled with it.
    lang : str, optional
        Language.
    show : bool
        Whether the layer starts visible.
    """
    lang = lang or getattr(fmap, "_tongxin_lang", None)
    size_m = _pixel_m(fmap) * HEX_PX
    cells = hex_bins(points, size_m)
    fills, legend = classify(cells["count"].to_numpy(), decimals=0)
    colours = list(dict.fromkeys(fills))
    group = folium.FeatureGroup(name=name, show=show)
    Hexagons(*_centres(cells), cells["count"].to_numpy(),
             [colours.index(f) for f in fills], colours, size_m / math.sqrt(3),
             t("map.hex_count", lang)).add_to(group)
    group.add_to(fmap)
    add_legend(fmap, t("map.hex_legend", lang, layer=name), legend)


def _centres(cells: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    # Latitude and longitude of each hexagon's centre: what the browser draws it from.
    centres = shapely.centroid(cells.geometry.to_numpy(dtype=object))
    return shapely.get_y(centres), shapely.get_x(centres)


def _pixel_m(fmap: folium.Map) -> float:
    return float(getattr(fmap, "_tongxin_pixel_m", 1.0))


def _decimals(fmap: folium.Map) -> int:
    return decimals_for(_pixel_m(fmap))


def add_service_areas(fmap: folium.Map, stations: gpd.GeoDataFrame, radii: np.ndarray,
                      name: str, color: str = PALETTE[2], show: bool = True) -> None:
    """Add each station's service area as a circle of its radius (metres).

    Parameters
    ----------
    fmap : folium.Map
        The map.
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
    group = folium.FeatureGroup(name=name, show=show)
    placed = on_tiles(fmap, stations).geometry.to_numpy(dtype=object)
    drawn = shapely.is_geometry(placed) & ~shapely.is_empty(placed) & (np.asarray(radii) > 0)
    Circles(shapely.get_y(placed[drawn]), shapely.get_x(placed[drawn]),
            np.asarray(radii, dtype=float)[drawn],
            {"color": color, "weight": 1, "fill": True, "fillOpacity": 0.08,
             "interactive": False}).add_to(group)
    group.add_to(fmap)


def add_heat(fmap: folium.Map, points: gpd.GeoDataFrame, name: str, show: bool = True) -> None:
    """Add a heat layer of point density (the vendored Leaflet.heat)."""
    placed = on_tiles(fmap, points[points.geometry.notna() & ~points.geometry.is_empty])
    if len(placed) > int(settings.get("map_points_max")):
        # As many heat points as a screen has room for: hexagon centres weighted by count.
        cells = hex_bins(placed, _pixel_m(fmap) * HEX_PX / 2)
        lat, lng = _centres(cells)
        weights = cells["count"].to_numpy() / max(int(cells["count"].max()), 1) \
            if len(cells) else np.zeros(0)
    else:
        lat, lng, weights = placed.geometry.y.to_numpy(), placed.geometry.x.to_numpy(), None
    Heat(lat, lng, weights, name=name, radius=14, blur=18, min_opacity=0.3,
         show=show).add_to(fmap)


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


def add_legend(fmap: folium.Map, title: str, entries: Sequence[tuple[str, str]],
               shape: str = "square") -> None:
    """Add a legend; each further legend stacks above the previous in the bottom-right corner.

    Parameters
    ----------
    fmap : folium.Map
        The map.
    title : str
        Legend title.
    entries : sequence of (label, colour)
        One line each.
    shape : str
        ``"square"`` (areas) or ``"circle"`` (points).
    """
    placed = getattr(fmap, "_tongxin_legend_lines", 0)
    position = f"bottom:{30 + placed * 21 + _legend_count(fmap) * 34}px;right:10px"
    fmap.add_child(Legend(title, entries, shape, position))
    fmap._tongxin_legend_lines = placed + len(entries)
    fmap._tongxin_legends = _legend_count(fmap) + 1


def _legend_count(fmap: folium.Map) -> int:
    return getattr(fmap, "_tongxin_legends", 0)


def finish(fmap: folium.Map) -> folium.Map:
    """Add the layer control and point every script at the vendored files."""
    folium.LayerControl(collapsed=False).add_to(fmap)
    return localise(fmap)


def show(fmap: folium.Map, key: str, height: int = MAP_HEIGHT) -> str | None:
    """Draw the map; return the code of a township the user clicked, if any.

    Only a click reports back (``returned_objects``): panning and zooming never rerun the
    script.

    Parameters
    ----------
    fmap : folium.Map
        A finished map.
    key : str
        Widget key, unique on the page.
    height : int
        Pixels.

    Returns
    -------
    str or None
        The clicked township's code.
    """
    # The page as HTML, kept for the download: st_folium renames the map's parts as it sends
    # them, and a map rendered after that holds a second, broken copy of itself. st_folium's
    # own first pass (render=True) would make this same HTML and throw it away.
    fmap._tongxin_page = fmap.get_root().render()
    state = st_folium(fmap, height=height, use_container_width=True, key=key,
                      returned_objects=["last_active_drawing"], render=False)
    drawing = (state or {}).get("last_active_drawing") or {}
    return (drawing.get("properties") or {}).get("code")


def download(fmap: folium.Map, file_name: str, lang: str | None = None) -> None:
    """Offer the map as a standalone HTML file that opens with no server and no internet."""
    # No rerun on click (see ui.downloads.excel_button). The page was rendered once by show();
    # inlining the vendored scripts (about 150 KB) waits for a click.
    page = download_html(fmap)
    st.download_button(t("map.download", lang), lambda: inline_vendored(page).encode("utf-8"),
                       file_name=file_name, mime="text/html", key=f"dl-{file_name}",
                       on_click="ignore")


def download_html(fmap: folium.Map) -> str:
    """Return the map page as rendered before :func:`show` sent it (rendered now if not shown).

    Parameters
    ----------
    fmap : folium.Map
        A finished map.

    Returns
    -------
    str
        The page, loading the vendored files from the dashboard (see
        :func:`ui.assets.inline_vendored` for a file that opens anywhere).
    """
    page = getattr(fmap, "_tongxin_page", None)
    return page if page is not None else fmap.get_root().render()
