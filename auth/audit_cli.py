"""The auditor's command line: print the audit log, and check that nobody changed it.

``python -m auth audit [--since DATE] [--json]`` prints the entries (``--json``: a list);
``python -m auth verify-audit`` checks the log's hash chain (:meth:`storage.Store.verify_audit`)
and names the first entry that does not match, exiting 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from auth.accounts import AccountError
from core.cli import EXIT_INVALID, EXIT_OK
from core.i18n import t
from storage import open_store

# Keys every entry has, shown in their own columns; the rest are the entry's details.
_FIXED = ("time", "user", "action")
# The chain's own fields: checked by verify-audit, not news to the reader.
_CHAIN = ("prev", "hash")


def arguments(sub: Any, lang: str) -> None:
    """Add ``audit`` and ``verify-audit`` to the accounts command line's subcommands."""
    audit = sub.add_parser("audit", help=t("auth.audit.help", lang))
    audit.add_argument("--since", default=None, metavar="DATE",
                       help=t("auth.audit.help_since", lang))
    audit.add_argument("--json", action="store_true")
    sub.add_parser("verify-audit", help=t("auth.audit.help_verify", lang))


def _since(text: str | None) -> str:
    if not text:
        return ""
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise AccountError("auth.audit.bad_since", value=text) from None


def audit(args: argparse.Namespace, lang: str) -> int:
    """Print the audit log's entries on or after ``--since``, oldest first."""
    since = _since(args.since)
    entries = [e for e in open_store().audit() if str(e.get("time", "")) >= since]
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return EXIT_OK
    for entry in entries:
        details = "  ".join(f"{k}={v}" for k, v in entry.items()
                            if k not in _FIXED and k not in _CHAIN)
        print(f"{entry.get('time', '')}  {entry.get('user', '-')}  {entry.get('action', '')}"
              f"  {details}".rstrip())
    print(t("auth.audit.count", lang, count=len(entries)))
    return EXIT_OK


def verify(args: argparse.Namespace, lang: str) -> int:
    """Check the audit log's hash chain; 0 when it holds, 1 naming the first bad entry."""
    check = open_store().verify_audit()
    if check.ok:
        print(t("auth.audit.intact", lang, count=check.entries))
        return EXIT_OK
    print(t("auth.audit.broken", lang, line=check.first_bad, count=check.entries,
            why=t(f"auth.audit.why.{check.reason}", lang)))
    return EXIT_INVALID
