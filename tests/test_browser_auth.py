"""Signing in, in Chromium: the session cookie, sign-out, disabled accounts, lockout, roles.

One real Streamlit server (``server.py``: the dashboard behind :class:`auth.web.SessionRoutes`)
on loopback, with its own working dataset and accounts; every request that would leave the
machine is aborted and fails the test. The lockout tests clear the server's lock file before
and after, so a lock never spills into another test.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from auth.accounts import AccountStore
from auth.lockout import Lockout
from auth.sessions import COOKIE, Sessions
from core import settings
from core.i18n import t
from storage import GeoPackageStore
from tests.browser import ARTIFACTS, keep_local, settled, streamlit_server

pytestmark = pytest.mark.browser

PASSWORD = "correct horse 42"
WRONG = "wrong horse 42"
TIMEOUT_MS = 60_000
TOWN = "620103001"  # 西园街道, a township of the demo
SHARED = f"/activities?lang=zh&towns={TOWN}&period=2025"  # a link as one would send it
SESSION_ROUTE, SIGNOUT_ROUTE = "/_tongxin/session", "/_tongxin/signout"
NAV = ("overview", "workstations", "activities", "units", "sites", "scorecard", "report",
       "data", "briefing", "audit", "security")
LOCKED = "登录失败次数过多"  # how t("auth.locked") begins, whatever the time
SIGNED_IN = t("auth.signed_in_as", "zh", user="", role="").split("：")[0]  # 当前用户
HHMM = re.compile(r"\d\d:\d\d")


class Served:
    """The running server: its URL, working dataset, accounts file and display token."""

    def __init__(self, path: Path) -> None:
        self.url, self.path, self.token = "", path, ""
        self.accounts = AccountStore(path.with_name("accounts.json"))
        self.locks = Lockout(path.with_name("accounts.signin.json"))

    def audit(self) -> list[dict]:
        return GeoPackageStore(self.path, settings.path("demo")).audit()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server on its own copy of the demo: an editor, a viewer, an auditor, a display."""
    path = tmp_path_factory.mktemp("browser-auth") / "tongxin.gpkg"
    GeoPackageStore(path, settings.path("demo")).read("units")  # the working copy exists
    server = Served(path)
    for name, role in (("li", "editor"), ("ma", "viewer"), ("au", "auditor")):
        server.accounts.add(name, role, PASSWORD, "tester", must_change=False)
    _, server.token = server.accounts.add("wall", "display", None, "tester")
    with streamlit_server(path) as url:
        server.url = url
        yield server


@pytest.fixture
def no_locks(served):
    """No sign-in lock before the test, nor after it (the lock file is the server's)."""
    served.locks.path.unlink(missing_ok=True)
    yield served
    served.locks.path.unlink(missing_ok=True)


@pytest.fixture
def outside():
    """Requests that tried to leave the machine (aborted); none is expected."""
    tried: list[str] = []
    yield tried
    assert tried == []


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    yield ctx
    ctx.close()


def _css(key: str) -> str:
    """Return the CSS class Streamlit gives a keyed widget's element."""
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key)


def _page(context, outside: list[str]):
    page = context.new_page()
    keep_local(page, outside)
    return page


def _settled(page) -> None:
    settled(page, TIMEOUT_MS)


def _login_form(page):
    return page.locator(f"{_css('login_user')} input")


def _heading(page, key: str):
    """Return the page's heading saying exactly ``t(key)``."""
    return page.get_by_role("heading", name=t(key, "zh"), exact=True)


def _caption(user: str, role: str) -> str:
    return t("auth.signed_in_as", "zh", user=user, role=t(f"auth.role.{role}", "zh"))


def _signed_in_as(page, user: str, role: str) -> None:
    """Wait until the sidebar says ``user`` is signed in, and no login form shows."""
    page.get_by_text(_caption(user, role), exact=True).wait_for(timeout=TIMEOUT_MS)
    assert _login_form(page).count() == 0


def _signed_out(page) -> None:
    """Wait for the login form once the page has run; nobody may be signed in."""
    _login_form(page).wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    assert page.get_by_text(re.compile("^" + re.escape(SIGNED_IN))).count() == 0
    assert page.locator(_css("sign_out")).count() == 0


def _submit(page, user: str, password: str) -> None:
    _login_form(page).fill(user)
    page.locator(f"{_css('login_pass')} input").fill(password)
    page.get_by_role("button", name=t("auth.sign_in", "zh"), exact=True).click()


