"""The map tools every map user reaches for: full screen, measuring, and search by name.

Each is an npm package vendored under ``static/vendor`` (leaflet.fullscreen, leaflet-measure,
leaflet-search) and pointed at there by :func:`ui.assets.localise`: nothing comes from a CDN.
The search index (:func:`places`) travels with the map as columns, like the compact layers of
:mod:`ui.leaflet_layers`; its names are HTML-escaped and shown as text, never run.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement
from folium.elements import JSCSSMixin
from folium.plugins import Fullscreen, MeasureControl
from folium.template import Template
from folium.utilities import JsCode

from core.i18n import t
from core.lang import lang_or_default
from layers.coords import wgs84_to_gcj02
from ui.escape import dumps_safe, html_text
from ui.leaflet_layers import _column, _encoded_points

# The layers searched, in the order their places are listed.
PLACE_LAYERS = ("townships", "communities", "religious_sites", "workstations", "units")
COLUMNS = ["kind", "name", "lat", "lng", "bounds", "code"]
SEARCH_TIPS = 12  # suggestions listed at once: a screenful, however many places match
POINT_ZOOM = 15  # a chosen point is shown at this zoom (about a neighbourhood), or closer
HIGHLIGHT = {"color": "#e0301e", "weight": 4, "opacity": 0.95, "fill": False,
             "interactive": False}
_NPM = "https://cdn.jsdelivr.net/npm"  # where folium would fetch from; localise() replaces it
# Full screen: the map as tall as the screen (folium fixes its height in a rule of its
# own; in the app ui/map_component.py sizes its wrapper). Search: the box wide enough for
# its Chinese placeholder, room for the 12 suggestions, a suggestion's kind set off in grey.
_TOOLS_CSS = (
    "html:fullscreen .leaflet-container{height:100vh !important;}"
    ".leaflet-control-search input.search-input{width:18em;font-size:13px;}"
    ".leaflet-control-search .search-tooltip{max-height:280px;}"
    ".leaflet-control-search .search-tip{font-size:13px;}"
    ".leaflet-control-search .tongxin-search-kind{color:#777;font-size:11px;margin-left:8px;}"
    ".leaflet-control-search .search-alert{font-size:12px;}")


def places(frames: Mapping[str, gpd.GeoDataFrame], lang: str | None = None) -> pd.DataFrame:
    """Return the search index: every named, placed township, community, venue, station and unit.

    Parameters
    ----------
    frames : mapping of str to geopandas.GeoDataFrame
        Layers by name (EPSG:4326); those of :data:`PLACE_LAYERS` present are indexed, each
        by its ``name`` column. Rows without a name or a geometry are left out.
    lang : str, optional
        Language of the ``kind`` labels.

    Returns
    -------
    pandas.DataFrame
        ``kind`` (the layer's label), ``name`` (as in the data, not escaped), ``lat`` and
        ``lng`` (a point on the place: the point itself, or a point inside a polygon),
        ``bounds`` (``(south, west, north, east)`` of a polygon, ``None`` for a point) and
        ``code``; by layer, then by name.
    """
    parts = [_layer_places(frames[name], t(f"map_tools.kind.{name}", lang))
             for name in PLACE_LAYERS if name in frames]
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _layer_places(frame: gpd.GeoDataFrame, kind: str) -> pd.DataFrame:
    geoms = frame.geometry.to_numpy(dtype=object)
    names = frame["name"].astype("string").str.strip()
    keep = (names.fillna("") != "").to_numpy(dtype=bool) & shapely.is_geometry(geoms) & \
        ~shapely.is_empty(geoms)
    geoms = geoms[keep]
    inside = shapely.point_on_surface(geoms)  # a point stays itself
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    boxes = shapely.bounds(geoms)  # minx, miny, maxx, maxy
    codes = frame["code"].astype(str).to_numpy()[keep] if "code" in frame else [""] * len(geoms)
    out = pd.DataFrame({
        "kind": kind, "name": names.to_numpy()[keep].astype(str),
        "lat": shapely.get_y(inside), "lng": shapely.get_x(inside),
        "bounds": [(b[1], b[0], b[3], b[2]) if polygon else None
                   for b, polygon in zip(boxes.tolist(), polygonal, strict=True)],
        "code": codes}, columns=COLUMNS)
    return out.sort_values("name", kind="stable")


def on_gcj02(index: pd.DataFrame) -> pd.DataFrame:
    """Return the search index shifted to GCJ-02, for a map whose tiles are in it.

    Parameters
    ----------
    index : pandas.DataFrame
        As :func:`places` returns it (WGS84).

    Returns
    -------
    pandas.DataFrame
        A copy with ``lat``, ``lng`` and ``bounds`` shifted (the index itself when empty).
    """
    if index.empty:
        return index
    lng, lat = wgs84_to_gcj02(index["lng"].to_numpy(float), index["lat"].to_numpy(float))
    shifted = index.assign(lat=lat, lng=lng)
    boxed = shifted["bounds"].notna().to_numpy()
    if boxed.any():
        south, west, north, east = np.array(shifted["bounds"][boxed].tolist(), dtype=float).T
        west, south = wgs84_to_gcj02(west, south)
        east, north = wgs84_to_gcj02(east, north)
        bounds = shifted["bounds"].to_numpy(dtype=object).copy()
        corners = np.column_stack([south, west, north, east]).tolist()
        for at, row in zip(np.flatnonzero(boxed), corners, strict=True):
            bounds[at] = tuple(row)
        shifted["bounds"] = bounds
    return shifted


def add_map_tools(folium_map: folium.Map, lang: str | None = None,
                  index: pd.DataFrame | None = None) -> None:
    """Add full screen, measuring and (given an index) search by name to a map.

    Parameters
    ----------
    folium_map : folium.Map
        The map, its layers already added (a chosen township is outlined from them).
    lang : str, optional
        Language of the titles, units and placeholder.
    index : pandas.DataFrame, optional
        The places to search (:func:`places`), in the map's coordinates; no search box
        without it.
    """
    # The whole map page goes full screen, not only Leaflet's container: the legends are
    # the page's, beside the container.
    Fullscreen(position="topleft", title=t("map_tools.fullscreen", lang),
               title_cancel=t("map_tools.fullscreen_exit", lang),
               fullscreen_element=JsCode("document.documentElement")).add_to(folium_map)
    if index is not None and len(index):
        PlaceSearch(index, lang).add_to(folium_map)
    Measure(lang).add_to(folium_map)
    page = cast(Figure, folium_map.get_root())
    page.header.add_child(folium.Element(f"<style>{_TOOLS_CSS}</style>"))


class Measure(MeasureControl):
    """leaflet-measure 3.1.0 (its Chinese build for Chinese): metres and km, m² and km².

    folium's control with folium's workaround for Leaflet 1.8 and later (the map would jump
    to each click), loading the npm package's build for the language instead of 2.1.7.

    Parameters
    ----------
    lang : str, optional
        ``"zh"`` loads the package's ``cn`` build (米, 公里, 平方米 and its Chinese labels).
    """

    def __init__(self, lang: str | None = None) -> None:
        super().__init__(
            position="topleft", primary_length_unit="meters",
            secondary_length_unit="kilometers", primary_area_unit="sqmeters",
            secondary_area_unit="sqkilometers",
            # The package knows hectares and acres but not km²: a unit of our own.
            units={"sqkilometers": {"factor": 1e-6, "decimals": 2,
                                    "display": html_text(t("map_tools.sqkilometers", lang))}},
            active_color="#e0301e", completed_color="#c0392b")
        build = "leaflet-measure.cn.js" if lang_or_default(lang) == "zh" else "leaflet-measure.js"
        name = "leaflet_measure_cn_js" if build.endswith(".cn.js") else "leaflet_measure_js"
        self.default_js = [(name, f"{_NPM}/leaflet-measure@3.1.0/dist/{build}")]
        self.default_css = [("leaflet_measure_css",
                             f"{_NPM}/leaflet-measure@3.1.0/dist/leaflet-measure.css")]


_SEARCH = Template("""
{% macro script(this, kwargs) %}
(function () {
  var tx = window.tongxinLayers, d = {{ this.data }}, map = {{ this._parent.get_name() }};
  var names = tx.column(d.names), at = tx.points(d.scale, d.points), kinds = [], boxes = {};
  var runs = function (list, each) {  // [[value, count], ...], one call per row
    list.forEach(function (run) { for (var i = 0; i < run[1]; i++) each(run[0], i); });
  };
  runs(d.kinds, function (kind) { kinds.push(kind); });
  var corners = tx.points(d.scale, d.boxes.corners), codes = tx.column(d.boxes.codes), r = 0;
  runs(d.boxes.rows, function (start, i) {
    boxes[start + i] = {bounds: L.latLngBounds(corners[2 * r], corners[2 * r + 1]),
                        code: codes[r]};
    r++;
  });
  // Names arrive HTML-escaped; only text holding an entity needs reading back, and a
  // DOMParser document runs nothing (no script, no image is fetched).
  var plain = function (s) {
    return s.indexOf("&") < 0 ? s :
      new DOMParser().parseFromString(s, "text/html").documentElement.textContent;
  };
  var records = {};
  at.forEach(function (p, k) {
    var name = plain(names[k]), kind = plain(kinds[k]), key = name + " \\u00b7 " + kind;
    for (var n = 2; Object.prototype.hasOwnProperty.call(records, key); n++) {
      key = name + " \\u00b7 " + kind + " " + n;  // the same name twice in one layer
    }
    var place = L.latLng(p[0], p[1]), b = boxes[k];
    place.label = name; place.kind = kind; place.folded = name.toLowerCase();
    if (b) { place.bounds = b.bounds; place.code = b.code; }
    records[key] = place;
  });
  // Names that start with the text first, then names that hold it anywhere (Chinese names
  // are searched by any part: "西园" finds 下西园社区).
  var filter = function (text, all) {
    var wanted = text.trim().toLowerCase(), first = [], rest = [], found = {};
    if (!wanted) return found;
    Object.keys(all).forEach(function (key) {
      var where = all[key].folded.indexOf(wanted);
      if (where === 0) first.push(key); else if (where > 0) rest.push(key);
    });
    first.concat(rest).slice(0, d.limit).forEach(function (key) { found[key] = all[key]; });
    return found;
  };
  // Text nodes, not HTML: a name is shown as written.
  var tip = function (key, place) {
    var item = L.DomUtil.create("li", ""), kind = L.DomUtil.create("span", "tongxin-search-kind");
    item.appendChild(document.createTextNode(place.label));
    kind.textContent = place.kind;
    item.appendChild(kind);
    return item;
  };
  var highlight = L.featureGroup().addTo(map);
  map.tongxinSearchHighlight = highlight;
  var outline = function (code) {
    var found = null;
    map.eachLayer(function (layer) {
      if (!found && code && layer instanceof L.Polygon && layer.feature &&
          layer.feature.properties && layer.feature.properties.code === code) found = layer;
    });
    return found;
  };
  // The place chosen stays marked until the next search: a township by its outline, a point
  // by a ring.
  var show = function (place, title, m) {
    highlight.clearLayers();
    if (place.bounds) {
      var drawn = outline(place.code);
      (drawn ? L.polygon(drawn.getLatLngs(), d.style) : L.rectangle(place.bounds, d.style))
        .addTo(highlight);
      m.fitBounds(place.bounds, {maxZoom: d.zoom + 1, padding: [24, 24]});
    } else {
      // A ring, and a dot at its centre: the place shows even where its layer is not drawn.
      L.circleMarker(place, Object.assign({}, d.style, {radius: 14})).addTo(highlight);
      L.circleMarker(place, Object.assign({}, d.style, {radius: 3, fill: true, fillOpacity: 1}))
        .addTo(highlight);
      m.setView(place, Math.max(m.getZoom(), d.zoom));
    }
  };
  var control = new L.Control.Search({
    sourceData: function (text, done) { done(records); return {abort: function () {}}; },
    formatData: function (all) { return all; }, filterData: filter, buildTip: tip,
    moveToLocation: show, marker: false, initial: false, collapsed: false,
    // No completing in the box: it would break typing Chinese through an input method.
    autoType: false, firstTipSubmit: true, tooltipLimit: d.limit, delayType: 150,
    textPlaceholder: d.placeholder, textErr: d.none, textCancel: d.cancel,
    position: "topleft"});
  map.addControl(control);
  // The control searches on key-up; text from an input method or a paste may come with no
  // key it acts on, so every change of the text searches too.
  L.DomEvent.on(control._input, "input", function () { control.searchText(this.value); });
})();
{% endmacro %}
""")


class PlaceSearch(JSCSSMixin, MacroElement):
    """leaflet-search 2.9.7 over the places of :func:`places`, sent as columns.

    A place costs its name (front-coded, :mod:`ui.leaflet_layers`) and about six bytes of
    coordinates; a township also its box and code, to outline it when chosen. A province's
    36,000 places come to about 350 KB.

    Parameters
    ----------
    index : pandas.DataFrame
        The places, in the map's coordinates.
    lang : str, optional
        Language of the placeholder and messages.
    """

    _template = _SEARCH

    def __init__(self, index: pd.DataFrame, lang: str | None = None) -> None:
        super().__init__()
        self._name = "PlaceSearch"
        dist = f"{_NPM}/leaflet-search@2.9.7/dist"
        self.default_js = [("Leaflet.Search.js", f"{dist}/leaflet-search.min.js")]
        self.default_css = [("Leaflet.Search.css", f"{dist}/leaflet-search.min.css")]
        self.data = search_data(index, lang)


def search_data(index: pd.DataFrame, lang: str | None = None) -> str:
    """Return the search box's data as JSON: encoded once per distinct index and language.

    Encoding a province's 36,000 names took about 0.3 s of every run of every map page; the
    index only changes with the dataset, so the last few encodings are kept, found by a
    digest of the index's content (a few milliseconds).

    Parameters
    ----------
    index : pandas.DataFrame
        The places (:func:`places`), in the map's coordinates.
    lang : str, optional
        Language of the placeholder and messages.

    Returns
    -------
    str
        JSON, safe inside a script.
    """
    return _encoded(_Digested(_digest(index), index), lang_or_default(lang))


@dataclass(frozen=True, eq=False)
class _Digested:
    """An index known by its content's digest (what the cache compares), carrying the rows."""

    digest: str
    rows: pd.DataFrame

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Digested) and other.digest == self.digest


