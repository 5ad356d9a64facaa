"""Polygons as short text: coordinates quantised, delta-coded and written as polyline characters.

A map page sends every township outline to the browser. As GeoJSON a vertex costs about 18
bytes (``[103.807, 36.06], ``); quantised to the map's precision, each coordinate written as
its difference from the one before in the encoded-polyline alphabet (the scheme of Google's
polyline format: 5 bits a character, ``?`` to ``~``), it costs 2 to 4. The browser decodes it
with a dozen lines of JavaScript (:data:`DECODE_JS`), in the order it was written.
"""

from __future__ import annotations

import numpy as np
import shapely

# Enough 5-bit characters for any difference of two longitudes at 7 decimals, zigzagged.
_MAX_CHUNKS = 8
_FIRST_CHAR = 63  # "?": the alphabet is "?" to "~", none of which JSON or HTML must escape but \
_BACKSLASH = 92  # left out of index characters (JSON would write it twice)
INDEX_LIMIT = 63  # indices that fit one character: "?" to "~" without the backslash

DECODE_JS = """function (scale) {
  var lat = 0, lng = 0;
  function next(s, at) {
    var b, shift = 0, r = 0;
    do { b = s.charCodeAt(at.i++) - 63; r |= (b & 31) << shift; shift += 5; } while (b >= 32);
    return (r & 1) ? ~(r >> 1) : (r >> 1);
  }
  return function (s) {
    var pts = [], at = {i: 0};
    while (at.i < s.length) {
      lat += next(s, at); lng += next(s, at);
      pts.push([lat / scale, lng / scale]);
    }
    return pts;
  };
}"""
"""JavaScript: called with ``10 ** decimals``, returns a decoder of one ring string into
``[[lat, lng], ...]``. One decoder per layer, called on the rings in the order written."""


def encode_polygons(geoms: np.ndarray, decimals: int) -> list[list[list[str]]]:
    """Return each geometry as its polygons, each polygon as its rings, each ring as text.

    Coordinates are rounded to ``decimals`` (latitude first, as Leaflet takes them) and each
    written as its difference from the previous one *across the whole layer*, so the rings
    must be decoded in the order returned. A ring's closing vertex and vertices that round
    onto the one before are left out: Leaflet closes rings itself.

    Parameters
    ----------
    geoms : numpy.ndarray
        Polygons and multipolygons in EPSG:4326 (``None`` and empty allowed: no polygons).
    decimals : int
        Decimals of a degree to keep (5 is about a metre).

    Returns
    -------
    list
        Per geometry, ``[[outer, hole, ...], ...]`` of ring strings.
    """
    values = np.asarray(geoms, dtype=object)
    shapes: list[list[list[str]]] = [[] for _ in range(len(values))]
    present = np.flatnonzero(shapely.is_geometry(values))
    if not len(present):
        return shapes
    polygons, owner = shapely.get_parts(values[present], return_index=True)
    polygons, owner = polygons[~shapely.is_empty(polygons)], owner[~shapely.is_empty(polygons)]
    rings, ring_polygon = _rings(polygons)
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    ints = np.round(coords[:, ::-1] * 10.0 ** decimals).astype(np.int64)
    keep = _kept_vertices(ints, ring_of)
    ints, ring_of = ints[keep], ring_of[keep]
    steps = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    text, widths = _characters(steps)
    per_vertex = widths.reshape(-1, 2).sum(axis=1)
    ends = np.cumsum(np.bincount(ring_of, weights=per_vertex, minlength=len(rings))).astype(int)
    starts = np.concatenate([[0], ends[:-1]])
    polygon_rings: list[list[str]] = [[] for _ in range(len(polygons))]
    for ring, (start, end) in enumerate(zip(starts, ends, strict=True)):
        polygon_rings[ring_polygon[ring]].append(text[start:end])
    for polygon, geom in zip(polygon_rings, owner, strict=True):
        shapes[present[geom]].append(polygon)
    return shapes


def decode_ring(text: str, start: tuple[int, int], decimals: int) -> tuple[list, tuple[int, int]]:
    """Return a ring's ``[(lat, lng), ...]`` and the running position after it.

    The Python twin of :data:`DECODE_JS`, for tests and tools.

    Parameters
    ----------
    text : str
        One ring from :func:`encode_polygons`.
    start : tuple of int
        The quantised ``(lat, lng)`` the previous ring ended at (``(0, 0)`` for the first).
    decimals : int
        As encoded.

    Returns
    -------
    tuple
        The vertices in degrees, and the position to decode the next ring from.
    """
    lat, lng = start
    values, shift, number = [], 0, 0
    for char in text:
        chunk = ord(char) - _FIRST_CHAR
        number |= (chunk & 31) << shift
        shift += 5
        if chunk < 32:
            values.append(~(number >> 1) if number & 1 else number >> 1)
            shift, number = 0, 0
    points = []
    for dlat, dlng in zip(values[::2], values[1::2], strict=True):
        lat, lng = lat + dlat, lng + dlng
        points.append((lat / 10 ** decimals, lng / 10 ** decimals))
    return points, (lat, lng)


