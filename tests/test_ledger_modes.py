"""Import modes on real ledgers: replace, append, update, dry runs, confirmations and scopes.

Every mode runs on the good fixtures of several layers (CSV, .xlsx, .xls, GeoJSON) through
:func:`ledger.apply_import` / :func:`ledger.preview` and through the command line. The counts
of ``units_update.csv`` are checked by hand against the two units ``units_good.csv`` leaves in
the layer (``U000002`` 兰州理工大学 and ``U000003`` 某某研究所, ids from their row numbers):

========== ====== ======= ======= ========= ==============================================
mode       added  updated removed unchanged why
========== ====== ======= ======= ========= ==============================================
update     2      1       0       1         U000002: 最近联系日期 and 联络人 changed; U000003
                                            as stored; U000010 new; the blank id -> U000011
append     refused: rows 2 and 3 hold ids already in the layer
skip       2      0       0       2         both existing ids skipped (kept as stored)
replace    2      1       0       1         the blank id keeps its row number: U000005
========== ====== ======= ======= ========= ==============================================
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from auth.accounts import AccountStore
from layers import LAYERS
from layers.export import export_layer
from ledger import apply_import, preview
from ledger.importer import check
from ledger.records import values_of
from storage import open_store
from storage.gpkg import GeoPackageStore
from tests.conftest import DATA, TEST_STORE
from tongxin.layers_cli import main

UNITS_GOOD = DATA / "layers" / "units_good.csv"
UNITS_UPDATE = DATA / "layers" / "units_update.csv"
ACTIVITIES_GOOD = DATA / "layers" / "activities_good.csv"
XIYUAN, XIHU, AGAN = "620103001", "620103002", "620103100"
PASSWORD = "correct horse 42"

# Ledgers that leave every id blank: (layer, file, data rows as the file numbers them).
ID_LESS = [
    ("activities", "layers/activities_good.csv", [2, 3, 4]),
    ("units", "layers/units_good.csv", [2, 3]),
    ("workstations", "layers/workstations_good.csv", [2, 3, 4]),
    ("religious_sites", "read/venues_ledger.xlsx", [4, 5, 7, 8]),
    ("religious_sites", "read/venues.geojson", [1, 2, 3]),
    ("units", "legacy/units_ledger.xls", [4, 5, 7]),
]
# Ledgers whose ids are all in the demo: (layer, file, rows, ids, the file's values).
WITH_IDS = [
    ("communities", "layers/communities_good.csv", [2, 3, 4],
     ["620103001001", "620103001002", "620103100001"],
     {"population": [8600, 7400, 2100], "key_community": [True, False, False]}),
    ("townships", "layers/townships_good.geojson", [1, 2], ["620103001", "620103100"],
     {"population": [52000, 21000]}),
]


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *args) -> tuple[int, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out + err


def run_json(capsys, *args) -> tuple[int, dict]:
    code, out = run(capsys, *args, "--json")
    return code, json.loads(out)


def ids_of(store: GeoPackageStore, layer: str) -> list[str]:
    return store.read(layer)["code"].astype(str).tolist()


def numbered_after(prefix: str, taken: list[str], count: int) -> list[str]:
    """The ids a file's blank rows should get: the prefix and 6 digits after the largest."""
    numbers = [int(m.group(1)) for v in taken if (m := re.fullmatch(f"{prefix}(\\d+)", v))]
    start = max(numbers, default=0) + 1
    return [f"{prefix}{n:06d}" for n in range(start, start + count)]


def resulting_ids(plan, current: list[str]) -> list[str]:
    """The layer's ids once ``plan`` is written: its frame, or the current ones and its rows
    appended (a plan that only adds holds those rows alone, see :class:`ledger.Plan`)."""
    if plan.frame is not None:
        return plan.frame["code"].astype(str).tolist()
    assert plan.appended is not None
    return current + plan.appended["code"].astype(str).tolist()


def write_csv(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding="utf-8-sig")
    return path


