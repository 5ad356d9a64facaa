"""Visits to stationed units (走访记录): the dates they give a unit, and follow-ups left undone."""

from __future__ import annotations

import pandas as pd

_DATE = "datetime64[ms]"

FOLLOW_UP_COLUMNS: tuple[str, ...] = ("code", "unit_code", "unit_name", "township_code", "date",
                                      "follow_up", "follow_up_due", "overdue_days")
"""Columns of :func:`overdue_follow_ups`."""


def apply_visits(units: pd.DataFrame, visits: pd.DataFrame | None,
                 as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """Return the units with their first visit and last contact taken from their visits.

    A unit named by at least one visit gets ``visited_on`` = its earliest visit and
    ``last_contact_on`` = its latest visit; a unit no visit names keeps its ledger values.
    With ``as_of``, visits dated after that day have not happened yet and are left out, so a
    unit whose every visit comes later has neither date on that day (never engaged), rather
    than the ledger's, which describe the present.

    Parameters
    ----------
    units : pandas.DataFrame
        The units layer: ``code`` and, when present, ``visited_on`` and ``last_contact_on``
        (a missing one counts as blank).
    visits : pandas.DataFrame or None
        The visits layer: ``unit_code`` and ``date``; None or empty leaves the ledger as it is.
    as_of : pandas.Timestamp, optional
        The day the dates are taken on (its time of day is ignored); every visit when omitted.

    Returns
    -------
    pandas.DataFrame
        A copy of ``units`` whose ``visited_on`` and ``last_contact_on`` are ``datetime64[ms]``.

    Raises
    ------
    ValueError
        If ``units`` has no ``code`` or ``visits`` lacks ``unit_code`` or ``date``.
    """
    if "code" not in units.columns:
        msg = "the units table lacks the column code; pass the units layer as read from the store"
        raise ValueError(msg)
    out = units.copy()
    for col in ("visited_on", "last_contact_on"):
        values = out[col] if col in out.columns else pd.Series(pd.NaT, index=out.index)
        out[col] = pd.to_datetime(values).astype(_DATE)
    if visits is None or visits.empty:
        return out
    named, dated = _visit_dates(visits, as_of)
    codes = out["code"].astype(str)
    has = codes.isin(named).to_numpy()
    grouped = dated.groupby("unit_code")["date"]
    first, last = grouped.min(), grouped.max()
    # reindex, not map: a unit whose every visit comes after as_of gets NaT, typed as a date.
    out.loc[has, "visited_on"] = first.reindex(codes[has]).astype(_DATE).to_numpy()
    out.loc[has, "last_contact_on"] = last.reindex(codes[has]).astype(_DATE).to_numpy()
    return out


def overdue_follow_ups(visits: pd.DataFrame | None, units: pd.DataFrame | None,
                       as_of: pd.Timestamp) -> pd.DataFrame:
    """Return the follow-ups of visits that are overdue on ``as_of``.

    The rule: a visit's follow-up is overdue when

    - it has text (``follow_up`` not blank, nor just ``-``, ``—`` or ``无``) and a due date
      (``follow_up_due``), and
    - the due date is before ``as_of`` (due on ``as_of`` itself is still on time), and
    - no later visit to the same unit closes it: a visit dated after the one that set it
      (a later day, not the same day), on or before ``as_of``.

    Only visits dated on or before ``as_of`` count, both for setting and for closing one.
    A follow-up without a due date is never overdue.

    Parameters
    ----------
    visits : pandas.DataFrame or None
        The visits layer: ``code``, ``unit_code``, ``date``, ``follow_up``, ``follow_up_due``
        and, when present, ``township_code``.
    units : pandas.DataFrame or None
        The units layer (``code``, ``name``, ``township_code``), for each unit's name and
        responsible township; a visit to a unit it lacks keeps its own township and shows
        the unit's code as its name.
    as_of : pandas.Timestamp
        The day (its time of day is ignored).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FOLLOW_UP_COLUMNS`, one row per overdue follow-up: the visit's ``code``,
        ``unit_code``, ``unit_name``, ``township_code``, ``date`` (of the visit that set it),
        ``follow_up``, ``follow_up_due``, ``overdue_days`` (int, days past the due date).
        Sorted by overdue days (longest first), then unit name and visit code.
    """
    day = pd.Timestamp(as_of).normalize()
    if visits is None or visits.empty:
        return _follow_up_frame(pd.DataFrame(columns=list(FOLLOW_UP_COLUMNS)))
    _, seen = _visit_dates(visits, day)
    if seen.empty:
        return _follow_up_frame(pd.DataFrame(columns=list(FOLLOW_UP_COLUMNS)))
    # The latest visit of each unit up to the day; a visit without a unit stands alone.
    unit = seen["unit_code"].where(seen["unit_code"].notna(), "\0" + seen["code"].astype(str))
    latest = seen["date"].groupby(unit).transform("max")
    due = pd.to_datetime(seen["follow_up_due"]).astype(_DATE).dt.normalize()
    open_ = ~_blank(seen["follow_up"]) & due.notna()
    overdue = open_ & (due < day).fillna(False) & (seen["date"] >= latest)
    rows = seen[overdue.to_numpy(dtype=bool)].copy()
    rows["follow_up_due"] = due[overdue.to_numpy(dtype=bool)]
    rows["overdue_days"] = (day - rows["follow_up_due"]).dt.days
    names, towns = _unit_facts(units)
    codes = rows["unit_code"]
    rows["unit_name"] = codes.map(names).where(codes.map(names).notna(), codes)
    own = rows["township_code"] if "township_code" in rows else pd.Series(None, index=rows.index)
    rows["township_code"] = codes.map(towns).where(codes.map(towns).notna(), own)
    rows = rows.sort_values(["overdue_days", "unit_name", "code"],
                            ascending=[False, True, True], kind="stable")
    return _follow_up_frame(rows[list(FOLLOW_UP_COLUMNS)].reset_index(drop=True))


def _visit_dates(visits: pd.DataFrame,
                 as_of: pd.Timestamp | None) -> tuple[set[str], pd.DataFrame]:
    """Return the units any visit names, and the visits dated (on or before ``as_of``)."""
    missing = [col for col in ("unit_code", "date") if col not in visits.columns]
    if missing:
        msg = (f"the visits table lacks the column(s) {', '.join(missing)}; pass the visits "
               f"layer as read from the store")
        raise ValueError(msg)
    named = set(visits["unit_code"].dropna().astype(str))
    frame = pd.DataFrame(visits.drop(columns="geometry", errors="ignore"))
    frame["unit_code"] = frame["unit_code"].astype("string").astype(object)
    frame["unit_code"] = frame["unit_code"].where(frame["unit_code"].notna(), None)
    frame["date"] = pd.to_datetime(frame["date"]).astype(_DATE).dt.normalize()
    keep = frame["date"].notna()
    if as_of is not None:
        keep &= frame["date"] <= pd.Timestamp(as_of).normalize()
    return named, frame[keep.to_numpy(dtype=bool)]


def _unit_facts(units: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    if units is None or units.empty or "code" not in units.columns:
        empty = pd.Series(dtype=object)
        return empty, empty
    codes = units["code"].astype(str).to_numpy()
    names = pd.Series(units["name"].to_numpy(dtype=object) if "name" in units else codes,
                      index=codes, dtype=object)
    towns = pd.Series(units["township_code"].to_numpy(dtype=object)
                      if "township_code" in units else None, index=codes, dtype=object)
    return names[~names.index.duplicated()], towns[~towns.index.duplicated()]


def _blank(values: pd.Series) -> pd.Series:
    # A follow-up written as spaces, a lone dash or 无 ("none") in Excel sets nothing to do.
    text = values.astype("string").str.strip()
    return (text.isna() | text.isin(["", "-", "—", "无"])).fillna(True).astype(bool)


def _follow_up_frame(rows: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({col: rows[col] if col in rows else pd.Series(dtype=object)
                          for col in FOLLOW_UP_COLUMNS})
    for col in ("code", "unit_code", "unit_name", "township_code", "follow_up"):
        values = frame[col].astype(object)
        frame[col] = values.where(values.notna(), None)
    for col in ("date", "follow_up_due"):
        frame[col] = pd.to_datetime(frame[col]).astype(_DATE)
    frame["overdue_days"] = frame["overdue_days"].astype(int)
    return frame
