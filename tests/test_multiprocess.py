"""Several dashboard processes on one dataset, as the intranet runs them behind nginx.

Real processes throughout: two Streamlit servers (``server.py``) on one working dataset (a
GeoPackage, and a PostGIS database), an import run by the command line as a third process,
Debian's nginx with the shipped site in front of two servers, and Debian's Chromium.

- A change made through one process (or the command line) shows on the others with no restart:
  on the briefing screen of another process within one rotation, and on a fresh page of a
  process that had the old data cached.
- Through nginx: every request carrying one ``tongxin_session`` cookie reaches one process (nginx
  logs each request's ``$upstream_addr``), different cookies are spread over both; a sign-in
  made on one process holds on the other; a file uploaded on the data page reaches the process
  that holds the page's session (the other one refuses it), and the import it makes shows on
  the other process; when a process stops, its browsers carry on on the other.
- The systemd template unit (``tongxin@PORT``) runs one process per port, otherwise as the
  single-process unit does (and passes ``systemd-analyze verify``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from auth.accounts import AccountStore
from auth.sessions import COOKIE, Sessions
from core import settings
from core.i18n import t
from storage import GeoPackageStore, PostGISStore, Store, last_import_time
from tests.browser import CHROMIUM, CHROMIUM_ARGS, keep_local, settled, streamlit_server
from tests.conftest import DATA, ROOT
from tests.test_nginx import make_certificate, nginx
from ui.briefing_views import VIEWS
from ui.words import layer_label

UNITS_GOOD = DATA / "layers" / "units_good.csv"  # two new units, ids left blank
ADDED = 2
PASSWORD = "correct horse 42"
# Seconds each briefing view shows: short, so a rotation is quick to wait for.
INTERVAL = 4
# What a rotation may take beyond its interval on a busy machine (the page's run, the browser).
MARGIN = 4.0
TIMEOUT_MS = 60_000
UNITS_LABEL = layer_label("units", "zh")  # 驻区单位
UNITS_VIEW = t("briefing.view.units", "zh")  # 驻区单位对接
UNITS_INDEX = next(i for i, v in enumerate(VIEWS) if v.key == "briefing.view.units")
needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None,
                                 reason="needs Debian's nginx (.ci/run installs it)")


def _store(data: str) -> Store:
    """Open the working dataset from the test process (as a third party to both servers)."""
    if "://" in data:
        return PostGISStore(data, settings.path("demo"))
    return GeoPackageStore(Path(data), settings.path("demo"))


def _updated(data: str) -> str:
    """Return the briefing screen's footer's "data updated ..." part for the dataset's data."""
    store = _store(data)
    stamp = last_import_time(store)
    if isinstance(store, PostGISStore):
        store.close()
    # The footer's first part is today's date and time, here left empty.
    return t("briefing.clock", "zh", date="",
             updated=stamp[:16].replace("T", " ") if stamp else "-").strip()


# HTTPS to nginx on loopback is local too.
LOOPBACK_TLS = ("https://127.0.0.1", "wss://127.0.0.1")


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium, accepting the throwaway certificate of the nginx tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=[*CHROMIUM_ARGS, "--ignore-certificate-errors"])
        yield browser
        browser.close()


# --- the systemd units: one process per port ----------------------------------------------

PACKAGING = ROOT / "packaging"


def _installed_units(prefix: Path, user: str) -> dict[str, str]:
    """Return both systemd units as install.sh writes them (its sed: @PREFIX@, @USER@)."""
    return {name: (PACKAGING / name).read_text(encoding="utf-8")
            .replace("@PREFIX@", str(prefix)).replace("@USER@", user)
            for name in ("tongxin.service", "tongxin@.service")}


def _service_lines(unit: str) -> list[str]:
    section = unit.split("[Service]", 1)[1].split("[Install]", 1)[0]
    return [line for line in section.splitlines() if line and not line.startswith("#")]


