"""Soak the briefing wall screen: rotate it through hundreds of views and watch its memory."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_PREFIXES, streamlit_server

# Views in ui.briefing_views.VIEWS. Importing it outside a running app only logs warnings, so
# the count is written here and checked against the page's dots (one per view) at start.
VIEW_COUNT = 4
# Samples are taken on the units view: plain HTML, no chart or map still loading, so whatever
# other views leave behind stands out, and every sample compares like with like.
SAMPLE_VIEW = 2
POLL_S = 0.1  # well under the 1 s minimum interval, so no rotation slips past unseen
FIRST_PAINT_S = 180  # the first visit fills every server cache: allow a cold, slow start
# Thresholds from the brief: steady growth above these, end vs warm baseline, is a leak.
GROWTH_PCT = 10.0
RSS_GROWTH_MB = 30.0
MB = 1024 * 1024

# The current view: its name, and which dot is lit (its index, so skipped polls still count).
# Also Streamlit's script state, so samples wait until the view has finished drawing.
_VIEW_JS = """() => {
    const v = document.querySelector('.tx-view');
    const dots = Array.from(document.querySelectorAll('.tx-dots span'));
    const app = document.querySelector('[data-testid="stApp"]');
    return v ? [v.textContent, dots.findIndex(d => d.classList.contains('on')),
                app && app.getAttribute('data-test-script-state')] : null; }"""
_DOM_JS = """() => [document.getElementsByTagName('*').length,
                    document.getElementsByTagName('iframe').length]"""


@dataclass
class Sample:
    """One measurement of the browser and the server at a point in the soak."""

    label: str
    rotations: int
    heap_mb: float
    dom_nodes: int
    iframes: int
    rss_mb: float
    documents: int  # CDP: documents alive in the renderer, detached ones included
    renderer_nodes: int  # CDP: DOM nodes alive in the renderer, detached ones included
    listeners: int  # CDP: JS event listeners


def child_pids() -> list[int]:
    """Return the PIDs of this process's children, read from /proc.

    Returns
    -------
    list of int
        Children's PIDs (the Streamlit server, Playwright's driver).
    """
    children = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            # Field 4 of stat is the parent; the name (field 2) may hold spaces, so split after it.
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):  # a process that ended meanwhile
            continue
        if ppid == os.getpid():
            children.append(int(proc.name))
    return children


def listening_pid(port: int) -> int:
    """Return the PID of our child process listening on a loopback TCP port, read from /proc.

    Parameters
    ----------
    port : int
        The TCP port the server listens on.

    Returns
    -------
    int
        The PID that holds the listening socket.

    Raises
    ------
    RuntimeError
        If no child of ours holds a listening socket on that port.
    """
    # tests/browser.py keeps its Popen to itself: find the socket's inode, then its owner.
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # st == 0A is LISTEN; the local address ends in the port in hex.
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    # Only our own children: the server measured must be the one this script started.
    for pid in child_pids():
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return pid
        except OSError:  # the child ended meanwhile
            continue
    msg = f"no child of ours listens on port {port}"
    raise RuntimeError(msg)


def rss_mb(pid: int) -> float:
    """Return a process's resident set size (VmRSS) in MB.

    Parameters
    ----------
    pid : int
        Process id.

    Returns
    -------
    float
        VmRSS in MB.
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    msg = f"no VmRSS for process {pid}"
    raise RuntimeError(msg)


def measure(page, cdp, pid: int, label: str, rotations: int) -> Sample:
    """Force a garbage collection, then measure the page's heap and DOM and the server's RSS.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The briefing page.
    cdp : playwright.sync_api.CDPSession
        A DevTools session on that page.
    pid : int
        The Streamlit server's PID.
    label : str
        The sample's name in the table.
    rotations : int
        Rotations seen so far.

    Returns
    -------
    Sample
        The measurements.
    """
    # Without a collection the heap reads whatever garbage happens to be pending: noise.
    if page.evaluate("() => typeof window.gc === 'function'"):
        page.evaluate("() => { window.gc(); window.gc(); }")  # twice: finalizers free more
    else:
        cdp.send("HeapProfiler.collectGarbage")
    heap = page.evaluate("() => performance.memory.usedJSHeapSize")
    nodes, iframes = page.evaluate(_DOM_JS)
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return Sample(label, rotations, heap / MB, nodes, iframes, rss_mb(pid),
                  int(metrics.get("Documents", 0)), int(metrics.get("Nodes", 0)),
                  int(metrics.get("JSEventListeners", 0)))


