"""The GeoPackage store: created from the demo, replaced atomically, backed up, audited."""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from layers import LAYERS
from layers._errors import StoreError
from storage import ImportRecord, STORES, open_store
from storage.gpkg import GeoPackageStore
from tests.conftest import tiny_frames


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(layer: str, rows: int) -> ImportRecord:
    return ImportRecord(layer, "台账.xlsx", "ab" * 32, rows, "tester")


def test_created_from_the_demo_which_is_never_written(tiny_store):
    demo_before = _digest(tiny_store.demo)
    assert tiny_store.path.is_file()
    tiny_store.replace("units", tiny_frames()["units"], _record("units", 1))
    assert _digest(tiny_store.demo) == demo_before
    assert tiny_store.audit()[0]["action"] == "create"


def test_one_table_per_layer_in_epsg_4326_that_gis_can_open(tiny_store):
    tables = {name for name, _ in pyogrio.list_layers(tiny_store.path)}
    assert set(LAYERS) <= tables
    for name in LAYERS:
        info = pyogrio.read_info(tiny_store.path, layer=name)
        assert info["crs"] == "EPSG:4326"


@pytest.mark.parametrize("name", list(LAYERS))
def test_layers_read_back_with_their_schema_types(tiny_store, name):
    frame = tiny_store.read(name)
    assert list(frame.columns) == LAYERS[name].canonical_columns()
    assert len(frame) == len(tiny_frames()[name])
    for col in LAYERS[name].columns:
        kind = frame[col.name].dtype
        expected = {"int": "Int64", "date": "datetime64[ms]", "bool": "boolean",
                    "float": "float64"}.get(col.dtype)
        if expected:
            assert str(kind) == expected, (col.name, kind)


def test_replace_keeps_a_backup_records_the_import_and_audits(tiny_store):
    before = _digest(tiny_store.path)
    units = tiny_frames()["units"]
    more = gpd.GeoDataFrame(
        {**{c: list(units[c]) * 2 for c in units.columns if c != "geometry"},
         "code": ["U001", "U002"]}, geometry=[Point(103.77, 36.05), None], crs=4326)
    backup = tiny_store.replace("units", more, _record("units", 2))
    assert len(tiny_store.read("units")) == 2
    assert _digest(tiny_store.backup_dir / f"{backup.id}.gpkg") == before
    latest = {r["layer"]: r for r in tiny_store.imports()}["units"]
    assert latest["rows"] == 2 and latest["file_name"] == "台账.xlsx" and latest["user"] == "tester"
    entry = tiny_store.audit()[-1]
    assert entry["action"] == "import" and entry["layer"] == "units" and entry["rows"] == 2
    assert entry["sha256"] == "ab" * 32 and entry["file"] == "台账.xlsx"


def test_a_failed_write_leaves_the_working_file_byte_for_byte(tiny_store, monkeypatch):
    before = _digest(tiny_store.path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("storage.gpkg._record_import", broken)
    with pytest.raises(OSError):
        tiny_store.replace("units", tiny_frames()["units"], _record("units", 1))
    assert _digest(tiny_store.path) == before
    assert not list(tiny_store.path.parent.glob("*.staged.gpkg"))
    assert tiny_store.backups() == []


def test_only_the_last_few_backups_are_kept(tiny_store):
    for i in range(5):
        tiny_store.replace("units", tiny_frames()["units"], _record("units", 1))
    assert len(tiny_store.backups()) == tiny_store.keep == 3


def test_restore_brings_back_a_backup_and_backs_up_the_current(tiny_store):
    original = tiny_store.read("units")
    backup = tiny_store.replace("units", tiny_frames()["units"].iloc[:0], _record("units", 0))
    assert len(tiny_store.read("units")) == 0
    saved = tiny_store.restore(backup.id, user="tester")
    assert len(tiny_store.read("units")) == len(original)
    assert saved.id in {b.id for b in tiny_store.backups()}
    assert tiny_store.audit()[-1]["action"] == "restore"


@pytest.mark.parametrize("bad_id", ["nope", "", "../../etc/passwd"])
def test_restore_of_an_unknown_backup_says_what_exists(tiny_store, bad_id):
    with pytest.raises(StoreError) as info:
        tiny_store.restore(bad_id, user="tester")
    assert "python -m layers backups" in info.value.message("zh")


def test_version_changes_on_every_write(tiny_store):
    before = tiny_store.version()
    tiny_store.replace("units", tiny_frames()["units"], _record("units", 1))
    assert tiny_store.version() != before


def test_the_registry_picks_the_store_from_the_data_setting(tmp_path, monkeypatch, tiny_store):
    monkeypatch.setenv("TONGXIN_DATA", str(tmp_path / "other.gpkg"))
    monkeypatch.setenv("TONGXIN_DEMO", str(tiny_store.demo))
    assert isinstance(open_store(), STORES["gpkg"])
    monkeypatch.setenv("TONGXIN_DATA", "postgresql://db/tongxin")
    with pytest.raises(StoreError) as info:
        open_store()
    assert "gpkg" in info.value.message("en")


def test_a_missing_demo_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError) as info:
        GeoPackageStore(tmp_path / "w.gpkg", tmp_path / "missing.gpkg")
    assert "build_demo.py" in info.value.message("zh")


def test_the_dataset_stays_demo_until_every_layer_is_replaced(tiny_store):
    assert tiny_store.meta()["demo"] == "true"
    frames = tiny_frames()
    for name in list(LAYERS)[:-1]:
        tiny_store.replace(name, frames[name], _record(name, len(frames[name])))
        assert tiny_store.meta()["demo"] == "true"
    last = list(LAYERS)[-1]
    tiny_store.replace(last, frames[last], _record(last, 1))
    assert tiny_store.meta()["demo"] == "false" and tiny_store.meta()["demo_layers"] == ""
