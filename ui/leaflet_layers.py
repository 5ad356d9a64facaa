"""Map layers sent as compact data and built in the browser: polygons, points, circles, heat.

folium writes each feature as GeoJSON or a JavaScript statement of its own; at province scale
that is most of a page's bytes. These layers send polyline text (:mod:`ui.polyline`), columns
in place of per-feature properties and each distinct style once, and leave the building to a
few lines of JavaScript. Text from data reaches them HTML-escaped and is shown, never run.
"""

from __future__ import annotations

import functools
import json
import os

import folium
import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.plugins import HeatMap, MarkerCluster
from folium.template import Template  # with folium's tojavascript filter

from ui.escape import dumps_safe, html_text
from ui.polyline import (
    DECODE_JS,
    INDEX_JS,
    INDEX_LIMIT,
    encode_points,
    encode_polygons,
    index_text,
    index_values,
)

POINT_DECIMALS = 5  # about a metre: points are zoomed into, outlines are not


def _encoded_points(lat: np.ndarray, lng: np.ndarray) -> dict:
    # What every point layer sends: the scale to decode with, and the points as one text.
    return {"scale": 10 ** POINT_DECIMALS, "points": encode_points(lat, lng, POINT_DECIMALS)}


_PRELUDE = Template("""
{% macro script(this, kwargs) %}
window.tongxinLayers = window.tongxinLayers || {
  decoder: DECODE,
  index: INDEX,
  column: function (c) {
    if (Array.isArray(c)) return c;
    if (c.u) return this.index(c.i).map(function (k) { return c.u[k]; });
    var out = [], before = "", at = 0;
    while (at < c.f.length) {
      var sizes = this.index(c.f.substr(at, 2));
      before = before.slice(0, sizes[0]) + c.f.substr(at + 2, sizes[1]);
      out.push(before);
      at += 2 + sizes[1];
    }
    return out;
  },
  points: function (scale, text) { return this.decoder(scale)(text); },
  // Labels and values were HTML-escaped on the server: text from data is shown, never run.
  table: function (labels, columns, k) {
    return "<table>" + labels.map(function (label, j) {
      return "<tr><th style='text-align:left;padding:2px 8px 2px 2px'>" + label +
             "</th><td>" + columns[j][k] + "</td></tr>";
    }).join("") + "</table>";
  }
};
{% endmacro %}
""".replace("DECODE", DECODE_JS).replace("INDEX", INDEX_JS))


@functools.cache
def prelude_script() -> str:
    """Return the prelude's script as a map's page holds it (the map element runs it apart)."""
    return str(_PRELUDE.module.script(None, {}))


class Prelude(MacroElement):
    """The decoders the layers below share, written once per map ahead of them."""

    _template = _PRELUDE

    def __init__(self) -> None:
        super().__init__()
        self._name = "TongxinLayers"


def _column(values: list[str]) -> list[str] | dict:
    # Whichever form is shortest: the values; a column of few distinct values (kinds, yes/no)
    # as those values and a character each; or a column of codes or names that share their
    # beginnings ("620103001", "620103002") as what each adds to the one before.
    forms: list[list[str] | dict] = [values]
    distinct = list(dict.fromkeys(values))
    if len(distinct) < INDEX_LIMIT:
        where = {v: i for i, v in enumerate(distinct)}
        forms.append({"u": distinct, "i": index_text([where[v] for v in values])})
    fronted = _front_coded(values)
    if fronted is not None:
        forms.append({"f": fronted})
    return min(forms, key=lambda form: len(dumps_safe(form).encode()))


def read_column(column: list[str] | dict) -> list[str]:
    """Return a column's values from any form :func:`_column` sends (the prelude's twin).

    Parameters
    ----------
    column : list or dict
        As found in a layer's data.

    Returns
    -------
    list of str
        The values, in order.
    """
    if isinstance(column, list):
        return column
    if "u" in column:
        return [column["u"][k] for k in index_values(column["i"])]
    out, before, text, at = [], "", column["f"], 0
    while at < len(text):
        kept, added = index_values(text[at:at + 2])
        before = before[:kept] + text[at + 2:at + 2 + added]
        out.append(before)
        at += 2 + added
    return out


