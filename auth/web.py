"""The web server's own part of signing in: the session cookie's routes and security headers.

A Streamlit page cannot set an HttpOnly cookie (page script never sees one, by design), so a
sign-in on the page hands a one-time ticket to :data:`SESSION_PATH`, served here before
Streamlit: it sets the cookie and sends the browser back to the page it came from, filters and
all. :data:`SIGNOUT_PATH` clears it. Every response also carries the headers a graded system is
expected to send (``X-Content-Type-Options``, ``frame-ancestors``, and HSTS over HTTPS).

Both paths match at the end of the request path, so they work under any
``server.baseUrlPath`` (``/tongxin/_tongxin/session`` behind the intranet's nginx).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import PlainTextResponse, RedirectResponse, Response

from auth.sessions import COOKIE, MAX_DAYS, Sessions

SESSION_PATH = "/_tongxin/session"
SIGNOUT_PATH = "/_tongxin/signout"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
HSTS_SECONDS = 31_536_000  # a year, as graded-system checklists ask

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def is_https(scope: Scope) -> bool:
    """Return whether the browser reached us over HTTPS.

    Directly, or through a reverse proxy on loopback that says so in ``X-Forwarded-Proto``
    (the header is believed from loopback only: from anywhere else it could be forged).
    """
    if scope.get("scheme") in ("https", "wss"):
        return True
    peer = (scope.get("client") or ("", 0))[0]
    return peer in LOOPBACK and _headers(scope).get("x-forwarded-proto", "") == "https"


def safe_next(target: str, prefix: str) -> str:
    r"""Return ``target`` if it is a path on this server, else the dashboard's first page.

    Only a path of ours is followed back after signing in: never another site
    (``//evil.example``, ``https://...``, ``/\\evil``), so the route is no open redirect.
    """
    # No control character either: browsers drop tabs and newlines from an address, so
    # "/<TAB>/evil.example" would read as "//evil.example".
    if target.startswith("/") and not target.startswith(("//", "/\\")) \
            and not any(ord(c) < 32 or ord(c) == 127 for c in target):
        return target
    return prefix + "/"


def security_headers(https: bool) -> list[tuple[bytes, bytes]]:
    """Return the headers every response carries.

    ``frame-ancestors 'self'`` and ``X-Frame-Options`` stop other sites from framing the
    dashboard (click-jacking) while Streamlit's own same-origin component frames still work;
    ``nosniff`` stops a download from being run as a script; HSTS only over HTTPS, where it
    makes the browser refuse plain HTTP to this host from then on.
    """
    headers = [(b"x-content-type-options", b"nosniff"),
               (b"content-security-policy", b"frame-ancestors 'self'"),
               (b"x-frame-options", b"SAMEORIGIN"),
               (b"referrer-policy", b"same-origin")]
    if https:
        headers.append((b"strict-transport-security",
                        f"max-age={HSTS_SECONDS}; includeSubDomains".encode()))
    return headers


def _cookie_path(prefix: str) -> str:
    return prefix + "/" if prefix else "/"


def _session_response(scope: Scope, prefix: str, sessions: Sessions) -> Response:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    ticket = (query.get("ticket") or [""])[0]
    target = safe_next((query.get("next") or [""])[0], prefix)
    value = sessions.redeem(ticket) if ticket else None
    if value is None:
        # A used or stale ticket: back to the page, which asks to sign in again.
        return RedirectResponse(target, status_code=303)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(COOKIE, value, max_age=MAX_DAYS * 86_400, path=_cookie_path(prefix),
                        secure=is_https(scope), httponly=True, samesite="strict")
    return response


def _signout_response(scope: Scope, prefix: str) -> Response:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    response = RedirectResponse(safe_next((query.get("next") or [""])[0], prefix),
                                status_code=303)
    response.delete_cookie(COOKIE, path=_cookie_path(prefix), secure=is_https(scope),
                           httponly=True, samesite="strict")
    return response


class SessionRoutes:
    """ASGI middleware: the cookie routes, and security headers on every HTTP response.

    Parameters
    ----------
    app : ASGI application
        Streamlit's own application, which serves everything else.
    sessions : callable returning Sessions, optional
        Where sessions live; the accounts setting's folder by default (read per request, so
        a test's or an install's setting applies).
    """

    def __init__(self, app: ASGIApp,
                 sessions: Callable[[], Sessions] = Sessions.beside_accounts) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the cookie routes; pass everything else to Streamlit, headers added."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, https = scope.get("path", ""), is_https(scope)
        extra = security_headers(https)
        for suffix in (SESSION_PATH, SIGNOUT_PATH):
            if path.endswith(suffix):
                prefix = path[: -len(suffix)].rstrip("/")
                response = self._route(scope, suffix, prefix)
                response.headers.update({k.decode(): v.decode() for k, v in extra})
                await response(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + \
                    [(k, v) for k, v in extra if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _route(self, scope: Scope, suffix: str, prefix: str) -> Response:
        if scope.get("method", "GET") not in ("GET", "HEAD"):
            return PlainTextResponse("method not allowed", status_code=405)
        if suffix == SESSION_PATH:
            return _session_response(scope, prefix, self.sessions())
        return _signout_response(scope, prefix)
