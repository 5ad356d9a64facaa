"""What every store must do, written against the ``Store`` protocol alone.

Each store registers a factory in :data:`FACTORIES`: given a folder, it returns a store whose
data starts as the tiny demo (:func:`tests.conftest.tiny_frames`) and that keeps
:data:`KEEP` backups. Every test here then runs against every store, unchanged: the
GeoPackage store and the PostGIS store (on a throwaway PostgreSQL cluster, ``tests/pg.py``). Tests of one store's own mechanics (files on
disk, recovery of a damaged GeoPackage) live beside it in ``test_store.py`` and
``test_faults.py``.
"""

from __future__ import annotations

import functools
import itertools
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point

from layers import LAYERS
from storage import CITY, Backup, ImportRecord, Store, StoreError
from storage.gpkg import GeoPackageStore, create_dataset
from storage.postgis import PostGISStore
from tests.conftest import tiny_district, tiny_frames

KEEP = 3


@functools.cache
def _tiny_demo_gpkg() -> bytes:
    # Built once (it takes over half a second), then copied: every test starts from this file.
    with tempfile.TemporaryDirectory() as folder:
        demo = Path(folder) / "tiny-demo.gpkg"
        create_dataset(demo, tiny_frames(), tiny_district(), {"demo": "true"})
        return demo.read_bytes()


def _tiny_demo(folder: Path) -> Path:
    demo = folder / "tiny-demo.gpkg"
    demo.write_bytes(_tiny_demo_gpkg())
    return demo


def _gpkg(folder: Path, request: pytest.FixtureRequest) -> Store:
    return GeoPackageStore(folder / "work" / "tongxin.gpkg", _tiny_demo(folder), keep=KEEP)


def _postgis(folder: Path, request: pytest.FixtureRequest) -> Store:
    # A new empty database with PostGIS on the tests' own cluster (tests/pg.py): the store
    # creates its tables and loads the demo on first use, as it would on an intranet server.
    dsn = request.getfixturevalue("pg").new_database()
    return PostGISStore(dsn, _tiny_demo(folder), keep=KEEP)


FACTORIES: dict[str, Callable[[Path, pytest.FixtureRequest], Store]] = {
    "gpkg": _gpkg, "postgis": _postgis}


