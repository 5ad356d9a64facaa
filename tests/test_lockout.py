"""Failed sign-ins lock the account name and the client address for a while, and are audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from auth.accounts import AccountStore
from storage import open_store
from tests.conftest import opened_page

PASSWORD = "correct horse 42"
T0 = datetime(2026, 11, 29, 9, 0).astimezone()


@pytest.fixture
def accounts(demo_env) -> AccountStore:
    store = AccountStore.from_settings(audit=open_store().record)
    store.add("li", "editor", PASSWORD, "tester", must_change=False)
    store.add("wang", "viewer", PASSWORD, "tester", must_change=False)
    return store


def _at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_five_failures_lock_and_the_right_password_waits_for_the_end(accounts):
    for i in range(4):
        outcome = accounts.sign_in("li", "wrong", "10.0.0.5", _at(i))
        assert outcome.account is None and outcome.locked_until is None
    locked = accounts.sign_in("li", "wrong", "10.0.0.5", _at(4))
    assert locked.locked_until == _at(4 + 15)
    # The sixth, with the right password, is refused while the lock lasts; from another
    # machine too (the account name is locked).
    assert accounts.sign_in("li", PASSWORD, "10.0.0.9", _at(10)).locked_until == _at(19)
    assert accounts.sign_in("li", PASSWORD, "10.0.0.9", _at(20)).account.username == "li"


def test_failures_older_than_the_window_do_not_count(accounts):
    for minute in (0, 5, 10, 14):
        accounts.sign_in("li", "wrong", "10.0.0.5", _at(minute))
    assert accounts.sign_in("li", "wrong", "10.0.0.5", _at(16)).locked_until is None


def test_a_success_clears_the_count(accounts):
    for i in range(4):
        accounts.sign_in("li", "wrong", "10.0.0.5", _at(i))
    assert accounts.sign_in("li", PASSWORD, "10.0.0.5", _at(5)).account is not None
    assert accounts.sign_in("li", "wrong", "10.0.0.5", _at(6)).locked_until is None


def test_an_unknown_name_locks_alike(accounts):
    outcomes = [accounts.sign_in("nobody", "wrong", "10.0.0.7", _at(i)) for i in range(6)]
    assert [o.locked_until is not None for o in outcomes] == [False] * 4 + [True] * 2


def test_one_address_trying_many_names_is_locked(accounts):
    for i, name in enumerate(["a1", "b2", "c3", "d4", "e5"]):
        accounts.sign_in(name, "wrong", "10.0.0.66", _at(i))
    assert accounts.sign_in("wang", PASSWORD, "10.0.0.66", _at(6)).locked_until is not None
    assert accounts.sign_in("wang", PASSWORD, "10.0.0.67", _at(6)).account is not None


def test_settings_change_the_limits(accounts, monkeypatch):
    monkeypatch.setenv("TONGXIN_SIGNIN_MAX_FAILURES", "2")
    monkeypatch.setenv("TONGXIN_SIGNIN_LOCKOUT_MINUTES", "60")
    accounts.sign_in("li", "wrong", None, _at(0))
    assert accounts.sign_in("li", "wrong", None, _at(1)).locked_until == _at(61)


def test_every_attempt_is_audited_with_time_account_and_address(accounts):
    for i in range(6):
        accounts.sign_in("li", "wrong", "10.0.0.5", _at(i))
    accounts.sign_in("wang", PASSWORD, "10.0.0.8", _at(7))
    accounts.sign_out("wang", "10.0.0.8")
    entries = [e for e in open_store().audit() if e["action"].startswith(("sign", "account_l"))]
    assert [e["action"] for e in entries] == (["sign_in_failed"] * 5 + ["account_locked",
                                              "sign_in_locked", "sign_in", "sign_out"])
    assert all(e["time"] and e["account"] and e["client"] for e in entries)
    assert open_store().verify_audit().ok


def test_the_sign_in_page_says_locked_without_saying_who_exists(demo_env, accounts):
    at = opened_page()
    for _ in range(6):
        at.text_input(key="login_user").set_value("li")
        at.text_input(key="login_pass").set_value("wrong")
        at.button[0].click().run()
    locked = at.error[0].value
    assert "已暂时锁定" in locked
    at.text_input(key="login_user").set_value("li")
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert "已暂时锁定" in at.error[0].value  # the right password waits
    for _ in range(6):
        at.text_input(key="login_user").set_value("nobody")
        at.text_input(key="login_pass").set_value("wrong")
        at.button[0].click().run()
    assert at.error[0].value.split("，请于")[0] == locked.split("，请于")[0]
