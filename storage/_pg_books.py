"""The PostGIS store's bookkeeping tables: metadata, import records, the hash-chained audit log.

Shared by the store's everyday writes (storage/postgis.py) and by writing or reading a whole
dataset at once (storage/_pg_dump.py). Every function takes a cursor in the caller's
transaction: what it writes commits or rolls back with the rest.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import psycopg
from psycopg import sql

from storage import _audit_log
from storage._naming import STAMP, now
from storage._pg_tables import table

DATASET_VERSION = "version"
AUDIT_HEAD = "audit_head"
# Kept live, never taken from a backup nor moved with a dataset: its version and the log's head.
LIVE_KEYS = (DATASET_VERSION, AUDIT_HEAD)
# One writer at a time, whichever process: pg_advisory_xact_lock on this key.
WRITERS_LOCK = 0x746F6E67  # "tong"
IMPORT_COLUMNS = ("layer", "imported_at", "file_name", "sha256", "rows", "user", "source")
HISTORY_COLUMNS = ("change_set", "time", "user", "how", "source", "layer", "record_id", "op",
                   "before", "after")
# Every table's rows belong to a district (storage/_pg_roles.py): ``adcode`` is the acting
# district role's unless a statement says otherwise, and row-level security keeps it so.
_ADCODE = "adcode text NOT NULL DEFAULT {s}.session_adcode()"
BOOKKEEPING = (
    f"CREATE TABLE {{s}}.meta ({_ADCODE}, key text NOT NULL, value text NOT NULL, "
    "PRIMARY KEY (adcode, key))",
    f"CREATE TABLE {{s}}.imports ({_ADCODE}, layer text NOT NULL, imported_at text, "
    "file_name text, sha256 text, rows bigint, \"user\" text, source text, "
    "PRIMARY KEY (adcode, layer))",
    f"CREATE TABLE {{s}}.history (id bigserial PRIMARY KEY, {_ADCODE}, "
    "change_set text NOT NULL, time text NOT NULL, \"user\" text, how text, source text, "
    "layer text NOT NULL, record_id text NOT NULL, op text NOT NULL, before jsonb, after jsonb)",
    "CREATE INDEX history_record ON {s}.history (layer, record_id)",
    # The entry's exact JSON text: its hash is over that text's content, which jsonb would
    # normalise. Each district's entries are a chain of their own, its head in its metadata.
    f"CREATE TABLE {{s}}.audit (seq bigserial PRIMARY KEY, {_ADCODE}, entry text NOT NULL)",
    f"CREATE TABLE {{s}}.backups (n bigserial PRIMARY KEY, {_ADCODE}, id text UNIQUE NOT NULL, "
    "created text NOT NULL, reason text NOT NULL, size bigint NOT NULL, meta jsonb NOT NULL, "
    "imports jsonb NOT NULL)",
)
# The bookkeeping tables, each with an adcode and row-level security.
BOOKS = ("meta", "imports", "history", "audit", "backups")


def lock_writers(cur: psycopg.Cursor) -> None:
    """Wait for, then hold until the transaction ends, the lock every writer takes first."""
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITERS_LOCK,))


def read_meta(cur: psycopg.Cursor) -> dict[str, str]:
    """Return every metadata key, the live ones (:data:`LIVE_KEYS`) included."""
    cur.execute(sql.SQL("SELECT key, value FROM {}").format(table("meta")))
    return {str(k): str(v) for k, v in cur.fetchall()}


def read_meta_by_district(cur: psycopg.Cursor) -> dict[str, dict[str, str]]:
    """Return ``{adcode: metadata}`` of every district the acting role sees."""
    cur.execute(sql.SQL("SELECT adcode, key, value FROM {} ORDER BY adcode").format(
        table("meta")))
    found: dict[str, dict[str, str]] = {}
    for adcode, key, value in cur.fetchall():
        found.setdefault(str(adcode), {})[str(key)] = str(value)
    return found


def write_meta(cur: psycopg.Cursor, values: dict[str, Any]) -> None:
    """Set the keys of ``values``, leaving the others as they are."""
    for key, value in values.items():
        cur.execute(sql.SQL("INSERT INTO {} (key, value) VALUES (%s, %s) ON CONFLICT (adcode, "
                            "key) DO UPDATE SET value = EXCLUDED.value").format(table("meta")),
                    (key, str(value)))


def dataset_version(cur: psycopg.Cursor) -> str:
    """Return the dataset's version ("" before it has one)."""
    return read_meta(cur).get(DATASET_VERSION, "")


def new_dataset_version(cur: psycopg.Cursor) -> None:
    """Give the dataset a version no other write, process or database has given."""
    write_meta(cur, {DATASET_VERSION:
                     f"{now().strftime(STAMP)}-{os.getpid()}-{uuid.uuid4().hex[:8]}"})


def insert_import(cur: psycopg.Cursor, row: dict) -> None:
    """Make ``row`` (:data:`IMPORT_COLUMNS`) the latest import of its layer."""
    values = [row.get(c) for c in IMPORT_COLUMNS]
    cur.execute(sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (adcode, layer) DO UPDATE SET "
                        "{}").format(
        table("imports"), sql.SQL(", ").join(map(sql.Identifier, IMPORT_COLUMNS)),
        sql.SQL(", ").join(sql.Placeholder() * len(IMPORT_COLUMNS)),
        sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c))
                           for c in IMPORT_COLUMNS[1:])), values)


def read_imports(cur: psycopg.Cursor) -> list[dict]:
    """Return the latest import of every layer, by layer name."""
    cur.execute(sql.SQL("SELECT {} FROM {} ORDER BY layer").format(
        sql.SQL(", ").join(map(sql.Identifier, IMPORT_COLUMNS)), table("imports")))
    return [dict(zip(IMPORT_COLUMNS, row, strict=True)) for row in cur.fetchall()]


def audit_lines(cur: psycopg.Cursor) -> list[str]:
    """Return the audit log's entries as their exact JSON texts, oldest first."""
    cur.execute(sql.SQL("SELECT entry FROM {} ORDER BY seq").format(table("audit")))
    return [str(row[0]) for row in cur.fetchall()]


def append_audit(cur: psycopg.Cursor, entry: dict) -> dict:
    """Append an entry chained to the last one and move the head; the caller holds the lock.

    Parameters
    ----------
    cur : psycopg.Cursor
        In the writing transaction, holding :func:`lock_writers`.
    entry : dict
        What was done; ``time``, ``prev`` and ``hash`` are added.

    Returns
    -------
    dict
        The entry as written.
    """
    head = read_meta(cur).get(AUDIT_HEAD)
    recorded: dict[str, Any] = json.loads(head) if head else {"entries": 0,
                                                               "last": _audit_log.GENESIS}
    chained = _audit_log.chain({"time": now().isoformat(timespec="seconds"), **entry},
                               str(recorded["last"]))
    cur.execute(sql.SQL("INSERT INTO {} (entry) VALUES (%s)").format(table("audit")),
                (json.dumps(chained, ensure_ascii=False),))
    write_meta(cur, {AUDIT_HEAD: json.dumps({"entries": int(recorded["entries"]) + 1,
                                             "last": chained["hash"]})})
    return chained


def short_error(exc: BaseException, limit: int = 200) -> str:
    """Return a database error's message on one line, cut to ``limit`` characters."""
    flat = " ".join(str(exc).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
