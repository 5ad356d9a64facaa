"""Moving the whole dataset between a GeoPackage and PostGIS (``python -m layers migrate``).

Real files and a real PostgreSQL + PostGIS (tests/pg.py): a dataset with edits, imports,
history and an audit log goes to PostGIS and back unchanged; a target holding data is refused
without ``--yes`` and nothing changes on either side; with ``--yes`` it is replaced and its
data kept aside; bad targets are refused in the user's language.
"""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import psycopg
import pytest
import shapely
from shapely.geometry import Point

from auth.accounts import AccountStore
from layers import LAYERS
from storage import Dataset, ImportRecord, RecordChange, Store, StoreError, open_store
from storage.gpkg import GeoPackageStore, create_dataset
from storage.migrate import migrate
from storage.postgis import PostGISStore
from tests.conftest import tiny_district, tiny_frames
from tongxin.layers_cli import main

PASSWORD = "correct horse 42"


@functools.cache
def _tiny_demo_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "tiny-demo.gpkg"
        create_dataset(demo, tiny_frames(), tiny_district(), {"demo": "true", "seed": "7"})
        return demo.read_bytes()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "tiny-demo.gpkg"
    path.write_bytes(_tiny_demo_bytes())
    return path


@pytest.fixture
def work(tmp_path: Path, demo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The configured working dataset: a GeoPackage made from the tiny demo on first use."""
    path = tmp_path / "work" / "tongxin.gpkg"
    monkeypatch.setenv("TONGXIN_DATA", str(path))
    monkeypatch.setenv("TONGXIN_DEMO", str(demo))
    monkeypatch.setenv("TONGXIN_USER", "keeper")
    monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "work" / "accounts.json"))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _unit(code: str, **values) -> dict:
    return {"code": code, "name": "兰州理工大学", "category": "省属高校",
            "township_code": "620103001", "joint_meeting": True, "staff": None,
            "visited_on": "2024-05-10", "geometry": "POINT (103.77 36.055)", **values}


def _two_units() -> gpd.GeoDataFrame:
    units = tiny_frames()["units"]
    return gpd.GeoDataFrame(
        {**{c: list(units[c]) * 2 for c in units.columns if c != "geometry"},
         "code": ["U001", "U002"], "staff": [2500, None]},
        geometry=[Point(103.77, 36.055), None], crs=4326)


def _live(store: Store) -> Store:
    """Give ``store`` a life: an import with history, an edit, an append, an account's entry."""
    store.replace("units", _two_units(), ImportRecord("units", "台账.xlsx", "ab" * 32, 2, "li"),
                  (RecordChange("U002", "add", None, _unit("U002")),
                   RecordChange("U001", "update", _unit("U001"), _unit("U001", staff=2500))))
    store.replace("units", _two_units().iloc[1:],
                  ImportRecord("units", "", "", 1, "wang", source="edit"),
                  (RecordChange("U001", "remove", _unit("U001", staff=2500), None),))
    visits = tiny_frames()["visits"].assign(code="V000002", form="座谈")
    store.append("visits", visits, ImportRecord("visits", "走访.csv", "cd" * 32, 1, "li"),
                 (RecordChange("V000002", "add", None, {"code": "V000002"}),))
    store.record({"action": "account_add", "user": "admin", "target": "li"})
    return store


def _geometries(frame: gpd.GeoDataFrame) -> list:
    return list(shapely.to_wkb(frame.geometry.to_numpy(), hex=True))


def assert_same_data(ours: Dataset, theirs: Dataset) -> None:
    """Every layer, the district, the metadata, the imports and the history are the same."""
    assert set(ours.layers) == set(theirs.layers) == set(LAYERS)
    for name in LAYERS:
        a, b = ours.layers[name], theirs.layers[name]
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert _geometries(a) == _geometries(b), name
        assert a.crs.to_epsg() == b.crs.to_epsg() == 4326
    pd.testing.assert_frame_equal(ours.district.drop(columns="geometry"),
                                  theirs.district.drop(columns="geometry"))
    assert _geometries(ours.district) == _geometries(theirs.district)
    assert ours.meta == theirs.meta
    by_layer = functools.partial(sorted, key=lambda row: row["layer"])
    assert by_layer(ours.imports) == by_layer(theirs.imports)
    assert ours.history == theirs.history


def _state(store: Store) -> tuple:
    return store.version(), store.audit(), store.backups()


# -- the whole way and back -------------------------------------------------------------------

def test_a_dataset_goes_to_postgis_and_back_unchanged(work, demo, pg, tmp_path):
    source = _live(open_store())
    before = source.dump()
    assert len(before.history) == 4 and before.meta["demo"] == "true"
    assert before.meta["demo_layers"] == "townships,communities,religious_sites,workstations," \
        "activities"
    dsn = pg.new_database()
    moved = migrate(source, dsn, "keeper")
    assert moved.rows == before.rows() and moved.rows["units"] == 1
    assert (moved.history, moved.imports, moved.audit) == (4, 7, len(before.audit))
    assert moved.replaced == "" and moved.source_audit.ok and moved.source_note is None

    database = PostGISStore(dsn, demo)
    try:
        there = database.dump()
        assert_same_data(before, there)
        assert there.audit[:-1] == before.audit
        entry = database.audit()[-1]
        assert (entry["action"], entry["from"], entry["to"], entry["user"], entry["entries"]) \
            == ("migrate", str(work), database.location(), "keeper", len(before.audit))
        assert database.verify_audit().ok and database.backups() == []
        # The database's versions start with the district's code (no two districts alike).
        assert database.is_demo() and database.versions() == {
            name: f"{database.district_code()}:{token}"
            for name, token in source.versions().items()}

        back_path = tmp_path / "back" / "tongxin.gpkg"
        migrate(database, str(back_path), "auditor")
        back = GeoPackageStore(back_path, demo)
        again = back.dump()
    finally:
        database.close()
    assert_same_data(before, again)
    # The log line for line, then the two moves, chained.
    assert again.audit[:len(before.audit)] == before.audit
    assert [e["action"] for e in back.audit()[-2:]] == ["migrate", "migrate"]
    assert back.audit()[-1]["from"] == database.location()
    assert back.audit()[-1]["to"] == str(back_path)
    assert back.verify_audit().ok and back.backups() == []
    # Every store's history answers as it did.
    for name in LAYERS:
        assert back.history(name) == source.history(name)
    assert [e["op"] for e in back.history("units", "U001")] == ["remove", "update"]
    # The source is as it was, its log saying where the data went.
    assert source.dump().layers["units"].equals(before.layers["units"])
    assert (source.audit()[-1]["action"], source.audit()[-1]["to"]) == \
        ("migrate", database.location())
    assert source.verify_audit().ok


def test_a_log_from_before_the_chain_keeps_its_seal_in_postgis_and_back(work, demo, pg,
                                                                         tmp_path):
    # Lines written before the log was chained are sealed by a hash over their bytes: copied
    # into a table and back out, the seal must still hold.
    work.parent.mkdir(parents=True)
    legacy = json.dumps({"time": "2023-01-01T09:00:00", "action": "import", "layer": "units",
                         "user": "老张"}, ensure_ascii=False)
    (work.parent / "tongxin.audit.jsonl").write_text(legacy + "\n", encoding="utf-8")
    source = open_store()
    assert source.verify_audit().ok and "hash" not in source.audit()[0]
    dsn = pg.new_database()
    migrate(source, dsn, "keeper")
    database = PostGISStore(dsn, demo)
    try:
        assert database.dump().audit[0] == legacy
        assert database.verify_audit().ok
        database.record({"action": "account_add", "user": "admin", "target": "li"})
        assert database.verify_audit().ok
        back_path = tmp_path / "back.gpkg"
        migrate(database, str(back_path), "keeper")
    finally:
        database.close()
    back = GeoPackageStore(back_path, demo)
    assert back.verify_audit().ok and back.dump().audit[0] == legacy


def test_a_broken_source_log_is_copied_as_it_is_and_the_move_says_so(work, demo, capsys,
                                                                      tmp_path):
    source = _live(open_store())
    log = work.parent / "tongxin.audit.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace('"li"', '"zhao"', 1)
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    broken = source.verify_audit()
    assert not broken.ok and broken.first_bad == 2
    target = tmp_path / "copy.gpkg"
    code, out, _ = run(capsys, "migrate", "--to", target)
    assert code == 0 and "第 2 条处核对不上" in out
    copy = GeoPackageStore(target, demo)
    assert copy.verify_audit().first_bad == 2
    assert copy.audit()[-1]["source_audit"] == {"first_bad": 2, "reason": broken.reason}


# -- a target holding data ----------------------------------------------------------------------

def test_a_geopackage_holding_data_is_refused_without_yes_and_nothing_changes(work, demo,
                                                                            capsys, tmp_path):
    source = _live(open_store())
    target_path = tmp_path / "other" / "tongxin.gpkg"
    target = GeoPackageStore(target_path, demo)
    target.replace("units", _two_units(), ImportRecord("units", "别处.xlsx", "", 2, "zhao"))
    mine, theirs = _state(source), _state(target)
    files = sorted(p.name for p in target_path.parent.rglob("*"))
    code, _, err = run(capsys, "migrate", "--to", target_path)
    assert code == 1 and "已有数据" in err and "--yes" in err and "没有作任何改动" in err
    assert _state(source) == mine and _state(target) == theirs
    assert sorted(p.name for p in target_path.parent.rglob("*")) == files
    code, _, err = run(capsys, "migrate", "--to", target_path, "--lang", "en")
    assert code == 1 and "There is data at the target" in err and "--yes" in err
    assert _state(source) == mine and _state(target) == theirs


def test_yes_replaces_a_geopackage_and_keeps_what_was_there_as_a_backup(work, demo, capsys,
                                                                       tmp_path):
    source = _live(open_store())
    target_path = tmp_path / "other" / "tongxin.gpkg"
    target = GeoPackageStore(target_path, demo)
    target.replace("units", _two_units(), ImportRecord("units", "别处.xlsx", "", 2, "zhao"))
    old_log = (target_path.parent / "tongxin.audit.jsonl").read_bytes()
    old_units = list(target.read("units")["code"])
    code, out, _ = run(capsys, "migrate", "--to", target_path, "--yes")
    assert code == 0 and "已保留为" in out
    replaced = GeoPackageStore(target_path, demo)
    assert_same_data(source.dump(), replaced.dump())
    entry = replaced.audit()[-1]
    assert entry["action"] == "migrate" and entry["replaced"] in out
    assert replaced.verify_audit().ok
    kept = [b for b in replaced.backups() if b.reason == "migrate"]
    assert [b.id for b in kept] == [entry["replaced"]]
    backups = target_path.parent / "tongxin.backups"
    assert (backups / f"{kept[0].id}.audit.jsonl").read_bytes() == old_log
    # A mistaken --yes is undone as any replacement is: restore the backup.
    replaced.restore(kept[0].id, user="keeper")
    assert list(replaced.read("units")["code"]) == old_units


def test_a_database_holding_data_is_refused_without_yes_and_replaced_with_it(work, demo, pg,
                                                                            capsys):
    source = _live(open_store())
    dsn = pg.new_database()
    target = PostGISStore(dsn, demo)
    try:
        target.replace("units", _two_units(), ImportRecord("units", "别处.xlsx", "", 2, "zhao"))
        mine, theirs = _state(source), _state(target)
        code, _, err = run(capsys, "migrate", "--to", dsn)
        assert code == 1 and "已有同心的数据" in err and "--yes" in err
        assert _state(source) == mine and _state(target) == theirs

        code, out, _ = run(capsys, "migrate", "--to", dsn, "--yes", "--json")
        report = json.loads(out)
        assert code == 0 and report["ok"] and report["backups_moved"] is False
        assert report["layers"]["units"] == 1 and report["history"] == 4
        kept = report["replaced"].split(", ")
        assert [name.rsplit("_replaced_", 1)[0] for name in kept] == ["tongxin",
                                                                      "tongxin_backups"]
        assert_same_data(source.dump(), target.dump())
        assert target.verify_audit().ok and target.backups() == []
        assert target.audit()[-1]["replaced"] == report["replaced"]
        # Nothing dropped: the old dataset, its backups included, is there under a new name.
        with psycopg.connect(dsn) as con:
            codes = [row[0] for row in con.execute(
                f'SELECT code FROM "{kept[0]}".units ORDER BY fid').fetchall()]
            backups = con.execute(f'SELECT count(*) FROM "{kept[0]}".backups').fetchone()
        assert codes == ["U001", "U002"] and backups == (1,)
    finally:
        target.close()


# -- the command line -------------------------------------------------------------------------

def test_the_command_line_says_what_moved_in_chinese(work, demo, pg, capsys):
    _live(open_store())
    dsn = pg.new_database()
    code, out, err = run(capsys, "migrate", "--to", dsn)
    assert code == 0, err
    location = PostGISStore.describe(dsn)
    assert f"已将工作数据集从 {work} 迁移到 {location}：" in out
    assert "驻区单位（units）：1 行" in out and "走访记录（visits）：2 行" in out
    assert "乡镇(街道)（townships）：2 行" in out
    assert "修改历史 4 条" in out and "导入记录 7 条" in out and "审计日志" in out
    assert "备份没有迁移" in out and f"TONGXIN_DATA 设为 {location}" in out


def test_the_command_line_speaks_english_too(work, demo, capsys, tmp_path):
    code, out, _ = run(capsys, "migrate", "--to", tmp_path / "copy.gpkg", "--lang", "en")
    assert code == 0
    assert "Moved the working dataset from" in out and "units): 1 rows" in out
    assert "Backups were not moved" in out


def _untouched(work: Path) -> tuple:
    store = open_store()
    return store.version(), store.audit(), sorted(p.name for p in work.parent.iterdir())


@pytest.mark.parametrize(("target", "zh", "en"), [
    ("{tmp}/data.sqlite", "无法识别迁移目标", "Cannot move the dataset to"),
    ("{work}", "就是当前的工作数据集", "is the working dataset itself"),
    ("postgresql://tongxin_admin:secret@127.0.0.1:1/nowhere", "无法连接目标数据库",
     "Cannot connect to the target database"),
])
def test_a_bad_target_is_refused_in_the_users_language(work, capsys, tmp_path, target, zh,
                                                       en):
    run(capsys, "status")  # the working file exists before
    before = _untouched(work)
    where = target.format(tmp=tmp_path, work=work)
    for lang, words in (("zh", zh), ("en", en)):
        code, out, err = run(capsys, "migrate", "--to", where, "--lang", lang)
        assert code == 1 and words in err and out == ""
        assert "secret" not in err
    assert _untouched(work) == before
    assert not (tmp_path / "data.sqlite").exists()


def test_the_same_file_by_another_name_is_still_the_source(work, capsys, monkeypatch):
    run(capsys, "status")
    monkeypatch.chdir(work.parent)
    code, _, err = run(capsys, "migrate", "--to", "./tongxin.gpkg", "--yes")
    assert code == 1 and "就是当前的工作数据集" in err


def test_a_database_without_postgis_is_refused_and_left_empty(work, pg, capsys):
    plain = pg.new_database(postgis=False)
    name = plain.rsplit("/", 1)[1]
    pg.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mover') "
           "THEN CREATE ROLE mover LOGIN; END IF; END $$")
    pg.sql(f'GRANT CREATE ON DATABASE "{name}" TO mover')
    run(capsys, "status")
    before = _untouched(work)
    for lang, words in (("zh", "没有 PostGIS 扩展"), ("en", "has no PostGIS extension")):
        code, _, err = run(capsys, "migrate", "--to", pg.dsn(name, user="mover"), "--lang",
                           lang)
        assert code == 1 and words in err
    assert pg.sql("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'tongxin%'",
                  dbname=name) == [(0,)]
    assert _untouched(work) == before