def _sign_in(page, user: str, password: str = PASSWORD) -> None:
    """Sign in on the login form, through the cookie route and back to the page asked for."""
    _login_form(page).wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    page.evaluate("() => { window.__tongxin_form = true; }")
    with page.expect_response(lambda r: SESSION_ROUTE in r.url, timeout=TIMEOUT_MS) as sent:
        _submit(page, user, password)
    assert sent.value.status == 303
    # Back from the route: a new document, not the login form's (which may show a page too).
    page.wait_for_function("() => !window.__tongxin_form", timeout=TIMEOUT_MS)


def _signed_in_by_ticket(page, served: Served, user: str, path: str) -> None:
    """Sign in as the page does it, but past the form: a session, its ticket, the route."""
    ticket = served.accounts.sessions().start(user).ticket
    page.goto(f"{served.url}{SESSION_ROUTE}?ticket={ticket}&next={quote(path, safe='/')}")


def _session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE), None)


def _nav_links(page) -> set[str]:
    return set(page.locator("[data-testid='stSidebarNavLink']").all_inner_texts())


def _others(page_name: str) -> set[str]:
    return {t(f"nav.{name}", "zh") for name in NAV if name != page_name}


def test_a_shared_link_survives_the_sign_in_and_a_reload_and_a_new_tab(served, context,
                                                                      browser, outside):
    page = _page(context, outside)
    page.goto(served.url + SHARED)
    _sign_in(page, "li")
    _signed_in_as(page, "li", "editor")
    _heading(page, "activities.heading").wait_for(timeout=TIMEOUT_MS)
    # The filters came from the link: the township and the year are chosen in the sidebar.
    expect(page.locator(_css("flt_towns"))).to_contain_text("西园街道", timeout=TIMEOUT_MS)
    expect(page.locator(f"{_css('flt_preset')} input")).to_have_value(
        t("filter.year", "zh", year="2025"), timeout=TIMEOUT_MS)
    _settled(page)
    assert page.url == served.url + SHARED  # the page and its filters, as sent
    cookie = _session_cookie(context)
    assert cookie is not None
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"], cookie["path"]) == \
        (True, "Strict", False, "/")
    assert COOKIE not in page.evaluate("() => document.cookie")  # page script never sees it
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "auth-signed-in-shared-link.png"))

    page.reload()
    _signed_in_as(page, "li", "editor")
    _heading(page, "activities.heading").wait_for(timeout=TIMEOUT_MS)
    expect(page.locator(_css("flt_towns"))).to_contain_text("西园街道", timeout=TIMEOUT_MS)
    assert page.url == served.url + SHARED
    page.close()

    tab = _page(context, outside)
    tab.goto(f"{served.url}/units")
    _signed_in_as(tab, "li", "editor")
    _heading(tab, "units.heading").wait_for(timeout=TIMEOUT_MS)
    tab.close()

    _units_refused(browser, outside, served.url)
    entries = served.audit()
    assert any(e["action"] == "sign_in" and e["user"] == "li" for e in entries), entries


def _units_refused(browser, outside: list[str], url: str, cookies: list | None = None) -> None:
    """A new browser context (with ``cookies``, if any) at /units gets the login form only."""
    context = browser.new_context()
    try:
        if cookies:
            context.add_cookies(cookies)
        page = _page(context, outside)
        page.goto(f"{url}/units")
        _signed_out(page)
        assert _heading(page, "units.heading").count() == 0
    finally:
        context.close()


def test_signing_out_ends_the_session_on_the_server_and_drops_the_cookie(served, context,
                                                                        browser, outside):
    page = _page(context, outside)
    page.goto(f"{served.url}/units")
    _sign_in(page, "li")
    _signed_in_as(page, "li", "editor")
    old = _session_cookie(context)
    assert old is not None
    _settled(page)
    with page.expect_response(lambda r: SIGNOUT_ROUTE in r.url, timeout=TIMEOUT_MS) as sent:
        page.locator(_css("sign_out")).get_by_role(
            "button", name=t("auth.sign_out", "zh"), exact=True).click()
    assert sent.value.status == 303
    _signed_out(page)
    assert page.url.split("?")[0] == f"{served.url}/units"  # back where it was
    assert _session_cookie(context) is None
    assert any(e["action"] == "sign_out" and e["user"] == "li" for e in served.audit())
    # Whoever kept the old cookie (copied, or a tab that never got the sign-out) is refused.
    _units_refused(browser, outside, served.url,
                   [{k: old[k] for k in ("name", "value", "domain", "path", "httpOnly",
                                         "secure", "sameSite")}])


