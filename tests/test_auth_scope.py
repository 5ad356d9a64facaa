"""Township-scoped accounts: stored with the account, set from the command line, audited, and
the pages open on the account's own townships (which it may still widen to view others)."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from auth.accounts import Account, AccountError, AccountStore
from auth.cli import main as auth_main
from auth.guard import authorised_account
from storage import open_store
from tests.conftest import opened_page
from ui import auth as ui_auth

PASSWORD = "correct horse 42"
XIZHAN, YANJIAPING, XIYUAN = "620103005", "620103006", "620103001"


@pytest.fixture
def accounts(demo_env) -> AccountStore:
    store = AccountStore.from_settings(audit=open_store().record)
    store.add("admin1", "admin", PASSWORD, "tester", must_change=False)
    store.add("wang", "editor", PASSWORD, "tester", towns=(YANJIAPING, XIZHAN), must_change=False)
    store.add("li", "editor", PASSWORD, "tester", must_change=False)
    return store


def _add(argv: list[str], monkeypatch) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    return auth_main(["add", *argv, "--password-stdin"])


def _no_prompt(*args, **kwargs):
    raise AssertionError("a refused request must not ask for a password")


def test_a_scoped_account_holds_its_townships(accounts):
    wang = accounts.get("wang")
    assert wang.towns == (XIZHAN, YANJIAPING)  # sorted, each once
    assert wang.scope == frozenset({XIZHAN, YANJIAPING})
    assert accounts.get("li").towns == () and accounts.get("li").scope is None
    assert accounts.get("admin1").scope is None


@pytest.mark.parametrize("towns", ["620103005,620103006", "620103005，620103006",
                                   " 620103005 ， 620103006 ", "西站街道、晏家坪街道",
                                   "620103005,晏家坪街道,620103005"])
def test_the_command_line_adds_a_scoped_editor(demo_env, monkeypatch, capsys, towns):
    assert _add(["wang", "--role", "editor", "--towns", towns], monkeypatch) == 0
    assert AccountStore.from_settings().get("wang").towns == (XIZHAN, YANJIAPING)
    assert "620103005 西站街道、620103006 晏家坪街道" in capsys.readouterr().out


def test_an_unknown_township_is_refused_naming_it_and_the_known_ones(demo_env, monkeypatch,
                                                                      capsys):
    monkeypatch.setattr("getpass.getpass", _no_prompt)
    assert auth_main(["add", "wang", "--role", "editor", "--towns", "620103005,620109999"]) == 1
    err = capsys.readouterr().err
    assert "620109999" in err and "620103001 西园街道" in err and "620103201 魏岭乡" in err
    assert "620103005”" not in err  # the known one is not blamed
    assert AccountStore.from_settings().all() == []
    assert auth_main(["add", "wang", "--role", "editor", "--towns", "某某街道",
                      "--lang", "en"]) == 1
    assert "某某街道" in capsys.readouterr().err


@pytest.mark.parametrize("role", ["admin", "display"])
def test_an_admin_or_display_with_towns_is_refused(demo_env, monkeypatch, capsys, role):
    monkeypatch.setattr("getpass.getpass", _no_prompt)
    assert auth_main(["add", "boss", "--role", role, "--towns", XIZHAN]) == 1
    assert "管理员代表全区" in capsys.readouterr().err
    assert AccountStore.from_settings().all() == []
    with pytest.raises(AccountError) as info:
        AccountStore.from_settings().add("boss", role, PASSWORD, "tester", towns=[XIZHAN])
    assert info.value.key == "auth.scope_role"
    assert "admin acts for the whole district" in info.value.message("en")


def test_the_accounts_file_keeps_towns_and_old_files_still_load(accounts):
    rows = {r["username"]: r for r in json.loads(accounts.path.read_text("utf-8"))["accounts"]}
    assert rows["wang"]["towns"] == [XIZHAN, YANJIAPING] and rows["li"]["towns"] == []
    assert AccountStore(accounts.path).get("wang") == accounts.get("wang")
    # A file written before accounts had townships: no "towns" key at all.
    old = [{k: v for k, v in dataclasses.asdict(a).items() if k != "towns"}
           for a in accounts.all()]
    accounts.path.write_text(json.dumps({"accounts": old}), encoding="utf-8")
    loaded = AccountStore(accounts.path).get("wang")
    assert isinstance(loaded, Account) and loaded.towns == () and loaded.scope is None
    assert accounts.authenticate("wang", PASSWORD) is not None


def test_other_changes_keep_the_townships(accounts):
    accounts.set_disabled("wang", True, "admin1")
    accounts.set_disabled("wang", False, "admin1")
    accounts.reset("wang", "another password 7", "admin1")
    assert accounts.get("wang").towns == (XIZHAN, YANJIAPING)


def test_auth_list_shows_the_townships(accounts, capsys):
    assert auth_main(["list"]) == 0
    rows = {line.split()[1]: line for line in capsys.readouterr().out.splitlines()}
    assert "620103005 西站街道、620103006 晏家坪街道" in rows["wang"]
    assert "全区" in rows["li"] and "全区" in rows["admin1"]
    assert auth_main(["list", "--json"]) == 0
    listed = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    assert listed["wang"]["towns"] == [XIZHAN, YANJIAPING] and listed["li"]["towns"] == []


def test_the_towns_command_changes_and_lifts_the_scope(accounts, capsys):
    assert auth_main(["towns", "li", "西园街道，620103005"]) == 0
    assert accounts.get("li").towns == (XIYUAN, XIZHAN)
    assert "620103001 西园街道" in capsys.readouterr().out
    assert auth_main(["towns", "wang", "--all"]) == 0
    assert accounts.get("wang").scope is None
    assert "全区" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "words"), [
    (["towns", "wang", ""], "--all"), (["towns", "wang"], "--all"),
    (["towns", "wang", XIZHAN, "--all"], "--all"), (["towns", "wang", "620109999"], "620109999"),
    (["towns", "admin1", XIZHAN], "管理员代表全区"), (["towns", "nobody", XIZHAN], "nobody")])
def test_the_towns_command_refuses_what_is_unclear(accounts, capsys, argv, words):
    assert auth_main(argv) == 1
    assert words in capsys.readouterr().err
    assert accounts.get("wang").towns == (XIZHAN, YANJIAPING)


def test_every_change_of_townships_is_audited(accounts):
    assert auth_main(["towns", "wang", XIYUAN]) == 0
    assert auth_main(["towns", "wang", "--all"]) == 0
    entries = [e for e in open_store().audit() if e["action"].startswith("account_")]
    added = next(e for e in entries if e["account"] == "wang")
    assert added["action"] == "account_add" and added["towns"] == [XIZHAN, YANJIAPING]
    changed = [e for e in entries if e["action"] == "account_towns"]
    assert [(e["towns"], e["previous"]) for e in changed] == [
        ([XIYUAN], [XIZHAN, YANJIAPING]), ([], [XIYUAN])]
    assert all(e["account"] == "wang" and e["user"] == "tester" for e in changed)


def test_the_command_line_sign_in_gives_the_accounts_scope(accounts, monkeypatch):
    monkeypatch.setenv("TONGXIN_USER", "wang")
    monkeypatch.setenv("TONGXIN_PASSWORD", PASSWORD)
    assert authorised_account("import").scope == frozenset({XIZHAN, YANJIAPING})


def test_current_scope_follows_the_accounts_file(accounts, monkeypatch, fresh_caches):
    monkeypatch.setattr(ui_auth, "current", lambda: None)
    assert ui_auth.current_scope() is None  # the demo, or nobody signed in
    wang = accounts.get("wang")
    monkeypatch.setattr(ui_auth, "current", lambda: wang)
    assert ui_auth.current_scope() == frozenset({XIZHAN, YANJIAPING})
    accounts.set_towns("wang", [XIYUAN], "admin1")  # no new sign-in needed
    assert ui_auth.current_scope() == frozenset({XIYUAN})
    accounts.set_towns("wang", [], "admin1")
    assert ui_auth.current_scope() is None


def _signed_in(user: str, query: dict[str, str] | None = None):
    at = opened_page(query=query)
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_a_scoped_editors_pages_open_on_its_townships(accounts, fresh_caches):
    at = _signed_in("wang")
    assert at.sidebar.multiselect(key="flt_towns").value == [XIZHAN, YANJIAPING]
    note = [c.value for c in at.sidebar.caption if "您负责的乡镇(街道)" in c.value]
    assert len(note) == 1 and "西站街道" in note[0] and "晏家坪街道" in note[0]
    assert any("西站街道" in c.value for c in at.caption)  # the page says it is filtered
    at.switch_page("views/units.py").run()
    assert not at.exception
    assert at.sidebar.multiselect(key="flt_towns").value == [XIZHAN, YANJIAPING]
    # Viewing is not limited: the filter widens to the whole district and stays so.
    at.sidebar.multiselect(key="flt_towns").set_value([]).run()
    at.run()
    assert not at.exception and at.sidebar.multiselect(key="flt_towns").value == []
    assert {m.label: m.value for m in at.metric} != {}


def test_a_sent_link_keeps_its_own_townships(accounts, fresh_caches):
    at = _signed_in("wang", query={"towns": XIYUAN})
    assert at.sidebar.multiselect(key="flt_towns").value == [XIYUAN]
    assert any("您负责的乡镇(街道)" in c.value for c in at.sidebar.caption)


def test_an_unscoped_editor_opens_on_the_whole_district(accounts, fresh_caches):
    at = _signed_in("li")
    assert at.sidebar.multiselect(key="flt_towns").value == []
    assert not any("您负责的乡镇(街道)" in c.value for c in at.sidebar.caption)
    assert {m.label: m.value for m in at.metric}["乡镇(街道)"] == "15"


def test_the_next_account_in_the_same_browser_gets_its_own_default(accounts, fresh_caches):
    at = _signed_in("wang")
    at.sidebar.button(key="sign_out").click().run()
    at.text_input(key="login_user").set_value("li")
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert at.sidebar.multiselect(key="flt_towns").value == []