class Unchanged:
    """What must stay as it was when nothing is written: the file, backups, audit, history."""

    def __init__(self, store: GeoPackageStore) -> None:
        self.store = store
        self.state = self._state()

    def _state(self):
        return (self.store.version(), [b.id for b in self.store.backups()],
                len(self.store.audit()), {n: len(self.store.history(n)) for n in LAYERS})

    def holds(self) -> bool:
        return self._state() == self.state


@pytest.fixture
def store(demo_env) -> GeoPackageStore:
    """The working dataset (a copy of the demo) that the command line also opens."""
    opened = open_store()
    assert opened.location() == (str(demo_env) if TEST_STORE == "gpkg" else
                                 os.environ["TONGXIN_DATA"])
    return opened


@pytest.fixture
def two_units(store) -> GeoPackageStore:
    """The units layer replaced by units_good.csv: U000002 兰州理工大学, U000003 某某研究所."""
    outcome = apply_import("units", UNITS_GOOD, store=store, confirmed=True)
    assert outcome.written, outcome.report.errors
    assert sorted(ids_of(store, "units")) == ["U000002", "U000003"]
    return store


# -- each mode on the good ledgers ------------------------------------------------------------

@pytest.mark.parametrize(("layer", "name", "rows"), ID_LESS, ids=[n for _, n, _ in ID_LESS])
def test_an_id_less_ledger_in_each_mode(store, layer, name, rows):
    path = DATA / name
    prefix = LAYERS[layer].id_prefix
    before = ids_of(store, layer)
    untouched = Unchanged(store)
    fresh = numbered_after(prefix, before, len(rows))
    for mode in ("append", "update"):
        outcome = preview(layer, path, mode=mode, store=store)
        assert outcome.ok, (outcome.report.errors, outcome.plan and outcome.plan.refused)
        plan = outcome.plan
        assert plan.counts() == {"added": len(rows), "updated": 0, "removed": 0, "unchanged": 0}
        assert [a["code"] for a in plan.added] == fresh
        assert resulting_ids(plan, before) == before + fresh
    # A replace: the file becomes the layer, the blank ids keep their row numbers.
    outcome = preview(layer, path, mode="replace", store=store)
    plan = outcome.plan
    by_row = [f"{prefix}{r:06d}" for r in rows]
    assert plan.frame["code"].astype(str).tolist() == by_row
    kept = [i for i in by_row if i in before]
    assert plan.counts() == {"added": len(rows) - len(kept), "updated": len(kept),
                             "removed": len(before) - len(kept), "unchanged": 0}
    assert plan.removes_most()
    # Unconfirmed, the replace asks first and writes nothing; nor did the previews.
    outcome = apply_import(layer, path, mode="replace", store=store)
    assert outcome.needs_confirmation and not outcome.written
    assert untouched.holds()


@pytest.mark.parametrize(("layer", "name", "rows"), ID_LESS, ids=[n for _, n, _ in ID_LESS])
def test_an_id_less_ledger_appended_keeps_the_layer_and_its_history(store, layer, name, rows):
    schema = LAYERS[layer]
    before = store.read(layer)
    outcome = apply_import(layer, DATA / name, mode="append", store=store, user="keeper")
    assert outcome.written
    after = store.read(layer)
    fresh = numbered_after(schema.id_prefix, before["code"].astype(str).tolist(), len(rows))
    assert after["code"].astype(str).tolist() == before["code"].astype(str).tolist() + fresh
    # The records already there are exactly as they were.
    old = values_of(schema, after.iloc[: len(before)]).reset_index(drop=True)
    assert old.equals(values_of(schema, before).reset_index(drop=True))
    entries = store.history(layer)
    assert sorted(e["record_id"] for e in entries) == fresh
    assert {(e["op"], e["how"], e["source"], e["user"], e["layer"]) for e in entries} == \
        {("add", "import", Path(name).name, "keeper", layer)}
    assert len({e["change_set"] for e in entries}) == 1
    assert all(e["before"] is None and e["after"]["code"] == e["record_id"] for e in entries)
    entry = store.audit()[-1]
    assert (entry["action"], entry["layer"], entry["file"], entry["user"]) == \
        ("import", layer, Path(name).name, "keeper")
    assert (entry["add"], entry["update"], entry["remove"], entry["records"], entry["rows"]) == \
        (len(rows), 0, 0, len(rows), len(rows))


