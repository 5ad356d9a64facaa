"""Load: concurrent browser sessions cycling through every page, and the server's memory.

One Chromium, one browser context per session (its own cookies, cache and Streamlit session),
all driven at once with Playwright's async API against a real server on loopback. Each
session goes round the eight pages as a user does: it opens ``/`` (a full page load), clicks
through the six other pages in the sidebar (the app stays loaded; the server runs each page's
script in the same session), then opens ``/briefing?interval=3600`` (a full load: the wall
screen has no sidebar), and again. Each visit waits for the page's script to finish, its
heading and, on map pages, the map's frame with its drawing canvas. Recorded: every visit's
time, every error (an exception block on the page, a JavaScript error, a timeout) and the
server's resident memory (VmRSS) fresh, after a warm-up round, during and after the load, and
after a further idle spell.

Full loads for every page would mostly measure Chromium booting Streamlit's front end twenty
times over on two cores (2-5 s of CPU each), not the server.

    .venv/bin/python benchmarks/load_bench.py --sessions 20 --duration 120 --idle 60
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

# url path, whether it draws a map. The briefing screen rotates only hourly here (also when
# reached by a click: run the server with TONGXIN_BRIEFING_SECONDS=3600, as main() does): a
# view switching under the measurement is the briefing soak's subject, not this one's.
PAGES = [("", True), ("workstations", True), ("activities", True), ("units", True),
         ("sites", True), ("scorecard", True), ("data", False),
         ("briefing?interval=3600", False)]
BRIEFING_SECONDS = "3600"
# The page's main heading; the briefing screen's is its title bar.
HEADING = ("[data-testid='stMainBlockContainer'] h1, "
           "[data-testid='stMainBlockContainer'] h2, "
           "[data-testid='stMainBlockContainer'] .tx-title")
MAP_FRAME = "iframe[src*='streamlit_folium']"
MAP_DRAWN = ".leaflet-overlay-pane canvas"
SCRIPT_DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"
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
EXCEPTION = "[data-testid='stException']"
MB = 1024 * 1024
VIEWPORT = {"width": 1280, "height": 720}


@dataclass
class Visit:
    """One page visit by one session."""

    session: int
    path: str
    start: float  # seconds since the load began
    seconds: float  # navigation until heading (and map) were there
    error: str | None = None


def rss_mb(pid: int) -> dict[str, float]:
    """Return a process's resident memory now (``rss``) and at its peak (``hwm``), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values["rss" if key == "VmRSS" else "hwm"] = int(rest.split()[0]) / 1024
    return values


async def _visit(page, url: str, path: str, has_map: bool, full: bool,
                 timeout_ms: int) -> str | None:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        if full:
            await page.goto(f"{url}/{path}", wait_until="domcontentloaded", timeout=timeout_ms)
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
            frame = page.frame_locator(MAP_FRAME).first
            await frame.locator(MAP_DRAWN).first.wait_for(state="attached", timeout=timeout_ms)
    except PlaywrightTimeout:
        return f"timeout after {timeout_ms / 1000:.0f} s"
    except PlaywrightError as exc:  # the page crashed, or the connection went
        return f"browser error: {str(exc).splitlines()[0][:200]}"
    return None


async def _after(page, timeout_ms: int) -> str | None:
    # Once the script has finished, an exception it raised is on the page.
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_selector(SCRIPT_DONE, timeout=timeout_ms)
    except PlaywrightTimeout:
        return f"script still running after {timeout_ms / 1000:.0f} s"
    blocks = page.locator(EXCEPTION)
    if await blocks.count():
        return "exception: " + (await blocks.first.inner_text())[:300]
    return None


# Streamlit's spinners, skeletons and transitions animate while a page waits for the server:
# twenty tabs repainting them in software (no GPU) starve the server of CPU on a small box.
_NO_MOTION = """document.addEventListener('DOMContentLoaded', () => {
    const style = document.createElement('style');
    style.textContent = '*, *::before, *::after { animation: none !important; '
        + 'transition: none !important; }';
    document.head.appendChild(style); });"""


async def _context(browser):
    context = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    if os.environ.get("TONGXIN_LOAD_MOTION") != "1":
        await context.add_init_script(_NO_MOTION)
    return context


@dataclass
class _Run:
    """What one drive collects."""

    began: float
    deadline: float
    visits: list[Visit] = field(default_factory=list)
    cut: list[Visit] = field(default_factory=list)  # in flight when the drive was stopped
    rss: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)


