"""Time every demo page: the server's warm script run, and the browser's time to a drawn map.

The browser's time is read from the page's own clock (``performance.now()``, milliseconds since
navigation start): the map element (``ui/map_component.js``) sets ``window.__txMapDrawn`` when
the first map holds ink; on a page without a map, a script added before the page's own notes
when the first heading appears (``window.__txHeading``). No wall-clock polling in the timing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, map_painted, streamlit_server
from tests.conftest import ROOT
from ui.briefing_views import VIEWS

PAGES = {"views/overview.py": ("", True), "views/workstations.py": ("workstations", True),
         "views/activities.py": ("activities", True), "views/units.py": ("units", True),
         "views/sites.py": ("sites", True), "views/scorecard.py": ("scorecard", True),
         "views/data.py": ("data", False), "views/briefing.py": ("briefing", True)}
# Reached by address only (a wall screen's start-up link), not from the sidebar.
NOT_CLICKED = {"views/briefing.py"}
# The briefing's rotation: seconds per view (long enough for a map to draw and be seen).
ROTATION_S = 6


def script_times(repeat: int) -> dict[str, float]:
    """Return each page's best warm script time (s) under AppTest, the same code path."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    times = {}
    for page in PAGES:
        at.switch_page(page).run()  # warm the caches
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            at.run()
            best = min(best, time.perf_counter() - start)
        assert not at.exception, (page, at.exception)
        times[page] = best
    return times


HEADING = ("[data-testid='stMainBlockContainer'] h1, [data-testid='stMainBlockContainer'] h2, "
           ".tx-top")
# Run in every document before the page's own scripts: note when the first heading appears.
HEADING_JS = """(() => {
  const selector = %s;
  const watch = new MutationObserver(() => {
    if (window.__txHeading === undefined && document.querySelector(selector)) {
      window.__txHeading = performance.now();
      watch.disconnect();
    }
  });
  watch.observe(document, {childList: true, subtree: true});
})();"""


# Every message the page sends its server is stamped: a rotation starts with the rerun the
# briefing's timer asks for, and a map's time on rotation counts from there.
SENDS_JS = """(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (...args) {
    window.__txSent = performance.now();
    return send.apply(this, args);
  };
  const watch = new MutationObserver(() => {
    const view = document.querySelector('.tx-view');
    const name = view && view.textContent;
    if (name && name !== window.__txViewName) {
      window.__txViewName = name;
      (window.__txRotations = window.__txRotations || []).push(
        {name, asked: window.__txSent, at: performance.now()});
    }
  });
  watch.observe(document, {childList: true, subtree: true, characterData: true});
})();"""

METRIC = "[data-testid='stMetric']"
FLOOR_JS = HEADING_JS.replace("__txHeading", "__txFloor")


def _fresh(browser, init_js: str):
    """A new browser context (nothing cached, as a colleague's first visit) and its page."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.add_init_script(init_js)
    return context, page


def floor_time(browser, repeat: int) -> float:
    """Return the median time (s) to a blank Streamlit page's one metric, fresh contexts."""
    times = []
    with streamlit_server(Path(tempfile.mkdtemp()) / "floor.gpkg",
                          script=ROOT / "benchmarks" / "blank_page.py") as url:
        for k in range(repeat + 1):
            context, page = _fresh(browser, FLOOR_JS % json.dumps(METRIC))
            page.goto(url)
            page.wait_for_function("() => window.__txFloor !== undefined", timeout=60_000)
            if k:  # the first visit warms the server
                times.append(page.evaluate("() => window.__txFloor") / 1000)
            context.close()
    return statistics.median(times)


