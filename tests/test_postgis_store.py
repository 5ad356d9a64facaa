"""The PostGIS store's own mechanics, on a real PostgreSQL + PostGIS (tests/pg.py).

What every store must do is in ``test_store_conformance.py``; here is what only a database
shows: two processes sharing it, a writer killed mid-import, the log's chain in a table, the
layers' spatial indexes, and a write failing half-way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from layers import LAYERS
from storage import ImportRecord, RecordChange, StoreError
from storage import postgis as postgis_module
from storage.gpkg import GeoPackageStore, create_dataset
from storage.postgis import PostGISStore
from tests.conftest import ROOT, tiny_district, tiny_frames

KILL_ROWS = 200_000


@pytest.fixture
def tiny_demo(tmp_path: Path) -> Path:
    demo = tmp_path / "tiny-demo.gpkg"
    create_dataset(demo, tiny_frames(), tiny_district(), {"demo": "true"})
    return demo


@pytest.fixture
def dsn(pg) -> str:
    return pg.new_database()


@pytest.fixture
def store(dsn, tiny_demo):
    opened = PostGISStore(dsn, tiny_demo, keep=3)
    yield opened
    opened.close()


def _record(layer: str, rows: int) -> ImportRecord:
    return ImportRecord(layer, "台账.xlsx", "cd" * 32, rows, "keeper")


def _state(store: PostGISStore) -> tuple:
    return (store.version(), [b.id for b in store.backups()], store.audit(),
            {n: len(store.history(n)) for n in LAYERS},
            {n: list(store.read(n)["code"]) for n in LAYERS})


def test_two_processes_sharing_the_database_see_each_others_changes(store, dsn, tiny_demo):
    other = PostGISStore(dsn, tiny_demo, keep=3)  # as a second dashboard process opens it
    try:
        before = other.version()
        assert other.is_demo() and other.versions() == store.versions()
        units = tiny_frames()["units"]
        store.replace("units", units.assign(name="新名称"), _record("units", len(units)))
        assert other.version() != before
        assert list(other.read("units")["name"]) == ["新名称"] * len(units)
        assert other.versions()["units"] == store.versions()["units"]
        assert other.versions()["activities"] == store.versions()["activities"]
        assert other.history("units") == store.history("units")
    finally:
        other.close()


def test_opening_an_empty_database_twice_creates_it_once(dsn, tiny_demo):
    first, second = PostGISStore(dsn, tiny_demo), PostGISStore(dsn, tiny_demo)
    try:
        assert [e["action"] for e in second.audit()] == ["create"]
        assert first.version() == second.version()
    finally:
        first.close()
        second.close()


def test_every_layer_has_a_spatial_index(store, pg, dsn):
    name = dsn.rsplit("/", 1)[1]
    found = {row[0] for row in pg.sql(
        "SELECT tablename FROM pg_indexes WHERE schemaname = 'tongxin' AND indexdef LIKE "
        "'%USING gist%'", dbname=name)}
    assert set(LAYERS) | {"district"} <= found


def test_a_write_failing_half_way_changes_nothing(store, monkeypatch):
    before = _state(store)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full while writing the history")

    # The layer's rows and its backup are written before the history: all are undone.
    monkeypatch.setattr(postgis_module, "_write_history", broken)
    units = tiny_frames()["units"]
    with pytest.raises(RuntimeError):
        store.replace("units", units.iloc[:0], _record("units", 0),
                      (RecordChange("U1", "remove", {"code": "U1"}, None),))
    assert _state(store) == before


def test_the_audit_table_is_a_chain_an_edit_or_a_cut_breaks(store, pg, dsn):
    name = dsn.rsplit("/", 1)[1]
    store.record({"action": "account_add", "user": "admin", "target": "li"})
    store.record({"action": "account_disable", "user": "admin", "target": "li"})
    assert store.verify_audit().ok and store.verify_audit().entries == 3
    pg.sql("UPDATE tongxin.audit SET entry = replace(entry, '\"li\"', '\"wang\"') "
           "WHERE seq = 2", dbname=name)
    check = store.verify_audit()
    assert (check.first_bad, check.reason) == (2, "hash")
    pg.sql("UPDATE tongxin.audit SET entry = replace(entry, '\"wang\"', '\"li\"') "
           "WHERE seq = 2", dbname=name)
    assert store.verify_audit().ok
    pg.sql("DELETE FROM tongxin.audit WHERE seq = 3", dbname=name)
    check = store.verify_audit()
    assert (check.first_bad, check.reason) == (3, "head")


# A writer replacing the activities with many rows, so that it is still copying them when killed.
_WRITER = textwrap.dedent("""
    import sys
    import pandas as pd
    import geopandas as gpd
    sys.path.insert(0, {root!r})
    from storage import ImportRecord
    from storage.postgis import PostGISStore
    from tests.conftest import tiny_frames
    from pathlib import Path
    store = PostGISStore({dsn!r}, Path({demo!r}))
    base = tiny_frames()["activities"]
    many = pd.concat([base] * ({rows} // len(base) + 1), ignore_index=True).iloc[:{rows}]
    many = gpd.GeoDataFrame(many.assign(code=[f"A{{i:07d}}" for i in range(len(many))]),
                            geometry="geometry", crs=base.crs)
    print("writing", flush=True)
    store.replace("activities", many, ImportRecord("activities", "big.csv", "", len(many), "k"))
    print("written", flush=True)
""")


def test_a_writer_killed_mid_import_loses_nothing_and_holds_nothing(store, dsn, tiny_demo,
                                                                   tmp_path):
    before = _state(store)
    script = tmp_path / "writer.py"
    script.write_text(_WRITER.format(root=str(ROOT), dsn=dsn, demo=str(tiny_demo),
                                     rows=KILL_ROWS), encoding="utf-8")
    writer = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "writing"
        # Killed once its COPY is under way: the transaction has written rows by then.
        deadline = time.monotonic() + 60
        while not _copying(dsn):
            assert writer.poll() is None, "the writer finished before it could be killed"
            assert time.monotonic() < deadline, "the writer never started copying"
            time.sleep(0.02)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert writer.returncode == -signal.SIGKILL
    assert _state(store) == before and store.verify_audit().ok
    # The writers' lock died with the connection: the next write goes through at once.
    started = time.monotonic()
    store.replace("units", tiny_frames()["units"], _record("units", 1))
    assert time.monotonic() - started < 20
    assert store.version() != before[0]


def _copying(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as con:
        rows = con.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND query LIKE 'COPY%%activities%%'").fetchone()
    return bool(rows and rows[0])


def test_the_full_demo_loads_and_reads_back_like_the_geopackage(pg, tmp_path):
    demo = ROOT / "data" / "demo" / "tongxin-demo.gpkg"
    opened = PostGISStore(pg.new_database(), demo)
    try:
        gpkg = GeoPackageStore(demo, demo)  # opened on the demo itself: only read
        for name in LAYERS:
            ours, theirs = opened.read(name), gpkg.read(name)
            assert len(ours) == len(theirs), name
            pd.testing.assert_frame_equal(
                ours.drop(columns="geometry").reset_index(drop=True),
                theirs.drop(columns="geometry").reset_index(drop=True), check_like=False)
            missing = ours.geometry.isna()
            assert (missing == theirs.geometry.isna()).all(), name
            assert ours.geometry[~missing].geom_equals_exact(theirs.geometry[~missing],
                                                             1e-9).all(), name
        assert opened.read_district().geometry.iloc[0].equals_exact(
            gpkg.read_district().geometry.iloc[0], 1e-9)
        assert opened.is_demo() == gpkg.is_demo()
    finally:
        opened.close()


def test_a_database_without_postgis_that_the_role_cannot_add_is_a_clear_error(pg, tiny_demo):
    # As on a server where the DBA made the database but not the extension, and the dashboard's
    # role (rightly) is no superuser: nothing is created, and the message says what to do.
    plain = pg.new_database(postgis=False)
    name = plain.rsplit("/", 1)[1]
    pg.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dashboard') "
           "THEN CREATE ROLE dashboard LOGIN; END IF; END $$")
    pg.sql(f'GRANT CREATE ON DATABASE "{name}" TO dashboard')
    with pytest.raises(StoreError) as info:
        PostGISStore(pg.dsn(name, user="dashboard"), tiny_demo)
    zh, en = info.value.message("zh"), info.value.message("en")
    assert "PostGIS" in zh and "CREATE EXTENSION postgis" in en
    assert pg.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'tongxin'", dbname=name) \
        == [(0,)]