@pytest.mark.parametrize(("layer", "name", "rows", "ids", "values"), WITH_IDS,
                         ids=[w[0] for w in WITH_IDS])
def test_a_ledger_of_existing_ids_in_each_mode(store, layer, name, rows, ids, values):
    path = DATA / name
    before = store.read(layer)
    untouched = Unchanged(store)
    # Append refuses each existing id, naming the file's row (a feature, for GeoJSON).
    outcome = apply_import(layer, path, mode="append", store=store, confirmed=True)
    assert not outcome.ok and not outcome.written
    refused = outcome.plan.refused
    assert [(i.key, i.row, i.params["value"]) for i in refused] == \
        [("ledger.id_exists", r, i) for r, i in zip(rows, ids)]
    assert all(ids[0] in refused[0].message(lang) for lang in ("zh", "en"))
    assert "--on-duplicate" in refused[0].message("zh")
    # Skip keeps every stored record.
    plan = preview(layer, path, mode="append", on_duplicate="skip", store=store).plan
    assert plan.ok and plan.skipped == len(rows)
    assert plan.counts() == {"added": 0, "updated": 0, "removed": 0, "unchanged": len(rows)}
    assert untouched.holds()
    # Update (and append --on-duplicate update) take the file's values, removing nothing.
    for mode, dup in (("append", "update"), ("update", "refuse")):
        plan = preview(layer, path, mode=mode, on_duplicate=dup, store=store).plan
        assert plan.counts() == {"added": 0, "updated": len(rows), "removed": 0, "unchanged": 0}
        assert [u[0] for u in plan.updated] == ids
        assert all("population" in fields for *_, fields in plan.updated)
    outcome = apply_import(layer, path, mode="update", store=store)
    assert outcome.written
    after = store.read(layer)
    assert len(after) == len(before)
    changed = after.set_index("code").loc[ids]
    for column, expected in values.items():
        assert changed[column].tolist() == expected, column
    others = ~before["code"].isin(ids)
    assert values_of(LAYERS[layer], after[~after["code"].isin(ids)]).reset_index(drop=True) \
        .equals(values_of(LAYERS[layer], before[others]).reset_index(drop=True))


def test_visits_keep_the_ids_their_file_gives(store):
    before = ids_of(store, "visits")
    outcome = apply_import("visits", DATA / "layers" / "visits_good.csv", mode="append",
                           store=store)
    assert outcome.written and outcome.plan.counts()["added"] == 3
    assert ids_of(store, "visits") == [*before, "V1001", "V1002", "V1003"]


# -- the hand-checked ledger: units_update.csv on two units ------------------------------------

def test_update_updates_matched_ids_adds_new_ones_and_removes_none(two_units):
    outcome = apply_import("units", UNITS_UPDATE, mode="update", store=two_units)
    assert outcome.written
    plan = outcome.plan
    assert plan.counts() == {"added": 2, "updated": 1, "removed": 0, "unchanged": 1}
    [(record, before, after, fields)] = plan.updated
    assert record == "U000002"
    assert fields == {"last_contact_on": ("2026-09-18", "2026-10-08"),
                      "liaison": ("李某（示例）", "王某（示例）")}
    assert before["liaison"] == "李某（示例）" and after["liaison"] == "王某（示例）"
    assert [a["code"] for a in plan.added] == ["U000010", "U000011"]
    units = two_units.read("units").set_index("code")
    assert sorted(units.index) == ["U000002", "U000003", "U000010", "U000011"]
    assert units.loc["U000011", "name"] == "七里河区某中学（示例）"
    assert units.loc["U000011", "township_code"] == AGAN
    assert units.loc["U000010", "visited_on"] == pd.Timestamp("2026-03-05")
    assert units.loc["U000002", "liaison"] == "王某（示例）"


