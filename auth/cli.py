"""The accounts command line: add, disable, enable, reset, list accounts, set their towns; audit."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from typing import Any

from auth import audit_cli
from auth.accounts import (
    ROLES,
    AccountError,
    AccountStore,
    check_district,
    check_scope,
    resolve_towns,
    split_towns,
)
from auth.lockout import keys_for
from auth.passwords import PasswordError
from core.actor import current_user
from core.cli import EXIT_OK, CommandLine
from core.i18n import t
from storage import StoreError, open_store


def _store() -> AccountStore:
    return AccountStore.from_settings(audit=open_store().record)


def _townships() -> dict[str, str]:
    """Return ``{code: name}`` of the working dataset's townships."""
    towns = open_store().read("townships")
    return dict(zip(towns["code"].astype(str), towns["name"].astype(str), strict=True))


def _resolved(role: str, text: str) -> tuple[str, ...]:
    """Return the township codes ``text`` names for an account of ``role`` (empty: none).

    The role is checked first: an admin's --towns is refused before the dataset is read or a
    password asked for.
    """
    items = split_towns(text)
    check_scope(role, items)
    return resolve_towns(items, _townships()) if items else ()


def _described(codes: tuple[str, ...], lang: str, names: dict[str, str] | None = None) -> str:
    if not codes:
        return t("auth.whole_district", lang)
    names = _townships() if names is None else names
    return "、".join(f"{c} {names[c]}" if c in names else c for c in codes)


def _secret(args: argparse.Namespace, lang: str) -> str | None:
    if getattr(args, "role", None) == "display":
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(t("auth.cli_password", lang, user=args.username))


def _arguments(sub: Any, lang: str) -> None:
    add = sub.add_parser("add")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", default="")
    add.add_argument("--email", default="")
    add.add_argument("--towns", default="", metavar="CODES",
                     help=t("auth.cli_help_towns", lang))
    add.add_argument("--district", default="", metavar="ADCODE",
                     help=t("auth.cli_help_district", lang))
    add.add_argument("--password-stdin", action="store_true")
    district = sub.add_parser("district", help=t("auth.cli_help_district_command", lang))
    district.add_argument("username")
    district.add_argument("adcode", nargs="?", default=None, metavar="ADCODE",
                          help=t("auth.cli_help_district", lang))
    district.add_argument("--city", action="store_true", help=t("auth.cli_help_city", lang))
    towns = sub.add_parser("towns", help=t("auth.cli_help_towns_command", lang))
    towns.add_argument("username")
    towns.add_argument("codes", nargs="?", default=None, metavar="CODES",
                       help=t("auth.cli_help_codes", lang))
    towns.add_argument("--all", action="store_true", help=t("auth.cli_help_towns_all", lang))
    for name in ("disable", "enable"):
        sub.add_parser(name).add_argument("username")
    reset = sub.add_parser("reset")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    listing = sub.add_parser("list")
    listing.add_argument("--json", action="store_true")
    audit_cli.arguments(sub, lang)
    unlock = sub.add_parser("unlock", help=t("auth.cli_help_unlock", lang))
    unlock.add_argument("username", nargs="?", default=None)
    unlock.add_argument("--address", default=None)


def _held(code: str) -> str:
    """Return ``code`` once checked: "" or a district the working dataset holds."""
    code = check_district(code)
    if code:
        open_store().scoped(code)  # StoreError naming the districts it holds, if not one
    return code


def _add(args: argparse.Namespace, lang: str) -> int:
    district = _held(args.district)
    towns = _resolved(args.role, args.towns)
    account, secret = _store().add(args.username, args.role, _secret(args, lang),
                                   current_user(), args.name, args.email, towns,
                                   district=district)
    print(t("auth.cli_added", lang, user=account.username, role=account.role))
    if account.district:
        print(t("auth.cli_district", lang, user=account.username, district=account.district))
    if account.towns:
        print(t("auth.cli_towns", lang, user=account.username,
                towns=_described(account.towns, lang)))
    if account.role == "display":
        print(t("auth.cli_display_url", lang, token=secret))
    return EXIT_OK


def _set_disabled(args: argparse.Namespace, lang: str) -> int:
    _store().set_disabled(args.username, args.command == "disable", current_user())
    print(t(f"auth.cli_{args.command}d", lang, user=args.username))
    return EXIT_OK


def _reset(args: argparse.Namespace, lang: str) -> int:
    account, secret = _store().reset(args.username, _secret(args, lang), current_user())
    print(t("auth.cli_reset", lang, user=account.username))
    if account.role == "display":
        print(t("auth.cli_display_url", lang, token=secret))
    return EXIT_OK


def _towns(args: argparse.Namespace, lang: str) -> int:
    # Exactly one of CODES and --all: an empty CODES (an unset shell variable, say) is refused
    # rather than read as "the whole district".
    if args.all == (args.codes is not None):
        raise AccountError("auth.towns_usage", user=args.username)
    store = _store()
    codes = () if args.all else _resolved(store.get(args.username).role, args.codes)
    if not args.all and not codes:
        raise AccountError("auth.towns_usage", user=args.username)
    account = store.set_towns(args.username, codes, current_user())
    print(t("auth.cli_towns", lang, user=account.username,
            towns=_described(account.towns, lang)))
    return EXIT_OK


def _district(args: argparse.Namespace, lang: str) -> int:
    # Exactly one of ADCODE and --city, as for towns: nothing typed is never "the whole city".
    if args.city == (args.adcode is not None):
        raise AccountError("auth.district_usage", user=args.username)
    account = _store().set_district(args.username, "" if args.city else _held(args.adcode),
                                    current_user())
    print(t("auth.cli_district", lang, user=account.username,
            district=account.district or t("auth.whole_city", lang)))
    return EXIT_OK


def _unlock(args: argparse.Namespace, lang: str) -> int:
    if (args.username is None) == (args.address is None):
        raise AccountError("auth.unlock_usage")
    key = keys_for(args.username, None)[0] if args.username else f"addr:{args.address}"
    _store().unlock(key, current_user())
    print(t("auth.cli_unlocked", lang, target=key))
    return EXIT_OK


def _list(args: argparse.Namespace, lang: str) -> int:
    accounts = _store().all()
    if args.json:
        print(json.dumps([{"username": a.username, "role": a.role, "disabled": a.disabled,
                           "name": a.name, "email": a.email, "towns": list(a.towns),
                           "district": a.district}
                          for a in accounts], ensure_ascii=False, indent=2))
        return EXIT_OK
    # The dataset is read only when some account is scoped (to name its townships).
    names = _townships() if any(a.towns for a in accounts) else {}
    for a in accounts:
        state = t("auth.state_disabled" if a.disabled else "auth.state_active", lang)
        print(t("auth.cli_row", lang, user=a.username, role=a.role, state=state, name=a.name,
                towns=_described(a.towns, lang, names)))
    return EXIT_OK


COMMAND_LINE = CommandLine("python -m auth", "auth.cli_description", _arguments,
                           {"add": _add, "disable": _set_disabled, "enable": _set_disabled,
                            "reset": _reset, "list": _list, "towns": _towns,
                            "district": _district,
                            "audit": audit_cli.audit, "verify-audit": audit_cli.verify,
                            "unlock": _unlock},
                           (AccountError, PasswordError, StoreError))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the accounts command line; return 0 done, 1 refused, 2 usage error.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments; ``sys.argv[1:]`` when omitted.

    Returns
    -------
    int
        The exit status.
    """
    return COMMAND_LINE.main(argv)
