"""Load: concurrent sessions going round every page on loopback, and the server's memory.

Two kinds of real client, driven at once from one asyncio loop against a real server:

- **wire sessions** (``--sessions``, default 20): each opens Streamlit's websocket
  (``/_stcore/stream``) and speaks its protocol as the browser's front end does: it asks for a
  page (a ``rerun_script`` with the page's URL path and query string, carrying on the query the
  server set) and reads what comes back until the script run finishes. The server cannot tell
  it from a browser: it runs the same scripts in the same sessions and sends the same deltas.
  A visit is whole when the run finished, a heading came (the briefing screen's title bar
  there), on map pages the map component (``ui/map_component.py``), and no exception element.
- **browser tabs** (``--browsers``, default 2): tabs of one Chromium (Playwright's async API),
  each its own session, which open one page and then click through the sidebar as users do,
  waiting for the page's heading, on map pages the map element drawn with its canvas, and the
  end of the script run; a JavaScript error or an exception block on the page is an error.

Why not only browsers: on a 2-core machine twenty Chromium tabs are the load, not the server.
Measured: a new tab costs Chromium 3-5 s of CPU to boot Streamlit's front end and a page switch
1-2.5 s, against 0.4-1 s for the server; with 20 tabs Chromium used 112 s of CPU to the server's
20 s, and on a busy machine not one of 20 first page loads came back within 70 s.
``--sessions 0 --browsers 20`` runs it that way all the same.

Every session starts on a different page (session n on page n), so every page is asked for at
once. The briefing screen is asked for with ``?interval=3600`` (browser tabs reach it by click:
the server's default rotation is set to an hour), so no view switches under the measurement.
Recorded: every visit's time, every error (an exception element or block, a JavaScript error, a
timeout, a closed connection), and the server's resident memory (VmRSS) fresh, after a warm-up
round through every page, during and right after the load, and after an idle spell.

    .venv/bin/python benchmarks/load_bench.py --sessions 20 --browsers 2 --duration 120
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.synthetic import write_synthetic
from core import settings
from layers import divisions
from storage import PostGISStore, Store, open_store
from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from tests.districts import as_district
from tests.pg import pg_server

# url path (with its query), whether it draws a map.
PAGES = [("", True), ("workstations", True), ("activities", True), ("units", True),
         ("sites", True), ("scorecard", True), ("data", False),
         ("briefing?interval=3600", False)]
CITY_PAGE = ("city", False)  # the city page, when the database holds several districts
BRIEFING_SECONDS = "3600"  # TONGXIN_BRIEFING_SECONDS for the server: browser tabs click there
# The map element's st.components.v2 component (ui/map_component.py): a bidi_component delta.
MAP_COMPONENT = "tongxin_map"
BRIEFING_TITLE = "tx-title"

# In the browser: the page's main heading (the briefing screen's is its title bar), the map.
HEADING = ("[data-testid='stMainBlockContainer'] h1, "
           "[data-testid='stMainBlockContainer'] h2, "
           f"[data-testid='stMainBlockContainer'] .{BRIEFING_TITLE}")
# The map is drawn in the page itself; the element is marked drawn once it holds ink.
MAP_DRAWN = ".tx-map-root[data-drawn-at] .leaflet-overlay-pane canvas"
SCRIPT_DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
VIEWPORT = {"width": 1280, "height": 720}
# Before a click: note every start of a script run, so "finished" means the new page's run.
_WATCH_JS = """() => { const app = document.querySelector('[data-testid="stApp"]');
    window.txRan = false;
    if (!window.txWatch) {
        window.txWatch = new MutationObserver(() => {
            if (app.getAttribute('data-test-script-state') === 'running') window.txRan = true; });
        window.txWatch.observe(app, {attributes: true,
                                     attributeFilter: ['data-test-script-state']}); } }"""
_RAN_JS = """() => window.txRan && document.querySelector('[data-testid="stApp"]')
    .getAttribute('data-test-script-state') === 'notRunning'"""


@dataclass
class Visit:
    """One page visit by one session."""

    client: str  # "wire" or "browser"
    session: int
    path: str
    start: float  # seconds since the load began
    seconds: float  # request until the page was whole
    error: str | None = None


@dataclass
class _Run:
    """What one drive collects."""

    began: float
    deadline: float  # no visit starts after it
    visits: list[Visit] = field(default_factory=list)
    cut: list[Visit] = field(default_factory=list)  # in flight when the drive was stopped
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)
    # A city's database: the districts the sessions are spread over (session n on district
    # n), each session's pages then that district's, and the city page among them.
    districts: tuple[str, ...] = ()

    @property
    def pages(self) -> list[tuple[str, bool]]:
        """Return the pages the sessions go round."""
        return [*PAGES, CITY_PAGE] if len(self.districts) > 1 else PAGES

    def start_query(self, number: int) -> str:
        """Return session ``number``'s first query: its district's, in a city's database."""
        if not self.districts:
            return ""
        return urlencode({"district": self.districts[number % len(self.districts)]})


