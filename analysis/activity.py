"""'Ten enters' activity: counts per township and category in a period, and the cells left empty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd

from core.district import district_config

_DAY = pd.Timedelta(days=1)
# Dates are stored as datetime64[ms]; every per-cell maximum is taken on that unit's int64 view,
# where NaT is the smallest int64 and so loses to any real date.
_UNIT = "datetime64[ms]"
_NAT = np.iinfo(np.int64).min

DateLike: TypeAlias = pd.Timestamp | dt.date | dt.datetime | np.datetime64 | str


def _day(value: DateLike) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if pd.isna(stamp):
        msg = f"a period needs a date, got {value!r}"
        raise ValueError(msg)
    # Stored dates are naive local days; a zone would make every comparison raise.
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return stamp.normalize()


@dataclass(frozen=True)
class Period:
    """A span of whole days, both ends included.

    Attributes
    ----------
    start : pandas.Timestamp
        First day (midnight), included.
    end : pandas.Timestamp
        Last day (midnight), included: activities at any time of that day count.
    """

    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self) -> None:
        """Make both ends days (midnight) and check that it does not end before it starts."""
        # Frozen, so coerce through object.__setattr__: Period("2024-01-01", ...) is a period of
        # days however its ends were given.
        start, end = _day(self.start), _day(self.end)
        if start > end:
            msg = f"a period cannot start ({start:%Y-%m-%d}) after it ends ({end:%Y-%m-%d})"
            raise ValueError(msg)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @classmethod
    def year(cls, year: int) -> Period:
        """Return the calendar year ``year``.

        Parameters
        ----------
        year : int
            The year, e.g. 2024.

        Returns
        -------
        Period
            1 January to 31 December.
        """
        return cls(pd.Timestamp(year=int(year), month=1, day=1),
                   pd.Timestamp(year=int(year), month=12, day=31))

    @classmethod
    def between(cls, start: DateLike, end: DateLike) -> Period:
        """Return the days from ``start`` to ``end``, both included.

        Parameters
        ----------
        start, end : date, datetime, str or pandas.Timestamp
            First and last day; a time of day is dropped.

        Returns
        -------
        Period
            The period.

        Raises
        ------
        ValueError
            When ``start`` is after ``end``, or either is not a date.
        """
        return cls(start, end)

    @property
    def _whole_months(self) -> bool:
        return self.start.day == 1 and (self.end + _DAY).day == 1

    def previous(self) -> Period:
        """Return the period of the same length just before this one.

        A period of whole calendar months steps back by that many months, so a year's previous
        period is the year before and March's is February (not 31 days ending 29 February);
        any other period steps back by its number of days.

        Returns
        -------
        Period
            Ends the day before ``start``.
        """
        end = self.start - _DAY
        if self._whole_months:
            months = ((self.end.year - self.start.year) * 12
                      + self.end.month - self.start.month + 1)
            return Period(self.start - pd.DateOffset(months=months), end)
        return Period(self.start - (self.end - self.start + _DAY), end)

    def contains(self, dates: pd.Series) -> pd.Series:
        """Return which of ``dates`` fall in the period.

        Parameters
        ----------
        dates : pandas.Series
            Dates or datetimes; missing or unparseable values are outside.

        Returns
        -------
        pandas.Series
            Boolean, same index as ``dates``.
        """
        if not pd.api.types.is_datetime64_any_dtype(dates):
            dates = pd.to_datetime(dates, errors="coerce", format="mixed")
        # Compare against the next midnight so a datetime on the last day still counts.
        return (dates >= self.start) & (dates < self.end + _DAY)


@dataclass(frozen=True)
class ActivitySummary:
    """Activities of one period, per township and category.

    Attributes
    ----------
    period : Period
        The period summarised.
    categories : tuple of str
        The categories counted, in configured order (the columns of the matrices).
    counts : pandas.DataFrame
        Index township code (every township, in the townships frame's order), columns
        categories: number of activities (int).
    participants : pandas.DataFrame
        Same shape: sum of participants, a missing number counting 0 (int).
    last_date : pandas.DataFrame
        Same shape: latest activity date in the period, NaT if none.
    townships : pandas.DataFrame
        Index township code: ``name``, ``activities``, ``participants``,
        ``per_10k_residents``, ``per_1k_minority`` (NaN where the population is 0 or missing),
        ``categories_reached``, ``rank`` (1 = most activities per 10,000 residents; ties
        share the lowest rank; <NA> where the population is unknown).
    empty_cells : pandas.DataFrame
        One row per township and category without activity in the period:
        ``township_code``, ``township_name``, ``category``, ``last_before`` (latest activity
        in that cell before the period, NaT if never), ``days_without`` (days from
        ``last_before`` to the period's end, <NA> if never), ``never``. Cells never reached
        come first, then the longest without.
    monthly : pandas.DataFrame
        Index month start (every month the period touches), columns categories: counts.
    total : int
        Activities in the period (after the township and category filters).
    """

    period: Period
    categories: tuple[str, ...]
    counts: pd.DataFrame
    participants: pd.DataFrame
    last_date: pd.DataFrame
    townships: pd.DataFrame
    empty_cells: pd.DataFrame
    monthly: pd.DataFrame
    total: int


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    # A frame built by hand (or with no rows) may lack a column; treat it as all missing.
    if name in frame:
        return frame[name]
    return pd.Series(None, index=frame.index, dtype=object)


def _township_rows(townships: pd.DataFrame,
                   township_codes: Sequence[str] | None) -> pd.DataFrame:
    codes = _column(townships, "code")
    # Codes are unique by schema; keep the first anyway so a bad ledger cannot break lookups.
    keep = codes.notna() & ~codes.duplicated()
    if township_codes is not None:
        # A lone code is a township, not a sequence of characters.
        wanted = [township_codes] if isinstance(township_codes, str) else list(township_codes)
        keep &= codes.isin(wanted)
    return townships.loc[keep]


def _positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    # Hash the column once and look up only its few distinct values: several times faster than
    # looking every row up in the index, whatever the string dtype (object or pyarrow).
    found, uniques = pd.factorize(values)
    where = index.get_indexer(np.asarray(uniques, dtype=object))
    # found is -1 for a missing value; the appended -1 makes that "not counted" too.
    return np.append(where, -1)[found]


def _as_days(values: pd.Series) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values, errors="coerce", format="mixed")
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    return values.to_numpy(dtype=_UNIT)


def _cell_max(cells: np.ndarray, dates: np.ndarray, size: int) -> np.ndarray:
    out = np.full(size, _NAT, dtype=np.int64)
    np.maximum.at(out, cells, dates.view(np.int64))
    return out.view(_UNIT)


def _per(activities: np.ndarray, population: pd.Series, per: float) -> np.ndarray:
    people = pd.to_numeric(population, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    # A rate over no (or unknown) people is undefined, not infinite.
    people = np.where(people > 0, people, np.nan)
    return activities / people * per


def _empty_cells(counts: pd.DataFrame, names: pd.Series, last_before: np.ndarray,
                 period: Period) -> pd.DataFrame:
    n_cats = counts.shape[1]
    zero = counts.to_numpy().ravel() == 0
    flat = np.flatnonzero(zero)
    before = last_before[flat]
    never = np.isnat(before)
    end: np.datetime64[dt.date] = np.datetime64(period.end, "D")
    days = (end - before.astype("datetime64[D]")).astype(np.int64)
    days = np.where(never, 0, days)
    # lexsort's last key sorts first: never-reached cells, then the longest without; ties keep
    # the township and category order (flat is already in that order and lexsort is stable).
    order = np.lexsort((flat, -days, ~never))
    flat, before, never, days = flat[order], before[order], never[order], days[order]
    town_pos, cat_pos = np.divmod(flat, max(n_cats, 1))
    return pd.DataFrame({
        "township_code": pd.Series(counts.index.to_numpy()[town_pos], dtype=object),
        "township_name": pd.Series(names.to_numpy()[town_pos], dtype=object),
        "category": pd.Series(counts.columns.to_numpy()[cat_pos], dtype=object),
        "last_before": pd.Series(before, dtype=_UNIT),
        "days_without": pd.Series(days, dtype="Int64").mask(never),
        "never": pd.Series(never, dtype=bool),
    })


def _township_table(counts: pd.DataFrame, participants: pd.DataFrame,
                    rows: pd.DataFrame) -> pd.DataFrame:
    activities = counts.to_numpy().sum(axis=1)
    table = pd.DataFrame({
        # Text stays object, as the store types it (pandas 3 would infer its string dtype).
        "name": pd.Series(_column(rows, "name").to_numpy(dtype=object), dtype=object,
                          index=counts.index),
        "activities": activities,
        "participants": participants.to_numpy().sum(axis=1),
        "per_10k_residents": _per(activities, _column(rows, "population"), 10_000),
        "per_1k_minority": _per(activities, _column(rows, "minority_population"), 1_000),
        "categories_reached": (counts.to_numpy() > 0).sum(axis=1),
    }, index=counts.index)
    rank = table["per_10k_residents"].rank(ascending=False, method="min")
    table["rank"] = rank.astype("Int64")
    return table


def activity_summary(activities: pd.DataFrame, townships: pd.DataFrame, period: Period,
                     categories: Sequence[str] | None = None,
                     township_codes: Sequence[str] | None = None) -> ActivitySummary:
    """Return the activities of ``period`` per township and category, and the empty cells.

    Parameters
    ----------
    activities : pandas.DataFrame
        The activities layer: ``date``, ``category``, ``township_code``, ``participants``.
        Rows without coordinates count like any other; rows of a township not in
        ``townships``, of a category not counted or without a date are left out.
    townships : pandas.DataFrame
        The townships layer: ``code``, ``name``, ``population``, ``minority_population``.
    period : Period
        The days counted; earlier activity only feeds ``empty_cells.last_before``.
    categories : sequence of str, optional
        The categories counted, in display order; the configured ten when omitted.
    township_codes : sequence of str, optional
        Restrict every table (and the activities counted) to these townships.

    Returns
    -------
    ActivitySummary
        Matrices, township table, empty cells and monthly counts; tables of zeros when
        nothing matches.
    """
    if categories is None:
        categories = district_config().activity_categories
    cats = tuple(dict.fromkeys(str(c) for c in categories))
    rows = _township_rows(townships, township_codes)
    town_index = pd.Index(_column(rows, "code").to_numpy(dtype=object), dtype=object,
                          name="township_code")
    cat_index = pd.Index(cats, dtype=object, name="category")
    n_towns, n_cats = len(town_index), len(cat_index)
    size = n_towns * n_cats

    # Map every activity to its (township, category) cell once; -1 means "not counted".
    town_pos = _positions(_column(activities, "township_code"), town_index)
    cat_pos = _positions(_column(activities, "category"), cat_index)
    dates = _as_days(_column(activities, "date"))
    known = (town_pos >= 0) & (cat_pos >= 0) & ~np.isnat(dates)
    cells = (town_pos * n_cats + cat_pos)[known]
    cat_pos, dates = cat_pos[known], dates[known]
    people = (pd.to_numeric(_column(activities, "participants"), errors="coerce")
              .to_numpy(dtype=float, na_value=0.0)[known])

    inside = period.contains(pd.Series(dates)).to_numpy()
    before = dates < np.datetime64(period.start, "ms")
    in_cells, in_cats, in_dates = cells[inside], cat_pos[inside], dates[inside]

    def matrix(values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(values.reshape(n_towns, n_cats), index=town_index, columns=cat_index)

    counts = matrix(np.bincount(in_cells, minlength=size).astype(np.int64))
    # Sums of whole numbers stay exact in float64 far beyond any realistic total (2**53).
    participants = matrix(np.rint(np.bincount(in_cells, weights=people[inside], minlength=size))
                          .astype(np.int64))
    last_date = matrix(_cell_max(in_cells, in_dates, size))
    last_before = _cell_max(cells[before], dates[before], size)

    months = pd.date_range(period.start.to_period("M").to_timestamp(), period.end, freq="MS",
                           name="month")
    first_month = np.datetime64(months[0], "M").astype(np.int64)
    month_pos = in_dates.astype("datetime64[M]").astype(np.int64) - first_month
    monthly = pd.DataFrame(
        np.bincount(month_pos * n_cats + in_cats, minlength=len(months) * n_cats)
        .astype(np.int64).reshape(len(months), n_cats),
        index=months, columns=cat_index)

    names = _column(rows, "name")
    return ActivitySummary(
        period=period, categories=cats, counts=counts, participants=participants,
        last_date=last_date, townships=_township_table(counts, participants, rows),
        empty_cells=_empty_cells(counts, names, last_before, period), monthly=monthly,
        total=int(in_cells.size),
    )