def test_update_keeps_each_records_history_and_audits_the_change_set(two_units):
    apply_import("units", UNITS_UPDATE, mode="update", store=two_units, user="keeper")
    entries = two_units.history("units")
    newest = [e for e in entries if e["change_set"] == entries[0]["change_set"]]
    assert sorted((e["record_id"], e["op"]) for e in newest) == \
        [("U000002", "update"), ("U000010", "add"), ("U000011", "add")]
    assert {(e["how"], e["source"], e["user"]) for e in newest} == \
        {("import", "units_update.csv", "keeper")}
    latest, first = two_units.history("units", "U000002")
    assert (latest["op"], first["op"]) == ("update", "add")  # newest first
    assert latest["before"]["liaison"] == "李某（示例）" and latest["after"]["liaison"] == "王某（示例）"
    assert latest["before"] == first["after"]
    assert first["source"] == "units_good.csv"
    assert two_units.history("units", "U000003")[0]["op"] == "add"  # unchanged: no entry
    entry = two_units.audit()[-1]
    assert (entry["action"], entry["file"], entry["rows"]) == ("import", "units_update.csv", 4)
    assert (entry["add"], entry["update"], entry["remove"], entry["records"]) == (2, 1, 0, 3)


def test_append_refuses_existing_ids_naming_the_rows(two_units):
    untouched = Unchanged(two_units)
    outcome = apply_import("units", UNITS_UPDATE, mode="append", store=two_units)
    assert not outcome.ok and not outcome.written
    assert [(i.key, i.row, i.params["value"]) for i in outcome.plan.refused] == \
        [("ledger.id_exists", 2, "U000002"), ("ledger.id_exists", 3, "U000003")]
    assert untouched.holds()


def test_append_on_duplicate_skip_and_update(two_units):
    skip = preview("units", UNITS_UPDATE, mode="append", on_duplicate="skip", store=two_units)
    assert skip.plan.counts() == {"added": 2, "updated": 0, "removed": 0, "unchanged": 2}
    assert skip.plan.skipped == 2
    assert [a["code"] for a in skip.plan.added] == ["U000010", "U000011"]
    update = preview("units", UNITS_UPDATE, mode="append", on_duplicate="update",
                     store=two_units)
    assert update.plan.counts() == {"added": 2, "updated": 1, "removed": 0, "unchanged": 1}
    outcome = apply_import("units", UNITS_UPDATE, mode="append", on_duplicate="skip",
                           store=two_units)
    assert outcome.written
    units = two_units.read("units").set_index("code")
    assert units.loc["U000002", "liaison"] == "李某（示例）"  # kept as stored
    assert len(units) == 4


def test_replace_makes_the_layer_the_file(two_units):
    outcome = apply_import("units", UNITS_UPDATE, mode="replace", store=two_units)
    assert outcome.written and not outcome.needs_confirmation
    assert outcome.plan.counts() == {"added": 2, "updated": 1, "removed": 0, "unchanged": 1}
    assert ids_of(two_units, "units") == ["U000002", "U000003", "U000010", "U000005"]


def test_replace_removing_half_goes_through_and_more_than_half_asks(two_units, tmp_path):
    rows = pd.read_csv(UNITS_UPDATE, dtype=str, keep_default_na=False).to_dict("records")
    half = write_csv(tmp_path / "half.csv", rows[:1])  # removes U000003: 1 of 2
    outcome = apply_import("units", half, mode="replace", store=two_units)
    assert outcome.written and outcome.plan.counts()["removed"] == 1
    assert ids_of(two_units, "units") == ["U000002"]
    other = write_csv(tmp_path / "other.csv", rows[2:3])  # removes U000002: 1 of 1
    untouched = Unchanged(two_units)
    outcome = apply_import("units", other, mode="replace", store=two_units)
    assert outcome.needs_confirmation and not outcome.written and untouched.holds()
    outcome = apply_import("units", other, mode="replace", store=two_units, confirmed=True)
    assert outcome.written and ids_of(two_units, "units") == ["U000010"]


# -- generated ids --------------------------------------------------------------------------

