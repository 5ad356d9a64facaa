"""Accounts, roles and sign-in: hashed passwords, audited changes, writes refused to viewers."""

from __future__ import annotations

import io
import json
import os
import stat
from datetime import datetime, timedelta

import pytest

from auth.accounts import AccountError, AccountStore
from auth.cli import main as auth_main
from auth.passwords import PasswordError
from storage import open_store
from tests.conftest import DATA, opened_page
from tongxin.layers_cli import main as layers_main

PASSWORD = "correct horse 42"


@pytest.fixture
def accounts(demo_env, tmp_path) -> AccountStore:
    store = AccountStore.from_settings(audit=open_store().record)
    store.add("admin1", "admin", PASSWORD, "tester", name="管理员", must_change=False)
    store.add("editor1", "editor", PASSWORD, "tester", must_change=False)
    store.add("viewer1", "viewer", PASSWORD, "tester", must_change=False)
    return store


def test_passwords_are_argon2_hashes_in_an_owner_only_file(accounts):
    text = accounts.path.read_text(encoding="utf-8")
    assert PASSWORD not in text and "$argon2id$" in text and "$2b$" not in text
    assert stat.S_IMODE(os.stat(accounts.path).st_mode) == 0o600


def test_authenticate_reset_disable(accounts):
    assert accounts.authenticate("editor1", PASSWORD).role == "editor"
    assert accounts.authenticate("editor1", "wrong password") is None
    assert accounts.authenticate("nobody", PASSWORD) is None
    accounts.reset("editor1", "another password 7", "admin1")
    assert accounts.authenticate("editor1", PASSWORD) is None
    assert accounts.authenticate("editor1", "another password 7") is not None
    accounts.set_disabled("editor1", True, "admin1")
    assert accounts.authenticate("editor1", "another password 7") is None
    assert not accounts.get("editor1").can("import")


def test_every_account_change_is_audited_with_who_did_it(accounts):
    accounts.set_disabled("viewer1", True, "admin1")
    entries = [e for e in open_store().audit() if e["action"].startswith("account_")]
    assert [e["action"] for e in entries] == ["account_add"] * 3 + ["account_disable"]
    assert entries[-1]["user"] == "admin1" and entries[-1]["account"] == "viewer1"


def test_display_accounts_use_a_token_and_cannot_sign_in_with_a_password(accounts):
    account, token = accounts.add("wall", "display", None, "admin1")
    assert accounts.authenticate_token(token).username == "wall"
    assert accounts.authenticate("wall", token) is None
    assert account.can("briefing") and not account.can("browse") and not account.can("import")


@pytest.mark.parametrize(("args", "key"), [
    (("x", "viewer", PASSWORD), "auth.bad_username"), (("ok_name", "boss", PASSWORD), "auth.bad_role"),
    (("ok_name", "viewer", "short"), "auth.password.rejected"), (("viewer1", "viewer", PASSWORD), "auth.exists")])
def test_bad_account_requests_are_clear_errors(accounts, args, key):
    with pytest.raises((AccountError, PasswordError)) as info:
        accounts.add(*args, actor="admin1")
    assert info.value.key == key and info.value.message("zh") != info.value.message("en")


