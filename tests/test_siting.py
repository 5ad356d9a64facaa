"""Siting new stations: greedy max-cover against the exact optimum, and on the demo."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from scipy import sparse
from shapely.geometry import Point

from analysis.siting import cover_matrix, exact_max_cover, greedy_max_cover
from tests.conftest import read_layers


def _matrix(rows: list[list[int]], n_dem: int) -> sparse.csr_matrix:
    dense = np.zeros((len(rows), n_dem), dtype=np.int8)
    for i, cols in enumerate(rows):
        dense[i, cols] = 1
    return sparse.csr_matrix(dense)


def _brute_force(reach: sparse.csr_matrix, weights: np.ndarray, k: int) -> float:
    dense = reach.toarray().astype(bool)
    best = 0.0
    for combo in itertools.combinations(range(dense.shape[0]), min(k, dense.shape[0])):
        best = max(best, float(weights[dense[list(combo)].any(axis=0)].sum()))
    return best


def test_hand_checked_greedy_is_not_optimal_but_exact_is():
    # The classic trap: one big middle set tempts greedy; two side sets are better.
    reach = _matrix([[0, 1, 2, 3], [0, 1, 4], [2, 3, 5]], 6)
    weights = np.array([1, 1, 1, 1, 1.5, 1.5])
    chosen, gains = greedy_max_cover(reach, weights, 2)
    assert chosen == [0, 1] and gains == [4.0, 1.5]
    exact, value = exact_max_cover(reach, weights, 2)
    assert sorted(exact) == [1, 2] and value == pytest.approx(7.0)


def test_greedy_stops_when_nothing_is_left_to_cover():
    reach = _matrix([[0], [0], [1]], 2)
    chosen, gains = greedy_max_cover(reach, np.array([5.0, 0.0]), 3)
    assert chosen == [0] and gains == [5.0]


def test_cover_matrix_uses_each_candidates_radius():
    candidates = np.array([Point(0, 0), Point(100, 0)])
    demands = np.array([Point(50, 0), Point(250, 0)])
    reach = cover_matrix(candidates, demands, np.array([60.0, 160.0])).toarray()
    assert reach.tolist() == [[1, 0], [1, 1]]


instances = st.integers(2, 7).flatmap(lambda n_dem: st.tuples(
    st.lists(st.lists(st.integers(0, n_dem - 1), max_size=n_dem), min_size=1, max_size=6),
    st.lists(st.floats(0, 100), min_size=n_dem, max_size=n_dem),
    st.integers(1, 4), st.just(n_dem)))


@hyp_settings(max_examples=60, deadline=None)
@given(instances)
def test_greedy_never_beats_the_optimum_and_reaches_1_minus_1_over_e(instance):
    rows, weights, k, n_dem = instance
    reach = _matrix(rows, n_dem)
    weights = np.array(weights)
    _, gains = greedy_max_cover(reach, weights, k)
    _, exact = exact_max_cover(reach, weights, k)
    optimum = _brute_force(reach, weights, k)
    assert exact == pytest.approx(optimum, abs=1e-6)
    assert sum(gains) <= optimum + 1e-6
    assert sum(gains) >= (1 - 1 / math.e) * optimum - 1e-6


@hyp_settings(max_examples=30, deadline=None)
@given(instances)
def test_a_bigger_budget_never_covers_less(instance):
    rows, weights, k, n_dem = instance
    reach = _matrix(rows, n_dem)
    weights = np.array(weights)
    assert sum(greedy_max_cover(reach, weights, k + 1)[1]) >= sum(
        greedy_max_cover(reach, weights, k)[1])


def test_demo_proposals_reach_the_uncovered_minority(demo_env):
    from analysis.coverage import station_coverage
    from analysis.siting import propose_stations
    layers = read_layers()
    cov = station_coverage(layers["workstations"], layers["communities"], layers["townships"],
                           layers["religious_sites"])
    greedy = propose_stations(cov, layers["communities"], layers["townships"], 3)
    exact = propose_stations(cov, layers["communities"], layers["townships"], 3, method="exact")
    assert greedy.uncovered_before == pytest.approx(cov.totals["minority_uncovered"])
    assert len(greedy.proposals) == 3
    assert list(greedy.proposals["added_minority"]) == sorted(greedy.proposals["added_minority"],
                                                              reverse=True)
    assert exact.uncovered_after <= greedy.uncovered_after + 1e-6
    assert greedy.uncovered_after < greedy.uncovered_before
    assert greedy.proposals.crs.to_epsg() == 4326