def _rings(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Exterior first, then the holes, polygon by polygon: the order Leaflet nests them in.
    rings, ring_polygon = [], []
    for i, polygon in enumerate(polygons):
        rings.append(polygon.exterior)
        rings.extend(polygon.interiors)
        ring_polygon.extend([i] * (1 + len(polygon.interiors)))
    return np.array(rings, dtype=object), np.array(ring_polygon, dtype=np.int64)


def _kept_vertices(ints: np.ndarray, ring_of: np.ndarray) -> np.ndarray:
    last_of_ring = np.append(ring_of[1:] != ring_of[:-1], True)
    same_as_before = np.zeros(len(ints), dtype=bool)
    same_as_before[1:] = (ints[1:] == ints[:-1]).all(axis=1) & (ring_of[1:] == ring_of[:-1])
    return ~last_of_ring & ~same_as_before


def _characters(steps: np.ndarray) -> tuple[str, np.ndarray]:
    # Zigzag (small negatives become small positives), then 5 bits a character, low bits
    # first, 0x20 set on every character but a number's last; all numbers at once.
    zig = ((steps << 1) ^ (steps >> 63)).astype(np.uint64)
    shifts = np.arange(_MAX_CHUNKS, dtype=np.uint64) * np.uint64(5)
    rest = zig[:, None] >> shifts[None, :]
    if (rest[:, -1] >= 32).any():
        msg = "A coordinate step is too large to encode: are the coordinates in degrees?"
        raise ValueError(msg)
    widths = np.maximum(1, (rest > 0).sum(axis=1))
    more = np.zeros_like(rest, dtype=bool)
    more[:, :-1] = rest[:, 1:] > 0
    chars = (rest & np.uint64(31)) + np.where(more, 32, 0).astype(np.uint64) + _FIRST_CHAR
    used = np.arange(_MAX_CHUNKS)[None, :] < widths[:, None]
    return chars[used].astype(np.uint8).tobytes().decode("ascii"), widths


def encode_points(lat: np.ndarray, lng: np.ndarray, decimals: int) -> str:
    """Return points as one polyline text, every point kept (several may share a place).

    Parameters
    ----------
    lat, lng : numpy.ndarray
        Degrees.
    decimals : int
        Decimals of a degree to keep (5 is about a metre).

    Returns
    -------
    str
        Decoded by a fresh :data:`DECODE_JS` decoder into the points, in order.
    """
    ints = np.round(np.column_stack([lat, lng]).astype(float) * 10.0 ** decimals)
    steps = np.diff(ints.astype(np.int64), axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return _characters(steps.ravel())[0]


def index_text(indices: list[int] | np.ndarray) -> str | list[int]:
    r"""Return small non-negative integers as one character each (a list if any is 63 or more).

    Style and category indices of a layer's features: ``"ABA@"`` costs a byte an entry where a
    JSON list costs two. The alphabet is ``?`` to ``~`` without ``\``; :data:`INDEX_JS` reads it.

    Parameters
    ----------
    indices : sequence of int
        Values from 0.

    Returns
    -------
    str or list of int
        The text, or the indices as they were when some do not fit.
    """
    values = [int(i) for i in indices]
    if values and (max(values) >= INDEX_LIMIT or min(values) < 0):
        return values
    return "".join(chr(_FIRST_CHAR + i + (i >= _BACKSLASH - _FIRST_CHAR)) for i in values)


def index_values(text: str | list[int]) -> list[int]:
    """Return the indices of :func:`index_text` (its Python twin of :data:`INDEX_JS`)."""
    if not isinstance(text, str):
        return list(text)
    codes = [ord(c) - _FIRST_CHAR for c in text]
    return [c - 1 if c > _BACKSLASH - _FIRST_CHAR else c for c in codes]


INDEX_JS = """function (s) {
  if (typeof s !== "string") return s;
  var out = new Array(s.length);
  for (var k = 0; k < s.length; k++) { var c = s.charCodeAt(k) - 63; out[k] = c > 29 ? c - 1 : c; }
  return out;
}"""
"""JavaScript: the indices of :func:`index_text` (a list passes through)."""
