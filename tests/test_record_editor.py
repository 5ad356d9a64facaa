"""Editing one record in the dashboard: find, edit, add, remove, restore, conflicts, scope.

Each test signs in on a private copy of the demo and drives the data page's "逐条编辑"
section (and the activity and unit pages' add forms) under AppTest; what the form wrote is
read back from the working dataset.
"""

from __future__ import annotations

import pytest

from auth.accounts import AccountStore
from core.i18n import t
from layers.context import Context
from layers.coords import gcj02_to_wgs84
from layers.validate import validate_record
from ledger.edit import form_values, open_record, save_record
from storage import open_store
from tests.conftest import opened_page
from ui import record_form
from ui.record_editor import CONFIRM_KEY, LAYER_KEY, PICK_KEY, QUERY_KEY, form_id

PASSWORD = "correct horse 42"
XIZHAN, YANJIAPING = "620103005", "620103006"
UNIT = "U001"  # 兰州理工大学, in 西湖街道 (620103002), 2,600 staff
FORM = form_id("units")

pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def accounts(demo_env) -> AccountStore:
    store = AccountStore.from_settings(audit=open_store().record)
    store.add("li", "editor", PASSWORD, "tester", must_change=False)
    store.add("wang", "editor", PASSWORD, "tester", towns=(YANJIAPING, XIZHAN), must_change=False)
    store.add("zhao", "viewer", PASSWORD, "tester", must_change=False)
    return store


def _signed_in(user: str, page: str = "views/data.py"):
    at = opened_page()
    at.text_input(key="login_user").set_value(user)
    at.text_input(key="login_pass").set_value(PASSWORD)
    at.button[0].click().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _field(at, name: str, form: str = FORM):
    return at.text_input(key=record_form.key(form, name))


def _choice(at, name: str, form: str = FORM):
    return at.selectbox(key=record_form.key(form, name))


def _open(at, layer: str = "units", record_id: str = UNIT):
    at.selectbox(key=LAYER_KEY).set_value(layer).run()
    at.selectbox(key=PICK_KEY).set_value(record_id).run()
    assert not at.exception, at.exception
    return at


