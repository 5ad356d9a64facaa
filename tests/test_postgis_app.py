"""The dashboard on a PostGIS database that cannot be reached, or goes away while it runs.

Whoever opens a page reads, in their language, what is wrong and what to do: never a
traceback. When the database is back, the next rerun works, with no restart.
"""

from __future__ import annotations

import socket

import pytest

from tests.conftest import opened_page


@pytest.fixture
def unreachable(monkeypatch) -> str:
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("TONGXIN_DATA", f"postgresql://tongxin:secret@127.0.0.1:{port}/tongxin")
    return str(port)


@pytest.mark.parametrize(("lang", "words"), [("zh", "无法连接数据库"),
                                             ("en", "Cannot connect to the database")])
def test_an_unreachable_database_is_one_clear_message(unreachable, fresh_caches, lang, words):
    at = opened_page(query={"lang": lang}) if lang == "en" else opened_page()
    assert not at.exception
    [error] = at.error
    assert words in error.value and f"127.0.0.1:{unreachable}" in error.value
    assert "secret" not in error.value


def test_a_database_gone_while_the_dashboard_runs_is_said_and_survived(pg, monkeypatch,
                                                                      fresh_caches):
    dsn = pg.new_database()
    name = dsn.rsplit("/", 1)[1]
    monkeypatch.setenv("TONGXIN_DATA", dsn)
    monkeypatch.setenv("TONGXIN_ACCOUNTS", "/nonexistent/accounts.json")
    at = opened_page("views/units.py")
    assert not at.error and at.metric
    # The database goes away under the running dashboard: its connections are cut and it can
    # no longer be found by name (as during a DBA's maintenance or a failed server).
    pg.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    pg.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
    at.run()
    assert not at.exception
    assert any("无法连接数据库" in e.value for e in at.error), [e.value for e in at.error]
    pg.sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    at.run()
    assert not at.exception and not at.error and at.metric