async def _session(browser, url: str, number: int, run: _Run, timeout_ms: int,
                   limit: int | None, ramp: float, shared=None, reload: bool = False) -> None:
    await asyncio.sleep(number * ramp)  # users arrive one after another, not in one instant
    context = shared or await _context(browser)
    page = await context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)[:300]))
    first = index = number  # each session starts on a different page
    try:
        while time.monotonic() < run.deadline and (limit is None or index - first < limit):
            path, has_map = PAGES[index % len(PAGES)]
            full = reload or index == first  # a session's first page is opened, not clicked
            index += 1
            start = time.monotonic()
            try:
                error = await _visit(page, url, path, has_map, full, timeout_ms)
                seconds = time.monotonic() - start
                if error is None:
                    error = await _after(page, timeout_ms)
            except asyncio.CancelledError:
                run.cut.append(Visit(number, "/" + path, start - run.began,
                                     time.monotonic() - start, "cut at the end of the run"))
                raise
            if error is None and page_errors:
                error = "page error: " + page_errors[0]
            page_errors.clear()
            run.visits.append(Visit(number, "/" + path, start - run.began, seconds, error))
    finally:
        with contextlib.suppress(Exception):
            await (page.close() if shared else context.close())


async def _drive(url: str, sessions: int, duration: float, timeout_ms: int,
                 pid: int | None, limit: int | None = None, ramp: float = 0.0,
                 grace: float | None = None, shared: bool = False,
                 reload: bool = False) -> _Run:
    """Drive ``sessions`` sessions; none starts a visit after ``duration`` s, and visits still
    running ``grace`` s after that are stopped (recorded in ``cut``, not as errors)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        began = time.monotonic()
        run = _Run(began, began + duration)
        done = asyncio.Event()

        async def sample() -> None:
            while pid and not done.is_set():
                run.rss.append((round(time.monotonic() - began, 1), rss_mb(pid)["rss"]))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout=2)

        sampler = asyncio.create_task(sample())
        context = await _context(browser) if shared else None
        tasks = [asyncio.create_task(
            _session(browser, url, n, run, timeout_ms, limit, ramp, context, reload))
            for n in range(sessions)]
        _, pending = await asyncio.wait(
            tasks, timeout=None if grace is None else duration + grace)
        for task in pending:
            task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, Exception):  # a session that failed outside a visit
                run.visits.append(Visit(-1, "-", 0.0, 0.0, f"session failed: {outcome!r}"))
        done.set()
        await sampler
        await browser.close()
    return run


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run_load(url: str, pid: int, sessions: int = 20, duration: float = 90.0,
             idle: float = 60.0, timeout_s: float = 90.0, ramp: float = 1.0,
             grace: float = 20.0, shared: bool = False, reload: bool = False,
             until: float | None = None) -> dict:
    """Warm the server, load it with ``sessions`` concurrent sessions, let it idle; measure.

    Parameters
    ----------
    url : str
        The running dashboard.
    pid : int
        Its server process (for VmRSS).
    sessions : int
        Concurrent browser sessions.
    duration : float
        Seconds during which sessions start visits (counted from the first session's start).
    idle : float
        Seconds of no traffic before the last memory reading.
    timeout_s : float
        A visit step (navigation, heading, map, script end) slower than this is an error.
    ramp : float
        Seconds between two sessions' arrivals.
    grace : float
        Seconds after ``duration`` that visits in flight may take to end; then they are cut.
    shared : bool
        All sessions as tabs of one browser context (one HTTP and code cache) rather than
        a context each.
    reload : bool
        Open every page by a full page load rather than by a click in the sidebar.
    until : float, optional
        A ``time.monotonic()`` by which everything, idle spell included, must be over: the
        load is shortened to fit (for a test with a time bound).

    Returns
    -------
    dict
        Settings, counts, page times (median, p95, max, per page), errors, RSS readings (MB).
    """
    timeout_ms = int(timeout_s * 1000)
    result: dict = {"sessions": sessions, "duration_s": duration, "idle_s": idle,
                    "timeout_s": timeout_s, "ramp_s": ramp, "shared_context": shared,
                    "navigation": "full page loads" if reload else "sidebar clicks"}
    memory = {"start": rss_mb(pid)["rss"]}
    # One round through every page first: the server's caches and lazy imports are then
    # filled, so what the load adds on top of a warm server is what is measured.
    clock = time.monotonic()
    warm = asyncio.run(_drive(url, 1, float("inf"), timeout_ms, None, limit=len(PAGES)))
    result["warmup_s"] = round(time.monotonic() - clock, 1)
    memory["warm"] = rss_mb(pid)["rss"]

    clock = time.monotonic()
    if until is not None:
        duration = max(min(duration, until - clock - grace - idle - 3), 10.0)
    result["duration_s"] = round(duration, 1)
    run = asyncio.run(_drive(url, sessions, duration, timeout_ms, pid, ramp=ramp, grace=grace,
                             shared=shared, reload=reload))
    result["load_wall_s"] = round(time.monotonic() - clock, 1)
    reading = rss_mb(pid)
    memory["after"] = reading["rss"]
    memory["peak_during"] = max([mb for _, mb in run.rss] + [reading["rss"]])
    memory["hwm"] = reading["hwm"]
    time.sleep(idle)
    memory["after_idle"] = rss_mb(pid)["rss"]
    memory["growth_warm_to_after"] = memory["after"] - memory["warm"]
    memory["growth_warm_to_idle"] = memory["after_idle"] - memory["warm"]
    result["rss_mb"] = {k: round(v, 1) for k, v in memory.items()}
    result["rss_samples"] = run.rss

    visits = run.visits
    good = [v.seconds for v in visits if v.error is None]
    result["visits"] = len(visits)
    result["cut"] = len(run.cut)
    result["errors"] = [asdict(v) for v in [*warm.visits, *visits] if v.error is not None]
    result["error_count"] = len(result["errors"])
    result["warmup_errors"] = sum(v.error is not None for v in warm.visits)
    counts = [sum(v.session == n for v in visits) for n in range(sessions)]
    result["pages_per_session"] = {"min": min(counts, default=0), "max": max(counts, default=0)}
    result["sessions_seen"] = sum(c > 0 for c in counts)
    result["peak_concurrent_visits"] = _peak_overlap(
        [(v.start, v.start + v.seconds) for v in [*visits, *run.cut]])
    result["page_s"] = {"median": _round(statistics.median(good) if good else None),
                        "p95": _round(_percentile(good, 0.95) if good else None),
                        "max": _round(max(good) if good else None)}
    per_page = {}
    for path, _ in PAGES:
        times = [v.seconds for v in visits if v.path == "/" + path and v.error is None]
        per_page["/" + path] = {
            "visits": sum(v.path == "/" + path for v in visits),
            "median": _round(statistics.median(times) if times else None),
            "p95": _round(_percentile(times, 0.95) if times else None)}
    result["per_page"] = per_page
    return result


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _peak_overlap(spans: list[tuple[float, float]]) -> int:
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def markdown(result: dict) -> str:
    """Return the result as the README's Markdown tables."""
    rss = result["rss_mb"]
    lines = [
        f"{result['sessions']} concurrent sessions for {result['duration_s']:.0f} s "
        f"({result['visits']} page visits, {result['pages_per_session']['min']}-"
        f"{result['pages_per_session']['max']} per session, at most "
        f"{result['peak_concurrent_visits']} at once), {result['error_count']} errors",
        "",
        "| page | visits | median (s) | p95 (s) |",
        "| --- | ---: | ---: | ---: |",
    ]
    for path, row in result["per_page"].items():
        lines.append(f"| {path} | {row['visits']} | {row['median']} | {row['p95']} |")
    page = result["page_s"]
    lines.append(f"| **all** | **{result['visits']}** | **{page['median']}** | "
                 f"**{page['p95']}** |")
    lines += [
        "",
        "| server memory (RSS, MB) | |",
        "| --- | ---: |",
        f"| fresh | {rss['start']:.0f} |",
        f"| after one warm-up pass | {rss['warm']:.0f} |",
        f"| peak during the load | {rss['peak_during']:.0f} |",
        f"| right after the load | {rss['after']:.0f} |",
        f"| after {result['idle_s']:.0f} s idle | {rss['after_idle']:.0f} |",
    ]
    return "\n".join(lines)


def main() -> int:
    """Run the load on a private copy of the demo and print the Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    parser.add_argument("--idle", type=float, default=60.0, help="seconds idle afterwards")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per visit step")
    parser.add_argument("--ramp", type=float, default=1.0, help="seconds between arrivals")
    parser.add_argument("--shared", action="store_true",
                        help="sessions as tabs of one browser context, not a context each")
    parser.add_argument("--reload", action="store_true",
                        help="open every page by a full page load, not a sidebar click")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    os.environ["TONGXIN_BRIEFING_SECONDS"] = BRIEFING_SECONDS  # the server inherits it
    with tempfile.TemporaryDirectory() as tmp, \
            streamlit_server(Path(tmp) / "tongxin.gpkg", with_pid=True) as (url, pid):
        result = run_load(url, pid, args.sessions, args.duration, args.idle, args.timeout,
                          args.ramp, shared=args.shared, reload=args.reload)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(markdown(result))
    for error in result["errors"][:10]:
        print(f"error: session {error['session']} {error['path']}: {error['error']}")
    return 0 if result["error_count"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
