"""Who is acting at the command line, for the audit log."""

from __future__ import annotations

import getpass

from core import settings


def current_user() -> str:
    """Return who is acting: the ``user`` setting, else the operating system's login name."""
    configured = str(settings.get("user"))
    if configured:
        return configured
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"
