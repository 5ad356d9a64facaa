"""Passwords: the rules a new one must meet, and how it is kept (argon2id, bcrypt upgraded).

The rules are the graded-protection ones (等保 2.0): at least ``password_min_length``
characters (8) of at least ``password_min_kinds`` (3) of four kinds: capital letters, small
letters, digits, and everything else (punctuation, Chinese characters). Every rule a password
breaks is named at once.

Hashes are argon2id (argon2-cffi), which has no length limit: bcrypt reads only the first 72
bytes and bcrypt 5 refuses more, so a 34-character Chinese password (102 bytes in UTF-8) could
not be set. Hashes made by earlier versions with bcrypt are still accepted, and
:func:`verify` says when one should be replaced, so it is upgraded at its next sign-in.
"""

from __future__ import annotations

from dataclasses import dataclass

import argon2
import bcrypt
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core import settings
from core.errors import TongxinError
from core.i18n import t

# argon2-cffi's defaults (RFC 9106's second recommended set: 64 MiB, 3 passes, 4 lanes), kept
# explicit so that a library upgrade changing them shows up as rehashing, not silently.
_HASHER = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
_BCRYPT_MAX_BYTES = 72
KINDS = ("upper", "lower", "digit", "other")


class PasswordError(TongxinError):
    """A new password that breaks the rules; the message lists every rule it breaks.

    Parameters
    ----------
    broken : list of (str, dict)
        What :func:`problems` found.
    """

    def __init__(self, broken: list[tuple[str, dict]]) -> None:
        self.broken = broken
        super().__init__("auth.password.rejected")

    def message(self, lang: str | None = None) -> str:
        """Return the refusal with every broken rule, in ``lang``."""
        rules = t("auth.password.sep", lang).join(t(key, lang, **params)
                                                  for key, params in self.broken)
        return t("auth.password.rejected", lang, rules=rules)


@dataclass(frozen=True)
class Verdict:
    """Whether a password matched its hash, and whether the hash should be made anew."""

    matches: bool
    needs_rehash: bool = False


def kinds_in(secret: str) -> set[str]:
    """Return the kinds of character ``secret`` holds (of :data:`KINDS`).

    Parameters
    ----------
    secret : str
        A password.

    Returns
    -------
    set of str
        ``upper`` (a capital letter of any script with case), ``lower``, ``digit`` (0-9 and
        other decimal digits) and ``other`` (everything else: punctuation, spaces, Chinese).
    """
    found = set()
    for char in secret:
        if char.isupper():
            found.add("upper")
        elif char.islower():
            found.add("lower")
        elif char.isdecimal():
            found.add("digit")
        else:
            found.add("other")
    return found


def problems(secret: str | None, username: str = "") -> list[tuple[str, dict]]:
    """Return every rule ``secret`` breaks, as ``(catalog key, parameters)``; empty if none.

    Parameters
    ----------
    secret : str or None
        The new password.
    username : str
        The account's name: a password containing it is refused.

    Returns
    -------
    list of tuple
        Keys under ``auth.password.*`` with their parameters.
    """
    minimum = int(settings.get("password_min_length"))
    kinds = int(settings.get("password_min_kinds"))
    secret = secret or ""
    found: list[tuple[str, dict]] = []
    if len(secret) < minimum:
        found.append(("auth.password.too_short", {"minimum": minimum, "length": len(secret)}))
    if len(kinds_in(secret)) < kinds:
        found.append(("auth.password.too_few_kinds", {"kinds": kinds,
                                                      "found": len(kinds_in(secret))}))
    if username and len(username) >= 3 and username.lower() in secret.lower():
        found.append(("auth.password.has_username", {}))
    return found


def check(secret: str | None, username: str = "") -> str:
    """Return ``secret`` if it meets the rules; otherwise raise naming every rule it breaks.

    Parameters
    ----------
    secret : str or None
        The new password.
    username : str
        The account's name.

    Returns
    -------
    str
        The password.

    Raises
    ------
    PasswordError
        Listing the rules broken, in the user's language.
    """
    broken = problems(secret, username)
    if broken:
        raise PasswordError(broken)
    return secret or ""


def hash_password(secret: str) -> str:
    """Return the argon2id hash of ``secret`` (any length)."""
    return _HASHER.hash(secret)


def verify(secret: str, hashed: str) -> Verdict:
    """Return whether ``secret`` matches ``hashed`` (argon2 or an earlier bcrypt hash).

    Parameters
    ----------
    secret : str
        The password given.
    hashed : str
        The stored hash.

    Returns
    -------
    Verdict
        ``matches``; and ``needs_rehash`` when it matched a bcrypt hash or an argon2 hash
        with weaker parameters than today's, so the caller stores :func:`hash_password` anew.
    """
    if hashed.startswith(_BCRYPT_PREFIXES):
        encoded = secret.encode("utf-8")
        if len(encoded) > _BCRYPT_MAX_BYTES:
            # No bcrypt hash was ever made of a longer password (bcrypt refused them).
            return Verdict(False)
        try:
            return Verdict(bcrypt.checkpw(encoded, hashed.encode("ascii")), True)
        except ValueError:
            return Verdict(False)
    try:
        _HASHER.verify(hashed, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verdict(False)
    return Verdict(True, _HASHER.check_needs_rehash(hashed))
