"""Signed sessions: tickets once, cookies signed and expiring, idle and signed-out ones refused."""

from __future__ import annotations

import os
import stat
from datetime import datetime, timedelta

import pytest

from auth.sessions import MAX_DAYS, TICKET_SECONDS, Sessions

T0 = datetime(2026, 11, 29, 9, 0).astimezone()


@pytest.fixture
def sessions(tmp_path) -> Sessions:
    return Sessions(tmp_path)


def _cookie(sessions: Sessions, user: str = "li", now: datetime = T0) -> str:
    cookie = sessions.redeem(sessions.start(user, now).ticket, now)
    assert cookie is not None
    return cookie


def test_the_key_is_made_once_and_owner_only(sessions):
    key = sessions.key()
    assert len(key) == 32 and sessions.key() == key
    assert stat.S_IMODE(os.stat(sessions.key_path).st_mode) == 0o600
    _cookie(sessions)
    assert stat.S_IMODE(os.stat(sessions.path).st_mode) == 0o600


def test_a_ticket_works_once_and_not_late(sessions):
    ticket = sessions.start("li", T0).ticket
    assert sessions.redeem(ticket, T0 + timedelta(seconds=TICKET_SECONDS + 1)) is None
    ticket = sessions.start("li", T0).ticket
    assert sessions.redeem(ticket, T0) is not None
    assert sessions.redeem(ticket, T0) is None
    assert sessions.redeem("made-up", T0) is None


def test_a_cookie_signs_in_until_it_ends(sessions):
    cookie = _cookie(sessions)
    assert sessions.check(cookie, T0 + timedelta(minutes=5)).username == "li"
    sessions.end(cookie)
    assert sessions.check(cookie, T0 + timedelta(minutes=6)) is None


@pytest.mark.parametrize("forge", [
    lambda c: c[:-1] + ("0" if c[-1] != "0" else "1"),      # the signature changed
    lambda c: c.split(".")[0] + ".9999999999." + c.split(".")[2],  # a later expiry
    lambda c: "other." + ".".join(c.split(".")[1:]),        # another session's id
    lambda c: c.replace(".", ""), lambda c: ""])
def test_a_forged_cookie_is_refused(sessions, forge):
    assert sessions.check(forge(_cookie(sessions)), T0) is None


def test_an_idle_session_ends(sessions, monkeypatch):
    monkeypatch.setenv("TONGXIN_SESSION_IDLE_MINUTES", "30")
    cookie = _cookie(sessions)
    assert sessions.check(cookie, T0 + timedelta(minutes=29)) is not None
    assert sessions.check(cookie, T0 + timedelta(minutes=58)) is not None  # seen at 29
    assert sessions.check(cookie, T0 + timedelta(minutes=100)) is None
    assert sessions.check(cookie, T0 + timedelta(minutes=101)) is None  # ended for good


def test_no_cookie_outlives_its_days(sessions, monkeypatch):
    monkeypatch.setenv("TONGXIN_SESSION_IDLE_MINUTES", str(60 * 24 * 30))
    cookie = _cookie(sessions)
    assert sessions.check(cookie, T0 + timedelta(days=MAX_DAYS, minutes=1)) is None


def test_ending_a_users_sessions(sessions):
    first, second, other = _cookie(sessions), _cookie(sessions), _cookie(sessions, "wang")
    assert sessions.end_user("li") == 2
    assert sessions.check(first, T0) is None and sessions.check(second, T0) is None
    assert sessions.check(other, T0).username == "wang"


def test_a_new_key_ends_every_session(sessions):
    cookie = _cookie(sessions)
    sessions.key_path.write_bytes(os.urandom(32))
    assert sessions.check(cookie, T0) is None
