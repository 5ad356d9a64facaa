"""Where the next stations should go: maximal covering of the uncovered minority population."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from analysis.coverage import Coverage
from analysis.metric import to_metric
from core.district import DistrictConfig, district_config


@dataclass(frozen=True)
class SitingProposal:
    """Proposed new stations, best first, and what they would add.

    Attributes
    ----------
    proposals : geopandas.GeoDataFrame
        One row per proposed station (EPSG:4326): ``rank``, ``code`` and ``name`` of the
        candidate place, ``township_code``, ``radius_m``, ``added_minority`` (uncovered
        minority residents it newly reaches), ``cumulative_minority``, ``communities`` (codes
        of the communities it newly reaches).
    kind : str
        The station kind proposed (its radius applies).
    uncovered_before, uncovered_after : float
        Minority residents outside every service area, now and with the proposals.
    method : str
        ``"greedy"`` or ``"exact"``.
    """

    proposals: gpd.GeoDataFrame
    kind: str
    uncovered_before: float
    uncovered_after: float
    method: str


def cover_matrix(candidates: np.ndarray, demands: np.ndarray,
                 radii: np.ndarray) -> sparse.csr_matrix:
    """Return the 0/1 matrix of which candidate (row) would reach which demand point (column).

    Parameters
    ----------
    candidates, demands : numpy.ndarray
        Point geometries in a metric CRS.
    radii : numpy.ndarray
        Service radius (m) of a station at each candidate.

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape (candidates, demands).
    """
    shape = (len(candidates), len(demands))
    if not len(candidates) or not len(demands) or radii.max(initial=0) <= 0:
        return sparse.csr_matrix(shape, dtype=np.int8)
    tree = shapely.STRtree(demands)
    cand_i, dem_i = tree.query(candidates, predicate="dwithin", distance=float(radii.max()))
    keep = shapely.distance(candidates[cand_i], demands[dem_i]) <= radii[cand_i]
    data = np.ones(int(keep.sum()), dtype=np.int8)
    return sparse.csr_matrix((data, (cand_i[keep], dem_i[keep])), shape=shape)


def greedy_max_cover(reach: sparse.csr_matrix, weights: np.ndarray,
                     k: int) -> tuple[list[int], list[float]]:
    """Pick up to ``k`` candidates, each time the one adding the most uncovered weight.

    Greedy max-cover reaches at least (1 - 1/e) of the optimum (Nemhauser et al., 1978).
    It stops early when no candidate adds anything.

    Parameters
    ----------
    reach : scipy.sparse.csr_matrix
        Candidate x demand 0/1 matrix.
    weights : numpy.ndarray
        Weight of each demand (already-covered demand weighs 0).
    k : int
        How many to pick.

    Returns
    -------
    tuple of lists
        Chosen candidate indices in order, and the weight each added.
    """
    remaining = np.asarray(weights, dtype=float).copy()
    chosen: list[int] = []
    gains: list[float] = []
    for _ in range(max(int(k), 0)):
        totals = reach @ remaining
        if not len(totals) or totals.max() <= 0:
            break
        best = int(np.argmax(totals))
        chosen.append(best)
        gains.append(float(totals[best]))
        remaining[reach.indices[reach.indptr[best]:reach.indptr[best + 1]]] = 0.0
    return chosen, gains


def exact_max_cover(reach: sparse.csr_matrix, weights: np.ndarray,
                    k: int) -> tuple[list[int], float]:
    """Solve the maximal covering location problem exactly (mixed-integer programme, HiGHS).

    Maximise the weight of demands reached by at most ``k`` candidates. For checking the
    greedy answer and for small districts; its time grows quickly with the candidates.

    Parameters
    ----------
    reach : scipy.sparse.csr_matrix
        Candidate x demand 0/1 matrix.
    weights : numpy.ndarray
        Weight of each demand.
    k : int
        How many candidates at most.

    Returns
    -------
    tuple
        Chosen candidate indices and the weight they reach.
    """
    n_cand, n_dem = reach.shape
    if n_cand == 0 or n_dem == 0 or k <= 0:
        return [], 0.0
    # Variables: x (candidate chosen, binary) then y (demand reached, 0..1).
    cost = np.concatenate([np.zeros(n_cand), -np.asarray(weights, dtype=float)])
    link = sparse.hstack([-reach.T.astype(float), sparse.identity(n_dem)])  # y_j <= sum_i x_i
    budget = sparse.hstack([sparse.csr_matrix(np.ones((1, n_cand))),
                            sparse.csr_matrix((1, n_dem))])
    constraints = [LinearConstraint(link, -np.inf, 0), LinearConstraint(budget, 0, k)]
    integrality = np.concatenate([np.ones(n_cand), np.zeros(n_dem)])
    result = milp(cost, constraints=constraints, integrality=integrality,
                  bounds=Bounds(0, 1))
    if not result.success:
        msg = f"the covering programme could not be solved: {result.message}"
        raise RuntimeError(msg)
    chosen = [int(i) for i in np.flatnonzero(result.x[:n_cand] > 0.5)]
    return chosen, float(-result.fun)


def propose_stations(coverage: Coverage, communities: gpd.GeoDataFrame,
                     townships: gpd.GeoDataFrame, k: int, kind: str | None = None,
                     candidates: gpd.GeoDataFrame | None = None, method: str = "greedy",
                     config: DistrictConfig | None = None) -> SitingProposal:
    """Propose ``k`` new stations reaching the most minority residents not yet covered.

    Existing stations stay: what they cover already weighs nothing. Demand points are the
    communities (their point, or a point inside a polygon) weighted by their uncovered
    minority population; candidate places are the communities' locations plus ``candidates``.

    Parameters
    ----------
    coverage : Coverage
        Current coverage (from :func:`analysis.coverage.station_coverage`).
    communities, townships : geopandas.GeoDataFrame
        The layers (EPSG:4326).
    k : int
        How many stations to propose.
    kind : str, optional
        Station kind proposed, whose radius applies; the configured
        ``default_proposal_kind`` (the community service point) by default.
    candidates : geopandas.GeoDataFrame, optional
        Extra candidate places with ``code``, ``name``, ``township_code`` and points.
    method : str
        ``"greedy"`` (any size) or ``"exact"`` (small districts).
    config : DistrictConfig, optional
        Radii; the configured district's when omitted.

    Returns
    -------
    SitingProposal
        The proposals and the uncovered minority population before and after.
    """
    config = config or district_config()
    kind = kind or config.default_proposal_kind
    table = coverage.communities.reindex(communities["code"].astype(str))
    weights = (table["minority_population"] * (1 - table["covered_share"])).fillna(0).to_numpy()
    demand_geoms = shapely.point_on_surface(to_metric(communities).geometry.to_numpy())
    places = _candidate_places(communities, candidates)
    urban = dict(zip(townships["code"].astype(str), townships["urban"].fillna(False).astype(bool),
                     strict=True))
    radii = np.array([config.radius(kind, urban.get(str(t), False))
                      for t in places["township_code"]], dtype=float)
    place_geoms = shapely.point_on_surface(to_metric(places).geometry.to_numpy())
    reach = cover_matrix(place_geoms, demand_geoms, radii)
    if method == "exact":
        chosen, _ = exact_max_cover(reach, weights, k)
        chosen, gains = _order_by_gain(reach, weights, chosen)
    elif method == "greedy":
        chosen, gains = greedy_max_cover(reach, weights, k)
    else:
        msg = f"method must be 'greedy' or 'exact', not {method!r}"
        raise ValueError(msg)
    proposals = _proposal_table(places, chosen, gains, radii, reach, weights,
                                table.index.to_numpy())
    before = float(weights.sum())
    return SitingProposal(proposals, kind, before, before - float(sum(gains)), method)


def _candidate_places(communities: gpd.GeoDataFrame,
                      candidates: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    columns = ["code", "name", "township_code", "geometry"]
    places = communities[columns]
    if candidates is not None and len(candidates):
        places = pd.concat([places, candidates[columns].to_crs(communities.crs)],
                           ignore_index=True)
    places = places[places.geometry.notna()].reset_index(drop=True)
    return gpd.GeoDataFrame(places, geometry="geometry", crs=communities.crs)


def _order_by_gain(reach: sparse.csr_matrix, weights: np.ndarray,
                   chosen: list[int]) -> tuple[list[int], list[float]]:
    """Order an exact solution as officials read it: the biggest addition first."""
    sub = reach[chosen]
    order, gains = greedy_max_cover(sub, weights, len(chosen))
    return [chosen[i] for i in order], gains


def _proposal_table(places: gpd.GeoDataFrame, chosen: list[int], gains: list[float],
                    radii: np.ndarray, reach: sparse.csr_matrix, weights: np.ndarray,
                    demand_codes: np.ndarray) -> gpd.GeoDataFrame:
    remaining = weights.copy()
    reached = []
    for i in chosen:
        cols = reach.indices[reach.indptr[i]:reach.indptr[i + 1]]
        new = cols[remaining[cols] > 0]
        reached.append(tuple(demand_codes[new]))
        remaining[cols] = 0.0
    rows = places.iloc[chosen].reset_index(drop=True)
    return gpd.GeoDataFrame({
        "rank": np.arange(1, len(chosen) + 1),
        "code": rows["code"].astype(str).to_numpy(),
        "name": rows["name"].to_numpy(),
        "township_code": rows["township_code"].astype(str).to_numpy(),
        "radius_m": radii[chosen] if chosen else np.array([], dtype=float),
        "added_minority": np.round(gains, 1),
        "cumulative_minority": np.round(np.cumsum(gains), 1),
        "communities": reached,
    }, geometry=rows.geometry.to_numpy(), crs=places.crs)