def _digest(index: pd.DataFrame) -> str:
    text = pd.util.hash_pandas_object(index[["kind", "name", "code"]].astype(str), index=False)
    boxed = index["bounds"].dropna()
    digest = hashlib.sha1(text.to_numpy().tobytes())
    digest.update(index[["lat", "lng"]].to_numpy(float).tobytes())
    digest.update(np.array(boxed.tolist(), dtype=float).tobytes())
    digest.update(np.asarray(boxed.index).astype(np.int64).tobytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def _encoded(index: _Digested, lang: str) -> str:
    rows = index.rows.reset_index(drop=True)
    boxed = rows[rows["bounds"].notna()]
    corners = np.array(boxed["bounds"].tolist(), dtype=float).reshape(-1, 4)
    # Names, kinds and messages escaped (the control writes its message as HTML); codes
    # only compared with the drawn townships', never shown. Kinds and the rows with a box
    # come in runs (the index lists each layer together).
    return dumps_safe({
        **_encoded_points(rows["lat"].to_numpy(float), rows["lng"].to_numpy(float)),
        "names": _column([html_text(str(n)) for n in rows["name"]]),
        "kinds": _runs([html_text(str(k)) for k in rows["kind"]]),
        "boxes": {"rows": _row_runs(boxed.index.to_numpy()),
                  # south-west then north-east corner of each box, as points
                  "corners": _encoded_points(corners[:, [0, 2]].ravel(),
                                             corners[:, [1, 3]].ravel())["points"],
                  "codes": _column(boxed["code"].astype(str).tolist())},
        "limit": SEARCH_TIPS, "zoom": POINT_ZOOM, "style": HIGHLIGHT,
        "placeholder": t("map_tools.search_placeholder", lang),
        "none": html_text(t("map_tools.search_none", lang)),
        "cancel": t("map_tools.search_cancel", lang)})


def _runs(values: list[str]) -> list[list]:
    # [[value, how many times in a row], ...]
    out: list[list] = []
    for value in values:
        if out and out[-1][0] == value:
            out[-1][1] += 1
        else:
            out.append([value, 1])
    return out


def _row_runs(rows: np.ndarray) -> list[list[int]]:
    # Consecutive row numbers as [[first, how many], ...].
    out: list[list[int]] = []
    for row in rows.tolist():
        if out and out[-1][0] + out[-1][1] == row:
            out[-1][1] += 1
        else:
            out.append([row, 1])
    return out
