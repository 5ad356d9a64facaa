"""The security page (安全管理), the security officer's: locks, open sessions, the rules in force.

The security administrator (安全管理员) unlocks accounts and client addresses locked by failed
sign-ins, signs an account out of every open session (both audited) and sees the security
settings in force; the settings themselves are
changed in the server's settings file (``tongxin.env``), checked at start-up.
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from auth.lockout import Lockout
from core import settings
from core.i18n import t
from ui import auth
from ui.sidebar import current_lang

SECURITY_SETTINGS = ("password_min_length", "password_min_kinds", "password_max_age_days",
                     "signin_max_failures", "signin_window_minutes", "signin_lockout_minutes",
                     "session_idle_minutes")


def _locks(lang: str) -> None:
    st.subheader(t("security_page.locks", lang))
    locks = Lockout.beside_accounts().locks(datetime.now().astimezone())
    if not locks:
        st.success(t("security_page.no_locks", lang))
        return
    st.dataframe([{t("security_page.col.target", lang): key,
                   t("security_page.col.until", lang): end.strftime("%Y-%m-%d %H:%M")}
                  for key, end in sorted(locks.items())], hide_index=True)
    chosen = st.selectbox(t("security_page.choose", lang), sorted(locks), key="sec_unlock")
    if st.button(t("security_page.unlock", lang), key="sec_unlock_button", type="primary"):
        auth.accounts().unlock(chosen, auth.actor())
        st.success(t("auth.cli_unlocked", lang, target=chosen))
        st.rerun()


def _sessions(lang: str) -> None:
    st.subheader(t("security_page.sessions", lang))
    sessions = auth.accounts().sessions().open()
    if not sessions:
        st.info(t("security_page.no_sessions", lang))
        return
    st.dataframe([{t("security_page.col.account", lang): s.username,
                   t("security_page.col.started", lang): s.started.strftime("%Y-%m-%d %H:%M"),
                   t("security_page.col.seen", lang): s.seen.strftime("%Y-%m-%d %H:%M")}
                  for s in sessions], hide_index=True)
    users = sorted({s.username for s in sessions})
    chosen = st.selectbox(t("security_page.choose_user", lang), users, key="sec_end_user")
    if st.button(t("security_page.end_sessions", lang), key="sec_end_button"):
        ended = auth.accounts().end_sessions(chosen, auth.actor())
        st.success(t("security_page.ended", lang, user=chosen, count=ended))
        st.rerun()


def _rules(lang: str) -> None:
    st.subheader(t("security_page.rules", lang))
    st.dataframe([{t("security_page.col.setting", lang): f"TONGXIN_{name.upper()}",
                   t("security_page.col.value", lang): str(settings.get(name))}
                  for name in SECURITY_SETTINGS], hide_index=True)
    st.caption(t("security_page.rules_caption", lang))


def render() -> None:
    """Draw the security page: locks to lift, sessions to end, then the rules in force."""
    lang = current_lang()
    st.header(t("security_page.heading", lang))
    _locks(lang)
    _sessions(lang)
    _rules(lang)


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
