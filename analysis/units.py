"""Stationed units (驻区单位): each unit's engagement status and the gaps officials chase."""

from __future__ import annotations

import pandas as pd

from analysis.visits import apply_visits
from core import settings

STATUSES: tuple[str, ...] = ("never", "overdue", "no_liaison", "not_joint", "ok")
"""Unit statuses, most severe first."""

SEVERITY: dict[str, int] = {status: len(STATUSES) - 1 - i for i, status in enumerate(STATUSES)}
"""Severity of each status: never 4, overdue 3, no_liaison 2, not_joint 1, ok 0."""

GROUPINGS: tuple[str, ...] = ("township_code", "category")
"""Columns :func:`unit_counts` can group by."""

_REQUIRED = ("code", "name", "category", "township_code")
_OPTIONAL = ("visited_on", "last_contact_on", "joint_meeting", "liaison")


def unit_status(units: pd.DataFrame, as_of: pd.Timestamp,
                overdue_days: int | None = None,
                visits: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return each stationed unit's engagement status as of a date.

    With ``visits``, a unit that has visits takes its first visit and last contact from them
    (those dated on or before ``as_of``; :func:`analysis.visits.apply_visits`), and a unit
    without keeps its ledger dates. A unit may show several gaps at once; all of them are
    listed in ``flags`` and the most severe one is its ``status``:

    - ``never``: neither visited (``visited_on``) nor contacted (``last_contact_on``);
    - ``overdue``: the last contact is more than ``overdue_days`` days before ``as_of``
      (exactly ``overdue_days`` days is still on time);
    - ``no_liaison``: no liaison person (blank ``liaison``);
    - ``not_joint``: not a member of the joint meeting (``joint_meeting`` not true);
    - ``ok``: none of the above.

    Parameters
    ----------
    units : pandas.DataFrame
        The units layer: ``code``, ``name``, ``category``, ``township_code`` and, when
        present, ``visited_on``, ``last_contact_on``, ``joint_meeting``, ``liaison`` (a
        missing one counts as blank).
    as_of : pandas.Timestamp
        The day the status is taken on (its time of day is ignored).
    overdue_days : int, optional
        Days after which a contact is overdue; the ``contact_overdue_days`` setting (180)
        when omitted.
    visits : pandas.DataFrame, optional
        The visits layer (``unit_code``, ``date``); the ledger's dates alone when omitted.

    Returns
    -------
    pandas.DataFrame
        Index unit ``code``: ``name``, ``category``, ``township_code``, ``status``,
        ``flags`` (tuple of every status that applies, most severe first; empty when ok),
        ``severity`` (int, 4 = never .. 0 = ok), ``last_contact`` (the later of
        ``last_contact_on`` and ``visited_on``; NaT if never), ``days_since_contact``
        (Int64; NA if never).

    Raises
    ------
    ValueError
        If a required column is missing or ``overdue_days`` is negative.
    """
    missing = [col for col in _REQUIRED if col not in units.columns]
    if missing:
        msg = (f"the units table lacks the column(s) {', '.join(missing)}; pass the units "
               f"layer as read from the store (columns {', '.join(_REQUIRED + _OPTIONAL)})")
        raise ValueError(msg)
    limit = int(settings.get("contact_overdue_days") if overdue_days is None else overdue_days)
    if limit < 0:
        msg = f"overdue_days must be zero or more days, not {limit}"
        raise ValueError(msg)
    day = pd.Timestamp(as_of).normalize()
    if visits is not None:
        units = apply_visits(units, visits, day)
    last = _last_contact(units)
    days = (day - last).dt.days.astype("Int64")
    checks = {
        "never": last.isna(),
        "overdue": (days > limit).fillna(False).astype(bool),
        "no_liaison": _blank(_optional(units, "liaison")),
        "not_joint": ~_optional(units, "joint_meeting").eq(True).fillna(False).astype(bool),
    }
    flags = [tuple(s for s in STATUSES[:-1] if checks[s].iat[i]) for i in range(len(units))]
    status = [f[0] if f else "ok" for f in flags]
    table = pd.DataFrame({
        "name": units["name"].to_numpy(),
        "category": units["category"].to_numpy(),
        "township_code": units["township_code"].astype("string").astype(object).to_numpy(),
        "status": status,
        "flags": pd.Series(flags, dtype=object).to_numpy(),
        "severity": [SEVERITY[s] for s in status],
        "last_contact": last.to_numpy(),
        "days_since_contact": days.to_numpy(),
    }, index=pd.Index(units["code"].astype(str).to_numpy(), name="code"))
    table["severity"] = table["severity"].astype(int)
    table["days_since_contact"] = table["days_since_contact"].astype("Int64")
    return table


def unit_gaps(status: pd.DataFrame) -> pd.DataFrame:
    """Return the units that are not ok, the most urgent first.

    Parameters
    ----------
    status : pandas.DataFrame
        The result of :func:`unit_status`.

    Returns
    -------
    pandas.DataFrame
        Its rows with ``status != "ok"``, sorted by ``severity`` (highest first), then
        ``days_since_contact`` (longest first, never-contacted before any), then ``name``.
    """
    gaps = status[status["status"] != "ok"]
    # Never-contacted units have no day count but are the longest without contact.
    days = gaps["days_since_contact"].astype("Float64").fillna(float("inf"))
    order = (pd.DataFrame({"severity": gaps["severity"].to_numpy(), "days": days.to_numpy(),
                           "name": gaps["name"].astype(str).to_numpy()})
             .sort_values(["severity", "days", "name"], ascending=[False, False, True],
                          kind="stable").index)
    return gaps.iloc[order.to_numpy()]


def unit_counts(status: pd.DataFrame, by: str) -> pd.DataFrame:
    """Return how many units of each status there are per township or per category.

    Parameters
    ----------
    status : pandas.DataFrame
        The result of :func:`unit_status`.
    by : {"township_code", "category"}
        The grouping column.

    Returns
    -------
    pandas.DataFrame
        Index the groups present (named ``by``), sorted; columns the :data:`STATUSES` (units
        whose status is that), ``total`` and ``engaged`` (status not never); all int.

    Raises
    ------
    ValueError
        If ``by`` is not one of :data:`GROUPINGS`.
    """
    if by not in GROUPINGS:
        msg = f"cannot count units by {by!r}: choose one of {', '.join(GROUPINGS)}"
        raise ValueError(msg)
    counts = pd.crosstab(status[by].astype(str), status["status"])
    counts = counts.reindex(columns=list(STATUSES), fill_value=0).astype(int)
    counts.columns.name = None
    counts.index.name = by
    counts["total"] = counts[list(STATUSES)].sum(axis=1)
    counts["engaged"] = counts["total"] - counts["never"]
    return counts.sort_index()


def _optional(units: pd.DataFrame, column: str) -> pd.Series:
    if column in units.columns:
        return units[column]
    return pd.Series(pd.NA, index=units.index, dtype=object)


def _blank(values: pd.Series) -> pd.Series:
    # A liaison written as spaces or a lone dash in Excel is as good as none.
    text = values.astype("string").str.strip()
    return (text.isna() | text.isin(["", "-", "—", "无"])).fillna(True).astype(bool)


def _last_contact(units: pd.DataFrame) -> pd.Series:
    # A first visit is a contact too, so a stale last-contact field cannot hide a later visit.
    dates = pd.DataFrame({col: pd.to_datetime(_optional(units, col)).astype("datetime64[ms]")
                          for col in ("last_contact_on", "visited_on")}, index=units.index)
    return dates.max(axis=1).astype("datetime64[ms]")