def test_appending_the_same_id_less_file_twice_doubles_it_with_unique_ids(store, capsys):
    before = ids_of(store, "activities")
    for _ in range(2):
        code, out = run(capsys, "import", "activities", ACTIVITIES_GOOD, "--mode", "append")
        assert code == 0, out
    after = ids_of(store, "activities")
    assert len(after) == len(before) + 6 and len(set(after)) == len(after)
    new = after[len(before):]
    assert new == numbered_after("A", before, 6)
    assert not set(new) & set(before)
    # Their text is twice the file's: the same three activities, each with its own id.
    titles = store.read("activities").set_index("code").loc[new, "title"].tolist()
    assert titles[:3] == titles[3:] and len(set(titles)) == 3


def test_given_ids_and_blank_ones_never_collide(store, tmp_path):
    # The file gives A900000 on its second row; the blank rows around it number after it.
    ledger = write_csv(tmp_path / "mixed.csv", [
        {"活动编号": "", "活动日期": "2025-01-02", "活动类别": "进社区", "所属乡镇(街道)": "西园街道"},
        {"活动编号": "A900000", "活动日期": "2025-01-03", "活动类别": "进学校", "所属乡镇(街道)": "西湖"},
        {"活动编号": "", "活动日期": "2025-01-04", "活动类别": "进家庭", "所属乡镇(街道)": "阿干镇"},
    ])
    for mode in ("append", "update"):
        plan = preview("activities", ledger, mode=mode, store=store).plan
        assert [a["code"] for a in plan.added] == ["A900001", "A900000", "A900002"]
    plan = preview("activities", ledger, mode="replace", store=store).plan
    assert plan.frame["code"].tolist() == ["A000002", "A900000", "A000004"]


def test_a_blank_id_is_not_blamed_for_the_id_its_row_number_would_give(store, tmp_path):
    # Row 3 leaves its id blank; the check numbers it A000003 from its row, which row 2 gives
    # (an activity already in the layer). In an update or an append the blank one gets a new
    # id after the largest in use, so the file is valid: row 3 repeats nothing the user wrote.
    ledger = write_csv(tmp_path / "blank.csv", [
        {"活动编号": "A000003", "活动日期": "2025-01-01", "活动类别": "进社区", "所属乡镇(街道)": "西园街道"},
        {"活动编号": "", "活动日期": "2025-01-02", "活动类别": "进社区", "所属乡镇(街道)": "西园街道"},
    ])
    assert "A000003" in ids_of(store, "activities")
    fresh = numbered_after("A", ids_of(store, "activities"), 1)
    for mode, dup in (("update", "refuse"), ("append", "update")):
        outcome = preview("activities", ledger, mode=mode, on_duplicate=dup, store=store)
        assert outcome.report.ok, [(i.row, i.message("en")) for i in outcome.report.errors]
        assert [u[0] for u in outcome.plan.updated] == ["A000003"]
        assert [a["code"] for a in outcome.plan.added] == fresh


# -- what a uniqueness rule of the contract means for appends ---------------------------------

def test_an_id_differing_only_in_case_is_the_id_already_there(store, tmp_path):
    # The check treats ids as the same when they differ only in case, width or spaces (a file
    # with U001 and u001 is refused as a duplicate); an append must not add u001 beside U001,
    # or the layer's own export no longer passes the check.
    ledger = write_csv(tmp_path / "case.csv", [
        {"单位编号": "u001", "单位名称": "某新单位（示例）", "单位类别": "医院", "所属乡镇(街道)": "西园街道"}])
    assert "U001" in ids_of(store, "units")
    append = preview("units", ledger, mode="append", store=store)
    assert [(i.key, i.row) for i in append.plan.refused] == [("ledger.id_exists", 2)]
    update = preview("units", ledger, mode="update", store=store)
    assert update.plan.counts()["added"] == 0
    assert [u[0] for u in update.plan.updated] == ["U001"]  # the layer's spelling stays
    assert len(resulting_ids(update.plan, ids_of(store, "units"))) == len(store.read("units"))