def _save(at, form: str = FORM):
    at.button(key=record_form.key(form, "_submit")).click().run()
    assert not at.exception, at.exception
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def _in_order(node):
    """Yield the page's elements in the order they are drawn (into columns and expanders)."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from _in_order(child)


def _plain(markdown: str) -> str:
    # Alerts read markdown: values from data come backslash-escaped (ui.escape).
    return markdown.replace("\\", "")


def test_search_finds_by_name_code_and_township(accounts):
    at = _signed_in("li")
    at.selectbox(key=LAYER_KEY).set_value("units").run()
    for query in ("理工", "u001", "西湖街道 理工"):
        at.text_input(key=QUERY_KEY).set_value(query).run()
        table = at.dataframe[1].value  # after the layers table
        assert UNIT in table["单位编号"].tolist(), query
        assert set(table["所属乡镇(街道)"]) == {"西湖街道"} or query == "u001"
    assert UNIT in at.selectbox(key=PICK_KEY).options[1]
    at.text_input(key=QUERY_KEY).set_value("没有这个单位").run()
    assert t("edit.no_matches") in _texts(at.caption)


def test_an_edit_is_saved_as_a_new_version_with_its_history(accounts):
    store = open_store()
    before = store.version()
    at = _open(_signed_in("li"))
    assert _field(at, "name").value == "兰州理工大学"
    assert _field(at, "code").disabled  # the id of a record being edited is fixed
    _field(at, "staff").set_value("2700")
    _save(at)
    assert open_record("units", UNIT, store)["staff"] == 2700
    assert store.version() != before
    entry = store.history("units", UNIT)[0]
    assert (entry["user"], entry["how"], entry["op"]) == ("li", "edit", "update")
    assert (entry["before"]["staff"], entry["after"]["staff"]) == (2600, 2700)
    assert any("职工人数：2600 → 2700" in s.value for s in at.success)
    # The page follows the new version: the form shows the stored record, history lists it.
    assert _field(at, "staff").value == "2700"
    history = next(d.value for d in at.dataframe if t("edit.col_changes") in d.value)
    assert history.iloc[0][t("edit.col_changes")] == "职工人数：2600 → 2700"
    assert history.iloc[0][t("edit.col_user")] == "li"


def test_a_bad_value_shows_the_imports_message_under_its_field_and_writes_nothing(accounts):
    store = open_store()
    before = store.version()
    at = _open(_signed_in("li"))
    _field(at, "staff").set_value("两千")
    _choice(at, "category").set_value("")
    _save(at)
    assert store.version() == before
    expected = validate_record("units", {**form_values(open_record("units", UNIT, store)),
                                         "staff": "两千", "category": None},
                               Context.from_store(store), crs="wgs84")
    messages = {i.column: i.message("zh") for i in expected.errors}
    assert set(messages) == {"职工人数", "单位类别"}
    # Each message sits right under its own field, in the page's order.
    order = list(_in_order(at.main))
    for name, label in (("staff", "职工人数"), ("category", "单位类别")):
        at_field = next(i for i, e in enumerate(order)
                        if getattr(e, "key", None) == record_form.key(FORM, name))
        below = order[at_field + 1]
        assert below.type == "error" and _plain(below.value) == messages[label]
    assert t("edit.failed", count=2) in _texts(at.error)
    # What was typed stays to be corrected.
    assert _field(at, "staff").value == "两千"


def test_a_record_is_added_removed_and_restored_from_its_history(accounts):
    store = open_store()
    at = _signed_in("li")
    at.selectbox(key=LAYER_KEY).set_value("units").run()
    at.button(key="edit_new").click().run()
    assert _field(at, "code").value == "" and not _field(at, "code").disabled
    _field(at, "name").set_value("兰州测试单位（示例）")
    _choice(at, "category").set_value("医院")
    _choice(at, "township_code").set_value(XIZHAN)
    at.selectbox(key=record_form.key(FORM, "_crs")).set_value("gcj02")
    _field(at, "_lng").set_value("103.7575")
    _field(at, "_lat").set_value("36.0640")
    _save(at)
    units = store.read("units")
    added = units[units["name"] == "兰州测试单位（示例）"]
    assert len(added) == 1 and added["township_code"].iloc[0] == XIZHAN
    new_id = str(added["code"].iloc[0])
    point = added.geometry.iloc[0]
    # Typed in GCJ-02 (picked on Amap), stored in WGS84: about 230 m west of what was typed.
    lng, lat = gcj02_to_wgs84(103.7575, 36.0640)
    assert point.x == pytest.approx(lng, abs=1e-6) and point.y == pytest.approx(lat, abs=1e-6)
    assert 0.002 < 103.7575 - point.x < 0.004
    assert at.selectbox(key=PICK_KEY).value == new_id  # the new record is open
    assert store.history("units", new_id)[0]["op"] == "add"

    at.checkbox(key=CONFIRM_KEY).check().run()
    at.button(key="edit_delete").click().run()
    assert not at.exception, at.exception
    assert open_record("units", new_id, store) is None
    assert store.history("units", new_id)[0]["op"] == "remove"
    assert any(new_id in s.value for s in at.success)
    # The removed record's history stays on the page: bring it back from there.
    at.button(key="edit_restore").click().run()
    assert not at.exception, at.exception
    restored = open_record("units", new_id, store)
    assert restored is not None and restored["name"] == "兰州测试单位（示例）"
    assert store.history("units", new_id)[0]["how"] == "restore"


def test_the_delete_button_waits_for_the_confirmation(accounts):
    at = _open(_signed_in("li"))
    assert at.button(key="edit_delete").disabled
    at.checkbox(key=CONFIRM_KEY).check().run()
    assert not at.button(key="edit_delete").disabled


def test_an_earlier_version_is_restored(accounts):
    store = open_store()
    at = _open(_signed_in("li"))
    for staff in ("2700", "2800"):
        _field(at, "staff").set_value(staff)
        _save(at)
    assert open_record("units", UNIT, store)["staff"] == 2800
    versions = at.selectbox(key=f"edit_version:units:{UNIT}")
    assert len(versions.options) == 2
    versions.set_value(1).run()  # the older edit: staff 2700 after it
    at.button(key="edit_restore").click().run()
    assert not at.exception, at.exception
    assert open_record("units", UNIT, store)["staff"] == 2700
    latest = store.history("units", UNIT)[0]
    assert (latest["how"], latest["user"], latest["after"]["staff"]) == ("restore", "li", 2700)
    assert _field(at, "staff").value == "2700"


def test_a_second_editor_is_told_and_nothing_is_overwritten_silently(accounts):
    store = open_store()
    at = _open(_signed_in("li"))
    # Someone else saves the same record after it was opened here.
    theirs = {**open_record("units", UNIT, store), "staff": 3000}
    theirs.pop("geometry")
    other = save_record("units", theirs, record_id=UNIT,
                        original=open_record("units", UNIT, store), store=store, user="wang")
    assert other.saved
    version = store.version()
    _field(at, "staff").set_value("2700")
    _save(at)
    assert store.version() == version  # nothing written
    assert open_record("units", UNIT, store)["staff"] == 3000
    assert any("wang" in w.value and "您的修改没有保存" in w.value for w in at.warning)
    table = at.table[0].value
    row = table[table["字段"] == "职工人数"].iloc[0]
    assert (row["当前库中"], row["我的修改"], row["不同"]) == ("3000", "2700", "≠")
    assert set(table[table["字段"] == "名称"]["不同"]) == {""}
    at.button(key="edit_overwrite").click().run()
    assert not at.exception, at.exception
    assert open_record("units", UNIT, store)["staff"] == 2700
    assert store.history("units", UNIT)[0]["user"] == "li"
    assert not at.warning


def test_discarding_my_change_shows_the_stored_version(accounts):
    store = open_store()
    at = _open(_signed_in("li"))
    theirs = {k: v for k, v in open_record("units", UNIT, store).items() if k != "geometry"}
    save_record("units", {**theirs, "liaison": "新联络人（示例）"}, record_id=UNIT,
                store=store, user="wang")
    _field(at, "staff").set_value("2700")
    _save(at)
    assert at.table
    at.button(key="edit_discard").click().run()
    assert not at.exception, at.exception
    assert _field(at, "liaison").value == "新联络人（示例）"
    assert _field(at, "staff").value == "2600"
    assert not at.table and open_record("units", UNIT, store)["staff"] == 2600


def test_a_scoped_editor_is_refused_outside_its_townships(accounts):
    store = open_store()
    before = store.version()
    at = _open(_signed_in("wang"))  # U001 lies in 西湖街道, not one of wang's
    _field(at, "staff").set_value("2700")
    _save(at)
    assert store.version() == before
    assert any("不在您负责的乡镇(街道)" in e.value for e in at.error)
    at.checkbox(key=CONFIRM_KEY).check().run()
    at.button(key="edit_delete").click().run()
    assert not at.exception, at.exception
    assert store.version() == before and open_record("units", UNIT, store) is not None
    assert t("edit.refused") in _texts(at.error)
    # Inside its townships it may.
    units = store.read("units")
    mine = str(units[units["township_code"].astype(str) == XIZHAN]["code"].iloc[0])
    _open(at, "units", mine)
    _field(at, "staff").set_value("123")
    _save(at)
    assert open_record("units", mine, store)["staff"] == 123


def test_clicking_the_map_places_the_point(accounts, monkeypatch):
    from ui.map_object import Map

    store = open_store()
    at = _open(_signed_in("li"))
    # AppTest cannot click inside the map element: Map.pick is stubbed to report a click.
    monkeypatch.setattr(Map, "pick", lambda self, key, height=0: (36.0712345678, 103.7456789012))
    at.run()
    assert not at.exception, at.exception
    assert (_field(at, "_lng").value, _field(at, "_lat").value) == ("103.7456789", "36.0712346")
    assert at.selectbox(key=record_form.key(FORM, "_crs")).value == "wgs84"
    _save(at)
    assert open_record("units", UNIT, store)["geometry"] == "POINT (103.7456789 36.0712346)"


@pytest.mark.parametrize("user", [None, "zhao"])
def test_the_demo_and_viewers_see_the_controls_disabled_with_the_reason(demo_env, accounts,
                                                                         user, tmp_path,
                                                                         monkeypatch):
    if user is None:  # the read-only demo: no accounts at all
        monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "none.json"))
        at = opened_page("views/data.py")
    else:
        at = _signed_in(user)
    assert t("edit.blocked") in _texts(at.caption)
    assert at.button(key="edit_new").disabled
    _open(at)
    assert _field(at, "name").disabled and at.button(key=record_form.key(FORM, "_submit")).disabled
    assert at.checkbox(key=CONFIRM_KEY).disabled and at.button(key="edit_delete").disabled


def test_an_activity_is_recorded_on_the_activities_page(accounts):
    store = open_store()
    count = len(store.read("activities"))
    at = _signed_in("li", "views/activities.py")
    form = "activities_add"
    _field(at, "date", form).set_value("2026年3月5日")
    _choice(at, "category", form).set_value("进社区")
    _choice(at, "township_code", form).set_value(XIZHAN)
    _field(at, "title", form).set_value("民族团结宣传（示例）")
    _field(at, "participants", form).set_value("四十")
    _save(at, form)
    assert len(store.read("activities")) == count
    assert any("不是整数" in e.value for e in at.error)
    _field(at, "participants", form).set_value("40")
    _save(at, form)
    activities = store.read("activities")
    assert len(activities) == count + 1
    added = activities[activities["title"] == "民族团结宣传（示例）"].iloc[0]
    assert added["participants"] == 40 and str(added["date"])[:10] == "2026-03-05"
    assert any("民族团结宣传（示例）" in s.value for s in at.success)
    assert _field(at, "title", form).value == ""  # emptied for the next one


def test_the_demo_cannot_record_an_activity(demo_env, fresh_caches):
    at = opened_page("views/activities.py")
    assert at.button(key=record_form.key("activities_add", "_submit")).disabled
    assert t("edit.blocked") in _texts(at.caption)


def test_a_visit_is_recorded_for_the_chosen_unit_on_the_units_page(accounts):
    store = open_store()
    count = len(store.read("visits"))
    at = _signed_in("li", "views/units.py")
    form = "units_visit_add"
    at.selectbox(key="units_visit_add_unit").set_value("U003").run()
    unit = _choice(at, "unit_code", form)
    assert unit.value == "U003" and unit.disabled  # pre-filled and fixed
    _field(at, "date", form).set_value("2026-10-20")
    _choice(at, "form", form).set_value("座谈")
    _field(at, "visitor", form).set_value("王建国（示例）")
    _save(at, form)
    visits = store.read("visits")
    assert len(visits) == count + 1
    added = visits[visits["visitor"] == "王建国（示例）"].iloc[0]
    units = store.read("units").set_index("code")
    # The township comes from the unit, as an import fills it.
    assert added["unit_code"] == "U003"
    assert added["township_code"] == units.loc["U003", "township_code"]
    assert store.history("visits", str(added["code"]))[0]["user"] == "li"


def test_an_area_keeps_its_outline_when_its_fields_change(accounts):
    store = open_store()
    town = "620103001"
    outline = open_record("townships", town, store)["geometry"]
    at = _open(_signed_in("li"), "townships", town)
    form = form_id("townships")
    assert t("edit.shape_kept") in _texts(at.caption)
    assert not [w for w in at.text_input if w.key == record_form.key(form, "_lng")]
    _field(at, "population", form).set_value("123456")
    _save(at, form)
    saved = open_record("townships", town, store)
    assert saved["population"] == 123456 and saved["geometry"] == outline


def test_the_form_speaks_english(accounts):
    at = _signed_in("li")
    at.sidebar.radio(key="lang_choice").set_value("en").run()
    _open(at)
    assert at.text_input(key=record_form.key(FORM, "staff")).label == "Employees"
    _field(at, "staff").set_value("many")
    _save(at)
    assert any("not a whole number" in e.value or "integer" in e.value for e in at.error), \
        _texts(at.error)
    assert t("edit.failed", "en", count=1) in _texts(at.error)
