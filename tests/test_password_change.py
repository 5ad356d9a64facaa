"""An administrator-set password must be changed at the first sign-in; old ones expire."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from auth.accounts import AccountError, AccountStore
from auth.passwords import PasswordError
from storage import open_store
from tests.conftest import opened_page

SET_BY_ADMIN = "Temp-pass 2026"
MINE = "我的新密码 Ab3"

pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def accounts(demo_env) -> AccountStore:
    store = AccountStore.from_settings(audit=open_store().record)
    store.add("li", "editor", SET_BY_ADMIN, "admin")
    return store


def _sign_in(at, user: str, secret: str):
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_pass").set_value(secret)
    at.button[0].click().run()
    return at


def _change(at, old: str, new: str, again: str | None = None):
    at.text_input(key="chg_old").set_value(old)
    at.text_input(key="chg_new").set_value(new)
    at.text_input(key="chg_again").set_value(new if again is None else again)
    at.button[0].click().run()
    return at


def test_an_admin_set_password_must_be_changed_first(accounts):
    assert accounts.get("li").must_change
    at = _sign_in(opened_page(), "li", SET_BY_ADMIN)
    assert at.subheader[0].value == "请设置新密码" and not at.metric  # no page yet
    assert "首次登录须改为" in at.info[0].value
    assert "当前密码不正确" in _change(at, "wrong", MINE).error[0].value
    assert "不一致" in _change(at, SET_BY_ADMIN, MINE, "something else").error[0].value
    assert "至少 3 类" in _change(at, SET_BY_ADMIN, "abcdefgh").error[0].value
    assert "不能与当前密码相同" in _change(at, SET_BY_ADMIN, SET_BY_ADMIN).error[0].value
    _change(at, SET_BY_ADMIN, MINE)
    assert not at.exception and at.metric  # the overview's figures: on to the page
    assert not accounts.get("li").must_change
    assert accounts.authenticate("li", MINE) is not None
    entry = [e for e in open_store().audit() if e["action"] == "password_changed"][-1]
    assert entry["account"] == "li"


def test_a_reset_by_an_admin_asks_again(accounts):
    accounts.change_password("li", SET_BY_ADMIN, MINE)
    assert not accounts.get("li").must_change
    accounts.reset("li", "Reset-pass 99", "admin")
    assert accounts.get("li").must_change


def test_passwords_expire_after_the_setting(accounts, monkeypatch):
    accounts.change_password("li", SET_BY_ADMIN, MINE)
    old = (datetime.now().astimezone() - timedelta(days=40)).isoformat(timespec="seconds")
    accounts._put(dataclasses.replace(accounts.get("li"), password_changed=old))
    assert not accounts.get("li").password_expired()  # 0: never
    monkeypatch.setenv("TONGXIN_PASSWORD_MAX_AGE_DAYS", "30")
    assert accounts.get("li").password_expired()
    at = _sign_in(opened_page(), "li", MINE)
    assert "30 天" in at.info[0].value


def test_change_password_refuses_without_writing(accounts):
    before = accounts.get("li")
    with pytest.raises(AccountError):
        accounts.change_password("li", "wrong", MINE)
    with pytest.raises(PasswordError):
        accounts.change_password("li", SET_BY_ADMIN, "short")
    assert accounts.get("li") == before


def test_display_accounts_never_have_to_change(accounts):
    account, _ = accounts.add("wall", "display", None, "admin")
    assert not account.must_change and not account.password_expired()
