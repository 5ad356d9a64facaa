"""Many districts in one database: whose rows are whose, enforced by PostgreSQL itself.

Every table of the schema ``tongxin`` has an ``adcode`` column (the district a row belongs
to) and row-level security, forced even on the tables' owner. The dashboard never reads or
writes as the role it logs in with: each transaction starts with ``SET LOCAL ROLE``, to

- ``tongxin_d_<adcode>`` (one per district, ``NOLOGIN``, a member of ``tongxin_district``):
  it sees, adds, changes and removes only rows whose ``adcode`` is its own, and a row it adds
  gets its ``adcode`` by default (:data:`SESSION_ADCODE`);
- ``tongxin_city`` (``NOLOGIN``): it reads every district's rows and writes none.

The login role has no policy of its own and inherits nothing from the roles it may act as
(``NOINHERIT``), so a statement run as it (a bug that forgot the role) sees no row and may
write none. A bug in the dashboard that asks for district A's rows while
acting as district B gets nothing from the database: B's role is all it has then.
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

from storage._naming import CITY
from storage._pg_tables import BACKUPS, SCHEMA, table
from storage.base import StoreError

CITY_ROLE = "tongxin_city"
DISTRICTS_ROLE = "tongxin_district"
DISTRICT_ROLE_PREFIX = "tongxin_d_"
ADCODE = re.compile(r"^\d{6}$")
# The district a row is added for, when the statement does not say: the acting role's.
SESSION_ADCODE = sql.SQL("{}.session_adcode()").format(sql.Identifier(SCHEMA))

_FUNCTION = (
    "CREATE OR REPLACE FUNCTION {s}.session_adcode() RETURNS text LANGUAGE sql STABLE AS "
    "$$ SELECT substring(current_user from '^" + DISTRICT_ROLE_PREFIX + "([0-9]{{6}})$') $$"
)


def role_of(scope: str) -> str:
    """Return the database role a store acting for ``scope`` (an adcode or :data:`CITY`) takes.

    Parameters
    ----------
    scope : str
        A six-digit district code, or ``"city"``.

    Returns
    -------
    str
        ``tongxin_d_<adcode>`` or ``tongxin_city``.
    """
    if scope == CITY:
        return CITY_ROLE
    if not ADCODE.match(scope):
        raise StoreError("store.bad_district", district=scope)
    return f"{DISTRICT_ROLE_PREFIX}{scope}"


def act_as(cur: psycopg.Cursor, scope: str) -> None:
    """Make the rest of the transaction run as ``scope``'s role (:func:`role_of`)."""
    cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role_of(scope))))


def stop_acting(cur: psycopg.Cursor) -> None:
    """Return to the login role for the rest of the transaction (to create tables, roles)."""
    cur.execute("RESET ROLE")


def create_function(cur: psycopg.Cursor) -> None:
    """Create ``tongxin.session_adcode()``: the acting district role's code, else NULL."""
    cur.execute(sql.SQL(_FUNCTION).format(s=sql.Identifier(SCHEMA)))


def protect(cur: psycopg.Cursor, name: str) -> None:
    """Give table ``tongxin.<name>`` (with its ``adcode`` column) its row-level security.

    Parameters
    ----------
    cur : psycopg.Cursor
        As the table's owner, in the creating transaction.
    name : str
        The table.
    """
    target = table(name)
    cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (adcode)").format(
        sql.Identifier(f"{name}_adcode_idx"), target))
    cur.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(target))
    # Forced: the owner (the login role) is held to the policies too, and has none.
    cur.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(target))
    cur.execute(sql.SQL("CREATE POLICY own_district ON {} TO {} USING (adcode = {}) "
                        "WITH CHECK (adcode = {})").format(
        target, sql.Identifier(DISTRICTS_ROLE), SESSION_ADCODE, SESSION_ADCODE))
    cur.execute(sql.SQL("CREATE POLICY city_reads ON {} FOR SELECT TO {} USING (true)").format(
        target, sql.Identifier(CITY_ROLE)))