def test_an_appended_township_may_not_take_a_name_already_there(store, tmp_path):
    # Township names are unique in the contract (the references resolve by them); a new
    # township named 西园街道 must be refused as a duplicate in the file would be.
    source = json.loads((DATA / "layers" / "townships_good.geojson").read_text("utf-8"))
    source["features"] = source["features"][:1]
    source["features"][0]["properties"]["代码"] = "620103999"
    ledger = tmp_path / "township.geojson"
    ledger.write_text(json.dumps(source, ensure_ascii=False), encoding="utf-8")
    untouched = Unchanged(store)
    outcome = apply_import("townships", ledger, mode="append", store=store)
    assert not outcome.written
    assert [(i.row, i.column) for i in outcome.plan.refused] == [(1, "名称")]
    assert "西园街道" in outcome.plan.refused[0].message("zh")
    assert untouched.holds()
    export_layer("townships", store.read("townships"), tmp_path / "townships.csv")
    assert check("townships", tmp_path / "townships.csv", store=store).ok


# -- a refused file changes nothing ---------------------------------------------------------

@pytest.mark.parametrize("mode", ["replace", "append", "update"])
@pytest.mark.parametrize("layer", ["activities", "units", "communities"])
def test_a_refused_file_changes_nothing_in_any_mode(store, capsys, layer, mode):
    untouched = Unchanged(store)
    code, report = run_json(capsys, "import", layer, DATA / "layers" / f"{layer}_bad.csv",
                            "--mode", mode, "--yes")
    assert code == 1 and report["ok"] is False and report["errors"]
    assert report["written"] is False and "changes" not in report
    assert untouched.holds()


# -- the command line -------------------------------------------------------------------------

@pytest.mark.parametrize(("mode", "counts", "lines"), [
    ("update", "变化（按编号更新）：新增 2 条，修改 1 条，删除 0 条，不变 1 条。",
     ["  + U000010 七里河区某医院（示例）", "  + U000011 七里河区某中学（示例）",
      "  ~ U000002 兰州理工大学：最近联系日期：2026-09-18 → 2026-10-08；联络人：李某（示例） → 王某（示例）"]),
    ("replace", "变化（替换）：新增 2 条，修改 1 条，删除 0 条，不变 1 条。",
     ["  + U000010 七里河区某医院（示例）", "  + U000005 七里河区某中学（示例）"]),
    ("append", None, ["  第 2 行 · 列“单位编号”：编号“U000002”已在数据中",
                      "  第 3 行 · 列“单位编号”：编号“U000003”已在数据中",
                      "结果：未导入，工作数据集没有任何改变"]),
])
def test_a_dry_run_prints_counts_and_first_rows_and_writes_nothing(two_units, capsys, mode,
                                                                   counts, lines):
    untouched = Unchanged(two_units)
    code, out = run(capsys, "import", "units", UNITS_UPDATE, "--mode", mode, "--dry-run")
    assert code == (1 if mode == "append" else 0), out
    if counts:
        assert counts in out.splitlines()
        assert "结果：试运行，没有写入任何内容" in out
    for line in lines:
        assert any(printed.startswith(line) for printed in out.splitlines()), (line, out)
    assert untouched.holds()


def test_a_dry_run_in_json_has_the_changes(two_units, capsys):
    untouched = Unchanged(two_units)
    code, report = run_json(capsys, "import", "units", UNITS_UPDATE, "--mode", "update",
                            "--dry-run")
    assert code == 0 and report["ok"] is True
    assert report["changes"] == {"added": 2, "updated": 1, "removed": 0, "unchanged": 1}
    assert (report["mode"], report["dry_run"], report["written"],
            report["needs_confirmation"]) == ("update", True, False, False)
    assert "backup" not in report
    assert untouched.holds()


def test_an_update_prints_the_changed_fields_and_writes(two_units, capsys):
    code, out = run(capsys, "import", "units", UNITS_UPDATE, "--mode", "update")
    assert code == 0, out
    assert "  ~ U000002 兰州理工大学：最近联系日期：2026-09-18 → 2026-10-08；联络人：李某（示例） → 王某（示例）" \
        in out.splitlines()
    backup = two_units.backups()[0]
    assert f"结果：已导入 4 行。原数据已备份为 {backup.id}" in out
    code, report = run_json(capsys, "import", "units", UNITS_UPDATE, "--mode", "update")
    # The same file again: only the row without an id is new again (it gets U000012).
    assert code == 0 and report["written"] is True
    assert report["changes"] == {"added": 1, "updated": 0, "removed": 0, "unchanged": 3}
    assert sorted(ids_of(two_units, "units"))[-1] == "U000012"


