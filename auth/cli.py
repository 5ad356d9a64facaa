"""The accounts command line: add, disable, enable, reset and list accounts."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Sequence
from typing import Any

from auth.accounts import ROLES, AccountError, AccountStore
from core.actor import current_user
from core.cli import EXIT_OK, CommandLine
from core.i18n import t
from storage import open_store


def _store() -> AccountStore:
    return AccountStore.from_settings(audit=open_store().record)


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
    add.add_argument("--password-stdin", action="store_true")
    for name in ("disable", "enable"):
        sub.add_parser(name).add_argument("username")
    reset = sub.add_parser("reset")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true")
    listing = sub.add_parser("list")
    listing.add_argument("--json", action="store_true")


def _add(args: argparse.Namespace, lang: str) -> int:
    account, secret = _store().add(args.username, args.role, _secret(args, lang),
                                   current_user(), args.name, args.email)
    print(t("auth.cli_added", lang, user=account.username, role=account.role))
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


def _list(args: argparse.Namespace, lang: str) -> int:
    accounts = _store().all()
    if args.json:
        print(json.dumps([{"username": a.username, "role": a.role, "disabled": a.disabled,
                           "name": a.name, "email": a.email} for a in accounts],
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    for a in accounts:
        state = t("auth.state_disabled" if a.disabled else "auth.state_active", lang)
        print(t("auth.cli_row", lang, user=a.username, role=a.role, state=state, name=a.name))
    return EXIT_OK


COMMAND_LINE = CommandLine("python -m auth", "auth.cli_description", _arguments,
                           {"add": _add, "disable": _set_disabled, "enable": _set_disabled,
                            "reset": _reset, "list": _list}, (AccountError,))


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
