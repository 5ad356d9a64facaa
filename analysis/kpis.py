"""The district's headline figures (KPIs), each with its value in the previous period.

The overview page shows them as metrics and the briefing report as its first table; both call
:func:`headline_kpis` with the same analyses, so a figure in the report is the page's figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analysis.activity import ActivitySummary
from analysis.coverage import Coverage

Kind = Literal["count", "rate", "area"]


@dataclass(frozen=True)
class Kpi:
    """One headline figure.

    Attributes
    ----------
    key : str
        Its name (``"activities"``): the pages label it ``overview.<key>``.
    value : float
        The figure now (a count, a rate 0-1 or an area in km²); NaN for a rate over nothing
        (no communities, no minority residents recorded yet).
    previous : float or None
        The figure in the previous period, where it changes with the period (activities,
        engaged units); ``None`` for figures of the data as it stands (counts of places,
        coverage, area), which have no earlier value to compare with.
    kind : str
        ``"count"``, ``"rate"`` or ``"area"``: how it is written.
    lower_is_better : bool
        Whether a fall is an improvement (units with gaps).
    """

    key: str
    value: float
    previous: float | None = None
    kind: Kind = "count"
    lower_is_better: bool = False

    @property
    def delta(self) -> float | None:
        """Return the change since the previous period (``None`` when there is none)."""
        return None if self.previous is None else self.value - self.previous

    def text(self) -> str:
        """Return the value as the pages write it (``12``, ``85.3%``, ``312.45``; ``—``: none)."""
        if math.isnan(self.value):
            return "—"
        if self.kind == "rate":
            return f"{self.value:.1%}"
        if self.kind == "area":
            return f"{self.value:.2f}"
        return f"{int(self.value):,}"


def _engaged(status: pd.DataFrame) -> int:
    return int((status["status"] != "never").sum())


def _gaps(status: pd.DataFrame) -> int:
    return int((status["status"] != "ok").sum())


def _rate_over(totals: dict, part: str, whole: str) -> float:
    # The coverage counts a township with nothing to cover as covered (it is not marked down);
    # a district with nothing recorded yet has no rate to show, not 100 %.
    return float(totals[part]) if totals[whole] else math.nan


def headline_kpis(coverage: Coverage, activity: ActivitySummary, before: ActivitySummary,
                  units: pd.DataFrame, units_before: pd.DataFrame,
                  area_km2: float) -> list[Kpi]:
    """Return the overview's ten figures, in the order the page shows them.

    Parameters
    ----------
    coverage : Coverage
        Station coverage of the district (:func:`analysis.coverage.station_coverage`).
    activity, before : ActivitySummary
        "Ten enters" activity in the period and in the period before it, with the same
        township and category filters.
    units, units_before : pandas.DataFrame
        Stationed units' status (:func:`analysis.units.unit_status`) at the end of the period
        and at the end of the previous one, already limited to the townships in view.
    area_km2 : float
        The district's area in km², measured in the metric CRS.

    Returns
    -------
    list of Kpi
        Townships, communities, venues, townships with a station, area; community and
        minority-resident coverage (NaN while there is nothing to cover: no communities, no
        minority residents); activities, engaged units and units with gaps (these three with
        their previous value).
    """
    totals = coverage.totals
    return [
        Kpi("townships", totals["townships"]),
        Kpi("communities", totals["communities"]),
        Kpi("sites", totals["venues"]),
        Kpi("stations", totals["townships_with_station"]),
        Kpi("area", area_km2, kind="area"),
        Kpi("community_rate", _rate_over(totals, "community_rate", "communities"),
            kind="rate"),
        Kpi("minority_rate", _rate_over(totals, "minority_rate", "minority_population"),
            kind="rate"),
        Kpi("activities", activity.total, before.total),
        Kpi("units_engaged", _engaged(units), _engaged(units_before)),
        Kpi("units_gap", _gaps(units), _gaps(units_before), lower_is_better=True),
    ]
