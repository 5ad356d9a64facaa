"""The township scorecard (考评) out of the assessment's points, and the supervision list (督办)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeGuard, cast

import pandas as pd

from analysis.activity import ActivitySummary, Period, activity_summary
from analysis.coverage import Coverage, station_coverage
from analysis.units import unit_status
from analysis.visits import overdue_follow_ups
from core import settings
from core.district import DistrictConfig

KINDS: dict[str, int] = {
    "no_station": 7,
    "unit_never": 6,
    "uncovered_key_community": 5,
    "uncovered_venue": 4,
    "follow_up_overdue": 3,
    "unit_overdue": 2,
    "category_gap": 1,
}
"""Supervision item kinds and their severity (higher is more urgent).

A township without its own station and a unit never engaged are gaps in the base of the work;
uncovered key communities and venues are gaps in reach; a visit's follow-up past its due date
is a promise to a unit not kept; a lapsed contact or an activity category not reached for a
year is work that was done once and has to be resumed.
"""

SUPERVISION_COLUMNS: tuple[str, ...] = ("township_code", "township_name", "kind", "item", "ref",
                                        "since", "overdue_days", "severity")
"""Columns of :func:`supervision_list`."""

_DATE = "datetime64[ms]"
# How far back the supervision list looks from its day (see supervision_period).
SUPERVISION_LOOKBACK = pd.DateOffset(years=1)
_LAPSED = ("never", "overdue")


@dataclass(frozen=True)
class ScoreInputs:
    """Everything the indicators read, computed once for one period.

    Attributes
    ----------
    coverage : Coverage
        Station coverage (:func:`analysis.coverage.station_coverage`).
    activity : ActivitySummary
        The period's activity (:func:`analysis.activity.activity_summary`). For
        :func:`supervision_list` its period must end on the list's ``as_of`` day.
    units : pandas.DataFrame
        Unit statuses (:func:`analysis.units.unit_status`), as of the period's end.
    townships : pandas.DataFrame
        The townships layer (``code``, ``name``); its rows, in its order, are the rows scored.
        A frame indexed by code with a ``name`` column works too.
    follow_ups : pandas.DataFrame, optional
        Overdue follow-ups of visits (:func:`analysis.visits.overdue_follow_ups`) as of the
        same day as ``units``; None (no visits layer) lists none.
    """

    coverage: Coverage
    activity: ActivitySummary
    units: pd.DataFrame
    townships: pd.DataFrame
    follow_ups: pd.DataFrame | None = None

    @classmethod
    def from_layers(cls, layers: Mapping[str, pd.DataFrame], period: Period,
                    as_of: pd.Timestamp | None = None, overdue_days: int | None = None,
                    config: DistrictConfig | None = None) -> ScoreInputs:
        """Return the inputs computed from the layers for ``period``.

        Parameters
        ----------
        layers : mapping of str to geopandas.GeoDataFrame
            ``townships``, ``communities``, ``workstations``, ``religious_sites``,
            ``activities``, ``units`` and, when present, ``visits``, as read from the store.
            Without ``visits`` units keep their ledger dates and no follow-up is listed.
        period : Period
            The activity period.
        as_of : pandas.Timestamp, optional
            The day unit statuses are taken on; the period's last day when omitted.
        overdue_days : int, optional
            Contact limit for units; the ``contact_overdue_days`` setting when omitted.
        config : DistrictConfig, optional
            Service radii and activity categories; the configured district's when omitted.

        Returns
        -------
        ScoreInputs
            Coverage, activity summary, unit statuses, townships and overdue follow-ups.
        """
        towns = layers["townships"]
        coverage = station_coverage(layers["workstations"], layers["communities"], towns,
                                    layers["religious_sites"], config)
        categories = config.activity_categories if config is not None else None
        activity = activity_summary(layers["activities"], towns, period, categories)
        day = period.end if as_of is None else pd.Timestamp(as_of)
        visits = layers.get("visits")
        units = layers["units"]
        follow_ups = None if visits is None else overdue_follow_ups(visits, units, day)
        return cls(coverage, activity, unit_status(units, day, overdue_days, visits), towns,
                   follow_ups)


# --- indicators --------------------------------------------------------------------------
def _names(inputs: ScoreInputs) -> pd.Series:
    towns = inputs.townships
    if "code" in towns.columns:
        codes = towns["code"].astype(str).to_numpy()
    else:
        codes = towns.index.astype(str).to_numpy()
    names = towns["name"].to_numpy(dtype=object) if "name" in towns.columns else codes
    table = pd.Series(names, index=pd.Index(codes, dtype=object, name="township_code"),
                      dtype=object, name="name")
    return table[~table.index.duplicated()]


def _per_town(inputs: ScoreInputs, share: pd.Series, missing: float) -> pd.Series:
    share = share.copy()
    share.index = share.index.astype(str)
    index = _names(inputs).index
    return (pd.to_numeric(share, errors="coerce").astype(float).reindex(index)
            .fillna(missing).clip(0.0, 1.0))


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    # Nothing to cover is fully covered: a township is not marked down for what it lacks.
    return (part / whole.where(whole > 0)).fillna(1.0)


# A township the coverage or activity tables do not list has shown nothing there: share 0.
# Only the units table is different: a township without rows there has no units to engage.
def _station_present(inputs: ScoreInputs) -> pd.Series:
    return _per_town(inputs, inputs.coverage.townships["has_station"].astype(float), 0.0)


def _community_coverage(inputs: ScoreInputs) -> pd.Series:
    return _per_town(inputs, inputs.coverage.townships["community_rate"], 0.0)


def _minority_coverage(inputs: ScoreInputs) -> pd.Series:
    return _per_town(inputs, inputs.coverage.townships["minority_rate"], 0.0)


def _categories_reached(inputs: ScoreInputs) -> pd.Series:
    reached = inputs.activity.townships["categories_reached"].astype(float)
    n = len(inputs.activity.categories)
    # With no categories configured there is nothing to reach: full share, as for venues.
    share = reached / n if n else pd.Series(1.0, index=reached.index)
    return _per_town(inputs, share, 0.0)


def _unit_engagement(inputs: ScoreInputs) -> pd.Series:
    units = inputs.units
    good = pd.Series([not set(f) & set(_LAPSED) for f in units["flags"]], index=units.index,
                     dtype=bool)
    share = good.groupby(units["township_code"].astype(str)).mean()
    return _per_town(inputs, share, 1.0)


def _venue_coverage(inputs: ScoreInputs) -> pd.Series:
    towns = inputs.coverage.townships
    return _per_town(inputs, _share(towns["venues_covered"], towns["venues"]), 0.0)


INDICATORS: dict[str, Callable[[ScoreInputs], pd.Series]] = {
    "station_present": _station_present,
    "community_coverage": _community_coverage,
    "minority_coverage": _minority_coverage,
    "categories_reached": _categories_reached,
    "unit_engagement": _unit_engagement,
    "venue_coverage": _venue_coverage,
}
"""Every indicator a rubric can name: a township's share (0-1), indexed by township code.

