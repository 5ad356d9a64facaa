"""The dashboard behind real nginx, with the bundle's own site file, at the /tongxin/ prefix.

Debian's nginx serves ``packaging/nginx-tongxin.conf`` as shipped, with only what a unit
changes in it: its addresses (loopback ports here), its certificate (a throwaway one) and
Tongxin's port. Chromium then opens every page over HTTPS through it.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from auth.sessions import COOKIE, Sessions
from tests.browser import CHROMIUM_ARGS, MAP_ELEMENT, keep_local, map_painted, streamlit_server
from tests.conftest import ROOT

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(shutil.which("nginx") is None,
                                 reason="needs Debian's nginx (.ci/run installs it)")]

SITE = ROOT / "packaging" / "nginx-tongxin.conf"
# What the HTTPS site sends on every answer, each exactly once (nginx's, not the app's too).
SECURITY = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "Content-Security-Policy": "frame-ancestors 'self'",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "SAMEORIGIN",
            "Referrer-Policy": "same-origin"}
PAGES = {"": True, "workstations": True, "activities": True, "units": True, "sites": True,
         "scorecard": True, "data": False, "briefing": False}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# The shipped upstream's processes, one line each (tongxin@8501, tongxin@8502).
UPSTREAM_LINES = re.compile(r"^ *server 127\.0\.0\.1:\d+;\n(?: *server 127\.0\.0\.1:\d+;\n)*",
                            re.MULTILINE)


def site_for_test(app_ports: list[int], http_port: int, https_port: int, certs: Path) -> str:
    """Return the shipped site with a unit's own parts changed to the test's.

    Its addresses become loopback ports, its certificate the throwaway one in ``certs``, and
    the upstream's processes (8501, 8502 as shipped) ``app_ports``, one line each.
    """
    site = SITE.read_text(encoding="utf-8")
    swaps = {"listen 80;": f"listen 127.0.0.1:{http_port};",
             "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
             "/etc/nginx/ssl/unit.crt": str(certs / "unit.crt"),
             "/etc/nginx/ssl/unit.key": str(certs / "unit.key")}
    for old, new in swaps.items():
        assert old in site, f"the shipped site no longer has {old!r}"
        site = site.replace(old, new)
    shipped = UPSTREAM_LINES.findall(site)
    assert len(shipped) == 1 and shipped[0].split() == ["server", "127.0.0.1:8501;", "server",
                                                        "127.0.0.1:8502;"], shipped
    ours = "".join(f"    server 127.0.0.1:{port};\n" for port in app_ports)
    return UPSTREAM_LINES.sub(lambda _: ours, site)


def make_certificate(work: Path) -> None:
    """Write a throwaway self-signed certificate for 127.0.0.1: ``unit.crt``, ``unit.key``."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(work / "unit.key"),
                    "-out", str(work / "unit.crt")], check=True, capture_output=True)


@contextmanager
def nginx(work: Path, app_ports: list[int], http_extra: str = "",
          access_log: str = "logs/access.log") -> Iterator[tuple[int, int]]:
    """Run Debian's nginx in ``work`` with the shipped site in front of ``app_ports``.

    ``http_extra`` goes into the ``http`` block before the site (a ``log_format``, say);
    ``access_log`` is that block's access_log directive's argument. Yields the HTTP and HTTPS
    ports, both on loopback; the certificate is :func:`make_certificate`'s, in ``work``.
    """
    http_port, https_port = free_port(), free_port()
    (work / "logs").mkdir(exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    (work / "nginx.conf").write_text(
        "pid nginx.pid;\nerror_log logs/error.log;\nevents {}\nhttp {\n"
        f"{http_extra}"
        f"  access_log {access_log};\n"
        "  client_body_temp_path tmp; proxy_temp_path tmp;\n"
        f"{site_for_test(app_ports, http_port, https_port, work)}\n}}\n", encoding="utf-8")
    test = subprocess.run(["nginx", "-t", "-p", str(work), "-c", str(work / "nginx.conf")],
                          capture_output=True, text=True, check=False)
    assert test.returncode == 0, test.stderr
    server = subprocess.Popen(["nginx", "-p", str(work), "-c", str(work / "nginx.conf"),
                               "-g", "daemon off;"], stderr=subprocess.PIPE)
    try:
        _wait_for(f"http://127.0.0.1:{http_port}/", server)
        yield http_port, https_port
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory):
    """Tongxin at /tongxin on loopback, behind nginx over HTTPS; yields the public URL."""
    work = tmp_path_factory.mktemp("nginx")
    make_certificate(work)
    with streamlit_server(work / "tongxin.gpkg", base_path="tongxin") as direct, \
            nginx(work, [int(urlsplit(direct).port or 0)]) as (http_port, https_port):
        yield f"https://127.0.0.1:{https_port}/tongxin", http_port, work