def test_the_accounts_command(demo_env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert auth_main(["add", "ana", "--role", "editor", "--password-stdin"]) == 0
    assert auth_main(["add", "wall", "--role", "display"]) == 0
    assert "/briefing?token=" in capsys.readouterr().out
    assert auth_main(["disable", "ana"]) == 0
    assert "已停用" in capsys.readouterr().out
    assert auth_main(["list", "--json"]) == 0
    listed = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    assert listed["ana"]["disabled"] is True and listed["wall"]["role"] == "display"
    assert auth_main(["disable", "nobody"]) == 1
    assert auth_main(["add", "bob"]) == 2  # --role is required


@pytest.mark.parametrize(("user", "password", "code", "words"), [
    ("viewer1", PASSWORD, 1, "无权"), ("editor1", "wrong password", 1, "不正确"),
    ("", "", 1, "需要登录"), ("editor1", PASSWORD, 0, "已导入")])
def test_command_line_imports_need_an_account_that_may_import(accounts, monkeypatch, capsys,
                                                            user, password, code, words):
    monkeypatch.setenv("TONGXIN_USER", user)
    monkeypatch.setenv("TONGXIN_PASSWORD", password)
    before = open_store().version()
    assert layers_main(["import", "units", str(DATA / "layers" / "units_good.csv"), "--yes"]) == code
    out, err = capsys.readouterr()
    assert words in out + err
    if code:
        assert open_store().version() == before
    else:
        assert open_store().audit()[-1]["user"] == "editor1"


def test_a_viewer_may_not_restore_from_the_command_line(accounts, monkeypatch, capsys):
    monkeypatch.setenv("TONGXIN_USER", "editor1")
    monkeypatch.setenv("TONGXIN_PASSWORD", PASSWORD)
    layers_main(["import", "units", str(DATA / "layers" / "units_good.csv"), "--yes"])
    backup = open_store().backups()[0].id
    monkeypatch.setenv("TONGXIN_USER", "viewer1")
    assert layers_main(["restore", backup]) == 1
    assert "无权" in capsys.readouterr().err
    assert len(open_store().read("units")) == 2


def test_with_accounts_nothing_shows_before_signing_in(accounts):
    at = opened_page()
    assert not at.exception
    assert len(at.metric) == 0 and at.text_input(key="login_user") is not None
    at.text_input(key="login_user").set_value("viewer1")
    at.text_input(key="login_pass").set_value("wrong password")
    at.button[0].click().run()
    assert any("不正确" in e.value for e in at.error) and len(at.metric) == 0
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["乡镇(街道)"] == "15"
    assert any("viewer1" in c.value for c in at.sidebar.caption)


def test_an_idle_session_must_sign_in_again(accounts, monkeypatch):
    at = opened_page()
    at.text_input(key="login_user").set_value("editor1")
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert len(at.metric) > 0
    # The session was last seen now; the next run comes 31 minutes later (idle limit 30).
    later = datetime.now().astimezone() + timedelta(minutes=31)
    monkeypatch.setattr("auth.sessions._now", lambda: later)
    at.run()
    assert len(at.metric) == 0 and any("重新登录" in w.value for w in at.warning)


def test_a_sign_in_without_a_session_idles_out_too(accounts):
    _, token = accounts.add("wall", "display", None, "admin1")
    at = opened_page(query={"token": token, "interval": "3600"})
    assert at.session_state["auth_user"].username == "wall"
    at.session_state["auth_last_seen"] = 0.0  # idle since 1970
    at.query_params.clear()  # the token gone from the address: nothing signs it in again
    at.run()
    assert "auth_user" not in at.session_state
    assert any("重新登录" in w.value for w in at.warning)


def test_disabling_an_account_ends_its_session_at_the_next_run(accounts):
    at = opened_page()
    at.text_input(key="login_user").set_value("editor1")
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert len(at.metric) > 0
    accounts.set_disabled("editor1", True, "admin1")
    at.run()
    assert len(at.metric) == 0 and any("停用" in w.value for w in at.warning)
    assert any(e.get("action") == "account_disable" and e.get("sessions_ended") == 1
               for e in open_store().audit())


def test_the_display_account_sees_only_the_briefing_screen(accounts):
    _, token = accounts.add("wall", "display", None, "admin1")
    at = opened_page(query={"token": token, "interval": "3600"})
    bodies = "\n".join(e.proto.body for e in at.get("html"))
    assert "tx-top" in bodies  # the briefing screen is the only, default page
    with pytest.raises(Exception):  # noqa: B017 - AppTest raises on a page not in navigation
        at.switch_page("views/data.py").run()


def test_without_accounts_the_demo_is_marked_read_only(demo_env):
    at = opened_page()
    assert any("只读演示模式" in w.value for w in at.sidebar.warning)