def test_the_template_unit_runs_one_process_per_port_as_the_single_unit_runs_one(tmp_path):
    prefix = tmp_path / "opt" / "tongxin"
    units = _installed_units(prefix, "root")
    template, single = units["tongxin@.service"], units["tongxin.service"]
    assert f"ExecStart={prefix}/bin/tongxin serve --port %i" in template.splitlines()
    # The same settings file, user, restarts and sandbox as the one-process unit: only the
    # port differs (tongxin serve's --port wins over the file's TONGXIN_SERVE_PORT).
    differs = set(_service_lines(template)) ^ set(_service_lines(single))
    assert differs == {f"ExecStart={prefix}/bin/tongxin serve --port %i",
                       f"ExecStart={prefix}/bin/tongxin serve"}, differs
    assert "Conflicts=tongxin.service" in template.splitlines()
    # install.sh writes both, and names both in its next steps.
    install = (PACKAGING / "install.sh").read_text(encoding="utf-8")
    assert "for unit in tongxin.service tongxin@.service; do" in install
    assert "systemctl enable --now tongxin@8501 tongxin@8502" in install
    # The nginx site's upstream lists the ports the README's two instances listen on.
    site = (PACKAGING / "nginx-tongxin.conf").read_text(encoding="utf-8")
    assert re.findall(r"^ *server (127\.0\.0\.1:\d+);", site, re.MULTILINE) == \
        ["127.0.0.1:8501", "127.0.0.1:8502"]
    assert re.search(r"upstream tongxin \{[^}]*hash \$tongxin_route consistent;[^}]*keepalive",
                     site)
    if shutil.which("systemd-analyze") is None:
        return
    # systemd's own check of both, the template as an instance, with what they name present.
    (prefix / "bin").mkdir(parents=True)
    (prefix / "etc").mkdir()
    (prefix / "data").mkdir()
    (prefix / "bin" / "tongxin").write_text("#!/bin/sh\n")
    (prefix / "bin" / "tongxin").chmod(0o755)
    (prefix / "etc" / "tongxin.env").write_text("")
    for name, text in units.items():
        (prefix / "etc" / name).write_text(text, encoding="utf-8")
    for unit in ("tongxin@8501.service", "tongxin.service"):
        checked = subprocess.run(["systemd-analyze", "verify", "--man=no", f"./{unit}"],
                                 cwd=prefix / "etc", capture_output=True, text=True,
                                 timeout=60, check=False)
        # Warnings about the machine's own units are not ours; any about these are.
        assert checked.returncode == 0 and "tongxin" not in checked.stderr, \
            (unit, checked.stderr)


# --- two processes, one dataset: a change shows everywhere --------------------------------


@dataclass
class Pair:
    """Two dashboard processes on one dataset."""

    data: str
    accounts: Path
    a: str
    b: str
    pids: list[int]

    def running(self) -> bool:
        """Return whether both processes still run, and answer (neither was restarted)."""
        for pid, url in zip(self.pids, (self.a, self.b), strict=True):
            try:
                os.kill(pid, 0)  # no signal: only whether the process exists
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as resp:
                    assert resp.status == 200
            except (OSError, AssertionError):
                return False
        return True


