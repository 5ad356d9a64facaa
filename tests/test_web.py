"""The session-cookie routes and security headers of ``auth.web``, driven as a real ASGI app.

No HTTP client: each test builds the ASGI scope a server would, runs the middleware with
``asyncio.run`` and reads the messages it sends.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from auth.sessions import COOKIE, MAX_DAYS, Sessions
from auth.web import SessionRoutes, safe_next

SECURITY = {"x-content-type-options": "nosniff",
            "content-security-policy": "frame-ancestors 'self'",
            "x-frame-options": "SAMEORIGIN",
            "referrer-policy": "same-origin"}
HSTS = "max-age=31536000; includeSubDomains"


async def _inner(scope, receive, send) -> None:
    """The app behind the middleware: 200 with one header of its own."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"page"})


async def _framed_inner(scope, receive, send) -> None:
    """An app that already chose its own X-Frame-Options."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"x-frame-options", b"DENY")]})
    await send({"type": "http.response.body", "body": b"page"})


class Reply:
    """What the middleware sent: status, headers (name lower-cased, in order), body."""

    def __init__(self, messages: list[dict]) -> None:
        self.messages = messages
        start = next(m for m in messages if m["type"] == "http.response.start")
        self.status = start["status"]
        self.headers = [(k.decode("latin-1").lower(), v.decode("latin-1"))
                        for k, v in start.get("headers", [])]

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k == name]

    def one(self, name: str) -> str:
        values = self.all(name)
        assert len(values) == 1, (name, self.headers)
        return values[0]

    def cookie(self) -> str | None:
        cookies = self.all("set-cookie")
        assert len(cookies) <= 1, cookies
        return cookies[0] if cookies else None


def _scope(path: str, query: str = "", method: str = "GET", scheme: str = "http",
           client: str = "127.0.0.1", headers: dict[str, str] | None = None,
           kind: str = "http") -> dict:
    return {"type": kind, "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
            "scheme": scheme, "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": query.encode(), "client": (client, 50000),
            "server": ("127.0.0.1", 8501),
            "headers": [(b"host", b"127.0.0.1:8501")] + [
                (k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}


def _run(middleware: SessionRoutes, scope: dict) -> Reply:
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return Reply(sent)


def _routes(tmp_path, app=_inner) -> tuple[SessionRoutes, Sessions]:
    sessions = Sessions(tmp_path)
    return SessionRoutes(app, sessions=lambda: sessions), sessions


def _attributes(set_cookie: str) -> dict[str, str]:
    """Return a Set-Cookie header's attributes, names lower-cased ('' for flags)."""
    parts = [p.strip() for p in set_cookie.split(";")[1:]]
    return {p.partition("=")[0].lower(): p.partition("=")[2] for p in parts if p}


def _value(set_cookie: str) -> str:
    jar = SimpleCookie()
    jar.load(set_cookie)
    return jar[COOKIE].value


def _session(routes, ticket: str, next_: str = "/data", **scope) -> Reply:
    return _run(routes, _scope("/_tongxin/session", f"ticket={ticket}&next={next_}", **scope))


# The session route


def test_a_valid_ticket_sets_an_httponly_strict_cookie_and_goes_back(tmp_path):
    routes, sessions = _routes(tmp_path)
    reply = _session(routes, sessions.start("li").ticket, "/data%3Ftown%3D1")
    assert reply.status == 303
    assert reply.one("location") == "/data?town=1"
    cookie = reply.cookie()
    assert cookie and cookie.startswith(f"{COOKIE}=")
    attrs = _attributes(cookie)
    assert "httponly" in attrs
    assert attrs["samesite"].lower() == "strict"
    assert attrs["path"] == "/"
    assert attrs["max-age"] == str(MAX_DAYS * 86_400)
    assert "secure" not in attrs  # plain http, no proxy saying otherwise


