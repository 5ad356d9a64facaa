"""A throwaway PostgreSQL + PostGIS cluster for tests, on loopback, in a temporary directory.

``pg_server()`` runs ``initdb`` into a fresh directory, starts ``postgres`` on 127.0.0.1 at a free
port (its unix socket in that directory too, so it never meets a system cluster's
/var/run/postgresql), yields a ``PgServer`` and removes everything when done. The ``pg`` fixture
(session-scoped, made available to every test by tests/conftest.py) is one such server per test
process: each xdist worker has its own.

PostgreSQL and PostGIS come from Debian (``bash scripts/install_test_packages.sh``); when they
are missing the fixture fails with that instruction rather than skipping, so a test of the
PostGIS store can never pass by not running.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql as pgsql

HOST = "127.0.0.1"
# The cluster's superuser, named in initdb (-U) so it is the same whoever runs the tests (the OS
# user's name otherwise: root runs postgres as "postgres", a developer as themselves).
SUPERUSER = "tongxin_admin"
# Postgres refuses to run as root: as root the cluster belongs to Debian's "postgres" user.
OS_USER_WHEN_ROOT = "postgres"
INSTALL = ("PostgreSQL with PostGIS is needed for these tests: run "
           "`bash scripts/install_test_packages.sh` as root (Debian's postgresql and "
           "postgresql-15-postgis-3)")
# A fresh cluster starts in about a second; a loaded CI machine gets much more before we give up.
START_TIMEOUT = 60
# The database every PostGIS database is copied from: CREATE EXTENSION postgis takes about half
# a second, a copy of a database that already has it a fraction of that.
POSTGIS_TEMPLATE = "tongxin_postgis_template"


def _version(path: str) -> tuple[int, ...]:
    # "/usr/lib/postgresql/15/bin" -> (15,); unparsable names sort first.
    match = re.search(r"/postgresql/([0-9.]+)/", path)
    return tuple(int(p) for p in match[1].split(".") if p) if match else ()


def find_postgres() -> Path:
    """Return the ``bin`` directory of a PostgreSQL that has PostGIS installed.

    Debian installs each major version under ``/usr/lib/postgresql/<version>/bin`` (never on
    PATH: /usr/bin holds only the wrappers of postgresql-common) and its extensions under
    ``/usr/share/postgresql/<version>/extension``; the newest version with PostGIS wins.
    Elsewhere, ``pg_config`` names both directories.

    Raises
    ------
    RuntimeError
        When no PostgreSQL, or none with PostGIS, is installed: saying how to install them.
    """
    candidates: list[tuple[Path, Path]] = [
        (Path(bindir), Path("/usr/share/postgresql", Path(bindir).parent.name, "extension"))
        for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version, reverse=True)]
    if shutil.which("pg_config"):
        try:
            bindir, sharedir = subprocess.run(
                ["pg_config", "--bindir", "--sharedir"], capture_output=True, text=True,
                check=True, timeout=10).stdout.split()
            candidates.append((Path(bindir), Path(sharedir) / "extension"))
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
    found = [(bindir, ext) for bindir, ext in candidates
             if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres"))]
    if not found:
        msg = f"no PostgreSQL server found (looked in /usr/lib/postgresql/*/bin). {INSTALL}"
        raise RuntimeError(msg)
    for bindir, ext in found:
        if (ext / "postgis.control").is_file():
            return bindir
    msg = (f"PostgreSQL is installed ({', '.join(str(b) for b, _ in found)}) but PostGIS is not "
           f"(no postgis.control beside it). {INSTALL}")
    raise RuntimeError(msg)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _locale_options() -> list[str]:
    # C.UTF-8 where the C library has it (Debian's glibc does): byte-order collation, so results
    # do not depend on the machine, with Unicode character classes. Else plain C, still UTF8.
    try:
        names = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True,
                               timeout=10).stdout.split()
    except (OSError, subprocess.SubprocessError):
        names = []
    if {"c.utf8", "c.utf-8"} & {n.lower() for n in names}:
        return ["--encoding=UTF8", "--locale=C.UTF-8"]
    return ["--encoding=UTF8", "--no-locale"]


class PgServer:
    """A running throwaway cluster: where it listens, and how to make databases in it.

    Attributes
    ----------
    host : str
        ``"127.0.0.1"``: the only address it listens on.
    port : int
        Its TCP port, free when it started.
    superuser : str
        The cluster's superuser (``tongxin_admin``); loopback connections need no password.
    """

    def __init__(self, port: int, superuser: str = SUPERUSER, host: str = HOST) -> None:
        self.host = host
        self.port = port
        self.superuser = superuser
        self._lock = threading.Lock()
        self._template_ready = False

    def dsn(self, dbname: str, user: str | None = None) -> str:
        """Return the URL of database ``dbname`` as ``user`` (the superuser by default)."""
        name = quote(user or self.superuser, safe="")
        return f"postgresql://{name}@{self.host}:{self.port}/{quote(dbname, safe='')}"

    def sql(self, statement: str, dbname: str = "postgres") -> list[tuple]:
        """Run one statement as the superuser, outside any transaction; return its rows.

        Parameters
        ----------
        statement : str
            One SQL statement (``CREATE DATABASE`` and ``VACUUM`` too: autocommit).
        dbname : str
            The database to run it in.

        Returns
        -------
        list[tuple]
            Its rows; an empty list for a statement that returns none.
        """
        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            cursor = conn.execute(statement.encode())
            return cursor.fetchall() if cursor.description is not None else []

    def new_database(self, postgis: bool = True) -> str:
        """Create a new, uniquely named, empty database; return its URL (as the superuser).

        With ``postgis`` it has the PostGIS extension (``CREATE EXTENSION postgis``), and
        nothing else: it is a copy of a template made once per server with just that.
        """
        name = f"tongxin_test_{uuid.uuid4().hex[:12]}"
        template = self._postgis_template() if postgis else "template1"
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                pgsql.Identifier(name), pgsql.Identifier(template)))
        return self.dsn(name)

    def _postgis_template(self) -> str:
        # Made on first use (a test that wants no PostGIS pays nothing), under a lock because
        # tests may ask from several threads; no connections are allowed to it afterwards, as
        # CREATE DATABASE ... TEMPLATE refuses a template someone is connected to.
        with self._lock:
            if not self._template_ready:
                name = pgsql.Identifier(POSTGIS_TEMPLATE)
                with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
                    conn.execute(pgsql.SQL("CREATE DATABASE {} TEMPLATE template0").format(name))
                with psycopg.connect(self.dsn(POSTGIS_TEMPLATE), autocommit=True) as conn:
                    conn.execute("CREATE EXTENSION postgis")
                with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
                    conn.execute(pgsql.SQL(
                        "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
                    ).format(name))
                self._template_ready = True
        return POSTGIS_TEMPLATE


def _runner(directory: Path) -> list[str]:
    """Return the command prefix that runs a server tool as a user postgres accepts.

    As root: hand ``directory`` to the ``postgres`` user and run the tools as it (``runuser``);
    otherwise nothing (the tools run as whoever runs the tests).
    """
    if os.geteuid() != 0:
        return []
    try:
        account = pwd.getpwnam(OS_USER_WHEN_ROOT)
    except KeyError:
        msg = (f"running as root, but there is no {OS_USER_WHEN_ROOT!r} user to run PostgreSQL "
               f"as (postgres refuses root). {INSTALL}")
        raise RuntimeError(msg) from None
    os.chown(directory, account.pw_uid, account.pw_gid)
    runuser = shutil.which("runuser") or "/usr/sbin/runuser"
    return [runuser, "-u", OS_USER_WHEN_ROOT, "--"]


def _run(command: list[str], cwd: Path, what: str, log: Path | None = None) -> None:
    """Run a server tool; on failure raise with its output and the server's log."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=START_TIMEOUT + 30, env=_clean_env())
    if done.returncode != 0:
        text = (done.stdout + done.stderr).strip()
        if log is not None and log.exists():
            text += "\n--- server log ---\n" + log.read_text(errors="replace")[-4000:]
        msg = f"{what} failed ({' '.join(command)}):\n{text}"
        raise RuntimeError(msg)