def rss_mb(pid: int) -> dict[str, float]:
    """Return a process's resident memory now (``rss``) and at its peak (``hwm``), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values["rss" if key == "VmRSS" else "hwm"] = int(rest.split()[0]) / 1024
    return values


def cpu_s(pid: int) -> float:
    """Return the CPU time (user + system, s) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_s(db_name: str | None) -> float:
    """Return the CPU time (s) used so far by PostgreSQL's server processes for ``db_name``.

    A backend's command line names its database (``postgres: USER DB HOST(PORT) idle``); the
    dashboard's pools keep theirs open through the load, so before and after can be compared.
    """
    if not db_name:
        return 0.0
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            words = (proc / "cmdline").read_bytes().decode(errors="replace").split()
            if len(words) > 2 and words[0] == "postgres:" and words[2] == db_name:
                total += cpu_s(int(proc.name))
        except (OSError, ValueError):  # the process ended meanwhile
            continue
    return total


# -- wire sessions ------------------------------------------------------------------------

async def _wire_visit(ws, page_name: str, query: str, has_map: bool) -> tuple[str | None, str]:
    """Ask for one page; return (error or None, the query string the server left)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    request = BackMsg()
    request.rerun_script.query_string = query
    request.rerun_script.page_name = page_name
    await ws.send(request.SerializeToString())
    heading = component = missing = False
    exceptions: list[str] = []
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await ws.recv())
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            what = element.WhichOneof("type")
            heading = heading or what == "heading" or (
                what == "html" and BRIEFING_TITLE in element.html.body)
            component = component or (what == "bidi_component" and MAP_COMPONENT in
                                       element.bidi_component.component_name)
            if what == "exception":
                exceptions.append(f"{element.exception.type}: {element.exception.message}")
        elif kind == "page_info_changed":
            query = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            missing = True  # read on to the end of the run, to stay in step
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                heading = component = False  # the page reruns (st.rerun): wait for that run
                continue
            break
    if exceptions:
        return "exception: " + exceptions[0][:300], query
    if missing:
        return "page not found", query
    if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
        return "script did not compile", query
    if not heading:
        return "no heading", query
    if has_map and not component:
        return "no map", query
    return None, query


def _query_for(path: str, carried: str) -> tuple[str, str]:
    # The page name and the query to send: the one the server last set (filters travel in
    # it, as in the browser's address bar) with the page's own on top; the briefing screen's
    # interval only on the briefing screen.
    name, _, own = path.partition("?")
    params = {k: v for k, v in parse_qsl(carried) if k != "interval"}
    params.update(parse_qsl(own))
    return name, urlencode(params)


async def _wire_session(url: str, number: int, run: _Run, timeout_s: float,
                        limit: int | None, ramp: float) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import WebSocketException

    await asyncio.sleep(number * ramp)
    first = index = number  # each session starts on a different page
    carried = run.start_query(number)  # the server keeps a city session's district in it
    stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    async with connect(stream, subprotocols=["streamlit"], max_size=None, proxy=None,
                       open_timeout=timeout_s) as ws:
        while time.monotonic() < run.deadline and (limit is None or index - first < limit):
            path, has_map = run.pages[index % len(run.pages)]
            index += 1
            name, query = _query_for(path, carried)
            start = time.monotonic()
            try:
                error, carried = await asyncio.wait_for(
                    _wire_visit(ws, name, query, has_map), timeout_s)
            except TimeoutError:
                error = f"timeout after {timeout_s:.0f} s"
            except WebSocketException as exc:
                error = f"connection closed: {exc}"
            except asyncio.CancelledError:
                run.cut.append(Visit("wire", number, "/" + path, start - run.began,
                                     time.monotonic() - start, "cut at the end of the run"))
                raise
            run.visits.append(Visit("wire", number, "/" + path, start - run.began,
                                    time.monotonic() - start, error))
            if error and error.startswith(("timeout", "connection")):
                break  # the session's stream is out of step or gone


# -- browser tabs ---------------------------------------------------------------------------

async def _browser_visit(page, url: str, path: str, has_map: bool, full: bool,
                         timeout_ms: int, query: str = "") -> str | None:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        if full:
            joined = f"{path}{'&' if '?' in path else '?'}{query}" if query else path
            await page.goto(f"{url}/{joined}", wait_until="domcontentloaded", timeout=timeout_ms)
        else:
            # A click on the page's link in the sidebar, as a user does. Dispatched from the
            # page, since the briefing screen hides the sidebar (its links stay in place).
            await page.evaluate(_WATCH_JS)
            link = f"[data-testid='stSidebarNav'] a[href='{url}/{path.split('?')[0]}']"
            await page.wait_for_selector(link, state="attached", timeout=timeout_ms)
            await page.evaluate("(sel) => document.querySelector(sel).click()", link)
            await page.wait_for_function(_RAN_JS, timeout=timeout_ms)
        await page.wait_for_selector(HEADING, timeout=timeout_ms)
        if has_map:
            await page.locator(MAP_DRAWN).first.wait_for(state="attached", timeout=timeout_ms)
        await page.wait_for_selector(SCRIPT_DONE, timeout=timeout_ms)
    except PlaywrightTimeout:
        return f"timeout after {timeout_ms / 1000:.0f} s"
    except PlaywrightError as exc:  # the page crashed, or the connection went
        return f"browser error: {str(exc).splitlines()[0][:200]}"
    blocks = page.locator(EXCEPTION)
    if await blocks.count():
        return "exception: " + (await blocks.first.inner_text())[:300]
    return None


async def _browser_session(context, url: str, number: int, run: _Run, timeout_s: float,
                           limit: int | None, ramp: float) -> None:
    await asyncio.sleep(number * ramp)
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)[:300]))
    first = index = number
    try:
        while time.monotonic() < run.deadline and (limit is None or index - first < limit):
            path, has_map = run.pages[index % len(run.pages)]
            full = index == first  # a tab opens its first page; then it clicks
            index += 1
            start = time.monotonic()
            try:
                error = await _browser_visit(page, url, path, has_map, full,
                                             int(timeout_s * 1000), run.start_query(number))
            except asyncio.CancelledError:
                run.cut.append(Visit("browser", number, "/" + path, start - run.began,
                                     time.monotonic() - start, "cut at the end of the run"))
                raise
            if error is None and page_errors:
                error = "page error: " + page_errors[0]
            page_errors.clear()
            run.visits.append(Visit("browser", number, "/" + path, start - run.began,
                                    time.monotonic() - start, error))
    finally:
        with contextlib.suppress(Exception):
            await page.close()


# -- the drive --------------------------------------------------------------------------------

async def _drive(urls: list[str], sessions: int, browsers: int, duration: float,
                 timeout_s: float, pids: list[int] | None, limit: int | None = None,
                 ramp: float = 0.0, grace: float | None = None,
                 districts: tuple[str, ...] = ()) -> _Run:
    """Run the sessions at once; none starts a visit after ``duration`` s, and visits still
    running ``grace`` s after that are stopped (recorded in ``cut``, not as errors).

    Session n talks to ``urls[n % len(urls)]`` for its whole life, as nginx's sticky routing
    keeps a user on one process."""
    async with contextlib.AsyncExitStack() as stack:
        context = None
        if browsers:
            from playwright.async_api import async_playwright

            playwright = await stack.enter_async_context(async_playwright())
            browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                       args=CHROMIUM_ARGS)
            stack.push_async_callback(browser.close)
            # One context: the tabs share its HTTP and compiled-code caches, as a user's
            # browser would; each tab is still its own Streamlit session.
            context = await browser.new_context(viewport=VIEWPORT)
        began = time.monotonic()
        run = _Run(began, began + duration, districts=districts)
        done = asyncio.Event()

        async def sample() -> None:
            while pids and not done.is_set():
                run.rss.append((round(time.monotonic() - began, 1),
                                sum(rss_mb(pid)["rss"] for pid in pids)))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=2)

        sampler = asyncio.create_task(sample())
        tasks = [asyncio.create_task(
            _wire_session(urls[n % len(urls)], n, run, timeout_s, limit, ramp))
                 for n in range(sessions)]
        tasks += [asyncio.create_task(
            _browser_session(context, urls[n % len(urls)], n, run, timeout_s, limit, ramp))
            for n in range(browsers)]
        _, pending = await asyncio.wait(
            tasks, timeout=None if grace is None else duration + grace)
        for task in pending:
            task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, Exception):  # a session that failed outside a visit
                run.visits.append(Visit("?", -1, "-", 0.0, 0.0, f"session failed: {outcome!r}"))
        done.set()
        await sampler
    return run


def run_load(urls: list[str], pids: list[int], sessions: int = 20, browsers: int = 2,
             duration: float = 90.0, idle: float = 60.0, timeout_s: float = 90.0,
             ramp: float = 0.25, grace: float = 20.0, until: float | None = None,
             db_name: str | None = None, districts: tuple[str, ...] = ()) -> dict:
    """Warm the servers, load them with concurrent sessions, let them idle; measure.

    Parameters
    ----------
    urls : list of str
        The running dashboard's processes (one address each); sessions are spread over them.
    pids : list of int
        Their server processes (for VmRSS and CPU time).
    sessions : int
        Concurrent wire sessions.
    browsers : int
        Concurrent browser tabs (each its own session too).
    duration : float
        Seconds during which sessions start visits (counted from the first session's start).
    idle : float
        Seconds of no traffic before the last memory reading.
    timeout_s : float
        A visit (a wire session's) or a visit step (a tab's) slower than this is an error.
    ramp : float
        Seconds between two sessions' arrivals.
    grace : float
        Seconds after ``duration`` that visits in flight may take to end; then they are cut.
    until : float, optional
        A ``time.monotonic()`` by which everything, idle spell included, must be over: the
        load is shortened to fit (for a test with a time bound).
    db_name : str, optional
        The PostgreSQL database the processes use, when they use one: the CPU time of its
        server processes is measured too.
    districts : tuple of str, optional
        The districts of a city's database: session n shows district n's pages (by the
        address's ``?district=``), and the city page is among the pages.

    Returns
    -------
    dict
        Settings, counts, page times (median, p95, max; per page and kind of client), errors,
        RSS readings (MB).
    """
    result: dict = {"sessions": sessions, "browsers": browsers, "idle_s": idle,
                    "timeout_s": timeout_s, "ramp_s": ramp}
    result["processes"] = len(urls)

    def rss() -> float:
        return sum(rss_mb(pid)["rss"] for pid in pids)

    memory = {"start": rss()}
    # One round through every page on every process first: the servers' caches and lazy
    # imports are then filled, so what the load adds on top of warm servers is what is measured.
    clock = time.monotonic()
    warm = asyncio.run(_drive(urls, len(urls), 0, float("inf"), timeout_s, None,
                              limit=len(PAGES) + 1, districts=districts))
    result["warmup_s"] = round(time.monotonic() - clock, 1)
    memory["warm"] = rss()

    clock = time.monotonic()
    if until is not None:
        window = until - clock - idle - 2
        grace = max(min(grace, window / 4), 5.0)
        duration = max(min(duration, window - grace), 10.0)
    result["duration_s"], result["grace_s"] = round(duration, 1), round(grace, 1)
    cpu_before, db_before = sum(cpu_s(pid) for pid in pids), database_cpu_s(db_name)
    run = asyncio.run(_drive(urls, sessions, browsers, duration, timeout_s, pids, ramp=ramp,
                             grace=grace, districts=districts))
    result["load_wall_s"] = round(time.monotonic() - clock, 1)
    result["server_cpu_s"] = round(sum(cpu_s(pid) for pid in pids) - cpu_before, 1)
    result["database_cpu_s"] = round(database_cpu_s(db_name) - db_before, 1)
    memory["after"] = rss()
    memory["peak_during"] = max([mb for _, mb in run.rss] + [memory["after"]])
    memory["hwm"] = sum(rss_mb(pid)["hwm"] for pid in pids)
    time.sleep(idle)
    memory["after_idle"] = rss()
    memory["growth_warm_to_after"] = memory["after"] - memory["warm"]
    memory["growth_warm_to_idle"] = memory["after_idle"] - memory["warm"]
    result["rss_mb"] = {k: round(v, 1) for k, v in memory.items()}
    result["rss_samples"] = run.rss

    visits = run.visits
    result["visits"] = len(visits)
    # What one page visit costs the servers' CPUs (and the database's): how many a bigger
    # machine serves in a second follows from it.
    result["cpu_s_per_visit"] = round(result["server_cpu_s"] / max(len(visits), 1), 3)
    result["db_cpu_s_per_visit"] = round(result["database_cpu_s"] / max(len(visits), 1), 3)
    result["cut"] = len(run.cut)
    result["pages_asked"] = sorted({v.path for v in [*visits, *run.cut]})
    result["errors"] = [asdict(v) for v in [*warm.visits, *visits] if v.error is not None]
    result["error_count"] = len(result["errors"])
    result["warmup_errors"] = sum(v.error is not None for v in warm.visits)
    result["peak_concurrent_visits"] = _peak_overlap(
        [(v.start, v.start + v.seconds) for v in [*visits, *run.cut]])
    for client, count in (("wire", sessions), ("browser", browsers)):
        mine = [v for v in visits if v.client == client]
        per_session = [sum(v.session == n for v in mine) for n in range(count)]
        result[client] = {
            "visits": len(mine), "cut": sum(v.client == client for v in run.cut),
            "per_session": {"min": min(per_session, default=0),
                            "max": max(per_session, default=0)},
            "seconds": _stats([v.seconds for v in mine if v.error is None]),
            "per_page": {"/" + path: _stats([v.seconds for v in mine if v.error is None and
                                             v.path == "/" + path])
                         for path, _ in run.pages}}
    return result


def _stats(times: list[float]) -> dict:
    if not times:
        return {"n": 0, "median": None, "p95": None, "max": None}
    return {"n": len(times), "median": round(statistics.median(times), 2),
            "p95": round(_percentile(times, 0.95), 2), "max": round(max(times), 2)}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _peak_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def markdown(result: dict) -> str:
    """Return the result as the README's Markdown tables."""
    wire, tabs = result["wire"], result["browser"]
    lines = [
        f"{result.get('processes', 1)} process(es), {result.get('store', 'gpkg')}, "
        f"x{result.get('scale', 1)}, {result.get('districts', 1)} district(s): "
        f"{result['sessions']} wire sessions and {result['browsers']} browser tabs at once, "
        f"starting visits for {result['duration_s']:.0f} s: {result['visits']} page visits "
        f"(wire {wire['visits']}, {wire['per_session']['min']}-{wire['per_session']['max']} "
        f"per session; browser {tabs['visits']}), up to {result['peak_concurrent_visits']} "
        f"at once, {result['error_count']} errors",
        "",
        "| page | wire visits | wire median (s) | wire p95 (s) | browser visits | "
        "browser median (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def cell(value):
        return "-" if value is None else f"{value:.2f}"

    for path, _ in [*PAGES, CITY_PAGE]:
        if "/" + path not in wire["per_page"]:
            continue  # the city page, with one district
        w, b = wire["per_page"]["/" + path], tabs["per_page"]["/" + path]
        lines.append(f"| /{path} | {w['n']} | {cell(w['median'])} | {cell(w['p95'])} | "
                     f"{b['n']} | {cell(b['median'])} |")
    w, b = wire["seconds"], tabs["seconds"]
    lines.append(f"| **all** | **{w['n']}** | **{cell(w['median'])}** | **{cell(w['p95'])}** "
                 f"| **{b['n']}** | **{cell(b['median'])}** |")
    rss = result["rss_mb"]
    lines += [
        "",
        "| server memory (RSS, MB) | |",
        "| --- | ---: |",
        f"| fresh | {rss['start']:.0f} |",
        f"| after one warm-up round | {rss['warm']:.0f} |",
        f"| peak during the load | {rss['peak_during']:.0f} |",
        f"| right after the load | {rss['after']:.0f} |",
        f"| after {result['idle_s']:.0f} s idle | {rss['after_idle']:.0f} |",
        "",
        f"CPU during the load: servers {result['server_cpu_s']:.0f} s "
        f"({result['cpu_s_per_visit']:.3f} s a visit), database {result['database_cpu_s']:.0f} s "
        f"({result['db_cpu_s_per_visit']:.3f} s a visit), over {result['load_wall_s']:.0f} s.",
    ]
    return "\n".join(lines)


def main() -> int:
    """Run the load on a private copy of the data and print the Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20, help="wire sessions")
    parser.add_argument("--browsers", type=int, default=2, help="Chromium tabs")
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds idle afterwards")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per visit")
    parser.add_argument("--ramp", type=float, default=0.25, help="seconds between arrivals")
    parser.add_argument("--processes", type=int, default=1,
                        help="dashboard processes sharing the data (sessions spread over them)")
    parser.add_argument("--store", choices=("gpkg", "postgis"), default="gpkg",
                        help="a GeoPackage file, or a PostGIS database on a throwaway cluster")
    parser.add_argument("--scale", type=int, default=1,
                        help="the demo (1), or a synthetic district of that many demos "
                             "(benchmarks/synthetic.py; 10 is a city)")
    parser.add_argument("--districts", type=int, default=1,
                        help="with --store postgis: that many districts in the database (the "
                             "demo's data under other districts' codes), sessions spread over "
                             "them, and the city page among the pages")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    os.environ["TONGXIN_BRIEFING_SECONDS"] = BRIEFING_SECONDS  # the servers inherit it
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if args.scale > 1:
            # The synthetic district is the "demo" a new working dataset is made from.
            os.environ["TONGXIN_DEMO"] = str(write_synthetic(Path(tmp) / "synthetic.gpkg",
                                                             args.scale))
        data: Path | str = Path(tmp) / "tongxin.gpkg"
        db_name = None
        codes: tuple[str, ...] = ()
        if args.store == "postgis":
            data = stack.enter_context(pg_server()).new_database()
            db_name = data.rsplit("/", 1)[1]
            # Made once here, not by the servers racing at their first page.
            codes = add_districts(data, args.districts)
        else:
            open_store_at(str(data)).close()
        servers = [stack.enter_context(streamlit_server(data, with_pid=True))
                   for _ in range(args.processes)]
        result = run_load([url for url, _ in servers], [pid for _, pid in servers],
                          args.sessions, args.browsers, args.duration, args.idle, args.timeout,
                          args.ramp, db_name=db_name, districts=codes)
    result.update(store=args.store, scale=args.scale, districts=len(codes) or 1)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(markdown(result))
    for error in result["errors"][:10]:
        print(f"error: {error['client']} session {error['session']} {error['path']}: "
              f"{error['error']}")
    return 0 if result["error_count"] == 0 else 1


def add_districts(dsn: str, count: int) -> tuple[str, ...]:
    """Make the database at ``dsn`` (from the demo) and add ``count - 1`` more districts.

    Each added district holds the demo's data under a Gansu district's code and name (a city
    of ``count`` districts of the demo's size). Returns every district's code, the demo's
    first; () for one district.
    """
    store = open_store_at(dsn)
    try:
        if count <= 1:
            return ()
        home = store.dump()
        own = store.district_code()
        gansu = [d for d in divisions.districts_of("620000") if d.adcode != own]
        for division in gansu[:count - 1]:
            added, _ = PostGISStore.create(
                dsn, as_district(home, division.adcode, division.name), settings.path("demo"),
                entry={"action": "migrate", "user": "bench"})
            added.close()
        return (own, *[d.adcode for d in gansu[:count - 1]])
    finally:
        store.close()


def open_store_at(data: str | Path) -> Store:
    """Open (and so create, from the demo setting) the working dataset at ``data``."""
    os.environ["TONGXIN_DATA"] = str(data)
    return open_store()


if __name__ == "__main__":
    sys.exit(main())
