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
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, map_painted, streamlit_server
from tests.conftest import ROOT

PAGES = {"views/overview.py": ("", True), "views/workstations.py": ("workstations", True),
         "views/activities.py": ("activities", True), "views/units.py": ("units", True),
         "views/sites.py": ("sites", True), "views/scorecard.py": ("scorecard", True),
         "views/data.py": ("data", False), "views/briefing.py": ("briefing", False)}


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


def browser_times(data_path: Path) -> dict[str, float]:
    """Return each page's time (s) from navigation start until its map holds ink (or its
    heading appears), by the page's own clock."""
    from playwright.sync_api import sync_playwright

    times = {}
    with streamlit_server(data_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.add_init_script(HEADING_JS % json.dumps(HEADING))
        for view, (path, has_map) in PAGES.items():
            page.goto(f"{url}/{path}")  # warm-up: server caches filled
            _drawn(page, has_map)
            page.goto(f"{url}/{path}")  # a new document: its clock starts at this navigation
            times[view] = _drawn(page, has_map) / 1000
        browser.close()
    return times


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
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TONGXIN_DATA"] = str(Path(tmp) / "work.gpkg")
        scripts = script_times(args.repeat)
        drawn = browser_times(Path(tmp) / "browser.gpkg")
    print("| page | warm script (s) | navigation start to drawn map (s, page clock) |")
    print("| --- | ---: | ---: |")
    for view, (path, has_map) in PAGES.items():
        note = "" if has_map else " (no map: to heading)"
        print(f"| /{path} | {scripts[view]:.3f} | {drawn[view]:.2f}{note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
