"""The accounts file: users, their roles, townships and bcrypt password hashes; audited."""

from __future__ import annotations

import fcntl
import functools
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from auth import passwords
from auth.lockout import Lockout, keys_for
from auth.sessions import Sessions
from core import settings
from core.errors import TongxinError

# What each role may do. "display" is the briefing-room screen: it sees only /briefing.
# The three officers of 等保 2.0 (三员分立) are three roles, and an account has one role, so no
# account holds two of them: the system administrator ("admin": accounts), the security
# administrator ("security": security settings, unlocking) and the auditor ("auditor": reads
# the audit log, nothing else).
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"browse", "briefing"}),
    "editor": frozenset({"browse", "briefing", "import", "restore"}),
    "admin": frozenset({"browse", "briefing", "import", "restore", "accounts"}),
    "security": frozenset({"security"}),
    "auditor": frozenset({"audit"}),
    "display": frozenset({"briefing"}),
}
ROLES = tuple(PERMISSIONS)
# Roles an account may be limited to some townships in. An admin acts for the whole district
# and the briefing screen shows it, so neither is ever scoped (nor are the security officer and
# the auditor, who change no records).
SCOPED_ROLES = ("viewer", "editor")
# How township lists may be written: commas (also the Chinese ones), 、 and spaces.
_TOWN_SEPARATORS = re.compile(r"[,，、;；\s]+")
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{2,32}$")
# A district's six-digit code (an account of one district); "" is the whole city.
_DISTRICT = re.compile(r"^\d{6}$")


class AccountError(TongxinError):
    """An account operation that cannot be done (unknown user, bad role, weak password...)."""


@dataclass(frozen=True)
class Account:
    """One user. ``secret_hash`` is an argon2 hash of the password (or a display token).

    Hashes made before argon2 are bcrypt; :meth:`AccountStore.authenticate` upgrades them.

    ``towns`` are the township codes a scoped viewer or editor may change records of; empty
    means the whole district. ``must_change``: the password was set by an administrator (or
    has expired) and must be changed before anything else; ``password_changed`` is when the
    user last chose it. ``district``: the six-digit code of the one district the account
    belongs to (it sees and changes that district's data only, enforced by the database's
    row-level security on PostGIS); empty for the whole city (every district, compared).
    """

    username: str
    role: str
    secret_hash: str
    name: str = ""
    email: str = ""
    disabled: bool = False
    created: str = ""
    updated: str = ""
    towns: tuple[str, ...] = ()
    must_change: bool = False
    password_changed: str = ""
    district: str = ""

    def password_expired(self, now: datetime | None = None) -> bool:
        """Return whether the password must be changed now (set by an administrator, or old).

        Passwords expire after ``password_max_age_days`` (0: never) from ``password_changed``.
        """
        if self.role == "display":
            return False
        if self.must_change:
            return True
        days = int(settings.get("password_max_age_days"))
        if not days or not self.password_changed:
            return False
        changed = datetime.fromisoformat(self.password_changed)
        return (now or datetime.now().astimezone()) - changed > timedelta(days=days)

    def can(self, permission: str) -> bool:
        """Return whether this account's role grants ``permission``."""
        return not self.disabled and permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def scope(self) -> frozenset[str] | None:
        """Return the township codes this account may change, or None for the whole district."""
        return frozenset(self.towns) if self.towns else None

    @property
    def city_wide(self) -> bool:
        """Return whether the account sees every district (no district of its own)."""
        return not self.district

    @classmethod
    def from_row(cls, row: Mapping) -> Account:
        """Return the account of one row of the accounts file (files from before towns too)."""
        # JSON has no tuples: towns come back as a list, and older files have none at all.
        return cls(**{**row, "towns": tuple(str(c) for c in row.get("towns", ()))})


def check_scope(role: str, towns: Iterable[str]) -> None:
    """Refuse townships for a role that acts for the whole district (admin, display).

    Parameters
    ----------
    role : str
        The account's role.
    towns : iterable of str
        The township codes asked for; empty is always fine.

    Raises
    ------
    AccountError
        ``auth.scope_role`` when ``towns`` is not empty and the role is not in
        :data:`SCOPED_ROLES`.
    """
    if tuple(towns) and role not in SCOPED_ROLES:
        raise AccountError("auth.scope_role", role=role, roles=", ".join(SCOPED_ROLES))


