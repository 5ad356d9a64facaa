"""Signing in on the dashboard: the login form, roles, idle expiry, and the read-only demo.

A password sign-in starts a session (:mod:`auth.sessions`) whose signed cookie the server's
own route sets (:mod:`auth.web`): this page hands it a one-time ticket by sending the browser
there once, and comes back to the same address with its filters. From then on every page run
(a reload, a new tab) finds the session from the cookie, and ends it when it has been signed
out, has idled out, or its account is disabled.
"""

from __future__ import annotations

import json
import time

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from auth.accounts import Account, AccountError, AccountStore
from auth.passwords import PasswordError
from auth.sessions import COOKIE
from auth.web import LOOPBACK, SESSION_PATH, SIGNOUT_PATH
from core import settings
from core.i18n import t
from ui import data
from ui.escape import markdown_literal

USER, LAST_SEEN = "auth_user", "auth_last_seen"
# The signed-in session's id; its cookie ticket until the browser has been sent to redeem it;
# and a sign-out whose cookie the browser should drop.
SESSION, TICKET, SIGNED_OUT = "auth_session", "auth_ticket", "auth_signed_out"
# Without accounts the dashboard is a read-only demo: these are all it may do.
DEMO_PERMISSIONS = frozenset({"browse", "briefing"})


def accounts() -> AccountStore:
    """Return the accounts file; changes are written to the dataset's audit log."""
    return AccountStore.from_settings(audit=data.store().record)


def secured() -> bool:
    """Return whether accounts are configured (otherwise: the read-only demo)."""
    return accounts().active()


def current() -> Account | None:
    """Return the signed-in account, if any."""
    return st.session_state.get(USER)


def can(permission: str) -> bool:
    """Return whether this session may do ``permission`` (import, restore, browse...)."""
    if not secured():
        return permission in DEMO_PERMISSIONS
    user = current()
    return user is not None and user.can(permission)


def current_scope() -> frozenset[str] | None:
    """Return the township codes this session may change, or None for the whole district.

    Read from the accounts file on every call rather than from the copy kept at sign-in, so
    that ``python -m auth towns`` applies at once, without signing in again. Viewing is never
    limited: this is what an import or an edit must stay within.

    Returns
    -------
    frozenset of str or None
        None for an unscoped account and in the read-only demo (which changes nothing).
    """
    user = current()
    if user is None:
        return None
    try:
        return accounts().get(user.username).scope
    except AccountError:
        # Removed from the accounts file since signing in: it may change no township at all.
        return frozenset()


def actor() -> str:
    """Return the name written to the audit log for this session's actions."""
    user = current()
    return user.username if user else "demo"


def _sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def _expired() -> bool:
    idle = float(settings.get("session_idle_minutes")) * 60
    last = st.session_state.get(LAST_SEEN)
    return last is not None and time.time() - last > idle


def _sign_in(account: Account, session: str | None = None, ticket: str | None = None) -> None:
    st.session_state[USER] = account
    st.session_state[LAST_SEEN] = time.time()
    if session is not None:
        st.session_state[SESSION] = session
        st.session_state[TICKET] = ticket


def _forget() -> Account | None:
    for key in (SESSION, TICKET, LAST_SEEN):
        st.session_state.pop(key, None)
    return st.session_state.pop(USER, None)


def _enabled(username: str) -> Account | None:
    try:
        account = accounts().get(username)
    except AccountError:
        return None  # removed since signing in
    return None if account.disabled else account


def _resume(lang: str) -> None:
    """Bring this run's sign-in up to date with the sessions and accounts files.

    A session is found in this tab's memory or else from the browser's cookie (a reload, a new
    tab). It stops here once it has ended elsewhere, idled out, or its account has been
    disabled or removed; a sign-in without a session (a display token, single sign-on) is
    checked against the account and the idle limit the same way. The account is read afresh,
    so a change of role or townships applies at the next run.
    """
    user, session_id = current(), st.session_state.get(SESSION)
    sessions = accounts().sessions()
    if session_id is not None or user is None:
        session = sessions.touch(session_id) if session_id is not None else \
            sessions.check(st.context.cookies.get(COOKIE))  # check() marks it seen too
        account = _enabled(session.username) if session is not None else None
        if session is None or account is None:
            if session is not None:  # disabled or removed: every session of it ends
                sessions.end_user(session.username)
            if _forget() is not None:
                st.warning(t("auth.ended", lang))
            return
        st.session_state[USER], st.session_state[SESSION] = account, session.id
        return
    account = _enabled(user.username)
    if account is None or _expired():
        _forget()
        st.warning(t("auth.expired" if account is not None else "auth.ended", lang))
        return
    st.session_state[USER] = account


def client_address() -> str:
    """Return the client's address, as the audit log and the lockout count it.

    Behind the intranet's nginx every request comes from loopback: there the address nginx
    passes on (``X-Real-IP``, else the first of ``X-Forwarded-For``) is the client's. From
    anywhere else those headers could be forged, and the peer's own address is used.
    """
    # Streamlit reports a loopback peer as None (and uvicorn has already put the address of
    # nginx's X-Forwarded-For in place of a loopback peer's).
    ip = st.context.ip_address
    peer = ip if isinstance(ip, str) and ip else "127.0.0.1"
    if peer in LOOPBACK:
        headers = st.context.headers
        forwarded = headers.get("X-Real-IP") or \
            (headers.get("X-Forwarded-For") or "").split(",")[0].strip()
        return forwarded or peer
    return peer


def sign_out() -> None:
    """End this session (its cookie is refused from now on) and audit the sign-out."""
    session_id = st.session_state.get(SESSION)
    user = _forget()
    if session_id is not None:
        accounts().sessions().end(session_id)
        st.session_state[SIGNED_OUT] = True
    if user is not None:
        accounts().sign_out(user.username, client_address())


