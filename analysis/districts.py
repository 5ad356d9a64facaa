"""The districts of a city side by side: coverage, activity per resident, unit gaps, scores.

Each district's figures come from the same analyses its own pages show (coverage, the "ten
enters" summary, the stationed units' status, the scorecard); here they are reduced to one
row a district, so that a city's united-front department compares like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.activity import ActivitySummary
from analysis.coverage import Coverage

PER_RESIDENTS = 10_000
COLUMNS = ("name", "townships", "station_rate", "community_rate", "minority_rate",
           "venue_rate", "population", "activities", "per_10k_residents", "units",
           "units_never", "units_gap", "score", "rank")


@dataclass(frozen=True)
class DistrictFigures:
    """What one district's pages computed, for the comparison.

    Attributes
    ----------
    adcode, name : str
        The district.
    coverage : Coverage
        :func:`analysis.coverage.station_coverage` of its data.
    activity : ActivitySummary
        Its "ten enters" activity in the period compared.
    units : pandas.DataFrame
        :func:`analysis.units.unit_status` on the period's last day (``status`` per unit).
    scores : pandas.DataFrame
        :func:`analysis.scorecard.scorecard` of its townships (``score`` per township).
    population : float
        Its resident population: the sum of its townships' (NaN when none is known).
    """

    adcode: str
    name: str
    coverage: Coverage
    activity: ActivitySummary
    units: pd.DataFrame
    scores: pd.DataFrame
    population: float


def compare_districts(figures: Sequence[DistrictFigures]) -> pd.DataFrame:
    """Return one row per district: its coverage, activity, units and score, and its rank.

    Parameters
    ----------
    figures : sequence of DistrictFigures
        Every district compared, in the order to keep for ties.

    Returns
    -------
    pandas.DataFrame
        Index ``adcode``; columns :data:`COLUMNS`: ``townships``; ``station_rate`` (share of
        townships with a township station), ``community_rate``, ``minority_rate`` (covered
        minority residents) and ``venue_rate``, each 0-1; ``population``; ``activities`` in
        the period and ``per_10k_residents`` (NaN where the population is unknown or 0);
        ``units``, ``units_never`` (never engaged) and ``units_gap`` (not engaged in good
        time); ``score``, the mean of its townships' scores (NaN with no township); ``rank``
        by score (1 = best, ties share the lowest rank, <NA> without a score).
    """
    rows = [_row(item) for item in figures]
    table = pd.DataFrame(rows, columns=["adcode", *COLUMNS[:-1]]).set_index("adcode")
    table["rank"] = table["score"].rank(ascending=False, method="min").astype("Int64")
    return table


def _row(item: DistrictFigures) -> dict:
    totals = item.coverage.totals
    towns = int(totals["townships"])
    status = item.units["status"] if "status" in item.units else pd.Series(dtype=object)
    population = float(item.population) if item.population == item.population else np.nan
    per = (item.activity.total / population * PER_RESIDENTS
           if population and population == population else np.nan)
    scores = item.scores["score"] if "score" in item.scores else pd.Series(dtype=float)
    return {
        "adcode": item.adcode, "name": item.name, "townships": towns,
        "station_rate": totals["townships_with_station"] / towns if towns else np.nan,
        "community_rate": float(totals["community_rate"]),
        "minority_rate": float(totals["minority_rate"]),
        "venue_rate": float(totals["venue_rate"]),
        "population": population, "activities": int(item.activity.total),
        "per_10k_residents": per, "units": len(status),
        "units_never": int((status == "never").sum()),
        "units_gap": int((status != "ok").sum()),
        "score": float(scores.mean()) if len(scores) else np.nan,
    }