def _clean_env() -> dict[str, str]:
    # PGDATA, PGPORT, PGHOST and friends in the caller's environment must not redirect the tools.
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _wait_ready(server: PgServer, log: Path, deadline: float) -> None:
    """Return once the server accepts a connection over TCP; raise with its log on timeout."""
    while True:
        try:
            with psycopg.connect(server.dsn("postgres"), connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                text = log.read_text(errors="replace")[-4000:] if log.exists() else "(no log)"
                msg = (f"PostgreSQL did not accept connections on {server.host}:{server.port} "
                       f"within {START_TIMEOUT} s ({error}); server log:\n{text}")
                raise RuntimeError(msg) from None
            time.sleep(0.1)


@contextmanager
def pg_server() -> Iterator[PgServer]:
    """Run a new PostgreSQL + PostGIS cluster on a free loopback port; yield it, then remove it.

    Raises
    ------
    RuntimeError
        When PostgreSQL or PostGIS is missing (saying how to install them), or the cluster does
        not start (with initdb's output or the server's log).
    """
    bindir = find_postgres()
    # Under /tmp, not the checkout: as root the directory goes to the postgres user, who must be
    # able to reach it, and a unix socket's path must stay under 108 bytes.
    directory = Path(tempfile.mkdtemp(prefix="tongxin-pg-"))
    data, log = directory / "data", directory / "server.log"
    as_owner: list[str] = []
    started = False
    try:
        as_owner = _runner(directory)
        _run([*as_owner, str(bindir / "initdb"), "-D", str(data), "-U", SUPERUSER,
              "--auth=trust", *_locale_options(), "--no-sync", "--no-instructions"],
             cwd=directory, what="initdb")
        # Loopback only, and the socket in our directory (not /var/run/postgresql, which a
        # system cluster owns). Written to the configuration, not passed as pg_ctl -o, so no
        # shell quoting is involved. fsync stays on: the store's durability is under test too.
        port = _free_port()
        with open(data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\n# tests/pg.py\nlisten_addresses = '{HOST}'\nport = {port}\n"
                       f"unix_socket_directories = '{directory}'\n")
        server = PgServer(port)
        _run([*as_owner, str(bindir / "pg_ctl"), "start", "-D", str(data), "-l", str(log),
              "-w", "-t", str(START_TIMEOUT)], cwd=directory, what="pg_ctl start", log=log)
        started = True
        _wait_ready(server, log, time.monotonic() + START_TIMEOUT)
        yield server
    finally:
        try:
            if started:
                _run([*as_owner, str(bindir / "pg_ctl"), "stop", "-D", str(data),
                      "-m", "fast", "-w", "-t", str(START_TIMEOUT)], cwd=directory,
                     what="pg_ctl stop", log=log)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """A PostgreSQL + PostGIS server for the whole test run (one per xdist worker).

    Tests share it; each takes its own database with ``pg.new_database()``.
    """
    with pg_server() as server:
        yield server
