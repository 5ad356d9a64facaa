"""Time every demo page: the server's warm script run, and the browser's time to a drawn map."""

from __future__ import annotations

import argparse
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


def browser_times(data_path: Path) -> dict[str, float]:
    """Return each page's time from navigation until its map has painted (or its heading)."""
    from playwright.sync_api import sync_playwright

    times = {}
    with streamlit_server(data_path) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        for view, (path, has_map) in PAGES.items():
            page.goto(f"{url}/{path}")  # warm-up: server caches filled
            _drawn(page, has_map)
            start = time.perf_counter()
            page.goto(f"{url}/{path}")
            _drawn(page, has_map)
            times[view] = time.perf_counter() - start
        browser.close()
    return times


def _drawn(page, has_map: bool) -> None:
    if has_map:
        map_painted(page, timeout_ms=60_000)
    else:
        page.wait_for_selector("[data-testid='stMainBlockContainer'] h2, .tx-top", timeout=60_000)


def main() -> int:
    """Print a Markdown table of both timings per page."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TONGXIN_DATA"] = str(Path(tmp) / "work.gpkg")
        scripts = script_times(args.repeat)
        drawn = browser_times(Path(tmp) / "browser.gpkg")
    print("| page | warm script (s) | navigation to drawn map (s) |")
    print("| --- | ---: | ---: |")
    for view, (path, has_map) in PAGES.items():
        note = "" if has_map else " (no map: to heading)"
        print(f"| /{path} | {scripts[view]:.3f} | {drawn[view]:.2f}{note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