@pytest.fixture(params=sorted(FACTORIES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh store of each kind, holding the tiny demo."""
    made = FACTORIES[request.param](tmp_path, request)
    yield made
    made.close()


def _record(layer: str, rows: int, user: str = "tester") -> ImportRecord:
    return ImportRecord(layer, "台账.xlsx", "ab" * 32, rows, user)


def _two_units() -> gpd.GeoDataFrame:
    units = tiny_frames()["units"]
    return gpd.GeoDataFrame(
        {**{c: list(units[c]) * 2 for c in units.columns if c != "geometry"},
         "code": ["U001", "U002"]}, geometry=[Point(103.77, 36.05), None], crs=4326)


def test_it_says_where_it_lives(store):
    assert isinstance(store.location(), str) and store.location()


def test_it_holds_its_district_and_the_city_reads_it_without_writing(store):
    # The tiny demo's district table has no code: it is the configured district's (620103).
    assert store.district_code() == "620103"
    assert [d["adcode"] for d in store.districts()] == ["620103"]
    assert store.scoped("620103").read("units").equals(store.read("units"))
    city = store.scoped(CITY)
    assert city.district_code() == CITY
    assert [d["adcode"] for d in city.districts()] == ["620103"]
    assert len(city.read("units")) == len(store.read("units"))
    before = store.version()
    for write in (lambda: city.replace("units", _two_units(), _record("units", 2)),
                  lambda: city.append("units", _two_units(), _record("units", 2)),
                  lambda: city.record({"action": "note", "user": "tester"})):
        with pytest.raises(StoreError) as info:
            write()
        assert info.value.key == "store.city_read_only"
    assert store.version() == before


@pytest.mark.parametrize("district", ["620102", "12345", "city-wide"])
def test_a_district_it_does_not_hold_is_refused(store, district):
    with pytest.raises(StoreError) as info:
        store.scoped(district)
    assert info.value.key in {"store.no_such_district", "store.bad_district"}
    assert district in info.value.message("zh")


@pytest.mark.parametrize("name", list(LAYERS))
def test_every_layer_reads_back_with_its_schema_in_epsg_4326(store, name):
    frame = store.read(name)
    assert list(frame.columns) == LAYERS[name].canonical_columns()
    assert len(frame) == len(tiny_frames()[name])
    assert frame.crs.to_epsg() == 4326
    expected = {"int": "Int64", "date": "datetime64[ms]", "bool": "boolean", "float": "float64"}
    for col in LAYERS[name].columns:
        if col.dtype in expected:
            assert str(frame[col.name].dtype) == expected[col.dtype], (col.name, col.dtype)
    assert set(frame["code"].astype(str)) == set(tiny_frames()[name]["code"].astype(str))


def test_the_district_is_one_polygon(store):
    district = store.read_district()
    assert len(district) == 1 and district.crs.to_epsg() == 4326
    assert district.geometry.iloc[0].geom_type in {"Polygon", "MultiPolygon"}
    assert district.union_all().contains(Point(103.77, 36.05))


def test_a_fresh_store_is_the_demo_and_sound(store):
    assert store.is_demo() and store.meta()["demo"] == "true"
    assert store.recovery() is None
    assert store.backups() == []
    assert {row["layer"] for row in store.imports()} == set(LAYERS)


def test_replace_writes_backs_up_records_and_audits(store):
    before = store.version()
    backup = store.replace("units", _two_units(), _record("units", 2))
    assert isinstance(backup, Backup) and backup.id and backup.reason == "units"
    assert sorted(store.read("units")["code"]) == ["U001", "U002"]
    assert store.version() != before
    latest = {r["layer"]: r for r in store.imports()}["units"]
    assert (latest["rows"], latest["file_name"], latest["user"]) == (2, "台账.xlsx", "tester")
    entry = store.audit()[-1]
    assert (entry["action"], entry["layer"], entry["rows"], entry["user"]) == \
        ("import", "units", 2, "tester")
    assert entry["sha256"] == "ab" * 32 and entry["file"] == "台账.xlsx" and entry["time"]
    assert [b.id for b in store.backups()] == [backup.id]


def test_reading_changes_nothing(store):
    before = store.version()
    for name in LAYERS:
        store.read(name)
    store.read_district()
    store.meta()
    assert store.version() == before and store.audit()[-1]["action"] == "create"


def test_a_refused_replace_changes_nothing(store):
    before, rows = store.version(), len(store.read("units"))
    with pytest.raises(KeyError):
        store.replace("no_such_layer", _two_units(), _record("no_such_layer", 2))
    assert store.version() == before and len(store.read("units")) == rows
    assert store.backups() == []


def test_it_stays_demo_until_every_layer_is_replaced(store):
    frames = tiny_frames()
    for name in list(LAYERS)[:-1]:
        store.replace(name, frames[name], _record(name, len(frames[name])))
        assert store.is_demo()
    last = list(LAYERS)[-1]
    store.replace(last, frames[last], _record(last, len(frames[last])))
    assert not store.is_demo() and store.meta()["demo"] == "false"


def test_backups_are_newest_first_and_only_the_last_few_kept(store):
    made = [store.replace("units", tiny_frames()["units"], _record("units", 1)).id
            for _ in range(KEEP + 2)]
    assert [b.id for b in store.backups()] == made[::-1][:KEEP]


def test_restore_brings_a_backup_back_and_saves_the_current(store):
    original = store.read("units")
    backup = store.replace("units", tiny_frames()["units"].iloc[:0], _record("units", 0))
    assert store.read("units").empty
    saved = store.restore(backup.id, user="keeper")
    assert list(store.read("units")["code"]) == list(original["code"])
    assert saved.id in {b.id for b in store.backups()} and saved.reason == "restore"
    entry = store.audit()[-1]
    assert (entry["action"], entry["backup"], entry["user"]) == ("restore", backup.id, "keeper")


@pytest.mark.parametrize("bad_id", ["nope", "", "../../etc/passwd"])
def test_an_unknown_backup_is_refused_and_changes_nothing(store, bad_id):
    before = store.version()
    with pytest.raises(StoreError) as info:
        store.restore(bad_id, user="keeper")
    assert info.value.message("zh") and info.value.message("en")
    assert store.version() == before


def test_the_audit_log_keeps_what_it_is_given_in_order(store):
    store.record({"action": "account_add", "user": "admin", "target": "li"})
    store.record({"action": "account_disable", "user": "admin", "target": "li"})
    actions = [entry["action"] for entry in store.audit()]
    assert actions[-2:] == ["account_add", "account_disable"]
    assert store.audit()[-1]["target"] == "li" and store.audit()[-1]["time"]


# -- records' history, stale writes -------------------------------------------------------------

from storage import RecordChange, StoreConflictError  # noqa: E402  (added with these tests)


def _unit(code: str, **values) -> dict:
    """A unit's plain values as the history keeps them."""
    return {"code": code, "name": "兰州理工大学", "category": "省属高校",
            "township_code": "620103001", "joint_meeting": True, "staff": None,
            "visited_on": "2024-05-10", "geometry": "POINT (103.77 36.055)", **values}


def test_the_audit_log_is_a_hash_chain_kept_across_a_restore(store):
    store.record({"action": "account_add", "user": "admin", "target": "li"})
    backup = store.replace("units", _two_units(), _record("units", 2))
    store.restore(backup.id, "admin")
    check = store.verify_audit()
    assert check.ok and check.entries == len(store.audit())
    entries = store.audit()
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(entries) if "hash" in a)
    assert entries[-1]["action"] == "restore"


def test_history_keeps_the_changes_newest_first_by_record(store):
    first = (RecordChange("U002", "add", None, _unit("U002")),
             RecordChange("U001", "update", _unit("U001"), _unit("U001", staff=2500)))
    store.replace("units", _two_units(), _record("units", 2), first)
    second = (RecordChange("U001", "remove", _unit("U001", staff=2500), None),)
    store.replace("units", _two_units().iloc[1:], ImportRecord("units", "", "", 1, "keeper",
                                                               source="edit"), second)
    entries = store.history("units")
    assert [(e["record_id"], e["op"]) for e in entries[:1]] == [("U001", "remove")]
    assert sorted((e["record_id"], e["op"]) for e in entries[1:]) == \
        [("U001", "update"), ("U002", "add")]
    assert len({e["change_set"] for e in entries[1:]}) == 1
    assert entries[0]["change_set"] != entries[1]["change_set"]
    newest, older = store.history("units", "U001")
    assert (newest["op"], newest["how"], newest["user"], newest["after"]) == \
        ("remove", "edit", "keeper", None)
    assert newest["before"] == _unit("U001", staff=2500)
    assert (older["op"], older["how"], older["source"], older["user"], older["layer"]) == \
        ("update", "import", "台账.xlsx", "tester", "units")
    assert older["before"] == _unit("U001") and older["after"] == _unit("U001", staff=2500)
    assert all(e["time"] for e in entries)
    [added] = store.history("units", "U002")
    assert added["before"] is None and added["after"] == _unit("U002")
    assert store.history("units", "U999") == [] and store.history("activities") == []


def test_a_write_against_a_stale_version_raises_and_writes_nothing(store):
    seen = store.version()
    store.replace("units", _two_units(), _record("units", 2),
                  (RecordChange("U002", "add", None, _unit("U002")),))
    now, backups, audit = store.version(), store.backups(), store.audit()
    history, units = store.history("units"), store.read("units")
    change = (RecordChange("U001", "remove", _unit("U001"), None),)
    with pytest.raises(StoreConflictError) as info:
        store.replace("units", _two_units().iloc[1:], _record("units", 1), change,
                      expected_version=seen)
    assert info.value.message("zh") and info.value.message("en")
    assert store.version() == now and store.backups() == backups and store.audit() == audit
    assert store.history("units") == history and store.read("units").equals(units)
    # With the version it read, the same write goes through.
    store.replace("units", _two_units().iloc[1:], _record("units", 1), change,
                  expected_version=now)
    assert list(store.read("units")["code"]) == ["U002"]


def test_a_restored_backup_keeps_the_history_since(store):
    original = store.read("units")
    backup = store.replace("units", _two_units(), _record("units", 2),
                           (RecordChange("U002", "add", None, _unit("U002")),))
    store.replace("units", _two_units().iloc[1:], _record("units", 1),
                  (RecordChange("U001", "remove", _unit("U001"), None),))
    history = store.history("units")
    assert len(history) == 2
    store.restore(backup.id, user="keeper")
    assert list(store.read("units")["code"]) == list(original["code"])
    # The data is the backup's; what happened since is still told.
    assert store.history("units") == history
    assert [e["op"] for e in store.history("units", "U001")] == ["remove"]


def test_append_adds_rows_with_their_history_and_refuses_a_stale_version(store):
    before = list(store.read("units")["code"])
    seen = store.version()
    new = _two_units().iloc[1:]  # U002
    backup = store.append("units", new, _record("units", 1),
                          (RecordChange("U002", "add", None, _unit("U002")),),
                          expected_version=seen)
    assert backup.id in {b.id for b in store.backups()}
    assert list(store.read("units")["code"]) == [*before, "U002"]
    [entry] = store.history("units", "U002")
    assert (entry["op"], entry["after"], entry["how"]) == ("add", _unit("U002"), "import")
    now, audit = store.version(), store.audit()
    with pytest.raises(StoreConflictError):
        store.append("units", new.assign(code="U003"), _record("units", 1),
                     (RecordChange("U003", "add", None, _unit("U003")),),
                     expected_version=seen)
    assert store.version() == now and store.audit() == audit
    assert list(store.read("units")["code"]) == [*before, "U002"]
    assert store.history("units", "U003") == []


# -- the whole dataset, read out and written elsewhere ------------------------------------------

import dataclasses  # noqa: E402  (added with these tests)
import json  # noqa: E402

import pandas as pd  # noqa: E402
import shapely  # noqa: E402


def _gpkg_elsewhere(folder: Path, request: pytest.FixtureRequest) -> str:
    return str(folder / "elsewhere" / "tongxin.gpkg")


def _postgis_elsewhere(folder: Path, request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("pg").new_database()


# A fresh, empty place of the same kind as each store of FACTORIES.
ELSEWHERE: dict[str, Callable[[Path, pytest.FixtureRequest], str]] = {
    "gpkg": _gpkg_elsewhere, "postgis": _postgis_elsewhere}


@pytest.fixture
def elsewhere(request: pytest.FixtureRequest, store: Store, tmp_path: Path) -> str:
    """An empty location of the kind of ``store``."""
    return ELSEWHERE[request.node.callspec.params["store"]](tmp_path, request)


def _wkb(frame: gpd.GeoDataFrame) -> list:
    return list(shapely.to_wkb(frame.geometry.to_numpy(), hex=True))


def _lived_in(store: Store) -> Store:
    store.replace("units", _two_units(), _record("units", 2),
                  (RecordChange("U002", "add", None, _unit("U002")),
                   RecordChange("U001", "update", _unit("U001"), _unit("U001", staff=2500))))
    store.record({"action": "account_add", "user": "admin", "target": "li"})
    return store


def test_a_dump_written_elsewhere_reads_back_the_same(store, elsewhere, tmp_path):
    dumped = _lived_in(store).dump()
    assert dumped.rows() == {name: len(store.read(name)) for name in LAYERS}
    assert [json.loads(line)["action"] for line in dumped.audit] == \
        [entry["action"] for entry in store.audit()]
    copy, entry = type(store).create(elsewhere, dumped, tmp_path / "tiny-demo.gpkg",
                                     entry={"action": "copy", "user": "tester"}, keep=KEEP)
    try:
        again = copy.dump()
        for name in LAYERS:
            pd.testing.assert_frame_equal(dumped.layers[name].drop(columns="geometry"),
                                          again.layers[name].drop(columns="geometry"))
            assert _wkb(dumped.layers[name]) == _wkb(again.layers[name]), name
        pd.testing.assert_frame_equal(dumped.district.drop(columns="geometry"),
                                      again.district.drop(columns="geometry"))
        assert _wkb(dumped.district) == _wkb(again.district)
        assert again.meta == dumped.meta and copy.is_demo()
        assert sorted(again.imports, key=str) == sorted(dumped.imports, key=str)
        assert again.history == dumped.history and len(again.history) == 2
        assert copy.history("units", "U001") == store.history("units", "U001")
        # The log line for line, then the entry saying what was done, chained to it.
        assert again.audit[:-1] == dumped.audit
        assert json.loads(again.audit[-1]) == entry and entry["action"] == "copy"
        assert copy.verify_audit().ok and copy.verify_audit().entries == len(dumped.audit) + 1
        assert copy.backups() == [] and copy.versions() == store.versions()
        assert copy.location() == type(store).describe(elsewhere)
        # Written once, the place holds data: a second write is refused and changes nothing.
        before = (copy.version(), copy.audit())
        with pytest.raises(StoreError) as info:
            type(store).create(elsewhere, dumped, tmp_path / "tiny-demo.gpkg",
                               entry={"action": "copy", "user": "tester"})
        assert info.value.message("zh") and info.value.message("en")
        assert (copy.version(), copy.audit()) == before
    finally:
        copy.close()


def test_a_store_refuses_to_be_written_over_unless_told_and_keeps_what_was_there(store,
                                                                               tmp_path):
    other = _lived_in(store).dump()
    demo = tmp_path / "tiny-demo.gpkg"
    before = (store.version(), store.audit(), store.backups(), store.dump().history)
    with pytest.raises(StoreError):
        type(store).create(store.location(), other, demo, entry={"action": "copy", "user": "x"})
    assert (store.version(), store.audit(), store.backups(), store.dump().history) == before
    emptied = dataclasses.replace(other, layers={**other.layers,
                                                 "units": other.layers["units"].iloc[:0]})
    copy, entry = type(store).create(store.location(), emptied, demo, replace=True,
                                     entry={"action": "copy", "user": "x"})
    try:
        assert copy.read("units").empty and entry["replaced"]
        assert copy.version() != before[0] and copy.verify_audit().ok
        assert copy.audit()[:-1] == before[1] and copy.audit()[-1]["replaced"] == entry["replaced"]
    finally:
        copy.close()
