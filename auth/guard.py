"""Permission checks for the command line: with accounts configured, writes need a sign-in."""

from __future__ import annotations

import getpass
import os
import sys

from auth.accounts import Account, AccountStore
from core.errors import TongxinError
from core.i18n import t


def authorise(permission: str, lang: str | None = None) -> str | None:
    """Return the signed-in user allowed ``permission``, or None when no accounts exist.

    With accounts configured, ``TONGXIN_USER`` names the account and the password comes
    from ``TONGXIN_PASSWORD`` or a prompt; a wrong password or a role without the permission
    raises :class:`~core.errors.TongxinError`.

    Parameters
    ----------
    permission : str
        ``"import"`` or ``"restore"``.
    lang : str, optional
        Language of the prompt.

    Returns
    -------
    str or None
        The account's name (for the audit log), or None in the unsecured local demo.
    """
    account = authorised_account(permission, lang)
    return account.username if account else None


def authorised_account(permission: str, lang: str | None = None) -> Account | None:
    """Return the signed-in account allowed ``permission``, or None when no accounts exist.

    As :func:`authorise`, but the whole account: its ``scope`` is the townships an import
    may change (None: the whole district).

    Parameters
    ----------
    permission : str
        ``"import"`` or ``"restore"``.
    lang : str, optional
        Language of the prompt.

    Returns
    -------
    Account or None
        The account, or None in the unsecured local demo.
    """
    store = AccountStore.from_settings()
    if not store.active():
        return None
    username = os.environ.get("TONGXIN_USER", "")
    if not username:
        raise TongxinError("auth.cli_login_needed")
    password = os.environ.get("TONGXIN_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = getpass.getpass(t("auth.cli_password", lang, user=username))
    account = store.authenticate(username, password or "")
    if account is None:
        raise TongxinError("auth.cli_bad_login")
    if not account.can(permission):
        raise TongxinError("auth.refused", permission=permission)
    return account