def _front_coded(values: list[str]) -> str | None:
    # Each value as two characters (how much of the previous value it keeps, how many it
    # adds) and what it adds. JavaScript counts UTF-16 units: only for text without
    # characters beyond the BMP, and only for pieces short enough for one character.
    out, before = [], ""
    for value in values:
        if any(ord(c) > 0xFFFF for c in value):
            return None
        # Deliberately character-wise: front-coding needs the common prefix of two strings.
        kept = len(os.path.commonprefix([before, value]))  # noqa: RUF071
        added = value[kept:]
        if kept >= INDEX_LIMIT or len(added) >= INDEX_LIMIT:
            return None
        lengths = index_text([kept, len(added)])
        assert isinstance(lengths, str)  # both below INDEX_LIMIT: one character each
        out.append(lengths + added)
        before = value
    return "".join(out)


def _styles(styles: list[dict]) -> tuple[list[dict], str | list[int] | None]:
    distinct = list(dict.fromkeys(json.dumps(s, sort_keys=True) for s in styles))
    if len(distinct) <= 1:
        return [json.loads(s) for s in distinct], None
    where = {s: i for i, s in enumerate(distinct)}
    return ([json.loads(s) for s in distinct],
            index_text([where[json.dumps(s, sort_keys=True)] for s in styles]))


_POLYGONS = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var tx = window.tongxinLayers, d = {{ this.data }}, ring = tx.decoder(d.scale);
  var look = d.look ? tx.index(d.look) : null, group = L.featureGroup();
  var styleOf = function (k) { return d.styles[look ? look[k] : 0]; };
  var codes = d.codes ? tx.column(d.codes) : null;
  var rows = {}, rowOf = function (layer) { return rows[L.stamp(layer)]; };  // Leaflet's ids
  for (var k = 0; k < d.shapes.length; k++) {
    var layer = L.polygon(d.shapes[k].map(function (p) { return p.map(ring); }), styleOf(k));
    rows[L.stamp(layer)] = k;
    // A click reports the feature's code to the page (ui/map_component.js reads it).
    if (codes) layer.feature = {type: "Feature", properties: {code: codes[k]}};
    group.addLayer(layer);
  }
  if (d.tip) {
    var columns = d.tip.columns.map(function (c) { return tx.column(c); });
    group.bindTooltip(function (layer) {
      return tx.table(d.tip.labels, columns, rowOf(layer)); }, {sticky: true});
  }
  if (d.highlight) {
    group.on("mouseover", function (e) { e.layer.setStyle(d.highlight); });
    group.on("mouseout", function (e) { e.layer.setStyle(styleOf(rowOf(e.layer))); });
  }
  return group;
})();
{% endmacro %}
""")


class EncodedPolygons(folium.map.Layer):
    """Polygons sent as polyline text and drawn in the browser, with tooltips from a table.

    A township as GeoJSON costs about 375 bytes at province scale (vertices as decimal pairs,
    property names repeated in every feature); as this layer under 90: the outlines encoded,
    each distinct style sent once, tooltip values sent as columns and a column of few
    distinct values (a township's kind) as a character each.

    Parameters
    ----------
    geoms : numpy.ndarray
        Polygons in the map's coordinates (EPSG:4326, or GCJ-02 on such tiles).
    decimals : int
        Decimals of a degree kept (:func:`ui.geometry.decimals_for`).
    name : str
        Layer name.
    styles : list of dict
        One Leaflet path style per polygon, or one for all.
    codes : list of str, optional
        A code per polygon, reported by a click.
    tooltip : tuple, optional
        ``(labels, frame)``: the labels, and a frame of escaped text with a column per label.
    highlight : dict, optional
        The style while the pointer is over a polygon.
    control, show : bool
        Listed in the layer control; visible at first.
    """

    _template = _POLYGONS

    def __init__(self, geoms: np.ndarray, decimals: int, name: str, styles: list[dict],
                 codes: list[str] | None = None,
                 tooltip: tuple[list[str], pd.DataFrame] | None = None,
                 highlight: dict | None = None, control: bool = True,
                 show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=control, show=show)
        self._name = "EncodedPolygons"
        distinct, look = _styles(styles)
        payload: dict = {"scale": 10 ** decimals, "shapes": encode_polygons(geoms, decimals),
                         "styles": distinct}
        if look is not None:
            payload["look"] = look
        if codes is not None:
            payload["codes"] = _column(codes)
        if tooltip is not None:
            labels, shown = tooltip
            payload["tip"] = {"labels": [html_text(label) for label in labels],
                              "columns": [_column(shown[c].tolist()) for c in shown.columns]}
        if highlight:
            payload["highlight"] = highlight
        # Escaped text, numbers and this module's styles; "</" broken so nothing ends the script.
        self.data = dumps_safe(payload)


_POINTS = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var tx = window.tongxinLayers, d = {{ this.data }}, group = L.featureGroup();
  var look = d.look ? tx.index(d.look) : null;
  var columns = d.columns.map(function (c) { return tx.column(c); });
  var pick = function (which) { return which.map(function (j) { return columns[j]; }); };
  var rows = {}, rowOf = function (layer) { return rows[L.stamp(layer)]; };  // Leaflet's ids
  tx.points(d.scale, d.points).forEach(function (p, k) {
    var marker = L.circleMarker(p, d.styles[look ? look[k] : 0]);
    rows[L.stamp(marker)] = k;
    marker.feature = {type: "Feature", properties: {}};  // a click reports no township
    group.addLayer(marker);
  });
  var tip = pick(d.tip), pop = pick(d.pop);
  group.bindTooltip(function (layer) {
    return tx.table(d.tipLabels, tip, rowOf(layer)); });
  if (d.pop.length) group.bindPopup(function (layer) {
    return tx.table(d.popLabels, pop, rowOf(layer)); });
  return group;
})();
{% endmacro %}
""")


