"""Communities layer: the real communities and villages with made-up figures and positions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from scripts.demo.common import (
    METRIC_CRS,
    Geography,
    allocate,
    allocate_capped,
    points,
    random_points_in,
    to_output,
)
from scripts.demo.district import KEY_COMMUNITIES


def community_population(communities: pd.DataFrame, townships: pd.DataFrame,
                         rng: np.random.Generator) -> pd.DataFrame:
    """Split each township's population and minority population over its communities.

    Parameters
    ----------
    communities : pandas.DataFrame
        Communities with ``township_code`` and ``kind``.
    townships : pandas.DataFrame
        Townships with ``code``, ``population`` and ``minority_population``.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    pandas.DataFrame
        ``communities`` with ``population`` and ``minority_population`` whose sums per
        township equal the township's figures.
    """
    out = communities.copy()
    out["population"] = 0
    out["minority_population"] = 0
    for town in townships.itertuples():
        rows = np.flatnonzero(out["township_code"].eq(town.code))
        # In the towns the 社区 around the seat are denser than the hill villages.
        denser = np.where(out["kind"].iloc[rows].eq("社区"), 2.0, 1.0)
        people = allocate(int(town.population), denser * rng.lognormal(0, 0.35, len(rows)))
        leaning = people * rng.lognormal(0, 0.6, len(rows))  # minorities cluster unevenly
        # No community more than 80 % minority: the excess moves to its neighbours.
        cap = (people * 0.8).astype(np.int64)
        minority = allocate_capped(int(town.minority_population), leaning, cap)
        out.loc[out.index[rows], "population"] = people
        out.loc[out.index[rows], "minority_population"] = minority
    return out


def key_communities(communities: pd.DataFrame) -> np.ndarray:
    """Flag the 40 key communities: those with the highest minority share.

    Parameters
    ----------
    communities : pandas.DataFrame
        With ``population`` and ``minority_population``.

    Returns
    -------
    numpy.ndarray
        Booleans, 40 True.
    """
    share = communities["minority_population"] / communities["population"]
    top = share.sort_values(ascending=False, kind="stable").index[:KEY_COMMUNITIES]
    return communities.index.isin(top)


def best_candidate(region: shapely.Geometry, placed: np.ndarray, rng: np.random.Generator,
                   tries: int = 24) -> np.ndarray:
    """Return the candidate point in ``region`` farthest from every point already placed.

    Mitchell's best-candidate sampling spreads points evenly without a grid look.

    Parameters
    ----------
    region : shapely.Geometry
        Where the point may go.
    placed : numpy.ndarray
        ``(m, 2)`` points already placed (may be empty).
    rng : numpy.random.Generator
        The random stream.
    tries : int
        Candidates drawn.

    Returns
    -------
    numpy.ndarray
        ``(x, y)``.
    """
    candidates = random_points_in(region, tries, rng)
    if not len(placed):
        return candidates[0]
    gap = np.sqrt(((candidates[:, None, :] - placed[None]) ** 2).sum(-1)).min(1)
    return candidates[int(np.argmax(gap))]


def place_communities(communities: pd.DataFrame, cells: dict[str, shapely.Geometry],
                      seats: dict[str, np.ndarray], townships: pd.DataFrame,
                      rng: np.random.Generator) -> np.ndarray:
    """Place every community inside its township, at least 150 m from any other.

    Street communities fill their small street evenly; a town's 社区 gather within 2 km of
    its seat and its villages spread over the hills.

    Parameters
    ----------
    communities : pandas.DataFrame
        With ``township_code`` and ``kind``.
    cells : dict
        Township polygons (metres) by code.
    seats : dict
        Township seats (metres) by code.
    townships : pandas.DataFrame
        With ``code`` and ``urban``.
    rng : numpy.random.Generator
        The random stream.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` coordinates in the communities' order.
    """
    urban = dict(zip(townships["code"], townships["urban"], strict=True))
    xy = np.full((len(communities), 2), np.nan)
    for i, row in enumerate(communities.itertuples()):
        inner = cells[row.township_code].buffer(-80)  # away from the edge: robust to rounding
        region = inner
        if not urban[row.township_code] and row.kind == "社区":
            near_seat = inner.intersection(shapely.Point(seats[row.township_code]).buffer(2000))
            region = near_seat if near_seat.area > 0 else inner
        xy[i] = best_candidate(region, xy[:i], rng)
    gaps = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)) + np.eye(len(xy)) * 1e9
    if gaps.min() < 150:
        raise ValueError(f"communities only {gaps.min():.0f} m apart")
    return xy


def communities_layer(geo: Geography) -> gpd.GeoDataFrame:
    """Return the communities layer (points).

    Parameters
    ----------
    geo : Geography
        The geography.

    Returns
    -------
    geopandas.GeoDataFrame
        141 rows in EPSG:4326.
    """
    frame = gpd.GeoDataFrame(geo.communities.copy(), geometry=points(geo.community_xy),
                             crs=METRIC_CRS)
    return to_output(frame, "communities")