def soak(data_path: Path, rotations: int, interval: int, time_limit: float,
         sample_view: int) -> tuple[list[Sample], bool, list[str]]:
    """Run the server and the browser, rotate the briefing screen, and sample along the way.

    Parameters
    ----------
    data_path : Path
        The private working dataset (TONGXIN_DATA) for the server.
    rotations : int
        Rotations to watch, counted from the first view.
    interval : int
        Seconds per view (``?interval=``).
    time_limit : float
        Seconds the rotation may take in all before the soak gives up.
    sample_view : int
        Index of the view every sample is taken on, once it has finished drawing.

    Returns
    -------
    samples : list of Sample
        Warm baseline, every 25 %, and the end.
    kept : bool
        Whether the page's marker survived, i.e. the page never fully reloaded.
    problems : list of str
        Page errors, reloads and blocked off-loopback requests, if any.
    """
    from playwright.sync_api import sync_playwright

    # Warm baseline after one full cycle; then every quarter of the soak (the last is the end).
    # Each is taken at the first settled sample view at or after its mark: like for like, and
    # never mid-redraw (a view being replaced shows old and new elements at once).
    marks = [(VIEW_COUNT, "warm (cycle 1)")]
    marks += [(max(VIEW_COUNT + 1, rotations * q // 4), f"{25 * q}%") for q in (1, 2, 3)]
    marks.append((rotations, "end"))
    problems: list[str] = []
    samples: list[Sample] = []
    loads = []
    with streamlit_server(data_path) as url, sync_playwright() as p:
        pid = listening_pid(int(url.rsplit(":", 1)[1]))
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[*CHROMIUM_ARGS, "--enable-precise-memory-info", "--js-flags=--expose-gc"])
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})

            def guard(route):
                # Loopback only: anything else is a fault in the page, not a thing to fetch.
                if route.request.url.startswith(LOCAL_PREFIXES):
                    route.continue_()
                else:
                    problems.append(f"blocked {route.request.url}")
                    route.abort()

            page.route("**/*", guard)
            page.on("pageerror", lambda err: problems.append(f"page error: {err}"))
            # "load" fires on full loads only (not on Streamlit's query-string updates).
            page.on("load", lambda _: loads.append(time.monotonic()))
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            page.goto(f"{url}/briefing?interval={interval}")
            page.wait_for_selector(".tx-view", timeout=FIRST_PAINT_S * 1000)
            # A full reload would build a fresh window and drop this.
            page.evaluate("() => { window.__tongxin_marker = 1; }")
            dots = page.evaluate("() => document.querySelectorAll('.tx-dots span').length")
            if dots != VIEW_COUNT:
                msg = f"the page rotates {dots} views, not {VIEW_COUNT}: update VIEW_COUNT"
                raise RuntimeError(msg)
            reloads_before = len(loads)
            seen, last = 0, page.evaluate(_VIEW_JS)
            # A wedged rotation (no new view for this long) ends the soak rather than hanging.
            stall_s = max(60.0, 10.0 * interval)
            start = last_change = time.monotonic()
            for _ in range(int(time_limit / POLL_S) + 1):
                now = time.monotonic()
                if not marks or now - start > time_limit or now - last_change > stall_s:
                    break
                page.wait_for_timeout(POLL_S * 1000)
                current = page.evaluate(_VIEW_JS)
                if not current:
                    continue  # mid-rerun the fragment may be briefly empty: wait for the view
                if last and current[:2] != last[:2]:
                    if current[1] >= 0 and last[1] >= 0:
                        # Count by the lit dot: if a poll missed a view, the step counts it.
                        seen += (current[1] - last[1]) % VIEW_COUNT
                    else:
                        seen += 1
                    last_change = time.monotonic()
                last = current
                settled = current[1] == sample_view and current[2] == "notRunning"
                if settled and marks[0][0] <= seen:
                    # Marks passed together (a slow stretch) make one sample, under the latest.
                    label = [name for mark, name in marks if mark <= seen][-1]
                    marks = [(mark, name) for mark, name in marks if mark > seen]
                    samples.append(measure(page, cdp, pid, label, seen))
                    print(f"  {label}: {seen} rotations, {time.monotonic() - start:.0f} s",
                          file=sys.stderr, flush=True)
            if marks:
                problems.append(f"stopped at {seen} rotations, short of {marks[-1][0]} "
                                f"({time.monotonic() - start:.0f} s)")
                samples.append(measure(page, cdp, pid, "end (stopped)", seen))
            kept = page.evaluate("() => window.__tongxin_marker === 1")
            if len(loads) > reloads_before:
                problems.append(f"{len(loads) - reloads_before} full page load(s) during soak")
        finally:
            browser.close()
    return samples, kept, problems


