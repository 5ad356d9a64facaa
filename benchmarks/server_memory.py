"""Memory of a district server: fresh, then after Chromium has visited every page.

    python benchmarks/server_memory.py

Starts the dashboard on the demo district (a fresh working copy) on loopback, reads the
server's resident memory (VmRSS), opens each page in Debian's Chromium until its heading (and
its map) have drawn, and reads it again. What the README's "server it needs" section quotes.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, map_painted, streamlit_server

PAGES = {"": True, "workstations": True, "activities": True, "units": True, "sites": True,
         "scorecard": True, "data": False, "briefing": False}


def rss_mb(pid: int) -> float:
    """Return a process's resident memory in MB (``VmRSS`` from ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    msg = f"no VmRSS for process {pid}"
    raise RuntimeError(msg)


def main() -> int:
    """Measure and print the server's memory before and after visiting every page."""
    with tempfile.TemporaryDirectory() as work, \
            streamlit_server(Path(work) / "tongxin.gpkg", with_pid=True) as (url, pid), \
            sync_playwright() as p:
        fresh = rss_mb(pid)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        for path, has_map in PAGES.items():
            page.goto(f"{url}/{path}")
            page.wait_for_selector("[data-testid='stMainBlockContainer'] h1, "
                                   "[data-testid='stMainBlockContainer'] h2, .tx-top",
                                   timeout=90_000)
            if has_map:
                map_painted(page, timeout_ms=90_000)
            print(f"/{path:<14} server RSS {rss_mb(pid):7.0f} MB")
        browser.close()
        print(f"fresh {fresh:.0f} MB; after every page {rss_mb(pid):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