def check_district(code: str) -> str:
    """Return ``code`` as an account's district ("" or six digits); refuse anything else.

    Whether the dataset holds the district is the caller's to check (it knows the dataset).
    """
    code = str(code or "").strip()
    if code and not _DISTRICT.match(code):
        raise AccountError("auth.bad_district", district=code)
    return code


def split_towns(text: str) -> list[str]:
    """Return the items of a township list as people type it (``,`` ``，`` ``、`` or spaces).

    Parameters
    ----------
    text : str
        E.g. ``"620103005，620103006"`` or ``"西站街道 晏家坪街道"``.

    Returns
    -------
    list of str
        The non-empty items, in order.
    """
    return [item for item in _TOWN_SEPARATORS.split(text.strip()) if item]


def resolve_towns(items: Iterable[str], townships: Mapping[str, str]) -> tuple[str, ...]:
    """Return the township codes ``items`` name: each a code or a name of ``townships``.

    Parameters
    ----------
    items : iterable of str
        Codes (``620103005``) or names (``西站街道``).
    townships : mapping
        ``{code: name}`` of the working dataset's townships.

    Returns
    -------
    tuple of str
        The codes, sorted, each once.

    Raises
    ------
    AccountError
        ``auth.unknown_towns`` naming every item that is neither, with the known codes and
        names.
    """
    by_name = {name: code for code, name in townships.items()}
    codes: set[str] = set()
    unknown: list[str] = []
    for item in items:
        code = item if item in townships else by_name.get(item)
        if code is None:
            unknown.append(item)
        else:
            codes.add(code)
    if unknown:
        known = "\n".join(f"  {code} {name}" for code, name in sorted(townships.items()))
        raise AccountError("auth.unknown_towns", towns="、".join(unknown), known=known or "  -")
    return tuple(sorted(codes))


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _matches(secret: str, hashed: str) -> bool:
    return passwords.verify(secret, hashed).matches


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the account, or (when locked) until when."""

    account: Account | None
    locked_until: datetime | None = None


@functools.cache
def _decoy_hash() -> str:
    # A hash of nothing anyone can type, made once: checking an unknown user against it costs
    # what a real check costs.
    return passwords.hash_password(secrets.token_urlsafe(32))


class AccountStore:
    """The accounts file (JSON, written atomically, readable by its owner only).

    Parameters
    ----------
    path : pathlib.Path
        The file; absent means no accounts.
    audit : callable, optional
        Called with a dict for every change (who did what), e.g. the dataset's audit log.
    """

    def __init__(self, path: Path, audit: Callable[[dict], None] | None = None) -> None:
        self.path = Path(path)
        self._audit = audit or (lambda entry: None)

    @classmethod
    def from_settings(cls, audit: Callable[[dict], None] | None = None) -> AccountStore:
        """Return the store at the ``accounts`` setting's path."""
        return cls(settings.path("accounts"), audit)

    def all(self) -> list[Account]:
        """Return every account, enabled or not."""
        if not self.path.is_file():
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [Account.from_row(row) for row in json.load(fh).get("accounts", [])]

    def active(self) -> bool:
        """Return whether any enabled account exists (otherwise: the read-only demo)."""
        return any(not a.disabled for a in self.all())

    def get(self, username: str) -> Account:
        """Return the account called ``username``."""
        for account in self.all():
            if account.username == username:
                return account
        raise AccountError("auth.unknown_user", user=username)

    def add(self, username: str, role: str, secret: str | None, actor: str, name: str = "",
            email: str = "", towns: Iterable[str] = (),
            must_change: bool = True, district: str = "") -> tuple[Account, str]:
        """Create an account; a display account gets a random token instead of a password.

        Parameters
        ----------
        username : str
            2-32 letters, digits, ``_ . -``.
        role : str
            One of :data:`ROLES`.
        secret : str, optional
            The password (at least 8 characters); ignored for ``display``.
        actor : str
            Who creates it, for the audit log.
        name, email : str
            Display name, and the e-mail single sign-on matches.
        towns : iterable of str, optional
            Township codes a viewer or editor is limited to (checked against the dataset by
            the caller, :func:`resolve_towns`); empty for the whole district.
        must_change : bool
            Whether the user must choose a new password at the first sign-in (an
            administrator set this one); never for a display account.
        district : str
            The six-digit code of the account's district; empty for the whole city.

        Returns
        -------
        tuple
            The account and its secret (the password, or the generated display token).
        """
        if not _USERNAME.match(username):
            raise AccountError("auth.bad_username", user=username)
        if role not in ROLES:
            raise AccountError("auth.bad_role", role=role, roles=", ".join(ROLES))
        codes = tuple(sorted(set(towns)))
        check_scope(role, codes)
        district = check_district(district)
        if any(a.username == username for a in self.all()):
            raise AccountError("auth.exists", user=username)
        secret = secrets.token_urlsafe(24) if role == "display" \
            else passwords.check(secret, username)
        account = Account(username, role, passwords.hash_password(secret), name, email, False,
                          _now(), _now(), codes, must_change=must_change and role != "display",
                          district=district)
        with self._writing():
            if any(a.username == username for a in self.all()):  # added meanwhile elsewhere
                raise AccountError("auth.exists", user=username)
            self._save([*self.all(), account])
        self._audit({"action": "account_add", "account": username, "role": role,
                     "towns": list(codes), "district": district, "user": actor})
        return account, secret

    def set_towns(self, username: str, towns: Iterable[str], actor: str) -> Account:
        """Limit an account to some townships, or (``towns`` empty) give it the whole district.

        Parameters
        ----------
        username : str
            The account, a viewer or an editor when ``towns`` is not empty.
        towns : iterable of str
            Township codes (checked against the dataset by the caller, :func:`resolve_towns`).
        actor : str
            Who changes it, for the audit log.

        Returns
        -------
        Account
            The changed account.
        """
        codes = tuple(sorted(set(towns)))
        account = self.get(username)
        check_scope(account.role, codes)
        previous = account.towns
        account = replace(account, towns=codes, updated=_now())
        self._put(account)
        self._audit({"action": "account_towns", "account": username, "towns": list(codes),
                     "previous": list(previous), "user": actor})
        return account

    def set_district(self, username: str, district: str, actor: str) -> Account:
        """Make an account one district's (a six-digit code), or the whole city's ("").

        Its sessions end: a session keeps the district it signed in with.

        Parameters
        ----------
        username : str
            The account.
        district : str
            The district's code (the caller checks the dataset holds it), or "".
        actor : str
            Who changes it, for the audit log.

        Returns
        -------
        Account
            The changed account.
        """
        code = check_district(district)
        account = self.get(username)
        previous = account.district
        account = replace(account, district=code, updated=_now())
        self._put(account)
        ended = self.sessions().end_user(username)
        self._audit({"action": "account_district", "account": username, "district": code,
                     "previous": previous, "sessions_ended": ended, "user": actor})
        return account

    def set_disabled(self, username: str, disabled: bool, actor: str) -> Account:
        """Disable (or enable again) an account; a disabled account cannot sign in."""
        account = replace(self.get(username), disabled=disabled, updated=_now())
        self._put(account)
        action = "account_disable" if disabled else "account_enable"
        ended = self.sessions().end_user(username) if disabled else 0
        self._audit({"action": action, "account": username, "user": actor,
                     **({"sessions_ended": ended} if ended else {})})
        return account

    def sessions(self) -> Sessions:
        """Return the signed-in sessions kept beside this accounts file."""
        return Sessions(self.path.parent)

    def reset(self, username: str, secret: str | None, actor: str) -> tuple[Account, str]:
        """Set a new password (a new token for a display account)."""
        account = self.get(username)
        secret = secrets.token_urlsafe(24) if account.role == "display" \
            else passwords.check(secret, username)
        account = replace(account, secret_hash=passwords.hash_password(secret),
                          updated=_now(), must_change=account.role != "display")
        self._put(account)
        # Whoever knew the old password is signed out everywhere.
        ended = self.sessions().end_user(username)
        self._audit({"action": "account_reset", "account": username, "user": actor,
                     **({"sessions_ended": ended} if ended else {})})
        return account, secret

    def authenticate(self, username: str, secret: str) -> Account | None:
        """Return the enabled account whose password is ``secret``, else None.

        A password kept as a bcrypt hash (made before argon2) is hashed anew with argon2 the
        first time it is given right, and the upgrade is audited.
        """
        try:
            account = self.get(username)
        except AccountError:
            # Spend the same time as a real check, so timing does not tell who exists.
            passwords.verify(secret, _decoy_hash())
            return None
        verdict = passwords.verify(secret, account.secret_hash)
        if account.disabled or account.role == "display" or not verdict.matches:
            return None
        if verdict.needs_rehash:
            account = replace(account, secret_hash=passwords.hash_password(secret))
            self._put(account)
            self._audit({"action": "password_upgraded", "account": username,
                         "user": username})
        return account

    def sign_in(self, username: str, secret: str, client: str | None = None,
                now: datetime | None = None) -> SignIn:
        """Check a sign-in against the password and the lockout; audit what happened.

        Parameters
        ----------
        username, secret : str
            What was typed.
        client : str, optional
            The client's address (counted and audited).
        now : datetime, optional
            The time (default: now).

        Returns
        -------
        SignIn
            The account on success; otherwise, if a lock is on (or this failure set one),
            when it ends. The same whether the account exists or not.
        """
        now = now or datetime.now().astimezone()
        lockout = Lockout.beside_accounts()
        keys = keys_for(username, client)
        where = {"account": username, "user": username, "client": client or ""}
        until = lockout.locked_until(keys, now)
        if until is not None:
            self._audit({"action": "sign_in_locked", **where, "until": until.isoformat()})
            return SignIn(None, until)
        account = self.authenticate(username, secret)
        if account is not None:
            lockout.clear(keys)
            self._audit({"action": "sign_in", **where})
            return SignIn(account)
        until = lockout.fail(keys, now)
        self._audit({"action": "sign_in_failed", **where})
        if until is not None:
            self._audit({"action": "account_locked", **where, "until": until.isoformat()})
        return SignIn(None, until)

    def change_password(self, username: str, old: str, new: str,
                        client: str | None = None) -> Account:
        """Let a user choose a new password, giving the current one; audit it.

        Parameters
        ----------
        username : str
            The account.
        old, new : str
            The current password and the new one (which must meet the rules and differ).
        client : str, optional
            The client's address, for the audit log.

        Returns
        -------
        Account
            The account, no longer obliged to change its password.

        Raises
        ------
        AccountError
            When ``old`` is wrong or ``new`` is the same.
        PasswordError
            When ``new`` breaks the rules.
        """
        account = self.get(username)
        if account.role == "display" or not passwords.verify(old, account.secret_hash).matches:
            raise AccountError("auth.change.wrong_old")
        passwords.check(new, username)
        if new == old:
            raise AccountError("auth.change.same")
        account = replace(account, secret_hash=passwords.hash_password(new), updated=_now(),
                          must_change=False, password_changed=_now())
        self._put(account)
        self._audit({"action": "password_changed", "account": username, "user": username,
                     "client": client or ""})
        return account

    def unlock(self, key: str, actor: str) -> None:
        """Lift a sign-in lock (``user:NAME`` or ``addr:IP``) before it ends; audit it."""
        Lockout.beside_accounts().clear([key])
        self._audit({"action": "unlock", "target": key, "user": actor})

    def end_sessions(self, username: str, actor: str) -> int:
        """Sign ``username`` out everywhere (强制下线) at their next page run; audit it."""
        ended = self.sessions().end_user(username)
        self._audit({"action": "sessions_ended", "account": username, "count": ended,
                     "user": actor})
        return ended

    def sign_out(self, username: str, client: str | None = None) -> None:
        """Audit that ``username`` signed out (or was signed out when idle)."""
        self._audit({"action": "sign_out", "account": username, "user": username,
                     "client": client or ""})

    def authenticate_token(self, token: str) -> Account | None:
        """Return the enabled display account whose token is ``token``, else None."""
        for account in self.all():
            if account.role == "display" and not account.disabled and _matches(
                    token, account.secret_hash):
                return account
        return None

    def by_email(self, email: str) -> Account | None:
        """Return the enabled account with this e-mail (for single sign-on), else None."""
        wanted = email.strip().lower()
        for account in self.all():
            if wanted and account.email.lower() == wanted and not account.disabled:
                return account
        return None

    def _put(self, account: Account) -> None:
        with self._writing():
            self._save([account if a.username == account.username else a for a in self.all()])

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the accounts' writers' lock while a change reads the file and writes it back.

        Several dashboard processes and the command line share the file: without the lock,
        two changes at the same moment (a sign-in upgrading a hash, an admin disabling another
        account) would each write the file as they read it, and one would be lost. flock is
        released by the kernel when its holder dies.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.path.with_name(f".{self.path.name}.lock")
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the file releases the lock

    def _save(self, accounts: list[Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staged = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        # Owner-only from the first byte: the hashes are not for other local users.
        fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"accounts": [asdict(a) for a in accounts]}, fh, ensure_ascii=False,
                      indent=1)
        os.replace(staged, self.path)