def _server_path(path: str) -> str:
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return (f"/{base}" if base else "") + path


# Where this tab asked to go before signing in: Streamlit shows its first page's address once
# the sign-in reruns, so the address (page and filters) is kept in the tab's sessionStorage.
ADDRESS_KEY = "tongxin_next"


def _remember_address() -> None:
    st.html(f"""<script>
(() => {{
  const key = {json.dumps(ADDRESS_KEY)};
  if (!sessionStorage.getItem(key))
    sessionStorage.setItem(key, window.location.pathname + window.location.search);
}})();
</script>""", unsafe_allow_javascript=True)


def _send_browser(path: str, query: dict[str, str]) -> None:
    """Send the browser to one of the server's own routes, and from there back to the page.

    ``next`` is the address this tab asked for before signing in (page and filters, as kept
    by the login form), else the address the browser shows now.
    """
    target = json.dumps(_server_path(path))
    params = json.dumps(query)
    st.html(f"""<script>
(() => {{
  const key = {json.dumps(ADDRESS_KEY)};
  const q = new URLSearchParams({params});
  q.set("next", sessionStorage.getItem(key) || window.location.pathname + window.location.search);
  sessionStorage.removeItem(key);
  window.location.replace({target} + "?" + q.toString());
}})();
</script>""", unsafe_allow_javascript=True)


def gate(lang: str) -> Account | None:
    """Make sure a secured dashboard has a signed-in user; draw the login form otherwise.

    Stops the script (``st.stop``) until someone signs in. A display account signs in
    with the ``?token=`` of its briefing-screen address.

    Parameters
    ----------
    lang : str
        Language of the form.

    Returns
    -------
    Account or None
        The account, or None in the read-only demo.
    """
    if not secured():
        return None
    _resume(lang)
    if current() is None:
        _try_token() or _try_sso(lang)
    if current() is None:
        if st.session_state.pop(SIGNED_OUT, False):
            _send_browser(SIGNOUT_PATH, {})  # the browser drops the ended session's cookie
        _login_form(lang)
        st.stop()
    st.session_state[LAST_SEEN] = time.time()
    ticket = st.session_state.pop(TICKET, None)
    if ticket:
        _send_browser(SESSION_PATH, {"ticket": ticket})  # the cookie: reloads stay signed in
    _require_new_password(lang)
    return current()


def _require_new_password(lang: str) -> None:
    """Stop at the change-password form while the account's password must be changed."""
    user = current()
    try:
        account = accounts().get(user.username) if user is not None else None
    except AccountError:
        account = None
    if account is None or not account.password_expired():
        return
    st.title("同心 Tongxin")
    st.subheader(t("auth.change.heading", lang))
    st.info(t("auth.change.why_set", lang) if account.must_change else
            t("auth.change.why_expired", lang, days=settings.get("password_max_age_days")))
    with st.form("change_password"):
        old = st.text_input(t("auth.change.old", lang), type="password", key="chg_old")
        new = st.text_input(t("auth.change.new", lang, minimum=settings.get(
            "password_min_length"), kinds=settings.get("password_min_kinds")),
            type="password", key="chg_new")
        again = st.text_input(t("auth.change.again", lang), type="password", key="chg_again")
        submitted = st.form_submit_button(t("auth.change.submit", lang))
    if submitted:
        if new != again:
            st.error(t("auth.change.mismatch", lang))
        else:
            try:
                changed = accounts().change_password(account.username, old, new,
                                                     client_address())
            except (AccountError, PasswordError) as exc:
                st.error(exc.message(lang))
            else:
                st.session_state[USER] = changed
                st.success(t("auth.change.done", lang))
                st.rerun()
    st.stop()


def _try_token() -> bool:
    token = st.query_params.get("token", "")
    account = accounts().authenticate_token(token) if token else None
    if account is not None:
        _sign_in(account)
    return account is not None


def _try_sso(lang: str) -> bool:
    if not _sso_configured() or not getattr(st.user, "is_logged_in", False):
        return False
    account = accounts().by_email(str(st.user.get("email", "")))
    if account is None:
        st.error(t("auth.sso_unknown", lang,
                   email=markdown_literal(str(st.user.get("email", "")))))
        return False
    _sign_in(account)
    return True


def _login_form(lang: str) -> None:
    st.title("同心 Tongxin")
    _remember_address()
    with st.form("login"):
        username = st.text_input(t("auth.username", lang), key="login_user")
        password = st.text_input(t("auth.password", lang), type="password", key="login_pass")
        submitted = st.form_submit_button(t("auth.sign_in", lang))
    if submitted:
        outcome = accounts().sign_in(username.strip(), password, client_address())
        if outcome.locked_until is not None:
            # The same words whether the account exists or not.
            st.error(t("auth.locked", lang,
                       until=outcome.locked_until.strftime("%H:%M"),
                       minutes=settings.get("signin_lockout_minutes")))
        elif outcome.account is None:
            st.error(t("auth.sign_in_failed", lang))
        else:
            started = accounts().sessions().start(outcome.account.username)
            _sign_in(outcome.account, started.id, started.ticket)
            st.rerun()
    if _sso_configured():
        st.button(t("auth.sso", lang), on_click=st.login)


def sidebar(lang: str) -> None:
    """Show who is signed in (with a sign-out button), or that this is the read-only demo."""
    user = current()
    with st.sidebar:
        if user is not None:
            st.caption(t("auth.signed_in_as", lang,
                         user=markdown_literal(user.name or user.username),
                         role=t(f"auth.role.{user.role}", lang)))
            st.button(t("auth.sign_out", lang), on_click=sign_out, key="sign_out")
        elif not secured():
            st.warning(t("auth.demo_mode", lang))
