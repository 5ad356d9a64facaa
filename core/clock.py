"""Stored times as people read them: the server's local time, to the second or the minute."""

from __future__ import annotations

from datetime import datetime

SECONDS = "%Y-%m-%d %H:%M:%S"
MINUTES = "%Y-%m-%d %H:%M"


def local_time(text: object, fmt: str = SECONDS) -> str:
    """Return a stored ISO time as the server's local time (as given if it is not one).

    Parameters
    ----------
    text : object
        An ISO 8601 time (``2026-11-29T19:16:33+00:00``); "" stays "".
    fmt : str
        :data:`SECONDS` or :data:`MINUTES` (any ``strftime`` format).

    Returns
    -------
    str
        The time in the server's zone, or ``text`` as a string when it is not a time.
    """
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return (moment.astimezone() if moment.tzinfo else moment).strftime(fmt)
