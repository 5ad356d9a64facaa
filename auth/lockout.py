"""Failed sign-ins: after too many in a window, the account (and the client address) is locked.

等保 2.0 asks that repeated failures lock further attempts for a while. The defaults: 5
failures within 15 minutes lock for 15 minutes (settings ``signin_max_failures``,
``signin_window_minutes``, ``signin_lockout_minutes``). Failures are counted per account
name (whether it exists or not, so a lock says nothing about who exists) and per client
address (so one machine cannot try name after name).

The counts live in a small JSON file beside the accounts file, written under an exclusive
lock, so every dashboard process and the command line share them.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path

from auth._state_file import locked_json
from core import settings


def keys_for(username: str, client: str | None) -> list[str]:
    """Return the counters a sign-in by ``username`` from ``client`` counts against."""
    keys = [f"user:{username.strip().lower()}"]
    if client:
        keys.append(f"addr:{client}")
    return keys


class Lockout:
    """Failed sign-ins per account name and per client address, kept in a file.

    Parameters
    ----------
    path : pathlib.Path
        The counts file (created owner-only).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def beside_accounts(cls) -> Lockout:
        """Return the counts file next to the ``accounts`` setting's file."""
        accounts = settings.path("accounts")
        return cls(accounts.with_name(accounts.stem + ".signin.json"))

    def _state(self) -> AbstractContextManager[dict]:
        # A damaged counts file starts again rather than lock everyone out.
        return locked_json(self.path)

    def locked_until(self, keys: Iterable[str], now: datetime) -> datetime | None:
        """Return when the latest lock on any of ``keys`` ends, if one is on at ``now``."""
        with self._state() as state:
            ends = [datetime.fromisoformat(state[k]["locked_until"]) for k in keys
                    if k in state and state[k].get("locked_until")]
        current = [end for end in ends if end > now]
        return max(current) if current else None

    def fail(self, keys: Iterable[str], now: datetime) -> datetime | None:
        """Count a failure against ``keys``; return the lock's end if this one locks them."""
        window = timedelta(minutes=float(settings.get("signin_window_minutes")))
        limit = int(settings.get("signin_max_failures"))
        lock = timedelta(minutes=float(settings.get("signin_lockout_minutes")))
        locked: datetime | None = None
        with self._state() as state:
            for key in keys:
                entry = state.setdefault(key, {"failures": []})
                recent = [f for f in entry["failures"]
                          if datetime.fromisoformat(f) > now - window]
                recent.append(now.isoformat())
                entry["failures"] = recent
                if len(recent) >= limit:
                    entry["locked_until"] = (now + lock).isoformat()
                    entry["failures"] = []
                    locked = max(locked, now + lock) if locked else now + lock
        return locked

    def locks(self, now: datetime) -> dict[str, datetime]:
        """Return ``{key: end}`` of every lock on at ``now`` (``user:NAME``, ``addr:IP``)."""
        with self._state() as state:
            ends = {key: datetime.fromisoformat(entry["locked_until"])
                    for key, entry in state.items() if entry.get("locked_until")}
        return {key: end for key, end in ends.items() if end > now}

    def clear(self, keys: Iterable[str]) -> None:
        """Forget the failures of ``keys`` (after a right password, or an unlock)."""
        with self._state() as state:
            for key in keys:
                state.pop(key, None)
