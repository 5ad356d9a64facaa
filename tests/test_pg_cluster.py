"""The throwaway PostgreSQL + PostGIS cluster of tests/pg.py: what the PostGIS store's tests stand on."""

from __future__ import annotations

import math

import psycopg
import pytest
from pyproj import Transformer

from tests.pg import SUPERUSER, PgServer


def _dbname(dsn: str) -> str:
    return dsn.rsplit("/", 1)[1]


def test_the_cluster_answers_as_its_superuser(pg: PgServer):
    assert pg.host == "127.0.0.1" and isinstance(pg.port, int) and pg.superuser == SUPERUSER
    assert pg.sql("SELECT 1 + 1") == [(2,)]
    assert pg.sql("SELECT current_user, current_setting('server_encoding')") == [
        (SUPERUSER, "UTF8")]
    assert pg.sql("SELECT rolsuper FROM pg_roles WHERE rolname = current_user") == [(True,)]
    # A statement that returns no rows gives an empty list, not an error.
    assert pg.sql("SET application_name = 'tongxin-tests'") == []


def test_it_listens_on_loopback_only_with_its_socket_in_its_own_directory(pg: PgServer):
    assert pg.sql("SHOW listen_addresses") == [("127.0.0.1",)]
    assert pg.sql("SHOW port") == [(str(pg.port),)]
    (socket_dir,) = pg.sql("SHOW unix_socket_directories")[0]
    assert "tongxin-pg-" in socket_dir and "/var/run/postgresql" not in socket_dir
    with psycopg.connect(pg.dsn("postgres")) as conn:
        assert conn.info.host == "127.0.0.1" and conn.info.port == pg.port


def test_new_databases_are_distinct_empty_and_have_postgis(pg: PgServer):
    first, second = pg.new_database(), pg.new_database()
    assert first != second
    assert first == pg.dsn(_dbname(first))
    assert first.startswith(f"postgresql://{SUPERUSER}@127.0.0.1:{pg.port}/")
    for dsn in (first, second):
        (version,) = pg.sql("SELECT postgis_version()", _dbname(dsn))[0]
        assert version.startswith("3.")
        assert pg.sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
                      "AND tablename <> 'spatial_ref_sys'", _dbname(dsn)) == [(0,)]
    # What is made in one is not seen in the other.
    pg.sql("CREATE TABLE only_here (id int)", _dbname(first))
    assert pg.sql("SELECT to_regclass('only_here') IS NULL", _dbname(second)) == [(True,)]
    with psycopg.connect(first) as conn:  # the URL connects as given (trust on loopback)
        assert conn.execute("SELECT current_database()").fetchone() == (_dbname(first),)


def test_a_database_without_postgis_has_no_extension(pg: PgServer):
    dbname = _dbname(pg.new_database(postgis=False))
    assert pg.sql("SELECT extname FROM pg_extension WHERE extname = 'postgis'", dbname) == []
    with pytest.raises(psycopg.errors.UndefinedFunction):
        pg.sql("SELECT postgis_version()", dbname)


def test_distance_in_a_projected_crs(pg: PgServer):
    dbname = _dbname(pg.new_database())
    # Two points in 七里河, 0.01 degree of longitude apart at 36.05 N, measured in CGCS2000 /
    # 3-degree Gauss-Kruger CM 105E (EPSG:4544, the default metric_crs): about 901 m, as pyproj
    # (which the GeoPackage store measures with) finds too.
    a, b = Transformer.from_crs(4490, 4544, always_xy=True).itransform([(103.77, 36.05),
                                                                         (103.78, 36.05)])
    expected = math.dist(a, b)
    ((metres,),) = pg.sql(
        "SELECT ST_Distance(ST_Transform(ST_SetSRID(ST_MakePoint(103.77, 36.05), 4490), 4544),"
        " ST_Transform(ST_SetSRID(ST_MakePoint(103.78, 36.05), 4490), 4544))", dbname)
    assert 890 < metres < 910 and metres == pytest.approx(expected, abs=0.01)
    assert pg.sql("SELECT auth_name, srid FROM spatial_ref_sys WHERE srid = 4544", dbname) == [
        ("EPSG", 4544)]