def test_a_disabled_account_is_signed_out_at_its_next_page_run(served, context, outside):
    page = _page(context, outside)
    _signed_in_by_ticket(page, served, "ma", "/units")
    _signed_in_as(page, "ma", "viewer")
    _settled(page)
    served.accounts.set_disabled("ma", True, "tester")
    try:
        # The next run in this tab (another page) ends the sign-in, and says why.
        page.get_by_role("link", name=t("nav.sites", "zh"), exact=True).click()
        page.get_by_text(t("auth.ended", "zh")).wait_for(timeout=TIMEOUT_MS)
        _signed_out(page)
        assert _heading(page, "sites.heading").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "auth-disabled-ended.png"))
        # A reload brings the cookie again: its session ended with the account.
        page.reload()
        _signed_out(page)
        assert _heading(page, "sites.heading").count() == 0
        # And the password no longer signs in.
        _submit(page, "ma", PASSWORD)
        page.locator("[data-testid='stAlertContentError']").filter(
            has_text=t("auth.sign_in_failed", "zh")).wait_for(timeout=TIMEOUT_MS)
    finally:
        served.accounts.set_disabled("ma", False, "tester")


def test_an_auditor_sees_the_audit_page_and_nothing_else(served, context, outside):
    page = _page(context, outside)
    _signed_in_by_ticket(page, served, "au", "/")
    _signed_in_as(page, "au", "auditor")
    _heading(page, "audit_page.heading").wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    assert not _nav_links(page) & _others("audit"), _nav_links(page)
    for path, heading in (("data", "data.heading"), ("units", "units.heading")):
        page.goto(f"{served.url}/{path}")
        _signed_in_as(page, "au", "auditor")
        _heading(page, "audit_page.heading").wait_for(timeout=TIMEOUT_MS)
        _settled(page)
        assert _heading(page, heading).count() == 0
        assert page.locator("[data-testid='stFileUploader']").count() == 0
        assert not _nav_links(page) & _others("audit"), _nav_links(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "auth-auditor-at-data.png"))


def test_a_display_token_opens_the_briefing_screen_only(served, context, outside):
    page = _page(context, outside)
    page.goto(f"{served.url}/briefing?token={served.token}")
    page.locator(".tx-top").wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    assert _login_form(page).count() == 0
    assert not _nav_links(page) & _others("briefing"), _nav_links(page)
    page.goto(f"{served.url}/data?token={served.token}")
    page.locator(".tx-top").wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    assert _heading(page, "data.heading").count() == 0
    assert page.locator("[data-testid='stFileUploader']").count() == 0
    assert not _nav_links(page) & _others("briefing"), _nav_links(page)
    # A wrong token is no sign-in.
    page.goto(f"{served.url}/briefing?token=not-{served.token}")
    _signed_out(page)
    assert page.locator(".tx-top").count() == 0


def test_every_response_carries_the_security_headers(served, context):
    for path in ("/", "/units", "/_stcore/health", f"{SESSION_ROUTE}?ticket=x&next=/",
                 f"{SIGNOUT_ROUTE}?next=/"):
        response = context.request.get(served.url + path, max_redirects=0)
        headers = response.headers
        assert headers.get("x-content-type-options") == "nosniff", (path, headers)
        assert headers.get("content-security-policy") == "frame-ancestors 'self'", path
        assert headers.get("x-frame-options") == "SAMEORIGIN", path
        assert headers.get("referrer-policy") == "same-origin", path
        assert "strict-transport-security" not in headers, path  # plain HTTP: no HSTS


@pytest.mark.parametrize("target", ["//example.com/x", "https://example.com/x",
                                    "/\\example.com/x", "example.com/x", "/\t/example.com/x",
                                    "/\r\nSet-Cookie: a=b"])
def test_the_ticket_route_sends_nobody_to_another_site(served, context, target):
    page = context.new_page()

    def ask(ticket: str):
        response = context.request.get(
            f"{served.url}{SESSION_ROUTE}?ticket={ticket}&next={quote(target, safe='')}",
            max_redirects=0)
        assert response.status == 303
        where = response.headers["location"]
        # Where a browser goes: this server (a tab or newline is dropped by URL parsing).
        assert page.evaluate("([to, base]) => new URL(to, base).origin", [where, served.url]) \
            == served.url, where
        assert "a=b" not in response.headers.get("set-cookie", "")
        return response

    assert "set-cookie" not in ask("bogus").headers
    # A real ticket with a hostile next: the cookie is set, and still only here.
    ticket = Sessions(served.path.parent).start("li").ticket
    assert ask(ticket).headers.get("set-cookie", "").startswith(f"{COOKIE}=")
    assert "set-cookie" not in ask(ticket).headers  # a ticket is good once
    page.close()


