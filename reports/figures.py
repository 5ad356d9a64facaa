"""The report's figures, computed from the working dataset by the analyses the pages call.

The pages reach these analyses through their caches (:mod:`ui.data`); the report calls them
directly on the same layers with the same filters, so every number in the document is the
number a page shows for the same sidebar choices.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from analysis.activity import ActivitySummary, Period, activity_summary
from analysis.coverage import Coverage, station_coverage
from analysis.kpis import Kpi, headline_kpis
from analysis.metric import to_metric
from analysis.scorecard import (
    Rubric,
    RubricError,
    ScoreInputs,
    load_rubric,
    scorecard,
    supervision_list,
    supervision_period,
)
from analysis.township_list import analysed_townships, has_polygons
from analysis.units import unit_gaps, unit_status
from analysis.visits import overdue_follow_ups
from storage import Store, last_import_time

# The layers the report reads, once each.
LAYERS = ("townships", "communities", "workstations", "religious_sites", "activities",
          "units", "visits")


@dataclass(frozen=True)
class Request:
    """What the report covers: the sidebar's filters.

    Attributes
    ----------
    period : Period
        The activity period; the previous period of the same length is compared with it.
    townships : tuple of str
        Township codes; empty means the whole district.
    categories : tuple of str
        "Ten enters" categories; empty means all.
    today : datetime.date, optional
        The day the report is made (default: today); statuses are taken on the period's end
        or on this day if earlier, as the pages take them.
    """

    period: Period
    townships: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    today: dt.date | None = None

    @property
    def as_of(self) -> pd.Timestamp:
        """Return the day statuses are taken on (the pages' ``Filters.as_of``)."""
        today = pd.Timestamp(self.today or dt.date.today())
        return min(self.period.end, today)

    def township_rows(self, frame: pd.DataFrame, column: str = "township_code") -> pd.DataFrame:
        """Return the rows of ``frame`` in the chosen townships (all when none is chosen)."""
        if not self.townships:
            return frame
        return frame[frame[column].astype(str).isin(self.townships)]


@dataclass(frozen=True)
class Figures:
    """Everything the report says, computed once.

    Attributes
    ----------
    request : Request
        What was asked.
    frames : dict of str to GeoDataFrame
        The layers read (EPSG:4326), as stored, and ``"district"``: the boundary.
    kpis : list of Kpi
        The overview's headline figures (:func:`analysis.kpis.headline_kpis`).
    coverage : Coverage
        Station coverage of the whole district.
    activity, activity_before : ActivitySummary
        "Ten enters" activity in the period and the one before, filtered as requested.
    units : pandas.DataFrame
        Units' status on ``as_of`` in the chosen townships.
    unit_gaps : pandas.DataFrame
        Of those, the ones not ok, most urgent first (the units page's gap list).
    rubric : Rubric or None
        The scoring rubric; ``None`` when the configured one is not valid.
    scores : pandas.DataFrame or None
        The township scorecard (chosen townships' rows, in rank order); ``None`` without a
        valid rubric.
    supervision : pandas.DataFrame
        The supervision list over the year ending on ``as_of``, chosen townships' items.
    supervision_period : Period
        That year.
    rubric_error : str
        Why there is no scorecard (the rubric's problems), or "".
    township_names : dict of str to str
        Code to name: the townships layer's, or the district's shipped township list's while
        that layer is empty (as the analyses then count, see
        :func:`analysis.township_list.analysed_townships`).
    is_demo : bool
        Whether the data is the made-up demo.
    data_time : str
        When the data last changed (latest import, ISO), or "" if never imported.
    """

    request: Request
    frames: dict[str, gpd.GeoDataFrame]
    kpis: list[Kpi]
    coverage: Coverage
    activity: ActivitySummary
    activity_before: ActivitySummary
    units: pd.DataFrame
    unit_gaps: pd.DataFrame
    rubric: Rubric | None
    scores: pd.DataFrame | None
    supervision: pd.DataFrame
    supervision_period: Period
    rubric_error: str = ""
    township_names: dict[str, str] = field(default_factory=dict)
    is_demo: bool = False
    data_time: str = ""

    @property
    def township_polygons(self) -> bool:
        """Whether the townships layer has polygons (the maps then draw the townships)."""
        return has_polygons(self.frames["townships"])


def compute(store: Store, request: Request, rubric: Rubric | None = None) -> Figures:
    """Return the report's figures for ``request`` from ``store``.

    Parameters
    ----------
    store : Store
        The working dataset.
    request : Request
        Period, townships and categories.
    rubric : Rubric, optional
        The scoring rubric (default: the configured one, :func:`analysis.scorecard.load_rubric`,
        which raises :class:`analysis.scorecard.RubricError` when it is not valid).

    Returns
    -------
    Figures
        The figures.
    """
    frames = {name: store.read(name) for name in LAYERS}
    frames["district"] = store.read_district()
    # The rows every analysis runs over: the district's township list until polygons exist.
    towns = analysed_townships(frames["townships"], store.district_code())
    period, as_of = request.period, request.as_of
    coverage = station_coverage(frames["workstations"], frames["communities"], towns,
                                frames["religious_sites"])
    chosen = (request.categories or None, request.townships or None)
    activity = activity_summary(frames["activities"], towns, period, *chosen)
    before = activity_summary(frames["activities"], towns, period.previous(), *chosen)
    all_units = unit_status(frames["units"], as_of, visits=frames["visits"])
    units_before = unit_status(frames["units"], period.previous().end, visits=frames["visits"])
    units = request.township_rows(all_units)
    area = float(to_metric(frames["district"]).area.sum() / 1e6)
    kpis = headline_kpis(coverage, activity, before, units,
                         request.township_rows(units_before), area)
    follow_ups = overdue_follow_ups(frames["visits"], frames["units"], as_of)
    rubric_error = ""
    table = None
    try:
        rubric = rubric or load_rubric()
    except RubricError as exc:
        # A broken rubric is the administrator's to fix: the report says so in place of the
        # scorecard, as the page does, and everything else still goes out.
        rubric, rubric_error = None, str(exc)
    if rubric is not None:
        # The scorecard ranks every township over the unfiltered period (as its page does),
        # then shows the chosen ones.
        everyone = activity if chosen == (None, None) else \
            activity_summary(frames["activities"], towns, period)
        table = scorecard(ScoreInputs(coverage, everyone, all_units, towns, follow_ups), rubric)
        if request.townships:
            table = table[table.index.isin(request.townships)]
    # The supervision list's year ends on as_of: the units' status and overdue follow-ups are
    # the ones above; only that year's activity is new.
    sup_period = supervision_period(as_of)
    sup_activity = activity_summary(frames["activities"], towns, sup_period)
    items = supervision_list(ScoreInputs(coverage, sup_activity, all_units, towns, follow_ups),
                             sup_period.end)
    return Figures(
        request=request, frames=frames, kpis=kpis, coverage=coverage, activity=activity,
        activity_before=before, units=units, unit_gaps=unit_gaps(units), rubric=rubric,
        scores=table, rubric_error=rubric_error,
        supervision=request.township_rows(items), supervision_period=sup_period,
        township_names=dict(zip(towns["code"].astype(str), towns["name"].astype(str),
                                strict=True)),
        is_demo=store.is_demo(), data_time=last_import_time(store))