- ``station_present``: 1 if the township has its own 民族工作站, else 0;
- ``community_coverage``: share of its communities and villages covered;
- ``minority_coverage``: share of its minority residents covered;
- ``categories_reached``: share of the activity categories it reached in the period;
- ``unit_engagement``: share of its stationed units engaged and not overdue (1 without units);
- ``venue_coverage``: share of its religious venues covered (1 without venues).
"""


def indicator_shares(inputs: ScoreInputs, names: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Return each township's share (0-1) of each indicator, before weighting.

    Parameters
    ----------
    inputs : ScoreInputs
        The computed inputs.
    names : tuple of str, optional
        Indicators to compute, in column order; every one in :data:`INDICATORS` when omitted.

    Returns
    -------
    pandas.DataFrame
        Index township code (the townships' order), one float column per indicator.

    Raises
    ------
    KeyError
        If a name is not in :data:`INDICATORS`.
    """
    names = tuple(INDICATORS) if names is None else names
    unknown = [n for n in names if n not in INDICATORS]
    if unknown:
        msg = f"unknown indicator(s) {', '.join(unknown)}; known: {', '.join(INDICATORS)}"
        raise KeyError(msg)
    index = _names(inputs).index
    return pd.DataFrame({name: INDICATORS[name](inputs).reindex(index) for name in names},
                        index=index)


