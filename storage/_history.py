"""Each record's history inside a GeoPackage: one row per record changed by a change set.

A plain SQLite table beside the layers (GDAL and QGIS ignore it), written into the staged
copy together with the layer, so a record and its history change in the same atomic rename.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from storage.base import ImportRecord, RecordChange

TABLE = "tongxin_history"
_COLUMNS = ("change_set", "time", "user", "how", "source", "layer", "record_id", "op",
            "before", "after")
_CREATE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "change_set TEXT NOT NULL, time TEXT NOT NULL, user TEXT, how TEXT, source TEXT, "
    "layer TEXT NOT NULL, record_id TEXT NOT NULL, op TEXT NOT NULL, before TEXT, after TEXT)",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_record ON {TABLE} (layer, record_id)",
)


def write(path: Path, change_set: str, time: str, record: ImportRecord, layer: str,
          changes: Iterable[RecordChange]) -> int:
    """Append a change set's record changes to the history in ``path``; return how many."""
    rows = [(change_set, time, record.user, record.source, record.file_name, layer,
             str(c.record_id), c.op, _dump(c.before), _dump(c.after)) for c in changes]
    return _insert(path, rows)


def read(path: Path, layer: str, record_id: str | None = None) -> list[dict]:
    """Return ``layer``'s history in ``path`` (one record's with ``record_id``), newest first."""
    where, params = " WHERE layer = ?", [layer]
    if record_id is not None:
        where += " AND record_id = ?"
        params.append(str(record_id))
    return _select(path, where + " ORDER BY id DESC", params)


def read_all(path: Path) -> list[dict]:
    """Return every layer's history in ``path``, oldest first (the whole table, to move it)."""
    return _select(path, " ORDER BY id", [])


def write_rows(path: Path, rows: Iterable[dict]) -> int:
    """Append whole history rows (as :func:`read_all` returns them) to ``path``; return how many.

    Each keeps its change set, time and user: a dataset moved from another store keeps the
    history it had there.
    """
    return _insert(path, [tuple(_dump(row[c]) if c in ("before", "after") else row[c]
                                for c in _COLUMNS) for row in rows])


def _insert(path: Path, values: list[tuple]) -> int:
    """Append rows of :data:`_COLUMNS` to the history table in ``path`` (made if missing)."""
    con = sqlite3.connect(path)
    try:
        with con:
            for statement in _CREATE:
                con.execute(statement)
            con.executemany(f"INSERT INTO {TABLE} ({', '.join(_COLUMNS)}) "
                            f"VALUES ({', '.join('?' * len(_COLUMNS))})", values)
    finally:
        con.close()
    return len(values)


def _select(path: Path, tail: str, params: list[str]) -> list[dict]:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        if not _exists(con):
            return []
        found = con.execute(f"SELECT {', '.join(_COLUMNS)} FROM {TABLE}" + tail,
                            params).fetchall()
    finally:
        con.close()
    entries = []
    for row in found:
        entry = dict(zip(_COLUMNS, row, strict=True))
        entry["before"], entry["after"] = _load(entry["before"]), _load(entry["after"])
        entries.append(entry)
    return entries


def carry(source: Path, target: Path) -> None:
    """Make ``target``'s history ``source``'s: a restored backup keeps the history since."""
    # Opened as a URI so that ATTACH below may open the source read-only by its URI.
    con = sqlite3.connect(target.resolve().as_uri(), uri=True)
    try:
        with con:
            for statement in _CREATE:
                con.execute(statement)
            con.execute("ATTACH DATABASE ? AS current", (f"{source.resolve().as_uri()}?mode=ro",))
            if con.execute("SELECT count(*) FROM current.sqlite_master WHERE type = 'table' "
                           "AND name = ?", (TABLE,)).fetchone()[0]:
                con.execute(f"DELETE FROM main.{TABLE}")
                con.execute(f"INSERT INTO main.{TABLE} SELECT * FROM current.{TABLE}")
        con.execute("DETACH DATABASE current")
    finally:
        con.close()


def _exists(con: sqlite3.Connection) -> bool:
    return bool(con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                            "AND name = ?", (TABLE,)).fetchone()[0])


def _dump(values: dict | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False, sort_keys=True)


def _load(text: str | None) -> dict | None:
    return None if text is None else json.loads(text)
