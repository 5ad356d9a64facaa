"""Polygons as polyline text: hand-checked strings and round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from ui.polyline import decode_ring, encode_polygons, index_text, index_values


def decoded(shapes: list, decimals: int) -> list:
    at, out = (0, 0), []
    for shape in shapes:
        polygons = []
        for polygon in shape:
            rings = []
            for ring in polygon:
                points, at = decode_ring(ring, at, decimals)
                rings.append(points)
            polygons.append(rings)
        out.append(polygons)
    return out


def test_a_ring_is_googles_polyline_of_its_vertices():
    # The example of Google's "Encoded Polyline Algorithm Format" page, as a closed ring
    # (x is longitude): the closing vertex is not sent.
    ring = Polygon([(-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252)])
    assert encode_polygons(np.array([ring]), 5) == [[["_p~iF~ps|U_ulLnnqC_mqNvxq`@"]]]


def test_the_next_ring_continues_from_where_the_last_ended():
    shapes = encode_polygons(np.array([box(0, 0, 1, 1), box(0, 0, 1, 1)]), 0)
    # The second square starts where the first ended, one step from its first corner.
    first, second = shapes[0][0][0], shapes[1][0][0]
    assert len(second) < len(first) + 1
    assert decoded(shapes, 0)[0] == decoded(shapes, 0)[1]


def test_holes_parts_missing_and_empty_geometries_keep_their_places():
    donut = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (2, 1), (2, 2), (1, 2)]])
    pair = MultiPolygon([box(10, 10, 11, 11), box(20, 20, 21, 21)])
    shapes = encode_polygons(np.array([donut, None, pair, Polygon()], dtype=object), 3)
    assert [len(s) for s in shapes] == [1, 0, 2, 0]
    assert [len(p) for p in shapes[0]] == [2]
    back = decoded(shapes, 3)
    assert back[0][0][1] == [(1.0, 1.0), (1.0, 2.0), (2.0, 2.0), (2.0, 1.0)]
    # shapely's box starts at (maxx, miny); latitude comes first.
    assert back[2][1][0] == [(20.0, 21.0), (21.0, 21.0), (21.0, 20.0), (20.0, 20.0)]


def test_vertices_that_round_together_are_sent_once():
    ring = Polygon([(0, 0), (0.00001, 0), (1, 0), (1, 1)])
    assert decoded(encode_polygons(np.array([ring]), 2), 2) == \
        [[[[(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]]]]


def test_a_step_too_large_for_degrees_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="degrees"):
        encode_polygons(np.array([box(0, 0, 1e9, 1e9)]), 7)


coordinate = st.floats(-179.0, 179.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(coordinate, st.floats(-89.0, 89.0), st.floats(0.001, 5.0)),
                min_size=1, max_size=8), st.integers(0, 6))
def test_every_vertex_comes_back_within_half_a_step(boxes, decimals):
    geoms = np.array([box(x, y, x + w, y + w) for x, y, w in boxes], dtype=object)
    for geom, shape in zip(geoms, decoded(encode_polygons(geoms, decimals), decimals),
                           strict=True):
        kept = {(round(y * 10 ** decimals), round(x * 10 ** decimals))
                for x, y in geom.exterior.coords}
        back = {(round(lat * 10 ** decimals), round(lng * 10 ** decimals))
                for lat, lng in shape[0][0]}
        assert back == kept  # every distinct vertex, on the grid of 10^-decimals


@given(st.lists(st.integers(0, 62)))
def test_indices_read_back_from_their_characters(indices):
    text = index_text(indices)
    assert isinstance(text, str) and "\\" not in text and len(text) == len(indices)
    assert index_values(text) == indices


def test_indices_too_large_for_one_character_stay_a_list():
    assert index_text([0, 63]) == [0, 63]
    assert index_values([0, 63]) == [0, 63]


@given(st.lists(st.one_of(st.sampled_from(["620103001", "620103002", "620103101", "阿干镇"]),
                          st.text(max_size=80))))
def test_every_column_form_reads_back_as_sent(values):
    from ui.leaflet_layers import _column, read_column

    assert read_column(_column(values)) == values
