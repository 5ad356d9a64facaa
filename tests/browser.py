"""Helpers for browser tests: a real Streamlit server on loopback and Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium itself calls Google's services at start (not the page's doing).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
ARTIFACTS = ROOT / "artifacts"
LOCAL_PREFIXES = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost",
                  "data:", "blob:", "about:")


def keep_local(page, outside: list[str], also: tuple[str, ...] = ()) -> None:
    """Abort every request of ``page`` that would leave the machine, noting it in ``outside``.

    ``also``: more address prefixes that stay on the machine (nginx's HTTPS on loopback).
    """

    def guard(route):
        if route.request.url.startswith((*LOCAL_PREFIXES, *also)):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)


def settled(page, timeout_ms: int = 60_000) -> None:
    """Wait until the script has finished its run (no running indicator)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
                           " || !/Running|Stop/.test(document.querySelector("
                           "\"[data-testid='stStatusWidget']\").innerText)",
                           timeout=timeout_ms)
    page.wait_for_timeout(300)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def streamlit_server(data_path: Path | str, timeout: float = 60.0, base_path: str = "",
                     with_pid: bool = False, script: Path = ROOT / "server.py",
                     accounts: Path | None = None, env: dict[str, str] | None = None) -> Iterator:
    """Run the dashboard on a free loopback port with its own working dataset; yield its URL.

    ``data_path`` is the working dataset: a GeoPackage's path, or a PostGIS database's
    ``postgresql://`` address. ``accounts`` is the accounts file (sessions and sign-in locks
    live beside it): by default ``accounts.json`` beside the GeoPackage, so servers on one
    GeoPackage share them; for a database, one in a folder of this server's own, removed when
    it stops (name one to share it). ``env`` adds or overrides the server's environment.
    ``base_path`` serves it under a prefix, as behind a reverse proxy (``/tongxin/...``).
    ``with_pid`` yields ``(url, pid)`` instead, the server process's id (to watch its memory).
    ``script`` is what Streamlit runs (a benchmark's blank page, say).
    """
    own = None
    if accounts is None and "://" in str(data_path):
        own = tempfile.TemporaryDirectory(prefix="tongxin-accounts-")
        accounts = Path(own.name) / "accounts.json"
    elif accounts is None:
        accounts = Path(data_path).with_name("accounts.json")
    port = _free_port()
    env = {**os.environ, "TONGXIN_DATA": str(data_path), "PYTHONPATH": str(ROOT),
           "TONGXIN_ACCOUNTS": str(accounts), **(env or {})}
    # A file, not a pipe: nobody reads a pipe during a long soak and a full one stalls the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below, after the server
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.baseUrlPath", base_path],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}" + (f"/{base_path.strip('/')}" if base_path else "")
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    msg = f"streamlit did not start: {output[-2000:]}"
                    raise RuntimeError(msg) from None
                time.sleep(0.3)
        yield (url, proc.pid) if with_pid else url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if own is not None:
            own.cleanup()


# The map element: our own component draws each map in the app's page (no iframe); the root
# holds folium's map div and legends, and the Leaflet map as ``root.txMap``.
MAP_ELEMENT = ".tx-map-root"
# Pixels with some paint on the overlay canvas: more than a blank map has.
MIN_PAINTED = 5_000
_PAINTED_JS = """(selector) => {
    const root = document.querySelector(selector);
    const c = root && root.querySelector('.leaflet-overlay-pane canvas');
    if (!c || !c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n; }"""


def map_painted(page, timeout_ms: int = 30_000):
    """Wait until the first map on the page has painted its layers; return the page's frame.

    The map is drawn in the page itself, so this is ``page.main_frame``: scope a locator to
    the map with ``frame.locator(MAP_ELEMENT).first``.
    """
    page.wait_for_selector(MAP_ELEMENT, state="attached", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        try:
            if page.evaluate(_PAINTED_JS, MAP_ELEMENT) > MIN_PAINTED:
                return page.main_frame
        except PlaywrightError:  # the page is navigating or the element was replaced: again
            pass
        page.wait_for_timeout(100)
    msg = "no map painted its layers in time"
    raise AssertionError(msg)