def _wait_for(url: str, server: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            msg = f"nginx stopped: {server.stderr.read().decode() if server.stderr else ''}"
            raise RuntimeError(msg)
        try:
            # Not following nginx's redirect: it names the unit's HTTPS port (443), not the test's.
            urllib.request.build_opener(_NoRedirect).open(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # nginx answered (a redirect to HTTPS)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="module")
def secure_browser():
    """Chromium that accepts the throwaway certificate (the unit's own is trusted there)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_renders_through_nginx_with_nothing_leaving_the_machine(
        proxied, secure_browser, path):
    url, _, _ = proxied
    outside: list[str] = []
    errors: list[str] = []
    page = secure_browser.new_page(viewport={"width": 1600, "height": 1000},
                                   ignore_https_errors=True)

    keep_local(page, outside, also=("https://127.0.0.1", "wss://127.0.0.1"))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{url}/{path}")
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1, "
                           "[data-testid='stMainBlockContainer'] h2, .tx-top", timeout=60_000)
    if PAGES[path]:
        frame = map_painted(page)
        assert frame.locator(MAP_ELEMENT).first.locator(".tongxin-legend").count() >= 1
    page.wait_for_timeout(500)
    assert page.locator("[data-testid='stException']").count() == 0
    assert outside == [] and errors == []
    page.close()


def test_plain_http_is_sent_to_https_and_the_websocket_goes_through(proxied):
    _, http_port, work = proxied
    request = urllib.request.Request(f"http://127.0.0.1:{http_port}/tongxin/")
    with pytest.raises(urllib.error.HTTPError) as redirect:
        urllib.request.build_opener(_NoRedirect).open(request, timeout=5)
    assert redirect.value.code == 301
    assert redirect.value.headers["Location"].startswith("https://")
    # The pages above talked to the server over the proxied websocket: nginx logged the upgrade.
    log = (work / "logs" / "access.log").read_text(encoding="utf-8")
    assert re.search(r'"GET /tongxin/_stcore/stream HTTP/1\.1" 101 ', log), log[-2000:]


def test_the_upload_limit_is_the_apps(proxied):
    site = SITE.read_text(encoding="utf-8")
    limit = re.search(r"client_max_body_size (\d+)m;", site)
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert limit and f"maxUploadSize = {limit.group(1)}" in config


def _get(url: str) -> tuple[int, Message]:
    """GET ``url`` without following redirects or checking the throwaway certificate."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(url, timeout=10) as resp:
            resp.read()
            return resp.status, resp.headers
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers


def _cookie_attributes(set_cookie: str) -> dict[str, str]:
    """Return a Set-Cookie header's attributes, names lower-cased ('' for a flag)."""
    parts = [p.strip() for p in set_cookie.split(";")[1:]]
    return {p.partition("=")[0].lower(): p.partition("=")[2] for p in parts if p}


@pytest.mark.parametrize("path", ["/", "/app/static/vendor/leaflet/leaflet.js",
                                  "/_stcore/health", ""])
def test_each_security_header_is_sent_once_over_https(proxied, path):
    # A page, a static file, Streamlit's own endpoint, and a redirect nginx answers alone.
    url, _, _ = proxied
    status, headers = _get(url + path)
    assert status in (200, 301), status
    for name, value in SECURITY.items():
        assert headers.get_all(name) == [value], (name, headers.items())


def test_the_session_cookie_set_through_nginx_is_secure(proxied):
    url, _, work = proxied
    # Tongxin keeps sessions beside its accounts file, TONGXIN_ACCOUNTS=<work>/accounts.json.
    ticket = Sessions(work).start("li").ticket
    status, headers = _get(f"{url}/_tongxin/session?ticket={ticket}&next=/tongxin/sites")
    assert status == 303
    assert headers["Location"] == "/tongxin/sites"
    cookies = headers.get_all("Set-Cookie") or []
    ours = [c for c in cookies if c.startswith(f"{COOKIE}=")]
    assert len(ours) == 1, cookies
    attrs = _cookie_attributes(ours[0])
    assert "secure" in attrs and "httponly" in attrs
    assert attrs["samesite"].lower() == "strict"
    assert attrs["path"] == "/tongxin/"
    for name, value in SECURITY.items():
        assert headers.get_all(name) == [value], name


def test_plain_http_never_reaches_the_cookie_route(proxied):
    url, http_port, work = proxied
    ticket = Sessions(work).start("li").ticket
    status, headers = _get(f"http://127.0.0.1:{http_port}/tongxin/_tongxin/session"
                           f"?ticket={ticket}&next=/tongxin/")
    assert status == 301
    assert headers["Location"] == (f"https://127.0.0.1/tongxin/_tongxin/session"
                                   f"?ticket={ticket}&next=/tongxin/")
    assert headers.get_all("Set-Cookie") is None
    # The ticket was not even spent: only the HTTPS site talks to Tongxin.
    status, headers = _get(f"{url}/_tongxin/session?ticket={ticket}&next=/tongxin/")
    assert any(c.startswith(f"{COOKIE}=") for c in headers.get_all("Set-Cookie") or [])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
