"""Accounts of one district or of the whole city: kept, set from the command line, audited."""

from __future__ import annotations

import io
import json

import pytest

from auth.accounts import AccountError, AccountStore
from auth.cli import main as auth_main
from storage import open_store

PASSWORD = "correct horse 42"


@pytest.fixture
def accounts(demo_env) -> AccountStore:
    store = AccountStore.from_settings(audit=open_store().record)
    store.add("admin1", "admin", PASSWORD, "tester", must_change=False)
    return store


def test_an_account_belongs_to_a_district_or_to_the_city(accounts):
    account, _ = accounts.add("chen", "editor", PASSWORD, "tester", district="620103")
    assert account.district == "620103" and not account.city_wide
    assert accounts.get("admin1").city_wide and accounts.get("admin1").district == ""
    assert AccountStore(accounts.path).get("chen").district == "620103"


@pytest.mark.parametrize("code", ["62010", "6201033", "七里河区", "city"])
def test_a_malformed_district_is_refused(accounts, code):
    with pytest.raises(AccountError) as info:
        accounts.add("chen", "editor", PASSWORD, "tester", district=code)
    assert code in info.value.message("zh") and "6 位" in info.value.message("zh")
    assert [a.username for a in accounts.all()] == ["admin1"]


def test_the_district_command_sets_moves_and_lifts_it_and_is_audited(accounts, capsys,
                                                                     monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert auth_main(["add", "chen", "--role", "viewer", "--district", "620103",
                      "--password-stdin"]) == 0
    assert accounts.get("chen").district == "620103"
    assert auth_main(["district", "chen", "--city"]) == 0
    assert accounts.get("chen").city_wide and "全市" in capsys.readouterr().out
    assert auth_main(["district", "chen", "620103"]) == 0
    assert "620103" in capsys.readouterr().out
    entries = [e for e in open_store().audit() if e.get("action") == "account_district"]
    assert [(e["district"], e["previous"]) for e in entries] == [("", "620103"),
                                                                  ("620103", "")]
    assert auth_main(["list", "--json"]) == 0
    listed = {a["username"]: a for a in json.loads(capsys.readouterr().out)}
    assert listed["chen"]["district"] == "620103" and listed["admin1"]["district"] == ""


@pytest.mark.parametrize(("argv", "words"), [
    (["district", "admin1"], "--city"), (["district", "admin1", "620103", "--city"], "--city"),
    (["district", "admin1", "620102"], "620102"), (["district", "admin1", "6201"], "6201"),
    (["district", "nobody", "620103"], "nobody")])
def test_the_district_command_refuses_what_is_unclear_or_not_held(accounts, capsys, argv,
                                                                   words):
    assert auth_main(argv) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert accounts.get("admin1").district == ""
