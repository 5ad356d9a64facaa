"""Reading what a report should cover from words people type: a period, townships, categories.

The command line takes them as text (``--period 2025``, ``--towns 西园街道,620103005``); every
problem is gathered and reported once, saying what is accepted.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from analysis.activity import Period
from core.errors import TongxinError

LAST_12 = "12m"
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\.\.|:|~|/)(\d{4}-\d{1,2}-\d{1,2})$")


class ReportRequestError(TongxinError):
    """A period, township or category the report cannot cover; the message says what is."""


def parse_period(text: str, today: dt.date | None = None) -> Period:
    """Return the period ``text`` names.

    Parameters
    ----------
    text : str
        ``12m`` (the twelve months ending today, the dashboard's default), a year (``2025``),
        a month (``2025-06``) or two days (``2025-01-01..2025-06-30``).
    today : datetime.date, optional
        Today (for ``12m``).

    Returns
    -------
    Period
        The period.

    Raises
    ------
    ReportRequestError
        When ``text`` is none of these, or its end is before its start.
    """
    value = text.strip()
    day = pd.Timestamp(today or dt.date.today())
    try:
        if value.lower() == LAST_12:
            return Period.between(day - pd.DateOffset(years=1) + pd.Timedelta(days=1), day)
        if match := _YEAR.match(value):
            return Period.year(int(match[1]))
        if match := _MONTH.match(value):
            start = pd.Timestamp(year=int(match[1]), month=int(match[2]), day=1)
            return Period.between(start, start + pd.offsets.MonthEnd(0))
        if match := _RANGE.match(value):
            return Period.between(match[1], match[2])
    except ValueError:
        # A month 13, a 31 February or an end before the start: said with what is accepted.
        raise ReportRequestError("report.bad_period", value=text) from None
    raise ReportRequestError("report.bad_period", value=text)


def parse_codes(text: str | None, known: Mapping[str, str], key: str) -> tuple[str, ...]:
    """Return the codes ``text`` names: codes or names, separated by commas.

    Parameters
    ----------
    text : str or None
        ``"620103005,西园街道"``; empty or None for all.
    known : mapping
        ``{code: name}`` of what may be chosen.
    key : str
        Catalog key of the message for unknown entries (takes ``unknown`` and ``known``).

    Returns
    -------
    tuple of str
        Codes in the order given, each once.

    Raises
    ------
    ReportRequestError
        Naming every entry not found, and the first few that exist.
    """
    if not text:
        return ()
    by_name = {name.strip(): code for code, name in known.items()}
    found: list[str] = []
    unknown: list[str] = []
    for part in re.split(r"[,，、;；]", text):
        entry = part.strip()
        if not entry:
            continue
        code = entry if entry in known else by_name.get(entry)
        if code is None:
            unknown.append(entry)
        elif code not in found:
            found.append(code)
    if unknown:
        examples = "、".join(f"{name}（{code}）" for code, name in list(known.items())[:5])
        raise ReportRequestError(key, unknown="、".join(unknown), known=examples)
    return tuple(found)


def parse_categories(text: str | None, categories: Sequence[str]) -> tuple[str, ...]:
    """Return the "ten enters" categories ``text`` names (comma-separated; empty for all)."""
    return parse_codes(text, {c: c for c in categories}, "report.unknown_categories")