def browser_times(data_path: Path, repeat: int) -> tuple[dict[str, float], dict[str, float]]:
    """Return each page's median time (s) to its drawn map (or heading), opened by address in
    a fresh context, and after a click on its sidebar link; both by the page's own clock."""
    from playwright.sync_api import sync_playwright

    opened: dict[str, list[float]] = {view: [] for view in PAGES}
    clicked: dict[str, list[float]] = {view: [] for view in PAGES}
    with streamlit_server(data_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        init = HEADING_JS % json.dumps(HEADING)
        context, page = _fresh(browser, init)
        for path, has_map in PAGES.values():  # warm-up: server caches filled
            page.goto(f"{url}/{path}")
            _drawn(page, has_map)
        context.close()
        for _ in range(repeat):
            for view, (path, has_map) in PAGES.items():
                context, page = _fresh(browser, init)
                page.goto(f"{url}/{path}")  # a new document: its clock starts here
                opened[view].append(_drawn(page, has_map) / 1000)
                context.close()
            context, page = _fresh(browser, init)
            for view, (path, has_map) in PAGES.items():
                if has_map and view not in NOT_CLICKED:
                    clicked[view].append(_after_click(page, url, path))
            context.close()
        rotations = briefing_rotations(browser, url, repeat)
        browser.close()
    return ({v: statistics.median(t) for v, t in opened.items()},
            {v: statistics.median(t) for v, t in clicked.items() if t}, rotations)


def briefing_rotations(browser, url: str, repeat: int) -> dict[str, float]:
    """Return, per briefing view with a map, the median seconds from the rerun its rotation
    asked for to the map drawn, over ``repeat`` rotations to it (page clock)."""
    context, page = _fresh(browser, SENDS_JS)
    page.goto(f"{url}/briefing?interval={ROTATION_S}")
    views = len(VIEWS)
    # The first view is the opened page's; then ``repeat`` full turns.
    page.wait_for_function("(n) => (window.__txRotations || []).length > n",
                           arg=views * repeat + 1, timeout=(views * repeat + 3) * ROTATION_S * 1000)
    rotations = page.evaluate("() => window.__txRotations")
    drawn = page.evaluate("() => (window.__txLog || []).filter(e => e.what === 'drawn')"
                          ".map(e => e.t)")
    context.close()
    times: dict[str, list[float]] = {}
    for now, after in zip(rotations[1:], [*rotations[2:], None], strict=True):
        end = after["at"] if after else float("inf")
        maps = [t for t in drawn if now["asked"] <= t < end]
        if maps:
            times.setdefault(now["name"], []).append((min(maps) - now["asked"]) / 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def _after_click(page, url: str, path: str) -> float:
    """From another map page, click this page's sidebar link; return seconds to its map."""
    page.goto(f"{url}/{'units' if path == 'sites' else 'sites'}")
    page.wait_for_function("() => window.__txMapDrawn !== undefined", timeout=60_000)
    page.wait_for_timeout(500)
    # The click's own time, from the page's clock: Playwright's click first waits for the link
    # to be ready and moves the mouse (0.1-0.3 s here), which no user's click includes.
    page.evaluate("() => document.addEventListener('click', () => {"
                  " window.__txClickAt = performance.now(); }, {capture: true, once: true})")
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']").first.click()
    clicked = page.evaluate("() => window.__txClickAt")
    newer = "[...document.querySelectorAll('.tx-map-root')].map(r => Number(r.dataset.drawnAt))"
    page.wait_for_function(f"(t) => {newer}.some(x => x > t)", arg=clicked, timeout=60_000)
    drawn = page.evaluate(f"(t) => Math.min(...{newer}.filter(x => x > t))", clicked)
    return (drawn - clicked) / 1000


def _drawn(page, has_map: bool) -> float:
    """Wait for the page's map (or heading); return when it came, in ms since navigation."""
    mark = "__txMapDrawn" if has_map else "__txHeading"
    page.wait_for_function(f"() => window.{mark} !== undefined", timeout=60_000)
    at = page.evaluate(f"() => window.{mark}")
    if has_map:  # and what was drawn is the map's layers, not an empty map
        map_painted(page, timeout_ms=60_000)
    return float(at)


def main() -> int:
    """Print a Markdown table of both timings per page."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TONGXIN_DATA"] = str(Path(tmp) / "work.gpkg")
        scripts = script_times(args.repeat)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            floor = floor_time(browser, args.repeat)
            browser.close()
        opened, clicked, rotations = browser_times(Path(tmp) / "browser.gpkg", args.repeat)
    print(f"Floor (a blank page with one metric, fresh browser): {floor:.2f} s; "
          f"medians of {args.repeat}.\n")
    print("| page | warm script (s) | opened by address (s) | x floor "
          "| after a sidebar click (s) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for view, (path, has_map) in PAGES.items():
        note = "" if has_map else " (no map: to heading)"
        after = f"{clicked[view]:.2f}" if view in clicked else "—"
        print(f"| /{path} | {scripts[view]:.3f} | {opened[view]:.2f}{note} | "
              f"{opened[view] / floor:.1f} | {after} |")
    print("\n| briefing view | map drawn after its rotation's rerun (s) |")
    print("| --- | ---: |")
    for name, seconds in rotations.items():
        print(f"| {name} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
