"""Signed sessions that survive a reload or a new tab: tokens, their key, and who is signed in.

A sign-in makes a session: a random id kept in the sessions file beside the accounts file,
with its account, when it started and when it was last seen. The browser holds
``<id>.<expiry>.<signature>`` in an HttpOnly, SameSite=Strict cookie (set by the server's own
route, never by page script); the signature is HMAC-SHA256 under a key made at first start and
kept owner-only beside the accounts file. A session is valid while its signature and expiry
hold, it has not ended (signed out), it has been used within ``session_idle_minutes``, and its
account is enabled: a disabled account's sessions end at their next request.

One-time tickets carry a fresh sign-in from the page (which cannot set an HttpOnly cookie) to
the route that sets it: valid once, for :data:`TICKET_SECONDS`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from auth._state_file import locked_json
from core import settings

COOKIE = "tongxin_session"
TICKET_SECONDS = 60
# A cookie lives at most this long whatever the idle limit (then one signs in again).
MAX_DAYS = 7


# How often a session's "last seen" is written: often enough for the idle limit (minutes).
SEEN_EVERY = 60


def _now() -> datetime:
    return datetime.now().astimezone()


def _idle() -> timedelta:
    return timedelta(minutes=float(settings.get("session_idle_minutes")))


@dataclass(frozen=True)
class Session:
    """One signed-in session: its id and account."""

    id: str
    username: str


@dataclass(frozen=True)
class OpenSession:
    """A session as the security officer sees it: whose, since when, last seen when."""

    id: str
    username: str
    started: datetime
    seen: datetime


@dataclass(frozen=True)
class Started:
    """A session just started: its id, and the one-time ticket that sets its cookie."""

    id: str
    ticket: str


class Sessions:
    """The sessions file and the signing key, beside the accounts file.

    Parameters
    ----------
    folder : pathlib.Path
        Where ``sessions.json`` and ``session.key`` live (owner-only).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.path = self.folder / "sessions.json"
        self.key_path = self.folder / "session.key"

    @classmethod
    def beside_accounts(cls) -> Sessions:
        """Return the sessions of the ``accounts`` setting's folder."""
        return cls(settings.path("accounts").parent)

    def key(self) -> bytes:
        """Return the signing key, made (32 random bytes, owner-only) on first use."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return self.key_path.read_bytes()
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
        return self.key_path.read_bytes()

    def _sign(self, text: str) -> str:
        return hmac.new(self.key(), text.encode("ascii"), hashlib.sha256).hexdigest()

    @contextmanager
    def _state(self) -> Iterator[dict]:
        # Damaged: everyone signs in again, nobody is let in.
        with locked_json(self.path) as state:
            state.setdefault("sessions", {})
            state.setdefault("tickets", {})
            yield state

    def start(self, username: str, now: datetime | None = None) -> Started:
        """Start a session for ``username``; return its id and a one-time cookie ticket.

        Sessions idle beyond ``session_idle_minutes`` are dropped here, so the file holds only
        the ones that may still be used.
        """
        now = now or _now()
        session_id, ticket = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        idle = _idle()
        with self._state() as state:
            for old, data in list(state["sessions"].items()):
                if now - datetime.fromisoformat(data["seen"]) > idle:
                    state["sessions"].pop(old)
            state["sessions"][session_id] = {"user": username, "started": now.isoformat(),
                                             "seen": now.isoformat()}
            state["tickets"][ticket] = {"session": session_id,
                                        "until": (now + timedelta(seconds=TICKET_SECONDS))
                                        .isoformat()}
        return Started(session_id, ticket)

    def redeem(self, ticket: str, now: datetime | None = None) -> str | None:
        """Return the cookie value for a ticket, once; None if unknown, used or too old."""
        now = now or _now()
        with self._state() as state:
            entry = state["tickets"].pop(ticket, None)
            for old, data in list(state["tickets"].items()):
                if datetime.fromisoformat(data["until"]) < now:
                    state["tickets"].pop(old)
        if entry is None or datetime.fromisoformat(entry["until"]) < now:
            return None
        expiry = int((now + timedelta(days=MAX_DAYS)).timestamp())
        body = f"{entry['session']}.{expiry}"
        return f"{body}.{self._sign(body)}"

    def check(self, cookie: str | None, now: datetime | None = None) -> Session | None:
        """Return the session a cookie holds, if valid now; mark it seen.

        Invalid: a bad signature, past its expiry, ended, or idle beyond
        ``session_idle_minutes`` (that one is ended too).
        """
        if not cookie or cookie.count(".") != 2:
            return None
        now = now or _now()
        session_id, expiry, signature = cookie.split(".")
        if not hmac.compare_digest(self._sign(f"{session_id}.{expiry}"), signature):
            return None
        if not expiry.isdigit() or int(expiry) < now.timestamp():
            return None
        return self.touch(session_id, now)

    def touch(self, session_id: str, now: datetime | None = None) -> Session | None:
        """Return the session ``session_id`` if it is still open, and mark it seen now.

        None once it has ended (signed out, its user's sessions ended) or been idle beyond
        ``session_idle_minutes`` (then it is ended too). "Seen" is written at most once a
        minute, so a busy page does not rewrite the file on every run.
        """
        now = now or _now()
        with self._state() as state:
            data = state["sessions"].get(session_id)
            if data is None:
                return None
            seen = datetime.fromisoformat(data["seen"])
            if now - seen > _idle():
                state["sessions"].pop(session_id)
                return None
            if now - seen > timedelta(seconds=SEEN_EVERY):
                data["seen"] = now.isoformat()
            return Session(session_id, data["user"])

    def open(self, now: datetime | None = None) -> list[OpenSession]:
        """Return the sessions that may still be used, most recently seen first."""
        now = now or _now()
        with self._state() as state:
            found = [OpenSession(key, data["user"], datetime.fromisoformat(data["started"]),
                                 datetime.fromisoformat(data["seen"]))
                     for key, data in state["sessions"].items()]
        return sorted((s for s in found if now - s.seen <= _idle()),
                      key=lambda s: s.seen, reverse=True)

    def end(self, cookie_or_id: str) -> None:
        """End a session (sign-out): its cookie is refused from now on."""
        session_id = cookie_or_id.split(".")[0]
        with self._state() as state:
            state["sessions"].pop(session_id, None)

    def end_user(self, username: str) -> int:
        """End every session of ``username`` (disabled, reset); return how many."""
        with self._state() as state:
            mine = [k for k, v in state["sessions"].items() if v["user"] == username]
            for key in mine:
                state["sessions"].pop(key)
        return len(mine)