def test_the_cookie_set_is_a_session_the_store_accepts(tmp_path):
    routes, sessions = _routes(tmp_path)
    started = sessions.start("li")
    session = sessions.check(_value(_session(routes, started.ticket).cookie()))
    assert session is not None
    assert (session.id, session.username) == (started.id, "li")


def test_a_ticket_works_once(tmp_path):
    routes, sessions = _routes(tmp_path)
    ticket = sessions.start("li").ticket
    assert _session(routes, ticket).cookie() is not None
    again = _session(routes, ticket)
    assert again.status == 303 and again.one("location") == "/data"
    assert again.cookie() is None


def test_a_bogus_or_missing_ticket_goes_back_without_a_cookie(tmp_path):
    routes, _ = _routes(tmp_path)
    for query in ("ticket=not-a-ticket&next=/data", "next=/data", "ticket=&next=/data"):
        reply = _run(routes, _scope("/_tongxin/session", query))
        assert reply.status == 303 and reply.one("location") == "/data", query
        assert reply.cookie() is None, query


def test_the_routes_carry_the_security_headers_too(tmp_path):
    routes, sessions = _routes(tmp_path)
    reply = _session(routes, sessions.start("li").ticket)
    for name, value in SECURITY.items():
        assert reply.one(name) == value


# HTTPS: Secure cookie and HSTS


def test_over_https_the_cookie_is_secure_and_hsts_is_sent(tmp_path):
    routes, sessions = _routes(tmp_path)
    reply = _session(routes, sessions.start("li").ticket, scheme="https", client="10.1.2.3")
    assert "secure" in _attributes(reply.cookie())
    assert reply.one("strict-transport-security") == HSTS


def test_a_loopback_proxy_saying_https_makes_the_cookie_secure(tmp_path):
    routes, sessions = _routes(tmp_path)
    reply = _session(routes, sessions.start("li").ticket, client="127.0.0.1",
                     headers={"X-Forwarded-Proto": "https"})
    assert "secure" in _attributes(reply.cookie())
    assert reply.one("strict-transport-security") == HSTS


def test_x_forwarded_proto_from_elsewhere_is_not_believed(tmp_path):
    routes, sessions = _routes(tmp_path)
    reply = _session(routes, sessions.start("li").ticket, client="10.1.2.3",
                     headers={"X-Forwarded-Proto": "https"})
    assert "secure" not in _attributes(reply.cookie())
    assert reply.all("strict-transport-security") == []


def test_no_hsts_over_plain_http(tmp_path):
    routes, _ = _routes(tmp_path)
    assert _run(routes, _scope("/")).all("strict-transport-security") == []


# Where the browser is sent back to


OPEN_REDIRECTS = ["//evil.example/x", "https://evil.example", "/\\evil", "javascript:alert(1)",
                  "/data%0d%0aSet-Cookie:%20x=1", "/data%0aLocation:%20//evil.example",
                  "evil.example", ""]


def test_open_redirects_go_to_the_first_page_instead(tmp_path):
    routes, sessions = _routes(tmp_path)
    for target in OPEN_REDIRECTS:
        reply = _session(routes, sessions.start("li").ticket, quote(target, safe="%"))
        assert reply.one("location") == "/", target
        signout = _run(routes, _scope("/_tongxin/signout", f"next={quote(target, safe='%')}"))
        assert signout.one("location") == "/", target


def test_a_tab_cannot_turn_next_into_another_host(tmp_path):
    # Browsers drop tabs from a Location, so "/<TAB>/evil.example" would read "//evil.example":
    # safe_next refuses control characters (and the redirect would percent-encode them anyway).
    routes, _ = _routes(tmp_path)
    for target in ("/%09/evil.example", "/%09%09/evil.example"):
        location = _run(routes, _scope("/_tongxin/signout", f"next={target}")).one("location")
        browser_reads = location.replace("\t", "").replace("\r", "").replace("\n", "")
        assert browser_reads.startswith("/"), location
        assert not browser_reads.startswith(("//", "/\\")), location
        assert location == "/", location