@pytest.mark.parametrize(("dup", "counts", "liaison"), [
    ("skip", {"added": 2, "updated": 0, "removed": 0, "unchanged": 2}, "李某（示例）"),
    ("update", {"added": 2, "updated": 1, "removed": 0, "unchanged": 1}, "王某（示例）")])
def test_the_command_lines_append_on_duplicate(two_units, capsys, dup, counts, liaison):
    code, report = run_json(capsys, "import", "units", UNITS_UPDATE, "--mode", "append",
                            "--on-duplicate", dup)
    assert code == 0 and report["written"] is True, report["errors"]
    assert report["changes"] == counts
    assert two_units.read("units").set_index("code").loc["U000002", "liaison"] == liaison


def test_the_command_line_refuses_an_append_of_existing_ids(two_units, capsys):
    untouched = Unchanged(two_units)
    code, report = run_json(capsys, "import", "units", UNITS_UPDATE, "--mode", "append")
    assert code == 1 and report["ok"] is False and report["written"] is False
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(2, "单位编号"), (3, "单位编号")]
    assert "U000002" in report["errors"][0]["message"]
    assert untouched.holds()


def test_a_replace_removing_more_than_half_needs_yes(store, capsys):
    total = len(store.read("units"))
    untouched = Unchanged(store)
    code, out = run(capsys, "import", "units", UNITS_GOOD)
    assert code == 1
    assert f"替换将删除 {total} 条记录（现有 {total} 条的一半以上）" in out and "--yes" in out
    code, report = run_json(capsys, "import", "units", UNITS_GOOD)
    assert code == 1 and report["needs_confirmation"] is True and report["written"] is False
    assert report["changes"]["removed"] == total
    assert untouched.holds()
    code, report = run_json(capsys, "import", "units", UNITS_GOOD, "--yes")
    assert code == 0 and report["written"] is True and report["needs_confirmation"] is False
    assert report["backup"] == store.backups()[0].id
    assert sorted(ids_of(store, "units")) == ["U000002", "U000003"]


def test_the_history_command(two_units, capsys):
    assert run(capsys, "import", "units", UNITS_UPDATE, "--mode", "update")[0] == 0
    code, out = run(capsys, "history", "units", "U000002")
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(r"\S+  tester  修改（import：units_update\.csv）", lines[0]), lines[0]
    assert "    联络人：李某（示例） → 王某（示例）" in lines
    assert "    最近联系日期：2026-09-18 → 2026-10-08" in lines
    assert any(re.fullmatch(r"\S+  tester  新增（import：units_good\.csv）", x) for x in lines)
    code, entries = run_json(capsys, "history", "units", "U000002")
    assert code == 0 and [e["op"] for e in entries] == ["update", "add"]
    assert entries[0]["after"]["liaison"] == "王某（示例）" and entries[0]["how"] == "import"
    code, out = run(capsys, "history", "units", "U999999")
    assert code == 0 and "U999999" in out


# -- township-scoped accounts ---------------------------------------------------------------

def test_a_scoped_import_refuses_rows_of_other_townships_naming_them(store):
    untouched = Unchanged(store)
    outcome = apply_import("activities", ACTIVITIES_GOOD, mode="append", store=store,
                           scope=frozenset({XIYUAN}))
    assert not outcome.ok and not outcome.written
    refused = outcome.plan.refused
    assert [(i.key, i.row, i.params["township"]) for i in refused] == [
        ("ledger.out_of_scope", 3, "西湖街道"), ("ledger.out_of_scope", 4, "阿干镇")]
    assert "西园街道" in refused[0].message("zh")
    assert untouched.holds()
    outcome = apply_import("activities", ACTIVITIES_GOOD, mode="append", store=store,
                           scope=frozenset({XIYUAN, XIHU, AGAN}))
    assert outcome.written