def test_moving_needs_the_right_to_restore(work, demo, capsys, monkeypatch, tmp_path):
    accounts = AccountStore.from_settings(audit=open_store().record)
    accounts.add("viewer1", "viewer", PASSWORD, "tester", must_change=False)
    accounts.add("editor1", "editor", PASSWORD, "tester", must_change=False)
    monkeypatch.setenv("TONGXIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("TONGXIN_USER", "viewer1")
    code, _, err = run(capsys, "migrate", "--to", tmp_path / "copy.gpkg")
    assert code == 1 and "无权" in err and not (tmp_path / "copy.gpkg").exists()
    monkeypatch.setenv("TONGXIN_USER", "editor1")
    code, _, _ = run(capsys, "migrate", "--to", tmp_path / "copy.gpkg")
    assert code == 0
    assert GeoPackageStore(tmp_path / "copy.gpkg", demo).audit()[-1]["user"] == "editor1"


def test_a_refusal_in_json_is_json(work, capsys, tmp_path):
    code, out, _ = run(capsys, "migrate", "--to", tmp_path / "x.sqlite", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False and "无法识别" in report["errors"][0]["message"]


def test_a_dataset_whose_target_cannot_be_written_changes_nothing(work, capsys, tmp_path):
    run(capsys, "status")
    before = _untouched(work)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, _, err = run(capsys, "migrate", "--to", blocker / "copy.gpkg")
    assert code == 1 and "无法写入" in err
    assert _untouched(work) == before


def test_the_store_error_says_itself(work):
    with pytest.raises(StoreError) as info:
        migrate(open_store(), "ftp://example.org/x.gpkg", "keeper")
    assert info.value.message("zh") and info.value.message("en")