class EncodedPoints(folium.map.Layer):
    """Circle markers sent as one polyline text, their tooltips and popups as columns.

    folium's GeoJSON of points repeats every property name in every feature and writes each
    coordinate in full; a district's 95 venues with their popups came to about 60 KB.

    Parameters
    ----------
    lat, lng : numpy.ndarray
        Degrees.
    styles : list of dict
        A circle-marker style per point, or one for all.
    shown : pandas.DataFrame
        Escaped text (:func:`ui.escape.escaped`), a column per field of the tooltip or popup.
    tooltip, popup : dict
        ``{column of shown: label}``.
    name : str
        Layer name.
    """

    _template = _POINTS

    def __init__(self, lat: np.ndarray, lng: np.ndarray, styles: list[dict],
                 shown: pd.DataFrame, tooltip: dict[str, str], popup: dict[str, str],
                 name: str) -> None:
        super().__init__(name=name, overlay=True, control=False)
        self._name = "EncodedPoints"
        distinct, look = _styles(styles)
        order = list(shown.columns)
        payload: dict = {
            **_encoded_points(lat, lng),
            "styles": distinct, "columns": [_column(shown[c].tolist()) for c in order],
            "tip": [order.index(c) for c in tooltip],
            "tipLabels": [html_text(label) for label in tooltip.values()],
            "pop": [order.index(c) for c in popup],
            "popLabels": [html_text(label) for label in popup.values()]}
        if look is not None:
            payload["look"] = look
        self.data = dumps_safe(payload)


_CIRCLES = Template("""
{% macro script(this, kwargs) %}
(function () {
  var tx = window.tongxinLayers, d = {{ this.data }}, group = {{ this._parent.get_name() }};
  var radii = tx.column(d.radii);
  tx.points(d.scale, d.points).forEach(function (p, k) {
    L.circle(p, Object.assign({radius: Number(radii[k])}, d.style)).addTo(group);
  });
})();
{% endmacro %}
""")


class Circles(MacroElement):
    """Circles of given radii in metres (service areas), added to the parent group.

    Parameters
    ----------
    lat, lng : numpy.ndarray
        Centres, degrees.
    radii : numpy.ndarray
        Metres, rounded to whole metres.
    style : dict
        One Leaflet path style for all.
    """

    _template = _CIRCLES

    def __init__(self, lat: np.ndarray, lng: np.ndarray, radii: np.ndarray,
                 style: dict) -> None:
        super().__init__()
        self._name = "Circles"
        # Numbers and a fixed style only: nothing from the data's text reaches the script.
        self.data = dumps_safe({
            **_encoded_points(lat, lng),
            "radii": _column([str(round(r)) for r in radii]), "style": style})


