"""One record from a form (ledger.edit): the import's checks, no lost update, history, scopes."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pyproj
import pytest

from layers import LAYERS
from layers.coords import wgs84_to_gcj02
from ledger import apply_import
from ledger.edit import delete_record, form_values, open_record, restore_version, save_record
from ledger.importer import check
from storage import open_store
from storage.gpkg import GeoPackageStore

XIYUAN, XIHU, AGAN = "620103001", "620103002", "620103100"
# A demo community's location (WGS84), written in other coordinate systems below.
LNG, LAT = 103.78364, 36.06777


@pytest.fixture
def store(demo_env) -> GeoPackageStore:
    return open_store()


class Unchanged:
    """The dataset's version, backups, audit and history, to compare after a refusal."""

    def __init__(self, store: GeoPackageStore) -> None:
        self.store = store
        self.state = self._state()

    def _state(self):
        return (self.store.version(), [b.id for b in self.store.backups()],
                len(self.store.audit()), len(self.store.history("units")),
                len(self.store.history("religious_sites")))

    def holds(self) -> bool:
        return self._state() == self.state


def _one_row_csv(layer: str, record: dict, path: Path) -> Path:
    """The record as a one-row ledger with the template's headers (its point as 经度/纬度)."""
    schema = LAYERS[layer]
    row = {col.label: record.get(col.name) for col in schema.columns}
    point = record.get("geometry")
    if isinstance(point, str) and point.startswith("POINT"):
        x, y = re.findall(r"[-\d.]+", point)
        row |= {"经度": x, "纬度": y}
    pd.DataFrame([row]).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _said(issues, lang: str) -> list[tuple[str, str | None, str]]:
    return sorted((i.key, i.column, i.message(lang)) for i in issues)


# -- the checks of an import, field by field ----------------------------------------------------

@pytest.mark.parametrize(("layer", "record_id", "values", "keys"), [
    ("units", "U001", {"visited_on": "2024-02-30"}, ["validate.not_date"]),
    ("units", "U001", {"category": "高校"}, ["validate.not_allowed"]),
    ("units", "U001", {"township_code": "东园街道"}, ["validate.unknown_township"]),
    ("units", "U001", {"joint_meeting": "对", "staff": "很多"},
     ["validate.not_bool", "validate.not_integer"]),
    ("activities", "A000001", {"category": "进公园", "date": ""},
     ["validate.not_allowed", "validate.required"]),
])
def test_a_forms_errors_are_the_imports_errors(store, tmp_path, layer, record_id, values, keys):
    original = open_record(layer, record_id, store)
    untouched = Unchanged(store)
    result = save_record(layer, {**form_values(original), **values}, record_id=record_id,
                         original=original, store=store, user="zhang")
    assert not result.ok and not result.saved
    assert sorted(i.key for i in result.report.errors) == sorted(keys)
    labels = {LAYERS[layer].column(name).label for name in values}
    assert {i.column for i in result.report.errors} == labels
    # The same values in a one-row ledger: the same messages, for the same columns.
    ledger = _one_row_csv(layer, {**original, **values}, tmp_path / "one.csv")
    report = check(layer, ledger, store=store)
    for lang in ("zh", "en"):
        assert _said(result.report.errors, lang) == _said(report.errors, lang)
    assert untouched.holds()
    assert open_record(layer, record_id, store) == original


def test_a_valid_save_changes_the_record_and_keeps_who_when_how_before_after(store):
    original = open_record("units", "U001", store)
    started = dt.datetime.now().astimezone().replace(microsecond=0)
    version = store.version()
    result = save_record("units", {**form_values(original), "liaison": "张三（示例）",
                                   "last_contact_on": "2026/10/8"},
                         record_id="U001", original=original, store=store, user="zhang")
    assert result.ok and result.saved
    assert original["last_contact_on"] != "2026-10-08"
    assert result.changed == {"liaison": (original["liaison"], "张三（示例）"),
                              "last_contact_on": (original["last_contact_on"], "2026-10-08")}
    assert store.version() != version
    saved = open_record("units", "U001", store)
    assert saved == {**original, "liaison": "张三（示例）", "last_contact_on": "2026-10-08"}
    [entry, *_] = store.history("units", "U001")
    assert (entry["user"], entry["how"], entry["op"], entry["record_id"], entry["layer"]) == \
        ("zhang", "edit", "update", "U001", "units")
    assert entry["source"] in ("", None)
    assert entry["before"] == original and entry["after"] == saved
    assert dt.datetime.fromisoformat(entry["time"]) >= started
    assert store.backups()[0].reason == "edit-units"
    audit = store.audit()[-1]
    assert (audit["action"], audit["layer"], audit["user"], audit["update"]) == \
        ("edit", "units", "zhang", 1)


