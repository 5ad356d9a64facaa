"""The dataset's small bookkeeping tables in a GeoPackage, read and written through SQLite.

``tongxin_meta`` (key/value: ``demo``, ``demo_layers``, each layer's ``version.<layer>``...) and
``tongxin_imports`` (the latest write of every layer). Plain attribute tables: SQLite reads and
updates them in a millisecond, where GDAL's open and rewrite took 0.1 s each on every save.
Tables made here are registered in ``gpkg_contents`` so that QGIS lists them like GDAL's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from storage.base import ImportRecord

META_TABLE = "tongxin_meta"
IMPORTS_TABLE = "tongxin_imports"
IMPORT_COLUMNS = ("layer", "imported_at", "file_name", "sha256", "rows", "user", "source")
_CREATE = {
    META_TABLE: f"CREATE TABLE {META_TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, "
                "key TEXT, value TEXT)",
    IMPORTS_TABLE: f"CREATE TABLE {IMPORTS_TABLE} (fid INTEGER PRIMARY KEY AUTOINCREMENT, "
                   "layer TEXT, imported_at TEXT, file_name TEXT, sha256 TEXT, rows INTEGER, "
                   '"user" TEXT, source TEXT)',
}


@contextmanager
def _connected(path: Path, write: bool) -> Iterator[sqlite3.Connection]:
    uri = f"{Path(path).resolve().as_uri()}?mode={'rw' if write else 'ro'}"
    con = sqlite3.connect(uri, uri=True)
    try:
        if write:
            with con:
                yield con
        else:
            yield con
    finally:
        con.close()


def _exists(con: sqlite3.Connection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                            "name = ?", (table,)).fetchone()[0])


def _ensure(con: sqlite3.Connection, table: str) -> None:
    if _exists(con, table):
        return
    con.execute(_CREATE[table])
    if _exists(con, "gpkg_contents"):
        stamp = datetime.now().astimezone().strftime("%Y-%m-%dT%H:%M:%S.000Z")
        con.execute("INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, "
                    "last_change) VALUES (?, 'attributes', ?, ?)", (table, table, stamp))


def read_meta(path: Path) -> dict[str, str]:
    """Return the dataset's key/value metadata (empty when it has none)."""
    with _connected(path, write=False) as con:
        if not _exists(con, META_TABLE):
            return {}
        return {str(k): str(v) for k, v in con.execute(f"SELECT key, value FROM {META_TABLE}")}


def update_meta(path: Path, values: dict[str, str]) -> None:
    """Set the keys of ``values`` in the metadata, leaving the others as they are."""
    with _connected(path, write=True) as con:
        _ensure(con, META_TABLE)
        for key, value in values.items():
            con.execute(f"DELETE FROM {META_TABLE} WHERE key = ?", (key,))
            con.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES (?, ?)", (key, str(value)))


def read_imports(path: Path) -> list[dict]:
    """Return the latest write of every layer (layer, time, file, sha256, rows, user, source)."""
    with _connected(path, write=False) as con:
        if not _exists(con, IMPORTS_TABLE):
            return []
        columns = ", ".join(f'"{c}"' for c in IMPORT_COLUMNS)
        found = con.execute(f"SELECT {columns} FROM {IMPORTS_TABLE} ORDER BY fid").fetchall()
    return [dict(zip(IMPORT_COLUMNS, row, strict=True)) for row in found]


def record_import(path: Path, record: ImportRecord, when: str) -> None:
    """Make ``record`` the latest write of its layer."""
    with _connected(path, write=True) as con:
        _ensure(con, IMPORTS_TABLE)
        con.execute(f"DELETE FROM {IMPORTS_TABLE} WHERE layer = ?", (record.layer,))
        columns = ", ".join(f'"{c}"' for c in IMPORT_COLUMNS)
        con.execute(f"INSERT INTO {IMPORTS_TABLE} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (record.layer, when, record.file_name, record.sha256, int(record.rows),
                     record.user, record.source))


def insert_imports(path: Path, rows: Iterable[dict]) -> None:
    """Make each of ``rows`` (as :func:`read_imports` returns them) its layer's latest write.

    Kept as they are, time included: a dataset moved from another store keeps who imported
    what, when.
    """
    with _connected(path, write=True) as con:
        _ensure(con, IMPORTS_TABLE)
        columns = ", ".join(f'"{c}"' for c in IMPORT_COLUMNS)
        for row in rows:
            con.execute(f"DELETE FROM {IMPORTS_TABLE} WHERE layer = ?", (row["layer"],))
            con.execute(f"INSERT INTO {IMPORTS_TABLE} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        tuple(row.get(c) for c in IMPORT_COLUMNS))