def test_a_scoped_replace_may_not_remove_other_townships_records(store):
    units = store.read("units")
    others = int((~units["township_code"].isin([XIYUAN, XIHU])).sum())
    assert others > 0
    untouched = Unchanged(store)
    outcome = apply_import("units", UNITS_GOOD, mode="replace", store=store,
                           scope=frozenset({XIYUAN, XIHU}), confirmed=True)
    assert not outcome.written
    [issue] = outcome.plan.refused
    assert issue.key == "ledger.out_of_scope_removed" and issue.params["count"] == others
    assert "--mode update" in issue.message("zh")
    assert untouched.holds()


def test_a_scoped_update_touches_only_its_townships(two_units, tmp_path):
    untouched = Unchanged(two_units)
    outcome = apply_import("units", UNITS_UPDATE, mode="update", store=two_units,
                           scope=frozenset({XIYUAN}))
    # U000002 is 西湖街道's, the new row 5 阿干镇's; U000003 is unchanged, U000010 西园's.
    assert [(i.key, i.row) for i in outcome.plan.refused] == \
        [("ledger.out_of_scope", 2), ("ledger.out_of_scope", 5)]
    assert untouched.holds()
    # Moving one's own record to another township is moving it out of scope.
    rows = pd.read_csv(UNITS_UPDATE, dtype=str, keep_default_na=False).to_dict("records")
    moved = write_csv(tmp_path / "moved.csv", [{**rows[1], "所属乡镇(街道)": "阿干镇"}])
    outcome = apply_import("units", moved, mode="update", store=two_units,
                           scope=frozenset({XIYUAN}))
    assert [(i.key, i.row, i.params["township"]) for i in outcome.plan.refused] == \
        [("ledger.out_of_scope", 2, "阿干镇")]
    assert untouched.holds()
    mine = write_csv(tmp_path / "mine.csv", [rows[2]])
    outcome = apply_import("units", mine, mode="update", store=two_units,
                           scope=frozenset({XIYUAN}))
    assert outcome.written and outcome.plan.counts()["added"] == 1


@pytest.fixture
def scoped_editor(store, monkeypatch) -> str:
    """Accounts exist; the command line is signed in as wang, an editor of 西园街道 only."""
    accounts = AccountStore.from_settings(audit=store.record)
    accounts.add("admin1", "admin", PASSWORD, "tester", must_change=False)
    accounts.add("wang", "editor", PASSWORD, "tester", towns=(XIYUAN,), must_change=False)
    monkeypatch.setenv("TONGXIN_USER", "wang")
    monkeypatch.setenv("TONGXIN_PASSWORD", PASSWORD)
    return "wang"


def test_the_command_line_refuses_a_scoped_editors_rows_of_other_townships(
        store, scoped_editor, capsys, tmp_path):
    untouched = Unchanged(store)
    code, out = run(capsys, "import", "activities", ACTIVITIES_GOOD, "--mode", "append")
    assert code == 1
    lines = out.splitlines()
    assert any(x.startswith("  第 3 行 · 列“所属乡镇(街道)”：这一行属于“西湖街道”") for x in lines), out
    assert any(x.startswith("  第 4 行 · 列“所属乡镇(街道)”：这一行属于“阿干镇”") for x in lines), out
    assert not any("第 2 行" in x for x in lines)
    assert "结果：未导入，工作数据集没有任何改变" in out
    assert untouched.holds()
    # The editor's own township's row goes through, in the editor's name.
    own = tmp_path / "own.csv"
    own.write_text("\n".join(ACTIVITIES_GOOD.read_text("utf-8").splitlines()[:2]) + "\n",
                   encoding="utf-8")
    code, report = run_json(capsys, "import", "activities", own, "--mode", "append")
    assert code == 0 and report["changes"]["added"] == 1, report["errors"]
    [entry] = store.history("activities")
    assert (entry["user"], entry["op"], entry["after"]["township_code"]) == \
        ("wang", "add", XIYUAN)
    assert store.audit()[-1]["user"] == "wang"