def test_saving_the_record_as_it_is_writes_nothing(store):
    original = open_record("units", "U001", store)
    untouched = Unchanged(store)
    result = save_record("units", form_values(original), record_id="U001", original=original,
                         store=store)
    assert result.ok and not result.saved and result.changed == {}
    assert untouched.holds()


def test_a_new_record_gets_the_next_id_and_an_id_in_use_is_refused(store):
    ids = store.read("units")["code"].astype(str).tolist()
    top = max(int(i[1:]) for i in ids if re.fullmatch(r"U\d+", i))
    values = {"name": "七里河区某新单位（示例）", "category": "医院", "township_code": "西园街道"}
    result = save_record("units", values, store=store, user="zhang")
    assert result.saved and result.record_id == f"U{top + 1:06d}"
    added = open_record("units", result.record_id, store)
    assert added["name"] == "七里河区某新单位（示例）" and added["township_code"] == XIYUAN
    [entry] = store.history("units", result.record_id)
    assert (entry["op"], entry["how"], entry["before"]) == ("add", "edit", None)
    assert entry["after"] == added
    untouched = Unchanged(store)
    taken = save_record("units", {**values, "code": "U002"}, store=store)
    assert not taken.saved and [i.key for i in taken.refused] == ["ledger.record_exists"]
    assert "U002" in taken.refused[0].message("zh")
    assert untouched.holds()


# -- no lost update ---------------------------------------------------------------------------

def test_two_saves_from_the_same_opening_the_second_gets_a_conflict(store):
    original = open_record("units", "U001", store)
    first = save_record("units", {**form_values(original), "liaison": "张三（示例）"},
                        record_id="U001", original=original, store=store, user="zhang")
    assert first.saved
    untouched = Unchanged(store)
    second = save_record("units", {**form_values(original), "liaison": "李四（示例）"},
                         record_id="U001", original=original, store=store, user="li")
    assert not second.saved and not second.ok
    conflict = second.conflict
    assert conflict.current == open_record("units", "U001", store)
    assert conflict.current["liaison"] == "张三（示例）"
    assert conflict.mine == {**original, "liaison": "李四（示例）"}
    assert conflict.user == "zhang" and conflict.time == store.history("units", "U001")[0]["time"]
    assert untouched.holds()
    assert open_record("units", "U001", store)["liaison"] == "张三（示例）"
    # Opened again, the same change goes through.
    again = save_record("units", {**form_values(conflict.current), "liaison": "李四（示例）"},
                        record_id="U001", original=conflict.current, store=store, user="li")
    assert again.saved


def test_deleting_a_record_changed_since_it_was_opened_is_a_conflict(store):
    original = open_record("units", "U002", store)
    assert save_record("units", {**form_values(original), "staff": 1234}, record_id="U002",
                       original=original, store=store, user="zhang").saved
    untouched = Unchanged(store)
    result = delete_record("units", "U002", original=original, store=store, user="li")
    assert not result.saved and result.conflict is not None
    assert result.conflict.current["staff"] == 1234 and result.conflict.mine is None
    assert untouched.holds()
    current = open_record("units", "U002", store)
    result = delete_record("units", "U002", original=current, store=store, user="li")
    assert result.saved and open_record("units", "U002", store) is None
    [entry, *_] = store.history("units", "U002")
    assert (entry["op"], entry["user"], entry["before"], entry["after"]) == \
        ("remove", "li", current, None)
    gone = delete_record("units", "U002", original=current, store=store)
    assert [i.key for i in gone.refused] == ["ledger.record_missing"]