def ensure_roles(cur: psycopg.Cursor, adcodes: list[str], location: str) -> None:
    """Create the roles for ``adcodes`` (and the two group roles) if missing; let us use them.

    Roles belong to the whole PostgreSQL cluster, so another Tongxin database may have made
    them already: each is created only when missing. The login role needs ``CREATEROLE`` for
    a role that is missing; without it the message gives the statements a database
    administrator runs once.

    Parameters
    ----------
    cur : psycopg.Cursor
        As the login role (:func:`stop_acting`), in the creating transaction.
    adcodes : list of str
        The districts about to have rows.
    location : str
        The database without password, for the message.
    """
    roles = [CITY_ROLE, DISTRICTS_ROLE] + [role_of(code) for code in adcodes]
    cur.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (roles,))
    present = {row[0] for row in cur.fetchall()}
    cur.execute("SELECT r.rolname FROM pg_roles r WHERE r.rolname = ANY(%s) "
                "AND pg_has_role(session_user, r.oid, 'MEMBER')", (roles,))
    usable = {row[0] for row in cur.fetchall()}
    cur.execute("SELECT rolinherit AND NOT rolsuper FROM pg_roles WHERE rolname = session_user")
    inherits = bool((cur.fetchone() or (False,))[0])
    try:
        if inherits:
            # Were the login role to inherit its memberships, the city's policy would be its
            # own and it would read every row without acting as anyone.
            cur.execute("ALTER ROLE SESSION_USER NOINHERIT")
        for role in roles:
            if role not in present:
                _create_role(cur, role)
            if role not in usable:
                cur.execute(sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(role), sql.SQL("SESSION_USER")))
        for code in adcodes:
            cur.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", (role_of(code), DISTRICTS_ROLE))
            if not (cur.fetchone() or (False,))[0]:
                cur.execute(sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(DISTRICTS_ROLE), sql.Identifier(role_of(code))))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise StoreError("store.pg_roles", location=location,
                         statements=setup_statements(adcodes)) from exc
    grant_tables(cur)


def grant_tables(cur: psycopg.Cursor) -> None:
    """Give the group roles what the policies then narrow down to rows.

    Districts read and write the tables (their own rows) and make their backups' tables;
    the city only reads.
    """
    names = {"s": sql.Identifier(SCHEMA), "b": sql.Identifier(BACKUPS),
             "d": sql.Identifier(DISTRICTS_ROLE), "c": sql.Identifier(CITY_ROLE)}
    for statement in (
        "GRANT USAGE ON SCHEMA {s} TO {d}, {c}",
        "GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {c}",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {d}",
        "GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {d}",
        "GRANT USAGE, CREATE ON SCHEMA {b} TO {d}",
        "GRANT EXECUTE ON FUNCTION {s}.session_adcode() TO {d}, {c}",
    ):
        cur.execute(sql.SQL(statement).format(**names))


def setup_statements(adcodes: list[str]) -> str:
    """Return the SQL an administrator runs once so a login role without CREATEROLE may act.

    Parameters
    ----------
    adcodes : list of str
        The districts.

    Returns
    -------
    str
        One statement a line; ``<login role>`` stands for the dashboard's role.
    """
    lines = [f"CREATE ROLE {CITY_ROLE} NOLOGIN;", f"CREATE ROLE {DISTRICTS_ROLE} NOLOGIN;"]
    lines += [f"CREATE ROLE {role_of(code)} NOLOGIN IN ROLE {DISTRICTS_ROLE};" for code in adcodes]
    members = ", ".join([CITY_ROLE, DISTRICTS_ROLE] + [role_of(code) for code in adcodes])
    lines.append(f"GRANT {members} TO <login role>;")
    lines.append("ALTER ROLE <login role> NOINHERIT;")
    return "\n".join(lines)


def _create_role(cur: psycopg.Cursor, role: str) -> None:
    # Another database's first use may create the same role at this moment: the loser's
    # CREATE fails on the unique name, which is the state it wanted. The savepoint keeps the
    # failure from ending this transaction.
    try:
        with cur.connection.transaction():
            cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        pass
