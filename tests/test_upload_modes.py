"""The upload page's import modes: a preview before every write, refusals by row, confirmation.

Driven through the page (AppTest) with the files of tests/data/layers: ``units_ids.csv`` holds
the demo's U001 with a new 联络人 and 职工人数 (row 2) and a new U900 in 西园街道 (row 3);
``units_good.csv`` two units without ids, which replacing the demo's 45 would mostly remove.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from storage import open_store
from tests.conftest import DATA, TEST_STORE, opened_page, read_layers

PAGE = "views/data.py"
IDS, GOOD = DATA / "layers" / "units_ids.csv", DATA / "layers" / "units_good.csv"
PASSWORD = "correct horse 42"
XIHU = "620103002"  # 西湖街道: U001's township; U900 is in 西园街道

pytestmark = pytest.mark.usefixtures("fresh_caches")


def _signed_in(username: str = "editor1", towns: tuple[str, ...] = ()) -> AppTest:
    from auth.accounts import AccountStore

    AccountStore.from_settings().add(username, "editor", PASSWORD, "tester", towns=towns, must_change=False)
    at = opened_page()
    at.text_input(key="login_user").set_value(username)
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _upload(at: AppTest, path: Path, mode: str, on_duplicate: str | None = None) -> AppTest:
    """Choose the units layer and ``mode`` (and what to do with ids present), then upload."""
    at.selectbox(key="data_layer").set_value("units").run()
    at.radio(key="data_mode").set_value(mode).run()
    if on_duplicate is not None:
        at.radio(key="data_on_duplicate").set_value(on_duplicate).run()
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _table_with(at: AppTest, column: str):
    return next(table.value for table in at.table if column in table.value.columns)


def _refusals(at: AppTest):
    """The table of refused rows (the check report's table, of warnings here, has a 类别)."""
    return next(table.value for table in at.table
                if list(table.value.columns) == ["行/要素", "列", "问题"])


def _fingerprint(work: Path) -> tuple[str | None, str, int, list[str]]:
    """The working file's bytes (GeoPackage), the store's version, the audit log's length and
    the backups."""
    store = open_store()
    try:
        data = hashlib.sha256(work.read_bytes()).hexdigest() if TEST_STORE == "gpkg" else None
        return data, store.version(), len(store.audit()), [b.id for b in store.backups()]
    finally:
        store.close()


def _unit(code: str):
    units = read_layers("units")["units"]
    return units[units["code"] == code]


def test_the_default_mode_is_the_one_that_removes_nothing():
    from ledger import MODES
    from ui.upload_flow import DEFAULT_MODE, MODE_ORDER

    assert sorted(MODE_ORDER) == sorted(MODES) and DEFAULT_MODE == "update"


def test_the_change_is_shown_before_anything_is_written(demo_env):
    at = _signed_in()
    before = _fingerprint(demo_env)
    _upload(at, IDS, "update")
    assert _metrics(at) == {"新增": "1", "修改": "1", "删除": "0", "不变": "0"}
    assert any("尚未写入" in m.value for m in at.markdown)
    added = _table_with(at, "单位编号")
    assert list(added["单位编号"]) == ["U900"] and list(added["所属乡镇(街道)"]) == ["西园街道"]
    assert not at.button(key="data_import").disabled
    # Previewing, and changing the mode (which previews again), wrote nothing at all.
    at.radio(key="data_mode").set_value("append").run()
    assert not at.exception
    assert _fingerprint(demo_env) == before
    assert len(read_layers("units")["units"]) == 45


def test_update_shows_each_changed_field_and_writes_it(demo_env):
    old = _unit("U001").iloc[0]
    at = _upload(_signed_in(), IDS, "update")
    updated = _table_with(at, "变化（字段：原值 → 新值）")
    assert list(updated["单位编号"]) == ["U001"]
    change = updated["变化（字段：原值 → 新值）"].iloc[0]
    assert change == (f"联络人：{old['liaison']} → 王新（示例）；"
                      f"职工人数：{old['staff']} → 2700")
    assert any(c.value.startswith("修改的记录（前 1 条，共 1 条）") for c in at.caption)
    at.button(key="data_import").click().run()
    assert not at.exception
    done = next(s.value for s in at.success if "已导入" in s.value)
    assert "按编号更新" in done and "新增 1 条，修改 1 条，删除 0 条" in done
    unit = _unit("U001").iloc[0]
    assert (unit["liaison"], unit["staff"]) == ("王新（示例）", 2700)
    assert len(read_layers("units")["units"]) == 46


def test_append_of_ids_already_there_is_refused_naming_the_row(demo_env):
    at = _signed_in()
    before = _fingerprint(demo_env)
    _upload(at, IDS, "append")
    assert at.radio(key="data_on_duplicate").value == "refuse"
    assert any(t("data.preview_refused", "zh", count=1) == e.value for e in at.error)
    refused = _refusals(at)
    assert (refused["行/要素"].tolist(), refused["列"].tolist()) == (["2"], ["单位编号"])
    assert "U001" in refused["问题"].iloc[0]
    assert any(c.value == t("data.refused_hint", "zh") for c in at.caption)
    # A refused file offers no import and changes nothing.
    assert not [b for b in at.button if b.key == "data_import"] and not at.metric
    assert _fingerprint(demo_env) == before


def test_append_skipping_ids_already_there_adds_only_the_new(demo_env):
    old = _unit("U001").iloc[0]
    at = _upload(_signed_in(), IDS, "append", on_duplicate="skip")
    assert _metrics(at) == {"新增": "1", "修改": "0", "删除": "0", "不变": "1"}
    assert any(c.value == t("data.preview_skipped", "zh", count=1) for c in at.caption)
    at.button(key="data_import").click().run()
    assert not at.exception
    assert any("新增 1 条，修改 0 条，删除 0 条" in s.value for s in at.success)
    assert len(read_layers("units")["units"]) == 46
    assert _unit("U001").iloc[0]["liaison"] == old["liaison"]  # kept as it was
    assert _unit("U900").iloc[0]["name"] == "某某设计研究院（示例）"


def test_a_replace_removing_most_of_the_layer_needs_the_box_ticked(demo_env):
    at = _signed_in()
    before = _fingerprint(demo_env)
    _upload(at, GOOD, "replace")
    assert _metrics(at) == {"新增": "2", "修改": "0", "删除": "45", "不变": "0"}
    assert any(c.value.startswith("删除的记录（前 10 条，共 45 条）") for c in at.caption)
    assert any("删除“驻区单位”现有 45 条记录中的 45 条" in w.value for w in at.warning)
    box = at.checkbox(key="data_confirm")
    assert box.label == "我确认删除 45 条记录" and not box.value
    assert at.button(key="data_import").disabled
    assert any(c.value == t("data.confirm_first", "zh") for c in at.caption)
    box.check().run()
    assert not at.exception
    assert not at.button(key="data_import").disabled
    assert _fingerprint(demo_env) == before  # ticking writes nothing either
    at.button(key="data_import").click().run()
    assert not at.exception
    assert any("新增 2 条，修改 0 条，删除 45 条" in s.value for s in at.success)
    assert len(read_layers("units")["units"]) == 2
    from storage import open_store

    last = open_store().audit()[-1]
    assert (last["action"], last["user"], last["remove"]) == ("import", "editor1", 45)


def test_a_replace_removing_nothing_needs_no_box_and_says_nothing_changes(demo_env):
    from ledger.importer import import_file
    from storage import open_store

    import_file("units", IDS, store=open_store(), user="tester")  # the layer: U001 and U900
    at = _upload(_signed_in(), IDS, "replace")
    assert _metrics(at) == {"新增": "0", "修改": "0", "删除": "0", "不变": "2"}
    assert any(i.value == t("data.preview_nothing", "zh") for i in at.info)
    assert not [c for c in at.checkbox if c.key == "data_confirm"]
    assert not at.button(key="data_import").disabled


def test_a_scoped_editor_is_refused_rows_outside_their_townships(demo_env):
    at = _signed_in("xihu1", towns=(XIHU,))
    assert any(c.value == t("data.scope_note", "zh", towns="西湖街道") for c in at.caption)
    before = _fingerprint(demo_env)
    _upload(at, IDS, "update")
    refused = _refusals(at)
    assert (refused["行/要素"].tolist(), refused["列"].tolist()) == (["3"], ["所属乡镇(街道)"])
    assert "西园街道" in refused["问题"].iloc[0] and "西湖街道" in refused["问题"].iloc[0]
    assert not [b for b in at.button if b.key == "data_import"]
    assert _fingerprint(demo_env) == before


def test_a_change_written_by_someone_else_after_the_preview_is_shown_not_overwritten(demo_env):
    from ledger.importer import apply_import
    from storage import open_store

    at = _upload(_signed_in(), IDS, "update")
    assert _metrics(at)["新增"] == "1"
    # Meanwhile another editor imports U900 themselves.
    written = apply_import("units", IDS, mode="append", on_duplicate="skip", store=open_store(),
                           user="other")
    assert written.written
    after_theirs = _fingerprint(demo_env)
    at.button(key="data_import").click().run()
    assert not at.exception
    # The click wrote nothing: it showed the change as it is now (U900 already there).
    assert _fingerprint(demo_env) == after_theirs
    assert any(t("data.preview_stale", "zh", added=1, updated=1, removed=0) == w.value
               for w in at.warning)
    assert _metrics(at) == {"新增": "0", "修改": "1", "删除": "0", "不变": "1"}
    at.button(key="data_import").click().run()
    assert not at.exception
    assert any("新增 0 条，修改 1 条，删除 0 条" in s.value for s in at.success)
    assert _unit("U001").iloc[0]["liaison"] == "王新（示例）"


def test_the_flow_in_english(demo_env):
    at = _signed_in()
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    _upload(at, IDS, "update")
    assert _metrics(at) == {"Added": "1", "Updated": "1", "Removed": "0", "Unchanged": "0"}
    change = _table_with(at, "Changes (field: before → after)")
    assert change["Changes (field: before → after)"].iloc[0].startswith("Liaison: ")


def test_a_confirmation_is_of_the_change_shown_and_asked_again_when_it_changes(demo_env):
    from ledger.importer import apply_import
    from storage import open_store

    at = _upload(_signed_in(), GOOD, "replace")
    at.checkbox(key="data_confirm").check().run()
    assert not at.button(key="data_import").disabled
    apply_import("units", IDS, mode="update", store=open_store(), user="other")  # meanwhile
    after_theirs = _fingerprint(demo_env)
    at.button(key="data_import").click().run()
    assert not at.exception
    assert _fingerprint(demo_env) == after_theirs
    assert _metrics(at)["删除"] == "46"
    box = at.checkbox(key="data_confirm")
    assert box.label == "我确认删除 46 条记录" and not box.value
    assert at.button(key="data_import").disabled