def test_restoring_versions_from_the_history(store):
    original = open_record("units", "U003", store)
    assert save_record("units", {**form_values(original), "name": "改过的名称（示例）"},
                       record_id="U003", original=original, store=store, user="zhang").saved
    [edit, *_] = store.history("units", "U003")
    now = open_record("units", "U003", store)
    result = restore_version("units", edit["before"], original=now, store=store, user="li")
    assert result.saved and open_record("units", "U003", store) == original
    [entry, *_] = store.history("units", "U003")
    assert (entry["how"], entry["op"], entry["user"]) == ("restore", "update", "li")
    assert entry["before"] == now and entry["after"] == original
    # A removed record comes back with its id.
    assert delete_record("units", "U003", original=original, store=store).saved
    [removal, *_] = store.history("units", "U003")
    result = restore_version("units", removal["before"], store=store, user="li")
    assert result.saved and result.record_id == "U003"
    assert open_record("units", "U003", store) == original
    assert store.history("units", "U003")[0]["op"] == "add"


# -- coordinates in other systems land where an import puts them --------------------------------

def _gcj02() -> tuple[str, str]:
    x, y = wgs84_to_gcj02(LNG, LAT)
    return f"{float(x):.6f}", f"{float(y):.6f}"


def _gauss_kruger() -> tuple[str, str]:
    x, y = pyproj.Transformer.from_crs(4326, 4544, always_xy=True).transform(LNG, LAT)
    return f"{x:.2f}", f"{y:.2f}"


@pytest.mark.parametrize(("crs", "coordinates"), [("gcj02", _gcj02), ("EPSG:4544", _gauss_kruger),
                                                  ("wgs84", lambda: (str(LNG), str(LAT)))])
def test_a_forms_coordinates_land_where_an_imports_do(store, tmp_path, crs, coordinates):
    x, y = coordinates()
    values = {"name": "坐标测试寺（示例）", "religion": "佛教", "township_code": "西园街道"}
    ledger = tmp_path / "venue.csv"
    pd.DataFrame([{"场所名称": values["name"], "教别": "佛教", "所属街道": "西园街道",
                   "经度": x, "纬度": y}]).to_csv(ledger, index=False, encoding="utf-8-sig")
    imported = apply_import("religious_sites", ledger, mode="append", crs=crs, store=store)
    assert imported.written, [i.message("en") for i in imported.report.errors]
    [added] = imported.plan.added
    saved = save_record("religious_sites", {**values, "lng": x, "lat": y}, crs=crs,
                        store=store)
    assert saved.saved, [i.message("en") for i in saved.report.errors]
    from_form = open_record("religious_sites", saved.record_id, store)
    from_file = open_record("religious_sites", added["code"], store)
    assert from_form["geometry"] == from_file["geometry"]
    point = store.read("religious_sites").set_index("code").geometry.loc[saved.record_id]
    assert abs(point.x - LNG) < 2e-5 and abs(point.y - LAT) < 2e-5  # about 2 m


# -- township-scoped editors ----------------------------------------------------------------

def test_a_scoped_editor_changes_only_its_townships_records(store):
    units = store.read("units")
    mine = units.loc[units["township_code"] == XIYUAN, "code"].iloc[0]
    theirs = units.loc[units["township_code"] == XIHU, "code"].iloc[0]
    scope = frozenset({XIYUAN})
    untouched = Unchanged(store)
    other = open_record("units", theirs, store)
    result = save_record("units", {**form_values(other), "liaison": "王五（示例）"},
                         record_id=theirs, original=other, store=store, scope=scope)
    assert not result.saved
    [issue] = result.refused
    assert issue.key == "ledger.out_of_scope_edit" and issue.params["township"] == "西湖街道"
    assert "西园街道" in issue.message("zh")
    own = open_record("units", mine, store)
    moved = save_record("units", {**form_values(own), "township_code": "阿干镇"},
                        record_id=mine, original=own, store=store, scope=scope)
    assert [i.key for i in moved.refused] == ["ledger.out_of_scope_edit"]
    added = save_record("units", {"name": "某单位（示例）", "category": "其他",
                                  "township_code": AGAN}, store=store, scope=scope)
    assert [i.key for i in added.refused] == ["ledger.out_of_scope_edit"]
    removed = delete_record("units", theirs, original=other, store=store, scope=scope)
    assert [i.key for i in removed.refused] == ["ledger.out_of_scope_removed"]
    assert untouched.holds()
    allowed = save_record("units", {**form_values(own), "liaison": "王五（示例）"},
                          record_id=mine, original=own, store=store, scope=scope,
                          user="wang")
    assert allowed.saved and store.history("units", mine)[0]["user"] == "wang"
