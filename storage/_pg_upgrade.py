"""A PostGIS dataset made before districts, brought up to them in place, in one transaction.

Such a database holds one district's dataset without an ``adcode`` on its rows and without
row-level security. Opening it gives every row its district (the district table's code, else
the configured one), the policies and the roles (storage/_pg_roles.py); its backups' tables
are handed to the district's role, which keeps, restores and prunes them from then on.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from core.district import district_config
from layers import LAYERS
from storage._pg_books import BOOKS, append_audit
from storage._pg_dump import DISTRICT
from storage._pg_roles import (
    ADCODE,
    SESSION_ADCODE,
    act_as,
    create_function,
    ensure_roles,
    protect,
    role_of,
)
from storage._pg_tables import BACKUPS, SCHEMA, exists, table

# The tables whose one-column primary key becomes (adcode, column).
_KEYED = {"meta": "key", "imports": "layer"}


def upgrade(cur: psycopg.Cursor, location: str) -> str:
    """Give a dataset made before districts its district, policies and roles; return the code.

    Parameters
    ----------
    cur : psycopg.Cursor
        As the login role (the tables' owner), holding the writers' lock.
    location : str
        The database without password, for messages.

    Returns
    -------
    str
        The district the rows now belong to.
    """
    adcode = _district_code(cur)
    create_function(cur)
    for name in (*BOOKS, *LAYERS, DISTRICT):
        if exists(cur, name):
            _add_adcode(cur, name, adcode)
            protect(cur, name)
    ensure_roles(cur, [adcode], location)
    cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (BACKUPS,))
    for (name,) in cur.fetchall():
        cur.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(
            table(str(name), BACKUPS), sql.Identifier(role_of(adcode))))
    act_as(cur, adcode)
    append_audit(cur, {"action": "upgrade", "district": adcode, "user": "system"})
    return adcode


def _district_code(cur: psycopg.Cursor) -> str:
    if exists(cur, DISTRICT):
        cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                    "AND table_name = %s AND column_name = 'adcode'", (SCHEMA, DISTRICT))
        if cur.fetchone():
            cur.execute(sql.SQL("SELECT adcode FROM {} LIMIT 1").format(table(DISTRICT)))
            found = cur.fetchone()
            if found and ADCODE.match(str(found[0] or "")):
                return str(found[0])
    return district_config().adcode


def _add_adcode(cur: psycopg.Cursor, name: str, adcode: str) -> None:
    target = table(name)
    cur.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = %s "
                "AND table_name = %s AND column_name = 'adcode'", (SCHEMA, name))
    if cur.fetchone():  # the district table kept the code as a column of its own
        cur.execute(sql.SQL("UPDATE {} SET adcode = %s").format(target), (adcode,))
        cur.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN adcode SET NOT NULL").format(target))
    else:
        cur.execute(sql.SQL("ALTER TABLE {} ADD COLUMN adcode text NOT NULL DEFAULT {}").format(
            target, sql.Literal(adcode)))
    cur.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN adcode SET DEFAULT {}").format(
        target, SESSION_ADCODE))
    if name in _KEYED:
        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            target, sql.Identifier(f"{name}_pkey")))
        cur.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (adcode, {})").format(
            target, sql.Identifier(_KEYED[name])))
