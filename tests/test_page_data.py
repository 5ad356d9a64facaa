"""The data page: layer status, templates, checking and importing uploads, backups, audit log."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from layers import LAYERS
from tests.conftest import DATA, opened_page, read_layers

PAGE = "views/data.py"
GOOD, BAD = DATA / "layers" / "units_good.csv", DATA / "layers" / "units_bad.csv"
WEBPAGE = DATA / "read" / "webpage.geojson"


# These tests change the working file's data: caches emptied before and after each.
pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def app(demo_env) -> AppTest:
    return opened_page(PAGE)


def _upload(at: AppTest, layer: str, path) -> AppTest:
    """Choose ``layer`` and upload ``path`` through the page's widgets."""
    at.selectbox(key="data_layer").set_value(layer).run()
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_layers_show_the_demos_rows_and_last_import(app):
    table = app.dataframe[0].value
    expected = {LAYERS[name].label: len(frame) for name, frame in read_layers().items()}
    assert dict(zip(table["图层"], table["条数"], strict=True)) == expected
    assert expected["驻区单位"] == 45 and expected["宗教活动场所"] == 95
    assert set(table["文件"]) == {"tongxin-demo.gpkg"} and set(table["来源"]) == {"示例数据生成"}
    assert any("示例数据" in i.value for i in app.info)
    templates = [b for b in app.download_button if b.key.startswith("tpl-")]
    assert len(templates) == len(LAYERS)
    assert app.file_uploader[0].allowed_type == [
        ".xlsx", ".xls", ".et", ".csv", ".geojson", ".json", ".zip", ".gpkg", ".kml", ".kmz"]


def test_a_template_is_an_excel_workbook(demo_env, tmp_path):
    # What the page's template button serves (built on click, which AppTest cannot fetch).
    from layers.template import write_template

    assert write_template("units", tmp_path / "units.xlsx").read_bytes()[:2] == b"PK"


def test_a_good_file_checks_previews_and_imports(demo_env):
    import ui.data as data
    from ui.upload_flow import check_upload, import_upload, preview_upload, report_table

    content = GOOD.read_bytes()
    report = check_upload("units", GOOD.name, content)
    assert report.ok and report.rows == 2
    table = report_table(report, "zh")
    assert set(table["level"]) == {"提醒"}  # only the undeclared-CRS warning
    preview = preview_upload("units", GOOD.name, content, mode="replace")
    assert preview.ok and preview.plan.counts() == {"added": 2, "updated": 0, "removed": 45,
                                                    "unchanged": 0}
    # Replacing removes more than half of the layer: not without a confirmation.
    refused = import_upload("units", GOOD.name, content, mode="replace")
    assert refused.needs_confirmation and not refused.written
    assert len(data.layer("units")) == 45
    outcome = import_upload("units", GOOD.name, content, mode="replace", confirmed=True)
    assert outcome.written and outcome.backup.reason == "units"
    assert len(data.layer("units")) == 2
    last = data.store().audit()[-1]
    # The helper itself does not check permissions (the page's button does); outside a
    # signed-in session the audit names the read-only demo.
    assert (last["action"], last["user"], last["file"]) == ("import", "demo", GOOD.name)
    assert (last["add"], last["update"], last["remove"]) == (2, 0, 45)


def test_a_bad_file_is_reported_row_by_row(demo_env):
    from ui.upload_flow import check_file, report_table

    table = report_table(check_file("units", BAD), "zh")
    row2 = table[(table["row"] == "2") & (table["column"] == "单位类别")]
    assert len(row2) == 1 and row2["level"].iloc[0] == "错误"
    assert "省属高校" in row2["problem"].iloc[0]
    assert set(table[table["row"] == "3"]["column"]) >= {"走访对接日期", "联席会议成员"}


def test_the_page_shows_a_bad_report_without_an_import_button(app):
    _upload(app, "units", BAD)
    assert any("检查未通过" in e.value for e in app.error)
    shown = app.table[0].value
    assert list(shown.columns) == ["类别", "行/要素", "列", "问题"]
    assert ((shown["行/要素"] == "2") & (shown["列"] == "单位类别")).any()
    assert not [b for b in app.button if b.key == "data_import"]
    assert not app.metric  # no change is planned for a file that fails its check


def test_a_web_page_saved_as_geojson_gets_a_clear_message(app):
    _upload(app, "religious_sites", WEBPAGE)
    shown = app.table[0].value
    assert len(shown) == 1 and shown["行/要素"].iloc[0] == "（整个文件）"
    assert "网页（HTML）" in shown["问题"].iloc[0]


def _signed_in(role: str, towns: tuple[str, ...] = ()) -> AppTest:
    from auth.accounts import AccountStore

    AccountStore.from_settings().add(f"{role}1", role, "correct horse 42", "tester",
                                     towns=towns, must_change=False)
    at = opened_page()
    at.text_input(key="login_user").set_value(f"{role}1")
    at.text_input(key="login_pass").set_value("correct horse 42")
    at.button[0].click().run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def test_an_editor_imports_and_restores_and_every_page_sees_it(demo_env):
    app = _upload(_signed_in("editor"), "units", GOOD)
    assert any("检查通过" in s.value for s in app.success)
    assert any(c.value == t("data.import_allowed", "zh") for c in app.caption)
    # The default mode updates by id: the file's two units (no ids) are added.
    assert app.radio(key="data_mode").value == "update"
    assert {m.label: m.value for m in app.metric} == {"新增": "2", "修改": "0", "删除": "0",
                                                      "不变": "0"}
    app.button(key="data_import").click().run()
    assert not app.exception
    done = next(s.value for s in app.success if "已导入" in s.value)
    assert done.startswith("已导入“驻区单位”（按编号更新，文件「units\\_good\\.csv」）")
    assert "新增 2 条，修改 0 条，删除 0 条" in done
    table = app.dataframe[0].value
    assert table.loc[table["图层"] == "驻区单位", "条数"].iloc[0] == 47
    assert "data_report" not in app.session_state
    # The audit log shows the import first, with its counts; the backup can be restored.
    audit = app.dataframe[-1].value
    assert audit["操作"].iloc[0] == "导入" and audit["操作人"].iloc[0] == "editor1"
    assert "（新增 2 条、修改 0 条、删除 0 条）" in audit["详情"].iloc[0]
    app.button(key="data_restore").click().run()
    assert not app.exception
    assert any("已恢复备份" in s.value for s in app.success)
    table = app.dataframe[0].value
    assert table.loc[table["图层"] == "驻区单位", "条数"].iloc[0] == 45