@pytest.fixture(scope="module", params=["gpkg", "postgis"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Processes A and B on one GeoPackage, or on one PostGIS database."""
    work = tmp_path_factory.mktemp(f"pair-{request.param}")
    if request.param == "gpkg":
        data = str(work / "tongxin.gpkg")
    else:
        data = request.getfixturevalue("pg").new_database()
    # Made from the demo here, once, not by whichever server happens to read first.
    store = _store(data)
    store.read("units")
    if isinstance(store, PostGISStore):
        store.close()
    accounts = work / "accounts.json"  # none: a read-only demo, and imports need no sign-in
    with streamlit_server(data, accounts=accounts, with_pid=True) as (a, a_pid), \
            streamlit_server(data, accounts=accounts, with_pid=True) as (b, b_pid):
        yield Pair(data, accounts, a, b, [a_pid, b_pid])


def _units_shown(page) -> tuple[str, str, str]:
    """Return the briefing screen's current view, its first figure and its "updated" footer."""
    return page.evaluate("""() => {
        const q = s => document.querySelector(s);
        return [q('.tx-view') ? q('.tx-view').innerText : '',
                q('.tx-kpi .v') ? q('.tx-kpi .v').innerText : '',
                q('.tx-foot') ? q('.tx-foot').innerText : ''];
    }""")


def _briefing_units(page, url: str) -> tuple[int, str]:
    """Open the briefing screen's units view (not rotating); return its unit count and footer."""
    page.goto(f"{url}/briefing?view={UNITS_INDEX}&interval=3600")
    page.wait_for_function("(name) => document.querySelector('.tx-view') && document"
                           ".querySelector('.tx-view').innerText.includes(name) && document"
                           ".querySelector('.tx-kpi .v')", arg=UNITS_VIEW, timeout=TIMEOUT_MS)
    _, count, foot = _units_shown(page)
    return int(count), foot


def _import_on_the_command_line(pair: Pair) -> dict:
    """Run ``python -m layers import`` as its own process on the pair's dataset."""
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "TONGXIN_DATA": pair.data,
           "TONGXIN_ACCOUNTS": str(pair.accounts), "TONGXIN_USER": "tester",
           "TONGXIN_LANG": "zh"}
    done = subprocess.run([sys.executable, "-m", "layers", "import", "units", str(UNITS_GOOD),
                           "--mode", "append", "--yes", "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


@pytest.mark.browser
@pytest.mark.slow
def test_an_import_shows_on_every_process_within_a_rotation_with_no_restart(pair, chromium):
    outside: list[str] = []
    # A has the old data cached: its units view drawn once before the import.
    page_a = chromium.new_page(viewport={"width": 1920, "height": 1080})
    keep_local(page_a, outside, also=LOOPBACK_TLS)
    before, old_foot = _briefing_units(page_a, pair.a)
    # B is the briefing-room screen, rotating on its own every INTERVAL seconds.
    page_b = chromium.new_page(viewport={"width": 1920, "height": 1080})
    keep_local(page_b, outside, also=LOOPBACK_TLS)
    page_b.goto(f"{pair.b}/briefing?interval={INTERVAL}&view={UNITS_INDEX}")
    page_b.wait_for_function(
        "(n) => document.querySelector('.tx-kpi .v') && "
        "document.querySelector('.tx-kpi .v').innerText === n", arg=str(before),
        timeout=TIMEOUT_MS)
    page_b.evaluate("() => { window.__tongxin_marker = 1; }")

    imported = _import_on_the_command_line(pair)
    done = time.monotonic()
    assert imported["written"] is True
    assert imported["changes"]["added"] == ADDED
    new_foot = _updated(pair.data)
    assert not old_foot.endswith(new_foot), "the import did not move the data's time"

    # B, untouched: every rotation after the import shows the new data. The footer (on every
    # view) within one rotation; the units view, which comes round every len(VIEWS)
    # rotations, with the new count the first time it is drawn after that rotation.
    seen: list[tuple[float, str, str, str]] = []
    footer_at = units_at = None
    deadline = done + INTERVAL * (len(VIEWS) + 1) + MARGIN
    while time.monotonic() < deadline and (footer_at is None or units_at is None):
        view, count, foot = _units_shown(page_b)
        now = time.monotonic() - done
        seen.append((now, view, count, foot))
        if footer_at is None and foot.endswith(new_foot):
            footer_at = now
        if units_at is None and UNITS_VIEW in view and count == str(before + ADDED):
            units_at = now
        page_b.wait_for_timeout(200)
    assert footer_at is not None and footer_at <= INTERVAL + MARGIN, seen[-5:]
    assert units_at is not None, seen[-5:]
    stale = [s for s in seen if s[0] > INTERVAL + MARGIN and UNITS_VIEW in s[1]
             and s[2] == str(before)]
    assert stale == [], "B drew the old count after a rotation had passed"
    assert page_b.evaluate("() => window.__tongxin_marker") == 1, "B's page reloaded"
    print(f"\n[{'postgis' if '://' in pair.data else 'gpkg'}] B showed the import's time after "
          f"{footer_at:.1f} s, the new unit count after {units_at:.1f} s "
          f"(rotation {INTERVAL} s, {len(VIEWS)} views)")

    # A, which had the old count cached: a fresh page load shows the new data.
    after, foot = _briefing_units(page_a, pair.a)
    assert after == before + ADDED
    assert foot.endswith(new_foot)
    # Neither process was restarted: the same two, still answering.
    assert pair.running()
    page_a.close()
    page_b.close()
    assert outside == []


# --- behind nginx: sticky by the session cookie -------------------------------------------

# nginx's access log, with which process (upstream) answered and the cookie it was routed by.
LOG_FORMAT = ("  log_format routed '$upstream_addr $status \"$request\" "
              "\"$cookie_tongxin_session\"';\n")
LOG_LINE = re.compile(r'^(?P<upstream>\S+(?:, \S+)*) (?P<status>\d{3}) "(?P<request>[^"]*)" '
                      r'"(?P<cookie>[^"]*)"$')


@dataclass
class Proxied:
    """Two processes behind nginx: the public URL, each process's port, the files."""

    url: str
    ports: list[int]
    work: Path
    data: Path
    cookies: dict[int, str] = field(default_factory=dict)  # a signed-in cookie per process
    servers: dict[int, ExitStack] = field(default_factory=dict)  # closing one stops it

    def stop(self, port: int) -> None:
        """Stop the process on ``port`` (as ``systemctl stop tongxin@PORT`` would)."""
        self.servers[port].close()

    def log(self) -> list[dict[str, str]]:
        lines = (self.work / "logs" / "access.log").read_text(encoding="utf-8").splitlines()
        return [m.groupdict() for m in map(LOG_LINE.match, lines) if m]

    def logged(self, wanted, least: int = 1, timeout: float = 10) -> list[dict[str, str]]:
        """Return the log's entries ``wanted(entry)`` picks, once there are ``least`` of them.

        nginx writes a request's line once it has answered it: a moment after the answer.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.log() if wanted(e)]
            if len(found) >= least or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def routed(self, needle: str, least: int = 1) -> set[str]:
        """Return the upstreams of the logged requests whose line holds ``needle``."""
        return {e["upstream"] for e in self.logged(lambda e: needle in e["request"], least)}

    def new_cookie(self, user: str = "li") -> str:
        """Return a signed-in session cookie for ``user``, made as the sign-in route makes it."""
        sessions = Sessions(self.work)
        value = sessions.redeem(sessions.start(user).ticket)
        assert value is not None
        return value


def _https(url: str, cookie: str | None = None) -> tuple[int, str]:
    """GET ``url``, the throwaway certificate accepted; return the answer's status and body."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(url)
    if cookie is not None:
        request.add_header("Cookie", f"{COOKIE}={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=30, context=context) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode(errors="replace")


def _upstream_of(proxied: Proxied, cookie: str | None, probes: int = 3) -> set[str]:
    """Return where nginx sent ``probes`` requests carrying ``cookie`` (or none)."""
    tag = uuid.uuid4().hex
    for n in range(probes):
        status, _ = _https(f"{proxied.url}/_stcore/health?probe={tag}-{n}", cookie)
        assert status == 200
    return proxied.routed(f"probe={tag}-", least=probes)


@contextmanager
def _two_behind_nginx(work: Path) -> Iterator[Proxied]:
    """Run two processes on one new GeoPackage behind nginx (the shipped site) over HTTPS.

    Accounts: ``li``, an editor. ``cookies`` holds, for each process, a signed-in cookie of
    li's that nginx routes to it.
    """
    make_certificate(work)
    data = work / "tongxin.gpkg"
    GeoPackageStore(data, settings.path("demo")).read("units")  # the working copy exists
    AccountStore(work / "accounts.json").add("li", "editor", PASSWORD, "tester",
                                             must_change=False)
    with ExitStack() as first, ExitStack() as second:
        urls = [stack.enter_context(streamlit_server(data, base_path="tongxin"))
                for stack in (first, second)]
        ports = [int(urlsplit(u).port or 0) for u in urls]
        with nginx(work, ports, http_extra=LOG_FORMAT,
                   access_log="logs/access.log routed") as (_, https_port):
            served = Proxied(f"https://127.0.0.1:{https_port}/tongxin", ports, work, data,
                             servers=dict(zip(ports, (first, second), strict=True)))
            for _ in range(64):  # a cookie routed to each process: about two tries each
                cookie = served.new_cookie()
                (where,) = _upstream_of(served, cookie, probes=1)
                served.cookies.setdefault(int(where.rsplit(":", 1)[1]), cookie)
                if len(served.cookies) == len(ports):
                    break
            assert sorted(served.cookies) == sorted(ports), "nginx used one process only"
            yield served


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory):
    """Two processes on one GeoPackage behind nginx, for the module (see _two_behind_nginx)."""
    if shutil.which("nginx") is None:
        pytest.skip("needs Debian's nginx (.ci/run installs it)")
    with _two_behind_nginx(tmp_path_factory.mktemp("nginx-two")) as served:
        yield served


@pytest.mark.slow
@needs_nginx
def test_one_cookie_always_reaches_one_process_and_cookies_spread_over_both(proxied):
    upstreams = {f"127.0.0.1:{port}" for port in proxied.ports}
    by_cookie = {}
    for _ in range(12):
        cookie = proxied.new_cookie()
        where = _upstream_of(proxied, cookie, probes=4)
        assert len(where) == 1, f"one cookie, several processes: {where}"
        by_cookie[cookie] = where.pop()
    for cookie, port in ((c, p) for p, c in proxied.cookies.items()):
        assert _upstream_of(proxied, cookie, probes=4) == {f"127.0.0.1:{port}"}
        by_cookie[cookie] = f"127.0.0.1:{port}"
    assert set(by_cookie.values()) == upstreams
    # Before signing in (no cookie) a browser is routed by its address: here, always one.
    assert len(_upstream_of(proxied, None, probes=6)) == 1
    # The cookie's value is the key, valid or not: an unknown one is routed, and refused later.
    assert len(_upstream_of(proxied, "not-a-session", probes=4)) == 1


def _css(key: str) -> str:
    return ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key)


def _signed_in_as_li(page) -> None:
    caption = t("auth.signed_in_as", "zh", user="li", role=t("auth.role.editor", "zh"))
    page.get_by_text(caption, exact=True).wait_for(timeout=TIMEOUT_MS)
    assert page.locator(f"{_css('login_user')} input").count() == 0


def _heading(page, key: str) -> None:
    page.get_by_role("heading", name=t(key, "zh"), exact=True).wait_for(timeout=TIMEOUT_MS)


def _context(chromium, cookie: str | None):
    context = chromium.new_context(viewport={"width": 1400, "height": 900},
                                   ignore_https_errors=True)
    if cookie is not None:
        context.add_cookies([{"name": COOKIE, "value": cookie, "domain": "127.0.0.1",
                              "path": "/tongxin/", "httpOnly": True, "secure": True,
                              "sameSite": "Strict"}])
    return context


def _cookie_of(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


@pytest.mark.browser
@pytest.mark.slow
@needs_nginx
def test_a_signed_in_browser_stays_signed_in_and_with_its_process(proxied, chromium):
    outside: list[str] = []
    context = _context(chromium, None)
    page = context.new_page()
    keep_local(page, outside, also=LOOPBACK_TLS)
    # Signing in on the form, through nginx: the page (no cookie yet) and the cookie route.
    page.goto(f"{proxied.url}/data")
    page.locator(f"{_css('login_user')} input").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    page.locator(f"{_css('login_user')} input").fill("li")
    page.locator(f"{_css('login_pass')} input").fill(PASSWORD)
    with page.expect_response(lambda r: "/_tongxin/session" in r.url,
                              timeout=TIMEOUT_MS) as sent:
        page.get_by_role("button", name=t("auth.sign_in", "zh"), exact=True).click()
    assert sent.value.status == 303
    _signed_in_as_li(page)
    _heading(page, "data.heading")
    cookie = _cookie_of(context)
    # Page loads keep the sign-in: a reload, another page, a new tab.
    page.reload()
    _signed_in_as_li(page)
    _heading(page, "data.heading")
    page.goto(f"{proxied.url}/report")
    _signed_in_as_li(page)
    _heading(page, "report_page.heading")
    tab = context.new_page()
    keep_local(tab, outside, also=LOOPBACK_TLS)
    tab.goto(f"{proxied.url}/units")
    _signed_in_as_li(tab)
    _heading(tab, "units.heading")
    tab.close()
    page.close()
    context.close()
    # Every request carrying the cookie, pages, scripts and websockets alike, reached one process.
    mine = proxied.logged(lambda e: e["cookie"] == cookie and "/_stcore/stream" in e["request"],
                          least=3)  # the page's two and the tab's websockets, logged once closed
    mine = [e for e in proxied.log() if e["cookie"] == cookie]
    assert any("/_stcore/stream" in e["request"] and e["status"] == "101" for e in mine), mine
    assert len({e["upstream"] for e in mine}) == 1, {e["upstream"] for e in mine}

    # The sign-in holds on either process: a cookie of li's that nginx sends to each.
    for port, other in proxied.cookies.items():
        context = _context(chromium, other)
        page = context.new_page()
        keep_local(page, outside, also=LOOPBACK_TLS)
        page.goto(f"{proxied.url}/data")
        _signed_in_as_li(page)
        _heading(page, "data.heading")
        page.close()
        context.close()
        assert {e["upstream"] for e in proxied.log() if e["cookie"] == other} == \
            {f"127.0.0.1:{port}"}
    assert outside == []


def _multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").encode() + content + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _put_direct(port: int, session_id: str, xsrf: str) -> tuple[int, str]:
    """PUT a file straight to one process's upload route for ``session_id`` (no nginx)."""
    body, kind = _multipart("probe.csv", b"a,b\n1,2\n")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/tongxin/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        data=body, method="PUT", headers={"Content-Type": kind, "X-Xsrftoken": xsrf,
                                          "Cookie": f"_streamlit_xsrf={xsrf}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.read().decode(errors="replace")


@pytest.mark.browser
@pytest.mark.slow
@needs_nginx
def test_an_upload_through_nginx_reaches_the_session_s_process_and_shows_on_the_other(
        proxied, chromium):
    outside: list[str] = []
    holder, other = proxied.ports
    # The other process has the units cached before the import.
    watch = _context(chromium, proxied.cookies[other])
    watch_page = watch.new_page()
    keep_local(watch_page, outside, also=LOOPBACK_TLS)
    before, _ = _briefing_units(watch_page, proxied.url)

    context = _context(chromium, proxied.cookies[holder])
    page = context.new_page()
    keep_local(page, outside, also=LOOPBACK_TLS)
    page.goto(f"{proxied.url}/data")
    _signed_in_as_li(page)
    _heading(page, "data.heading")
    settled(page, TIMEOUT_MS)
    # The layer, chosen as a person would: typed, then Enter on the option shown.
    box = page.locator(f"{_css('data_layer')} input[role='combobox']")
    box.click()
    box.fill(UNITS_LABEL)
    page.get_by_role("option", name=re.compile(re.escape(UNITS_LABEL))).first.wait_for()
    box.press("Enter")
    settled(page, TIMEOUT_MS)
    page.locator(".st-key-data_upload_0 input[type='file']").set_input_files(str(UNITS_GOOD))
    page.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="检查通过").wait_for(timeout=TIMEOUT_MS)

    # The file went to the process holding the page's session, and only that one takes it.
    uploads = proxied.logged(lambda e: "/_stcore/upload_file/" in e["request"])
    assert uploads and all(e["status"] == "204" for e in uploads), uploads
    assert {e["upstream"] for e in uploads} == {f"127.0.0.1:{holder}"}
    session_id = uploads[-1]["request"].split("/_stcore/upload_file/")[1].split("/")[0]
    xsrf = next(c["value"] for c in context.cookies() if c["name"] == "_streamlit_xsrf")
    status, said = _put_direct(other, session_id, xsrf)
    assert status == 400 and "Invalid session_id" in said, (status, said)
    assert _put_direct(holder, session_id, xsrf)[0] == 204

    page.get_by_role("button", name=t("data.import_button", "zh", layer=UNITS_LABEL),
                     exact=True).click()
    page.locator("[data-testid='stAlertContentSuccess']").filter(
        has_text="已导入").wait_for(timeout=TIMEOUT_MS)
    page.close()
    context.close()
    after = GeoPackageStore(proxied.data, settings.path("demo")).read("units")
    assert len(after) == before + ADDED

    # The other process shows it on a fresh page, no restart: no stale cache there.
    count, _ = _briefing_units(watch_page, proxied.url)
    assert count == before + ADDED
    watch_page.close()
    watch.close()
    assert {e["upstream"] for e in proxied.log()
            if e["cookie"] == proxied.cookies[other]} == {f"127.0.0.1:{other}"}
    assert outside == []


@pytest.mark.browser
@pytest.mark.slow
@needs_nginx
def test_when_a_process_stops_its_browsers_carry_on_on_the_other(tmp_path, chromium):
    outside: list[str] = []
    with _two_behind_nginx(tmp_path) as served:
        gone, stays = served.ports
        context = _context(chromium, served.cookies[gone])
        page = context.new_page()
        keep_local(page, outside, also=LOOPBACK_TLS)
        sockets: list = []
        page.on("websocket", lambda ws: sockets.append(ws))
        page.goto(f"{served.url}/units")
        _signed_in_as_li(page)
        _heading(page, "units.heading")
        settled(page, TIMEOUT_MS)
        page.evaluate("() => { window.__tongxin_marker = 1; }")
        assert len(sockets) == 1
        served.stop(gone)
        # The open page reconnects (a new websocket, through nginx to the other process) and
        # goes on working there, still signed in, without reloading: it moves to another page.
        deadline = time.monotonic() + 60
        while len(sockets) < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(200)
        assert len(sockets) >= 2, "the page did not reconnect"
        assert sockets[0].is_closed() and not sockets[-1].is_closed()
        settled(page, TIMEOUT_MS)
        page.get_by_role("link", name=t("nav.sites", "zh"), exact=True).click()
        _heading(page, "sites.heading")
        _signed_in_as_li(page)
        assert page.evaluate("() => window.__tongxin_marker") == 1, "the page reloaded"
        # A new page load is served by the process that is left.
        since = len(served.log())
        page.reload()
        _signed_in_as_li(page)
        _heading(page, "sites.heading")
        page.close()
        context.close()
        after = [e for e in served.log()[since:] if e["cookie"] == served.cookies[gone]]
        assert after and {e["upstream"].split(", ")[-1] for e in after} == \
            {f"127.0.0.1:{stays}"}
    assert outside == []
