"""Many districts in one PostGIS database, kept apart by PostgreSQL's row-level security.

The store acts as one role per district (storage/_pg_roles.py). These tests ask the database
itself, as those roles and as the login role, what each may read and write: whatever the
dashboard's code does, a district's role gets only its own rows.
"""

from __future__ import annotations

import threading
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
from shapely.geometry import Point

from layers import LAYERS
from storage import CITY, Dataset, ImportRecord, StoreError
from storage.gpkg import GeoPackageStore, create_dataset
from storage.postgis import PostGISStore
from tests.conftest import tiny_district, tiny_frames
from tests.districts import as_district

HOME, OTHER = "620103", "620102"


@pytest.fixture
def tiny_demo(tmp_path: Path) -> Path:
    demo = tmp_path / "tiny-demo.gpkg"
    create_dataset(demo, tiny_frames(), tiny_district(), {"demo": "true"})
    return demo


def other_district(demo: Path) -> Dataset:
    """The tiny demo as another district's (620102, 城关区)."""
    return as_district(GeoPackageStore(demo, demo).dump(), OTHER, "城关")


@pytest.fixture
def city(pg, tiny_demo):
    """A database holding two districts: the tiny demo's (620103) and a copy as 620102."""
    dsn = pg.new_database()
    home = PostGISStore(dsn, tiny_demo, keep=3)
    other, _ = PostGISStore.create(dsn, other_district(tiny_demo), tiny_demo,
                                   entry={"action": "migrate", "user": "keeper"}, keep=3)
    yield dsn, home, other
    home.close()
    other.close()


def _rows(pg, dsn: str, statement: str, role: str | None = None) -> list[tuple]:
    """Run ``statement`` as ``role`` when given (as a session would), then roll it back."""
    con = psycopg.connect(dsn)
    try:
        with con.cursor() as cur:
            if role:
                cur.execute(f'SET ROLE "{role}"')
            cur.execute(statement)
            return cur.fetchall() if cur.description else []
    finally:
        con.rollback()
        con.close()


def test_a_second_district_joins_a_database_holding_one_without_yes(city):
    _, home, other = city
    assert other.district_code() == OTHER and home.district_code() == HOME
    assert [d["adcode"] for d in home.scoped(CITY).districts()] == [OTHER, HOME]
    assert [d["name"] for d in other.districts()] == ["城关"]
    assert all(name.endswith("（城关）") for name in other.read("units")["name"])
    assert not any(name.endswith("（城关）") for name in home.read("units")["name"])
    # Each district's log is a chain of its own.
    assert home.verify_audit().ok and other.verify_audit().ok
    assert home.audit()[-1]["action"] == "create" and other.audit()[-1]["action"] == "migrate"