def test_an_upload_through_the_widget_is_checked(app):
    app.selectbox(key="data_layer").set_value("units").run()
    app.file_uploader[0].set_value((BAD.name, BAD.read_bytes(), "text/csv")).run()
    assert not app.exception
    assert any("检查未通过" in e.value for e in app.error)
    assert (app.table[0].value["列"] == "单位类别").any()


@pytest.mark.parametrize("who", ["demo", "viewer"])
def test_the_demo_and_a_viewer_cannot_import_or_restore_from_the_page(demo_env, who):
    from ledger.importer import import_file
    from storage import open_store

    import_file("units", GOOD, store=open_store(), user="tester")  # so there is a backup
    at = opened_page(PAGE) if who == "demo" else _signed_in("viewer")
    _upload(at, "units", DATA / "layers" / "units_ids.csv")
    assert at.metric  # the change is shown to anyone; only the import is refused
    assert at.button(key="data_import").disabled
    assert at.button(key="data_restore").disabled
    captions = {c.value for c in at.caption}
    assert {t("data.import_blocked", "zh"), t("data.restore_blocked", "zh")} <= captions


def test_english_labels(app):
    app.sidebar.radio(key="lang_choice").set_value("en").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table.columns[:2]) == ["Layer", "Rows"]
    assert "Stationed units" in set(table["Layer"])
    assert any(h.value == "Data management" for h in app.header)


def test_the_audit_log_says_each_kind_of_change_in_words():
    from views.data import audit_frame

    entries = [
        {"time": "2026-01-02T10:00:00+08:00", "action": "import", "layer": "units",
         "file": "units.csv", "rows": 2, "user": "editor1", "backup": "b1", "records": 47,
         "add": 2, "update": 0, "remove": 45},
        {"time": "2026-01-02T10:01:00+08:00", "action": "edit", "layer": "units", "file": "",
         "rows": 3, "user": "editor1", "backup": "b2", "records": 1, "add": 0, "update": 1,
         "remove": 0},
        {"time": "2026-01-02T10:02:00+08:00", "action": "restore", "layer": "units", "file": "",
         "rows": 3, "user": "editor1", "backup": "b3", "records": 1, "add": 0, "update": 1,
         "remove": 0},
        {"time": "2026-01-02T10:03:00+08:00", "action": "restore", "backup": "b1",
         "saved_as": "b4", "user": "admin1"},
        {"time": "2026-01-01T09:00:00+08:00", "action": "import", "layer": "units",
         "file": "old.csv", "rows": 5, "user": "tester", "backup": "b0"},  # before change sets
        {"time": "2026-01-01T08:00:00+08:00", "action": "cleanup", "user": "system"},
        {"time": "2026-01-03T08:00:00+08:00", "action": "migrate", "user": "admin1",
         "from": "/opt/tongxin/data/tongxin.gpkg", "to": "postgresql://tongxin@db:5432/tongxin",
         "entries": 40},
    ]
    table = audit_frame(entries, "zh")
    assert list(table["action"]) == ["导入", "编辑记录", "恢复记录", "恢复备份", "导入", "cleanup",
                                     "迁移数据集"]
    assert table["detail"].iloc[6] == ("从 /opt/tongxin/data/tongxin.gpkg 迁移到 "
                                       "postgresql://tongxin@db:5432/tongxin")
    detail = list(table["detail"])
    assert detail[0] == "“驻区单位”2 条，文件「units.csv」（新增 2 条、修改 0 条、删除 45 条），原数据备份为 b1"
    assert detail[1] == "“驻区单位”（新增 0 条、修改 1 条、删除 0 条），原数据备份为 b2"
    assert detail[2].startswith("“驻区单位”的一条记录恢复为早先的版本（新增 0 条、修改 1 条")
    assert detail[3] == "恢复 b1，恢复前的数据备份为 b4"
    assert detail[4] == "“驻区单位”5 条，文件「old.csv」，原数据备份为 b0"
    assert detail[5] == ""
    english = audit_frame(entries[:2], "en")
    assert list(english["action"]) == ["Import", "Edit"]
    assert "(2 added, 0 updated, 45 removed)" in english["detail"].iloc[0]


def test_a_backup_before_an_edit_says_so():
    from views.data import _backup_reason

    assert _backup_reason("edit-units", "zh") == "编辑“驻区单位”之前的数据"
    assert _backup_reason("units", "zh") == "导入“驻区单位”之前的数据"
    assert _backup_reason("restore", "zh") == "恢复操作之前的数据"
    assert _backup_reason("edit-nothing", "zh") == "edit-nothing"  # not one of ours: as written