def test_under_a_prefix_the_cookie_path_and_fallback_are_the_prefix(tmp_path):
    routes, sessions = _routes(tmp_path)
    reply = _run(routes, _scope("/tongxin/_tongxin/session",
                                f"ticket={sessions.start('li').ticket}&next=//evil.example"))
    assert reply.one("location") == "/tongxin/"
    assert _attributes(reply.cookie())["path"] == "/tongxin/"
    good = _run(routes, _scope("/tongxin/_tongxin/session",
                               f"ticket={sessions.start('li').ticket}&next=/tongxin/sites"))
    assert good.one("location") == "/tongxin/sites"


# Signing out


def test_signout_deletes_the_cookie_and_goes_back(tmp_path):
    routes, _ = _routes(tmp_path)
    reply = _run(routes, _scope("/tongxin/_tongxin/signout", "next=/tongxin/data"))
    assert reply.status == 303 and reply.one("location") == "/tongxin/data"
    cookie = reply.cookie()
    assert cookie and _value(cookie) == ""
    attrs = _attributes(cookie)
    assert attrs["path"] == "/tongxin/"
    expired = attrs.get("max-age") == "0" or (
        "expires" in attrs and parsedate_to_datetime(attrs["expires"]) <= datetime.now(UTC))
    assert expired, cookie
    assert "httponly" in attrs


def test_signout_without_next_goes_to_the_first_page(tmp_path):
    routes, _ = _routes(tmp_path)
    assert _run(routes, _scope("/tongxin/_tongxin/signout")).one("location") == "/tongxin/"


# Methods and other traffic


def test_post_to_the_routes_is_refused(tmp_path):
    routes, sessions = _routes(tmp_path)
    ticket = sessions.start("li").ticket
    for path in ("/_tongxin/session", "/_tongxin/signout"):
        reply = _run(routes, _scope(path, f"ticket={ticket}&next=/data", method="POST"))
        assert reply.status == 405, path
        assert reply.cookie() is None
    # The refused POST did not spend the ticket.
    assert _session(routes, ticket).cookie() is not None


def test_other_pages_pass_through_with_the_security_headers(tmp_path):
    routes, _ = _routes(tmp_path)
    reply = _run(routes, _scope("/tongxin/data"))
    assert reply.status == 200
    assert reply.one("content-type") == "text/plain"
    for name, value in SECURITY.items():
        assert reply.one(name) == value
    assert reply.messages[-1]["body"] == b"page"


def test_a_header_the_app_set_is_not_duplicated_or_overridden(tmp_path):
    routes, _ = _routes(tmp_path, app=_framed_inner)
    reply = _run(routes, _scope("/"))
    assert reply.all("x-frame-options") == ["DENY"]
    assert reply.one("x-content-type-options") == "nosniff"


def test_websockets_pass_straight_through_untouched(tmp_path):
    seen: list = []

    async def websocket_app(scope, receive, send) -> None:
        seen.append(scope)
        await send({"type": "websocket.accept", "headers": [(b"x-mine", b"1")]})
        await send({"type": "websocket.close", "code": 1000})

    routes, _ = _routes(tmp_path, app=websocket_app)
    scope = _scope("/_tongxin/session", "ticket=x", kind="websocket", scheme="wss")
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(routes(scope, receive, send))
    assert seen == [scope]
    assert sent == [{"type": "websocket.accept", "headers": [(b"x-mine", b"1")]},
                    {"type": "websocket.close", "code": 1000}]


# safe_next, whatever it is given


@given(st.text(), st.sampled_from(["", "/tongxin"]))
def test_safe_next_only_ever_returns_a_local_path(target, prefix):
    result = safe_next(target, prefix)
    assert result.startswith("/")
    assert not result.startswith(("//", "/\\"))
    assert not any(ord(c) < 32 or ord(c) == 127 for c in result)
    assert result in (target, prefix + "/")