_HEXAGONS = Template("""
{% macro script(this, kwargs) %}
(function () {
  var tx = window.tongxinLayers, d = {{ this.data }}, group = {{ this._parent.get_name() }};
  var fill = tx.index(d.fill), r = d.radius;
  var ring = [0, 1, 2, 3, 4, 5].map(function (a) {
    return [Math.sin(a * Math.PI / 3), Math.cos(a * Math.PI / 3)]; });
  tx.points(d.scale, d.points).forEach(function (p, i) {
    var lat = p[0], lng = p[1], dy = r / 111320,
        dx = r / (111320 * Math.cos(lat * Math.PI / 180));
    L.polygon(ring.map(function (v) { return [lat + dy * v[0], lng + dx * v[1]]; }),
              {fillColor: d.colours[fill[i]], fillOpacity: 0.75, color: "#ffffff", weight: 0.5})
      .bindTooltip(d.label + ": " + d.counts[i]).addTo(group);
  });
})();
{% endmacro %}
""")


class Hexagons(MacroElement):
    """Flat-topped hexagons drawn in the browser from their centres, each with its total.

    Parameters
    ----------
    lat, lng : numpy.ndarray
        Centres, degrees.
    counts : numpy.ndarray
        The total of each cell.
    fills : list of int
        Each cell's index into ``colours``.
    colours : list of str
        The classes' colours.
    radius_m : float
        Circumradius in metres.
    label : str
        The tooltip's label (from the catalog).
    """

    _template = _HEXAGONS

    def __init__(self, lat: np.ndarray, lng: np.ndarray, counts: np.ndarray, fills: list[int],
                 colours: list[str], radius_m: float, label: str) -> None:
        super().__init__()
        self._name = "Hexagons"
        # Numbers, colours of this module and a label from the catalog: no text from data.
        self.data = dumps_safe({
            **_encoded_points(lat, lng),
            "counts": [int(n) for n in counts], "fill": index_text(fills),
            "colours": colours, "label": html_text(label), "radius": round(float(radius_m), 1)})


_CLUSTER = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var tx = window.tongxinLayers, d = {{ this.data }};
  var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
  cluster.addLayers(tx.points(d.scale, d.points).map(function (p) {
    return L.circleMarker(p, d.style); }));
  return cluster;
})();
{% endmacro %}
""")


class PointCluster(MarkerCluster):
    """Points as circle markers in a marker cluster, sent as one polyline text.

    folium's ``FastMarkerCluster`` sends ``[lat, lng]`` pairs (about 22 bytes a point); this
    sends their differences (about 6).

    Parameters
    ----------
    lat, lng : numpy.ndarray
        Degrees.
    style : dict
        The circle markers' style (radius in pixels, colours).
    name : str
        Layer name.
    """

    _template = _CLUSTER

    def __init__(self, lat: np.ndarray, lng: np.ndarray, style: dict, name: str) -> None:
        super().__init__(name=name)
        self._name = "PointCluster"
        self.data = dumps_safe({**_encoded_points(lat, lng),
                                "style": style})


_HEAT = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
  var tx = window.tongxinLayers, d = {{ this.encoded }};
  var points = tx.points(d.scale, d.points);
  if (d.weights) points.forEach(function (p, k) { p.push(d.weights[k]); });
  return L.heatLayer(points, {{ this.options|tojavascript }});
})();
{% endmacro %}
""")


class Heat(HeatMap):
    """Leaflet.heat's density layer, its points sent as one polyline text.

    Parameters
    ----------
    lat, lng : numpy.ndarray
        Degrees.
    weights : numpy.ndarray, optional
        A weight per point in [0, 1] (three decimals kept).
    name : str
        Layer name.
    show : bool
        Visible at first.
    **options
        Leaflet.heat's options (radius, blur, min_opacity).
    """

    _template = _HEAT

    def __init__(self, lat: np.ndarray, lng: np.ndarray, weights: np.ndarray | None,
                 name: str, show: bool = True, **options) -> None:
        super().__init__([], name=name, show=show, **options)
        self._name = "Heat"
        payload = _encoded_points(lat, lng)
        if weights is not None:
            payload["weights"] = [round(float(w), 3) for w in weights]
        self.encoded = dumps_safe(payload)  # self.data stays folium's empty list
