"""三员分立: the system administrator, the security officer and the auditor, each kept apart."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pandas as pd
import pytest
from openpyxl import load_workbook

from auth.accounts import PERMISSIONS, AccountStore
from auth.cli import main as auth_main
from auth.lockout import Lockout
from storage import open_store
from tests.conftest import opened_page
from ui.downloads import excel_bytes
from views.audit import audit_table

PASSWORD = "correct horse 42"
OFFICERS = ("admin", "security", "auditor")

pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def accounts(demo_env) -> AccountStore:
    store = AccountStore.from_settings(audit=open_store().record)
    for name, role in (("sys1", "admin"), ("sec1", "security"), ("aud1", "auditor"),
                       ("li", "editor")):
        store.add(name, role, PASSWORD, "tester", must_change=False)
    return store


def _signed_in(user: str):
    at = opened_page()
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def test_the_three_officers_share_no_power():
    powers = {role: PERMISSIONS[role] & {"accounts", "security", "audit"} for role in OFFICERS}
    assert powers == {"admin": {"accounts"}, "security": {"security"}, "auditor": {"audit"}}
    assert PERMISSIONS["auditor"] == {"audit"}  # reads the audit, nothing else


def test_the_auditor_reaches_the_audit_page_and_nothing_that_changes_data(accounts):
    at = _signed_in("aud1")
    assert at.header[0].value == "审计日志"  # the only page: it opens on it
    assert any("哈希链逐条核对无误" in s.value for s in at.success)
    for page in ("views/data.py", "views/overview.py", "views/security.py", "views/report.py"):
        with pytest.raises(Exception):  # noqa: B017 - AppTest raises on a page not in navigation
            at.switch_page(page).run()


def test_the_audit_page_filters_and_exports(accounts):
    accounts.sign_in("li", "wrong", "10.1.1.1")
    at = _signed_in("aud1")
    at.multiselect(key="aud_what").set_value(["sign_in_failed"]).run()
    shown = at.dataframe[0].value
    assert list(shown["操作"]) == ["sign_in_failed"] and list(shown["客户端地址"]) == ["10.1.1.1"]
    assert any(b.label.startswith("下载") for b in at.download_button)


def test_audit_table_keeps_the_chain_out_of_sight():
    table = audit_table([{"time": "2026-11-29T10:00:00+08:00", "user": "li", "action": "import",
                          "layer": "units", "prev": "0" * 64, "hash": "f" * 64}])
    assert table.loc[0, "details"] == "layer=units" and table.loc[0, "day"] == "2026-11-29"
    workbook_rows = pd.DataFrame(table)
    assert "hash" not in workbook_rows.columns


def test_the_security_officer_unlocks_and_nobody_else_may(accounts):
    for _ in range(5):
        accounts.sign_in("li", "wrong", "10.1.1.1")
    now = datetime.now().astimezone()
    assert "user:li" in Lockout.beside_accounts().locks(now)
    at = _signed_in("sec1")
    assert at.header[0].value == "安全管理"
    with pytest.raises(Exception):  # noqa: B017
        at.switch_page("views/audit.py").run()
    at.selectbox(key="sec_unlock").set_value("user:li").run()
    at.button(key="sec_unlock_button").click().run()
    assert "user:li" not in Lockout.beside_accounts().locks(now)
    assert accounts.sign_in("li", PASSWORD, "10.1.1.2").account is not None
    entry = [e for e in open_store().audit() if e["action"] == "unlock"][-1]
    assert (entry["target"], entry["user"]) == ("user:li", "sec1")
    # The system administrator manages accounts, but neither audits nor unlocks.
    at = _signed_in("sys1")
    for page in ("views/audit.py", "views/security.py"):
        with pytest.raises(Exception):  # noqa: B017
            at.switch_page(page).run()


def test_the_security_officer_signs_an_account_out_everywhere(accounts):
    first, second = accounts.sessions().start("li"), accounts.sessions().start("li")
    at = _signed_in("sec1")
    shown = next(d.value for d in at.dataframe if "最近活动" in d.value.columns)
    assert sorted(shown["账号"]) == ["li", "li", "sec1"]
    at.selectbox(key="sec_end_user").set_value("li").run()
    at.button(key="sec_end_button").click().run()
    assert accounts.sessions().touch(first.id) is None and accounts.sessions().touch(second.id) is None
    assert [s.username for s in accounts.sessions().open()] == ["sec1"]
    entry = [e for e in open_store().audit() if e["action"] == "sessions_ended"][-1]
    assert (entry["account"], entry["count"], entry["user"]) == ("li", 2, "sec1")


def test_unlock_from_the_command_line(accounts, capsys):
    for _ in range(5):
        accounts.sign_in("nobody", "wrong", "10.9.9.9")
    now = datetime.now().astimezone() + timedelta(seconds=1)
    assert {"user:nobody", "addr:10.9.9.9"} <= set(Lockout.beside_accounts().locks(now))
    assert auth_main(["unlock", "--address", "10.9.9.9"]) == 0
    assert auth_main(["unlock", "nobody"]) == 0
    assert auth_main(["unlock"]) == 1
    assert "二者选一" in capsys.readouterr().err
    assert not Lockout.beside_accounts().locks(now)


def test_the_excel_file_has_chinese_headers(accounts):
    at = _signed_in("aud1")
    table = audit_table(open_store().audit())
    headers = {"time": "时间", "user": "操作人", "action": "操作"}
    sheet = load_workbook(io.BytesIO(excel_bytes(table, headers, "审计日志"))).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))] == list(headers.values())
    assert at.header[0].value == "审计日志"