def _attempt(page, served: Served, user: str, password: str) -> str:
    """Submit one sign-in and return the error it shows, once the server has answered."""
    before = len(served.audit())
    _submit(page, user, password)
    for _ in range(300):
        if len(served.audit()) > before:
            break
        page.wait_for_timeout(100)
    else:
        pytest.fail("the sign-in was not answered")
    _settled(page)
    error = page.locator("[data-testid='stAlertContentError']")
    error.wait_for(timeout=TIMEOUT_MS)
    return error.inner_text()


def _sign_ins(entries: list[dict], user: str) -> int:
    return sum(e["action"] == "sign_in" and e["user"] == user for e in entries)


def test_too_many_failures_lock_the_account_with_the_same_words_for_anyone(no_locks, context,
                                                                          outside):
    served = no_locks
    page = _page(context, outside)
    page.goto(served.url)
    _login_form(page).wait_for(timeout=TIMEOUT_MS)
    _settled(page)
    failed = t("auth.sign_in_failed", "zh")
    signed_in_before = _sign_ins(served.audit(), "li")
    unknown = [_attempt(page, served, "nobody", WRONG) for _ in range(6)]
    assert unknown[:4] == [failed] * 4, unknown
    assert all(text.startswith(LOCKED) for text in unknown[4:]), unknown
    # Lift the address's lock (as the security officer would): the account gets its own.
    served.locks.clear(["addr:127.0.0.1"])
    known = [_attempt(page, served, "li", WRONG) for _ in range(6)]
    assert known[:4] == [failed] * 4, known
    assert all(text.startswith(LOCKED) for text in known[4:]), known
    # The same words whether the account exists or not (but for the time it ends).
    assert {HHMM.sub("HH:MM", text) for text in unknown[4:] + known[4:]} == \
        {HHMM.sub("HH:MM", t("auth.locked", "zh", until="00:00",
                             minutes=settings.get("signin_lockout_minutes")))}
    # While locked, even the right password is refused.
    assert _attempt(page, served, "li", PASSWORD).startswith(LOCKED)
    assert page.get_by_text(_caption("li", "editor")).count() == 0
    assert _session_cookie(context) is None
    page.locator("[data-testid='stAlertContentError']").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "auth-locked.png"))
    entries = served.audit()
    for action, user in (("account_locked", "nobody"), ("sign_in_locked", "nobody"),
                         ("account_locked", "li"), ("sign_in_locked", "li")):
        assert any(e["action"] == action and e["user"] == user and e["account"] == user
                   for e in entries), (action, user)
    assert _sign_ins(entries, "li") == signed_in_before
    # Unlocked, the right password signs in at once.
    served.locks.path.unlink()
    _sign_in(page, "li")
    _signed_in_as(page, "li", "editor")


def test_the_client_address_is_audited_and_locked(no_locks, browser, outside):
    served = no_locks
    # Behind the intranet's nginx (on loopback): the address it passes on is the client's.
    proxied = browser.new_context(extra_http_headers={"X-Real-IP": "10.1.2.3"})
    try:
        page = _page(proxied, outside)
        page.goto(served.url)
        _login_form(page).wait_for(timeout=TIMEOUT_MS)
        _settled(page)
        for _ in range(5):
            _attempt(page, served, "ghost1", WRONG)
        # The address is locked too: another name from it is refused at its first try.
        assert _attempt(page, served, "ghost2", WRONG).startswith(LOCKED)
    finally:
        proxied.close()
    direct = browser.new_context()
    try:
        page = _page(direct, outside)
        page.goto(served.url)
        _login_form(page).wait_for(timeout=TIMEOUT_MS)
        _settled(page)
        assert _attempt(page, served, "ghost3", WRONG) == t("auth.sign_in_failed", "zh")
    finally:
        direct.close()
    entries = served.audit()
    for action, user, client in (("account_locked", "ghost1", "10.1.2.3"),
                                 ("sign_in_locked", "ghost2", "10.1.2.3"),
                                 ("sign_in_failed", "ghost3", "127.0.0.1")):
        assert any(e["action"] == action and e["user"] == user and e["client"] == client
                   for e in entries), (action, user, client, entries[-3:])