def test_a_district_role_reads_and_changes_only_its_own_rows(city, pg):
    dsn, home, other = city
    role = f"tongxin_d_{HOME}"
    for layer in LAYERS:
        counted = _rows(pg, dsn, f"SELECT adcode, count(*) FROM tongxin.{layer} GROUP BY 1",
                        role)
        assert {code for code, _ in counted} <= {HOME}, layer
    assert _rows(pg, dsn, f"SELECT count(*) FROM tongxin.units WHERE adcode = '{OTHER}'",
                 role) == [(0,)]
    for table in ("meta", "audit", "history", "imports", "backups", "district"):
        assert _rows(pg, dsn, f"SELECT count(*) FROM tongxin.{table} WHERE adcode <> '{HOME}'",
                     role) == [(0,)], table
    # Another district's rows cannot be changed, removed or added to.
    assert _rows(pg, dsn, f"UPDATE tongxin.units SET name = 'x' WHERE adcode = '{OTHER}' "
                          "RETURNING 1", role) == []
    assert _rows(pg, dsn, "DELETE FROM tongxin.units RETURNING adcode", role) == [(HOME,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        _rows(pg, dsn, f"INSERT INTO tongxin.units (adcode, code, name) VALUES "
                       f"('{OTHER}', 'X1', 'x')", role)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _rows(pg, dsn, "TRUNCATE tongxin.units", role)
    # Nothing above committed (each ran in a transaction rolled back): both still whole.
    assert len(home.read("units")) == len(other.read("units")) == len(tiny_frames()["units"])


def test_the_city_role_reads_every_district_and_writes_none(city, pg):
    dsn, _, _ = city
    counted = dict(_rows(pg, dsn, "SELECT adcode, count(*) FROM tongxin.units GROUP BY 1",
                         "tongxin_city"))
    assert counted == {HOME: len(tiny_frames()["units"]), OTHER: len(tiny_frames()["units"])}
    for statement in ("DELETE FROM tongxin.units", "UPDATE tongxin.meta SET value = 'x'",
                      f"INSERT INTO tongxin.audit (adcode, entry) VALUES ('{HOME}', '{{}}')"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _rows(pg, dsn, statement, "tongxin_city")


def test_the_login_role_itself_sees_no_rows(pg, tiny_demo):
    # The dashboard's login role owns the tables; forced row-level security holds it to the
    # policies too, and it has none: a query that forgot to act as a district gets nothing.
    name = pg.new_database().rsplit("/", 1)[1]
    pg.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'city_app') "
           "THEN CREATE ROLE city_app LOGIN CREATEROLE; END IF; END $$")
    pg.sql(f'ALTER DATABASE "{name}" OWNER TO city_app')
    dsn = pg.dsn(name, user="city_app")
    store = PostGISStore(dsn, tiny_demo)
    try:
        assert len(store.read("units")) == len(tiny_frames()["units"])
        assert _rows(pg, dsn, "SELECT count(*) FROM tongxin.units") == [(0,)]
        assert _rows(pg, dsn, "SELECT count(*) FROM tongxin.meta") == [(0,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            _rows(pg, dsn, "INSERT INTO tongxin.units (adcode, code) VALUES ('620103', 'X')")
    finally:
        store.close()


def test_a_login_role_without_createrole_is_told_what_to_run(pg, tiny_demo):
    name = pg.new_database().rsplit("/", 1)[1]
    pg.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'plain_app') "
           "THEN CREATE ROLE plain_app LOGIN; END IF; END $$")
    pg.sql(f'ALTER DATABASE "{name}" OWNER TO plain_app')
    pg.sql(f'GRANT CREATE ON DATABASE "{name}" TO plain_app')
    dsn = pg.dsn(name, user="plain_app")
    with pytest.raises(StoreError) as info:
        PostGISStore(dsn, tiny_demo)
    assert info.value.key == "store.pg_roles"
    text = info.value.message("en")
    assert f"CREATE ROLE tongxin_d_{HOME} NOLOGIN IN ROLE tongxin_district;" in text
    assert "CREATEROLE" in info.value.message("zh")
    # Nothing was made; once an administrator grants the roles, first use goes through.
    assert pg.sql("SELECT count(*) FROM pg_namespace WHERE nspname = 'tongxin'", dbname=name) \
        == [(0,)]
    for role in ("tongxin_city", "tongxin_district", f"tongxin_d_{HOME}"):
        pg.sql(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
               f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$")
    pg.sql(f"GRANT tongxin_district TO tongxin_d_{HOME}")
    pg.sql(f"GRANT tongxin_city, tongxin_district, tongxin_d_{HOME} TO plain_app")
    pg.sql("ALTER ROLE plain_app NOINHERIT")
    store = PostGISStore(dsn, tiny_demo)
    try:
        assert store.district_code() == HOME and not store.read("units").empty
    finally:
        store.close()


def test_one_districts_writes_and_restores_leave_the_other_as_it_was(city):
    _, home, other = city
    before = (other.version(), other.versions(), other.read("units"), other.audit(),
              other.backups())
    units = gpd.GeoDataFrame({**{c: list(v) for c, v in tiny_frames()["units"].drop(
        columns="geometry").items()}, "code": ["U9"]}, geometry=[Point(103.78, 36.06)],
        crs=4326)
    saved = home.replace("units", units, ImportRecord("units", "台账.xlsx", "ab" * 32, 1, "k"))
    home.append("units", units.assign(code="U10"),
                ImportRecord("units", "台账.xlsx", "cd" * 32, 1, "k"))
    home.restore(saved.id, user="k")
    assert (other.version(), other.versions(), other.audit(), other.backups()) == (
        before[0], before[1], before[3], before[4])
    assert other.read("units").equals(before[2])
    assert [b.reason for b in home.backups()][:1] == ["restore"]
    assert home.verify_audit().ok and other.verify_audit().ok
    assert home.scoped(CITY).verify_audit().ok


def test_versions_never_coincide_between_districts(city):
    # Both districts were filled from the same demo: were their versions alike, a cache keyed
    # on them would hand one district's results to the other.
    _, home, other = city
    assert not set(home.versions().values()) & set(other.versions().values())
    assert home.scoped(CITY).version() not in {home.version(), other.version()}


def test_replacing_one_district_of_a_shared_database_is_refused(city, tiny_demo):
    dsn, home, _ = city
    before = home.version()
    with pytest.raises(StoreError) as info:
        PostGISStore.create(dsn, other_district(tiny_demo), tiny_demo,
                            entry={"action": "migrate", "user": "k"}, replace=True)
    assert info.value.key == "store.pg_shared_replace"
    with pytest.raises(StoreError) as info:
        PostGISStore.create(dsn, other_district(tiny_demo), tiny_demo,
                            entry={"action": "migrate", "user": "k"})
    assert info.value.key == "store.pg_not_empty"
    assert home.version() == before and len(home.scoped(CITY).districts()) == 2


def test_databases_made_at_the_same_moment_share_the_roles(pg, tiny_demo):
    # Roles belong to the cluster: two databases' first uses may create the same ones at once.
    dsns = [pg.new_database() for _ in range(3)]
    made: list[PostGISStore] = []
    errors: list[BaseException] = []

    def first_use(dsn: str) -> None:
        try:
            made.append(PostGISStore(dsn, tiny_demo))
        except (StoreError, psycopg.Error) as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(dsn,)) for dsn in dsns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == [] and len(made) == 3
        assert all(store.district_code() == HOME for store in made)
    finally:
        for store in made:
            store.close()


def test_a_database_made_before_districts_is_brought_up_to_them(pg, tiny_demo):
    dsn = pg.new_database()
    store = PostGISStore(dsn, tiny_demo, keep=3)
    units = store.read("units")
    store.replace("units", units, ImportRecord("units", "a.xlsx", "ab" * 32, len(units), "k"))
    store.close()
    _make_legacy(pg, dsn)
    again = PostGISStore(dsn, tiny_demo, keep=3)
    try:
        assert again.district_code() == HOME
        assert again.read("units").equals(units)
        assert again.audit()[-1]["action"] == "upgrade" and again.verify_audit().ok
        backup = again.backups()[0]
        again.restore(backup.id, user="k")
        assert again.read("units").equals(units)
        assert _rows(pg, dsn, f"SELECT count(*) FROM tongxin.units WHERE adcode <> '{HOME}'",
                     f"tongxin_d_{HOME}") == [(0,)]
        assert _rows(pg, dsn, "SELECT relforcerowsecurity FROM pg_class WHERE oid = "
                              "'tongxin.units'::regclass") == [(True,)]
    finally:
        again.close()


def _make_legacy(pg, dsn: str) -> None:
    """Take districts out of a database, as the store made it before them."""
    name = dsn.rsplit("/", 1)[1]
    tables = [*LAYERS, "district", "meta", "imports", "history", "audit", "backups"]
    for table in tables:
        pg.sql(f"ALTER TABLE tongxin.{table} NO FORCE ROW LEVEL SECURITY", dbname=name)
        pg.sql(f"ALTER TABLE tongxin.{table} DISABLE ROW LEVEL SECURITY", dbname=name)
        pg.sql(f"DROP POLICY own_district ON tongxin.{table}", dbname=name)
        pg.sql(f"DROP POLICY city_reads ON tongxin.{table}", dbname=name)
        if table != "district":  # the old district table kept the code as a column
            pg.sql(f"ALTER TABLE tongxin.{table} DROP COLUMN adcode CASCADE", dbname=name)
    pg.sql("ALTER TABLE tongxin.district ALTER COLUMN adcode DROP NOT NULL, "
           "ALTER COLUMN adcode DROP DEFAULT", dbname=name)
    pg.sql("ALTER TABLE tongxin.meta ADD PRIMARY KEY (key)", dbname=name)
    pg.sql("ALTER TABLE tongxin.imports ADD PRIMARY KEY (layer)", dbname=name)
    pg.sql("DROP FUNCTION tongxin.session_adcode()", dbname=name)
    pg.sql("ALTER TABLE tongxin.backups OWNER TO tongxin_admin", dbname=name)
    for (table,) in pg.sql("SELECT tablename FROM pg_tables WHERE schemaname = "
                           "'tongxin_backups'", dbname=name):
        pg.sql(f"ALTER TABLE tongxin_backups.{table} OWNER TO tongxin_admin", dbname=name)