# --- rubric ------------------------------------------------------------------------------
class RubricError(ValueError):
    """The rubric file is missing, unreadable or inconsistent; the message lists every problem."""


class RubricIndicator(NamedTuple):
    """One scored indicator: its registry name, points and labels."""

    name: str
    weight: float
    label: str
    label_en: str

    def label_in(self, lang: str | None) -> str:
        """Return the indicator's label in ``lang`` (Chinese unless ``"en"``)."""
        return self.label_en if lang == "en" else self.label


@dataclass(frozen=True)
class Rubric:
    """The scorecard's indicators and weights.

    Attributes
    ----------
    total : float
        Points of the whole scorecard (6 in the seed's assessment); the weights add up to it.
    indicators : tuple of RubricIndicator
        ``(name, weight, label, label_en)`` in display order.
    """

    total: float
    indicators: tuple[RubricIndicator, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Return the indicator names in order."""
        return tuple(ind.name for ind in self.indicators)


_INDICATOR_KEYS = ("name", "weight", "label", "label_en")
_TOLERANCE = 1e-6


def load_rubric(path: Path | None = None) -> Rubric:
    """Return the rubric read from a TOML file, after checking it whole.

    The file has ``total`` and one ``[[indicator]]`` table per indicator with ``name`` (a key
    of :data:`INDICATORS`), ``weight`` (points, > 0), ``label`` and ``label_en``; the weights
    must add up to ``total``.

    Parameters
    ----------
    path : pathlib.Path, optional
        The file; the ``rubric`` setting (``data/rubric.toml``) when omitted.

    Returns
    -------
    Rubric
        Total and indicators in the file's order.

    Raises
    ------
    RubricError
        If the file is missing or not TOML, or has any problems; all of them are listed in
        one message.
    """
    path = settings.path("rubric") if path is None else Path(path)
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        msg = (f"rubric file {path} not found: copy data/rubric.toml from the project there, "
               f"or point the TONGXIN_RUBRIC setting at an existing rubric")
        raise RubricError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"rubric file {path} is not valid TOML ({exc}): fix that line and reload"
        raise RubricError(msg) from exc
    rubric, problems = _parse_rubric(raw)
    if problems:
        listed = "\n".join(f"  - {p}" for p in problems)
        msg = (f"rubric file {path} has {len(problems)} problem(s); fix each in the file and "
               f"reload:\n{listed}")
        raise RubricError(msg)
    return rubric


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _parse_rubric(raw: dict) -> tuple[Rubric, list[str]]:
    problems: list[str] = []
    total = raw.get("total")
    if total is None:
        problems.append("`total` is missing: add `total = 6` (the assessment's points) at the top")
    elif not _is_number(total) or total <= 0:
        problems.append(f"`total` = {total!r} must be a positive number of points, e.g. 6")
    entries = raw.get("indicator")
    if not isinstance(entries, list) or not entries:
        problems.append("no [[indicator]] tables: add one per indicator with name, weight, "
                        f"label and label_en; known names: {', '.join(INDICATORS)}")
        entries = []
    indicators: list[RubricIndicator] = []
    seen: set[str] = set()
    weights: list[float] = []
    for i, entry in enumerate(entries, start=1):
        indicator = _parse_indicator(i, entry, seen, problems)
        if indicator is not None:
            indicators.append(indicator)
        if isinstance(entry, dict) and _is_number(entry.get("weight")):
            weights.append(float(entry["weight"]))
    # The sum only means something when every entry has a numeric weight.
    if (_is_number(total) and entries and len(weights) == len(entries)
            and abs(sum(weights) - total) > _TOLERANCE):
        problems.append(f"the weights add up to {sum(weights):g}, not total = {total:g}: "
                        "change the weights (or total) so that they match")
    return Rubric(float(total) if _is_number(total) else 0.0, tuple(indicators)), problems


def _parse_indicator(i: int, entry: Any, seen: set[str],
                     problems: list[str]) -> RubricIndicator | None:
    if not isinstance(entry, dict):
        problems.append(f"indicator {i} is not a table: write it as [[indicator]] with "
                        "name, weight, label and label_en")
        return None
    name = entry.get("name")
    where = f"indicator {i} ({name!r})" if name is not None else f"indicator {i}"
    ok = True
    missing = [key for key in _INDICATOR_KEYS if key not in entry]
    if missing:
        problems.append(f"{where} lacks {', '.join(missing)}: add "
                        + ", ".join(f"`{key} = ...`" for key in missing))
        ok = False
    if name is not None and name not in INDICATORS:
        problems.append(f"{where}: unknown indicator name; use one of {', '.join(INDICATORS)}")
        ok = False
    elif name in seen:
        problems.append(f"{where} is listed twice: keep one entry per indicator")
        ok = False
    if name is not None:
        seen.add(str(name))
    weight = entry.get("weight")
    if "weight" in entry and (not _is_number(weight) or weight <= 0):
        problems.append(f"{where}: weight {weight!r} must be a positive number of points")
        ok = False
    for key in ("label", "label_en"):
        if key in entry and not (isinstance(entry[key], str) and entry[key].strip()):
            problems.append(f"{where}: {key} must be non-empty text")
            ok = False
    if not ok:
        return None
    # Every check passed, so the weight is present and a positive number.
    return RubricIndicator(str(name), float(cast(float, weight)), entry["label"],
                           entry["label_en"])


# --- scorecard and supervision -----------------------------------------------------------
def scorecard(inputs: ScoreInputs, rubric: Rubric) -> pd.DataFrame:
    """Return every township's points per indicator, score and rank.

    Parameters
    ----------
    inputs : ScoreInputs
        The computed inputs.
    rubric : Rubric
        Indicators and weights (:func:`load_rubric`).

    Returns
    -------
    pandas.DataFrame
        Index township code: ``name``; one column per rubric indicator (named as in
        :data:`INDICATORS`) with its points, share x weight rounded to 2 decimals; ``score``
        (their sum, at most ``rubric.total``); ``rank`` (1 = best, ties share the lowest rank).
        Sorted by rank, ties in the townships' order.
    """
    shares = indicator_shares(inputs, rubric.names)
    weights = pd.Series({ind.name: ind.weight for ind in rubric.indicators}, dtype=float)
    points = (shares * weights).round(2)
    # The score is the sum of the points as shown, so a printed row adds up; the clip only
    # matters for weights with more than two decimals, whose rounded points may overshoot.
    score = points.sum(axis=1).round(2).clip(upper=rubric.total)
    table = pd.concat([_names(inputs).to_frame(), points], axis=1)
    table["score"] = score
    table["rank"] = score.rank(ascending=False, method="min").astype(int)
    return table.sort_values("rank", kind="stable")


def supervision_period(as_of: pd.Timestamp) -> Period:
    """Return the year ending on ``as_of`` that the supervision list is computed over.

    The list looks back one year from its day: the activity gap limit (``activity_gap_days``,
    365 by default) needs the year's activity to date each category's last.
    """
    day = pd.Timestamp(as_of).normalize()
    return Period.between(day - SUPERVISION_LOOKBACK + pd.Timedelta(days=1), day)


def supervision_list(inputs: ScoreInputs, as_of: pd.Timestamp, gap_days: int | None = None,
                     contact_overdue_days: int | None = None) -> pd.DataFrame:
    """Return the supervision (督办) list: every overdue item and the township responsible.

    Items, by kind (:data:`KINDS`, most severe first):

    - ``no_station``: the township has no 民族工作站 of its own (item: the township);
    - ``unit_never``: a stationed unit never visited nor contacted;
    - ``uncovered_key_community``: a key community outside every station's service area;
    - ``uncovered_venue``: a religious venue outside every station's service area;
    - ``follow_up_overdue``: a visit's follow-up past its due date with no later visit to the
      unit (:func:`analysis.visits.overdue_follow_ups`; item: the unit and the follow-up);
    - ``unit_overdue``: a unit whose last contact is older than the contact limit;
    - ``category_gap``: a (township, category) cell without activity for more than
      ``gap_days`` days as of ``as_of``, or never reached at all.

    Category gaps are found from ``inputs.activity``, whose period must end on ``as_of``
    (e.g. ``Period.between(as_of - pd.Timedelta(days=gap_days), as_of)``): the latest
    activity of a cell is its last date in the period, else its last date before it. Units
    are listed by the flags of ``inputs.units``, and follow-ups from ``inputs.follow_ups``
    (those due before ``as_of``), both of which should be taken as of the same day.

    Parameters
    ----------
    inputs : ScoreInputs
        The computed inputs, with the activity period ending on ``as_of``.
    as_of : pandas.Timestamp
        The day of the list.
    gap_days : int, optional
        Days without activity after which a category is a gap; the ``activity_gap_days``
        setting (365) when omitted.
    contact_overdue_days : int, optional
        The contact limit ``inputs.units`` was computed with, to count days past it; the
        ``contact_overdue_days`` setting (180) when omitted.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUPERVISION_COLUMNS`: ``township_code``, ``township_name``, ``kind``,
        ``item`` (unit, community or venue name, category, the township's own name, or
        ``unit：follow-up``), ``ref`` (the item's code, the category, or the visit's code),
        ``since`` (last contact, activity or visit; NaT if never or not applicable),
        ``overdue_days`` (Int64: days past the limit or due date; NA if never or not
        applicable), ``severity`` (int). Sorted by severity (highest first), then
        overdue days (longest first, never before any), township code and item.

    Raises
    ------
    ValueError
        If the activity period does not end on ``as_of``, or a limit is negative.
    """
    day = pd.Timestamp(as_of).normalize()
    period_end = inputs.activity.period.end
    if period_end != day:
        msg = (f"the activity summary ends on {period_end:%Y-%m-%d}, not on as_of = "
               f"{day:%Y-%m-%d}: compute it with a period ending on as_of, e.g. "
               f"Period.between(as_of - pd.Timedelta(days=gap_days), as_of)")
        raise ValueError(msg)
    gap = _limit(gap_days, "activity_gap_days")
    contact = _limit(contact_overdue_days, "contact_overdue_days")
    names = _names(inputs)
    communities = inputs.coverage.communities
    key = communities[communities["key_community"].fillna(False).astype(bool)]
    parts = [_station_items(inputs, names), _unit_items(inputs, day, contact),
             _follow_up_items(inputs.follow_ups, day),
             _place_items(key, "uncovered_key_community"),
             _place_items(inputs.coverage.venues, "uncovered_venue"),
             _category_items(inputs.activity, day, gap)]
    items = pd.concat([p for p in parts if len(p)] or [_frame([])], ignore_index=True)
    items["township_code"] = items["township_code"].astype(str).astype(object)
    items["township_name"] = items["township_code"].map(names).astype(object)
    items["severity"] = items["kind"].map(KINDS).astype(int)
    return _sorted(items)[list(SUPERVISION_COLUMNS)]


def _limit(value: int | None, setting: str) -> int:
    limit = int(settings.get(setting) if value is None else value)
    if limit < 0:
        msg = f"{setting} must be zero or more days, not {limit}"
        raise ValueError(msg)
    return limit


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["township_code", "kind", "item", "ref", "since",
                                        "overdue_days"])
    for col in ("township_code", "kind", "item", "ref"):
        frame[col] = frame[col].astype(object)
    frame["since"] = pd.to_datetime(frame["since"]).astype(_DATE)
    frame["overdue_days"] = frame["overdue_days"].astype("Int64")
    return frame


def _station_items(inputs: ScoreInputs, names: pd.Series) -> pd.DataFrame:
    missing = _station_present(inputs) < 1
    return _frame([{"township_code": code, "kind": "no_station", "item": names[code],
                    "ref": code, "since": pd.NaT, "overdue_days": pd.NA}
                   for code in missing.index[missing]])


def _unit_items(inputs: ScoreInputs, day: pd.Timestamp, limit: int) -> pd.DataFrame:
    rows = []
    for code, unit in inputs.units.iterrows():
        flags = tuple(unit["flags"])
        if "never" in flags:
            rows.append({"township_code": unit["township_code"], "kind": "unit_never",
                         "item": unit["name"], "ref": code, "since": pd.NaT,
                         "overdue_days": pd.NA})
        elif "overdue" in flags:
            since = pd.Timestamp(unit["last_contact"])
            rows.append({"township_code": unit["township_code"], "kind": "unit_overdue",
                         "item": unit["name"], "ref": code, "since": since,
                         "overdue_days": (day - since.normalize()).days - limit})
    return _frame(rows)


def _follow_up_items(follow_ups: pd.DataFrame | None, day: pd.Timestamp) -> pd.DataFrame:
    if follow_ups is None or follow_ups.empty:
        return _frame([])
    due = pd.to_datetime(follow_ups["follow_up_due"]).dt.normalize()
    late = follow_ups[(due < day).to_numpy(dtype=bool)]
    # The item names the unit and what was promised it: a unit may owe several follow-ups.
    return _frame([{"township_code": row["township_code"], "kind": "follow_up_overdue",
                    "item": f"{row['unit_name']}：{row['follow_up']}", "ref": row["code"],
                    "since": row["date"],
                    "overdue_days": (day - pd.Timestamp(row["follow_up_due"]).normalize()).days}
                   for _, row in late.iterrows()])


def _place_items(places: pd.DataFrame, kind: str) -> pd.DataFrame:
    uncovered = places[~places["covered"].fillna(False).astype(bool)]
    return _frame([{"township_code": row["township_code"], "kind": kind, "item": row["name"],
                    "ref": code, "since": pd.NaT, "overdue_days": pd.NA}
                   for code, row in uncovered.iterrows()])


def _category_items(activity: ActivitySummary, day: pd.Timestamp, gap: int) -> pd.DataFrame:
    last_date = activity.last_date
    cells = pd.MultiIndex.from_product([last_date.index.astype(str), last_date.columns],
                                       names=["township_code", "item"])
    empty = activity.empty_cells
    before = pd.Series(empty["last_before"].astype(_DATE).to_numpy(),
                       index=pd.MultiIndex.from_arrays([empty["township_code"].astype(str),
                                                        empty["category"]]))
    # The latest activity of a cell: in the period if any, else before it; a period longer
    # than gap_days can hold a cell's only activity yet still leave it a gap.
    latest = pd.Series(last_date.astype(_DATE).to_numpy().ravel(), index=cells, name="since")
    latest = latest.fillna(before.reindex(cells)).astype(_DATE)
    days = (day - latest.dt.normalize()).dt.days.astype("Int64")
    late = (days.isna() | (days > gap).fillna(False)).to_numpy(dtype=bool)
    gaps = latest[late].reset_index()
    gaps["overdue_days"] = (days[late] - gap).to_numpy()
    gaps["ref"] = gaps["item"]
    return _frame(gaps.assign(kind="category_gap").to_dict("records"))


def _sorted(items: pd.DataFrame) -> pd.DataFrame:
    # Never-done items have no day count but are the most overdue of their kind.
    days = items["overdue_days"].astype("Float64").fillna(float("inf")).to_numpy(dtype=float)
    keys = pd.DataFrame({"severity": items["severity"].to_numpy(), "days": days,
                         "town": items["township_code"].to_numpy(),
                         "item": items["item"].astype(str).to_numpy()})
    order = keys.sort_values(["severity", "days", "town", "item"],
                             ascending=[False, False, True, True], kind="stable").index
    return items.iloc[order.to_numpy()].reset_index(drop=True)