def watchdog(seconds: float) -> threading.Timer:
    """Start a timer that ends the run, and the processes it started, if it overruns.

    Parameters
    ----------
    seconds : float
        Time allowed for the whole run.

    Returns
    -------
    threading.Timer
        The started timer; cancel it when the run ends in time.
    """
    def give_up() -> None:
        # A hung page can block a Playwright call with no timeout of its own: stop regardless.
        print(f"briefing_soak: gave up after {seconds:.0f} s", file=sys.stderr, flush=True)
        for pid in child_pids():  # the server and Playwright's driver (which takes Chromium)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        os._exit(2)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()
    return timer


def growth(base: float, end: float) -> tuple[float, float]:
    """Return the change from base to end, absolute and in percent of base.

    Parameters
    ----------
    base : float
        Warm baseline value.
    end : float
        End value.

    Returns
    -------
    tuple of float
        ``(end - base, percent)``; percent is 0 when base is 0.
    """
    return end - base, (100.0 * (end - base) / base if base else 0.0)


def report(samples: list[Sample], kept: bool, problems: list[str]) -> bool:
    """Print the Markdown tables and the verdict; return whether the screen stayed stable.

    Parameters
    ----------
    samples : list of Sample
        Warm baseline first, end last.
    kept : bool
        Whether the page never fully reloaded.
    problems : list of str
        Page errors and blocked requests.

    Returns
    -------
    bool
        True when nothing grew past the thresholds, the page never reloaded, and no problem.
    """
    print("| sample | rotations | JS heap (MB) | DOM nodes | iframes | server RSS (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for s in samples:
        print(f"| {s.label} | {s.rotations} | {s.heap_mb:.1f} | {s.dom_nodes} | {s.iframes} "
              f"| {s.rss_mb:.1f} |")
    # Renderer-wide counts include detached documents and nodes: where a leak would hide.
    print("\n| sample | renderer documents | renderer nodes | JS event listeners |")
    print("| --- | ---: | ---: | ---: |")
    for s in samples:
        print(f"| {s.label} | {s.documents} | {s.renderer_nodes} | {s.listeners} |")
    base, end = samples[0], samples[-1]
    heap_d, heap_p = growth(base.heap_mb, end.heap_mb)
    node_d, node_p = growth(base.dom_nodes, end.dom_nodes)
    frame_d, frame_p = growth(base.iframes, end.iframes)
    rss_d, rss_p = growth(base.rss_mb, end.rss_mb)
    grew = [name for name, bad in (
        ("JS heap", heap_p > GROWTH_PCT), ("DOM nodes", node_p > GROWTH_PCT),
        ("iframes", frame_p > GROWTH_PCT), ("server RSS", rss_d > RSS_GROWTH_MB)) if bad]
    stable = not grew and kept and not problems
    print()
    for problem in problems[:20]:
        print(f"- {problem}")
    print(f"\n**Verdict: {'stable' if stable else 'NOT stable'}** over "
          f"{end.rotations - base.rotations} rotations after the warm baseline: "
          f"JS heap {heap_d:+.1f} MB ({heap_p:+.1f} %), DOM nodes {node_d:+.0f} "
          f"({node_p:+.1f} %), iframes {frame_d:+.0f} ({frame_p:+.1f} %), server RSS "
          f"{rss_d:+.1f} MB ({rss_p:+.1f} %); page "
          f"{'never reloaded' if kept else 'RELOADED (marker lost)'}"
          + (f"; grew: {', '.join(grew)}" if grew else "") + ".")
    return stable


def main() -> int:
    """Run the soak and print its report; exit 1 if the screen leaked, reloaded or failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rotations", type=int, default=240,
                        help="views to rotate through (default 240: 60 full cycles)")
    parser.add_argument("--interval", type=int, default=1, help="seconds per view (default 1)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds the rotation may take (default: max(10, 2 x interval) "
                             "per view + 120)")
    parser.add_argument("--sample-view", type=int, default=SAMPLE_VIEW,
                        help=f"index of the view samples are taken on (default {SAMPLE_VIEW})")
    args = parser.parse_args()
    if args.rotations < 8 * VIEW_COUNT:
        # Fewer, and a quarter of the soak would end before the warm baseline's view comes up.
        parser.error(f"--rotations must be at least {8 * VIEW_COUNT} (eight cycles)")
    if args.interval < 1:
        parser.error("--interval must be at least 1 (the page never rotates faster)")
    # A heavy view may take longer than a 1 s interval to draw: allow ample, but finite, time.
    limit = args.time_limit or args.rotations * max(10.0, 2.0 * args.interval) + 120.0
    # Server start (60 s), first paint, the rotation, and a margin for closing down.
    timer = watchdog(60 + FIRST_PAINT_S + limit + 120)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            samples, kept, problems = soak(Path(tmp) / "work" / "tongxin.gpkg", args.rotations,
                                           args.interval, limit, args.sample_view % VIEW_COUNT)
    finally:
        timer.cancel()
    return 0 if report(samples, kept, problems) else 1


if __name__ == "__main__":
    sys.exit(main())
