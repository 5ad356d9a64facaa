"""The GeoPackage store's own mechanics: one file from the demo, tables GIS can open, backups
as files. What every store does is in ``test_store_conformance.py``."""

from __future__ import annotations

import hashlib
import os
import socket
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from shapely.geometry import Point

from layers import LAYERS
from storage import STORES, ImportRecord, StoreError, open_store
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


@pytest.mark.parametrize("bad_id", ["nope", "", "../../etc/passwd"])
def test_restore_of_an_unknown_backup_says_what_exists(tiny_store, bad_id):
    with pytest.raises(StoreError) as info:
        tiny_store.restore(bad_id, user="tester")
    assert "python -m layers backups" in info.value.message("zh")


def test_the_registry_picks_the_store_from_the_data_setting(tmp_path, monkeypatch, tiny_store):
    monkeypatch.setenv("TONGXIN_DATA", str(tmp_path / "other.gpkg"))
    monkeypatch.setenv("TONGXIN_DEMO", str(tiny_store.demo))
    assert isinstance(open_store(), STORES["gpkg"])
    monkeypatch.setenv("TONGXIN_DATA", "mysql://db/tongxin")
    with pytest.raises(StoreError) as info:
        open_store()
    assert "gpkg" in info.value.message("en") and "postgresql" in info.value.message("en")
    assert "postgresql://" in info.value.message("zh")


def test_a_database_address_opens_the_postgis_store(tmp_path, monkeypatch, tiny_store, pg):
    monkeypatch.setenv("TONGXIN_DATA", pg.new_database())
    monkeypatch.setenv("TONGXIN_DEMO", str(tiny_store.demo))
    opened = open_store()
    try:
        assert isinstance(opened, STORES["postgresql"]) and opened.is_demo()
        assert opened.location() == os.environ["TONGXIN_DATA"]
    finally:
        opened.close()


def test_an_unreachable_database_is_a_clear_error_in_both_languages(monkeypatch, tiny_store):
    # A loopback port nobody listens on: refused at once, never a traceback.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TONGXIN_DATA", f"postgresql://tongxin:secret@127.0.0.1:{port}/tongxin")
    monkeypatch.setenv("TONGXIN_DEMO", str(tiny_store.demo))
    with pytest.raises(StoreError) as info:
        open_store()
    zh, en = info.value.message("zh"), info.value.message("en")
    assert "无法连接数据库" in zh and "Cannot connect to the database" in en
    assert f"127.0.0.1:{port}/tongxin" in en and "secret" not in zh + en


def test_a_missing_demo_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError) as info:
        GeoPackageStore(tmp_path / "w.gpkg", tmp_path / "missing.gpkg")
    assert "build_demo.py" in info.value.message("zh")
