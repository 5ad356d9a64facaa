"""Speed at every scale: every map page at district, city and province size, against plain folium.

For each scale (synthetic districts from ``benchmarks/synthetic.py``: the demo x1, x10, x100)
and each page with a map, it measures

- the server's **script time**, cold (caches emptied) and warm (best of ``--repeat``), running
  the real page under Streamlit's AppTest, in a child process of its own per scale;
- the **bytes** the page sends for its maps and charts (the serialised map component and
  Plotly elements, what goes down the websocket);
- the script's **peak memory** (tracemalloc's peak over a cold run, Python and NumPy) and the
  child's peak resident memory;
- in Chromium, the **time from navigation until the map has drawn** in the running dashboard,
  and, for the comparison, the time until each map alone has drawn when opened as a file: the
  dashboard's map (as its HTML download) and the plain-folium one (``plain_folium.py``: full
  geometry, a ``folium.Marker`` a point, no caching), built and timed the same way.

    .venv/bin/python benchmarks/scale_bench.py                      # x1, x10, x100; ~15 min
    .venv/bin/python benchmarks/scale_bench.py --scales 1 10 --plain-scales 1 10 --json out.json

The plain baseline at x100 (100,000 markers) takes many minutes to build and to draw, so by
default it runs at x1 and x10 only; ``--plain-scales 1 10 100`` adds it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VIEWS = {"": "views/overview.py", "workstations": "views/workstations.py",
         "activities": "views/activities.py", "units": "views/units.py",
         "sites": "views/sites.py", "scorecard": "views/scorecard.py"}
"""Each map page's url path and its script."""
# The page's own elements (ui/map_component.py, ui/chart_component.py), by component name.
PAYLOAD_KINDS = {"tongxin_map": "map", "tongxin_chart": "chart"}
DRAW_TIMEOUT_MS = 600_000
NO_MAP_HEADING = "[data-testid='stMainBlockContainer'] h2"


# -- in a child process: the dashboard's pages under AppTest ---------------------------------

def _elements(node):
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _elements(child)
    yield node


def _payload(at) -> dict[str, int]:
    sizes = {"map": 0, "chart": 0}
    for node in _elements(at._tree):
        if node.type == "bidi_component":
            name = node.proto.component_name.rsplit(".", 1)[-1]
            if name in PAYLOAD_KINDS:  # the data: the element's own script is the same
                # few KB on every run whatever the scale (st_folium's came as a file)
                sizes[PAYLOAD_KINDS[name]] += len(node.proto.json.encode())
    return sizes


def _empty_caches(st) -> None:
    # Both kinds: ui.data keeps its results with st.cache_resource (and hands out copies).
    st.cache_data.clear()
    st.cache_resource.clear()


def measure_pages(repeat: int, html_dir: Path) -> dict:
    """Run every map page under AppTest; return its timings, bytes and memory by url path."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from ui import assets
    from ui.map_object import Map

    shown = {}
    original = Map.show

    def recording_show(fmap, key, *args, **kwargs):
        shown["map"] = fmap
        return original(fmap, key, *args, **kwargs)

    Map.show = recording_show
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.run()
    out = {}
    for path, view in VIEWS.items():
        _empty_caches(st)
        tracemalloc.start()
        at.switch_page(view).run()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        _empty_caches(st)
        start = time.perf_counter()
        at.switch_page(view).run()
        cold = time.perf_counter() - start
        if at.exception:
            msg = f"/{path}: {at.exception[0].value}"
            raise RuntimeError(msg)
        warm = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            at.run()
            warm = min(warm, time.perf_counter() - start)
        (html_dir / f"ours-{path or 'overview'}.html").write_text(
            assets.inline_vendored(shown["map"].html()), encoding="utf-8")
        out[path] = {"cold_s": cold, "warm_s": warm, "peak_mb": peak / 1e6, **{
            f"{k}_bytes": v for k, v in _payload(at).items()}}
    out["_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def measure_plain(data: Path, html_dir: Path) -> dict:
    """Build every plain-folium map (reading the file each time); return time, bytes, memory."""
    from benchmarks import plain_folium
    from ui import assets

    out = {}
    for path, build in plain_folium.PAGES.items():
        tracemalloc.start()
        start = time.perf_counter()
        fmap = build(data)
        html = fmap.get_root().render()
        took = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        # The same vendored Leaflet as the dashboard's map, inlined the same way.
        page = assets.standalone_html(assets.localise(fmap))
        (html_dir / f"plain-{path or 'overview'}.html").write_text(page, encoding="utf-8")
        out[path] = {"build_s": took, "map_bytes": len(html.encode()), "peak_mb": peak / 1e6}
    return out


# -- in the parent: Chromium ------------------------------------------------------------------

_DRAWN_JS = """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
    () => done(document.querySelectorAll(
        '.leaflet-overlay-pane canvas, .leaflet-overlay-pane path, .leaflet-marker-icon, '
        + '.marker-cluster').length))))"""


def draw_times(files: dict[str, Path]) -> dict[str, float]:
    """Return seconds from opening each map file until it has drawn its layers."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, file in files.items():
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(DRAW_TIMEOUT_MS)
            start = time.perf_counter()
            page.goto(file.as_uri(), wait_until="load", timeout=DRAW_TIMEOUT_MS)
            drawn = page.evaluate(_DRAWN_JS)
            out[name] = time.perf_counter() - start if drawn else float("nan")
            page.close()
        browser.close()
    return out


def app_draw_times(data: Path) -> dict[str, dict[str, float]]:
    """Return seconds until each page's map has drawn in the dashboard: opened by its address
    (the whole front end loads) and reached by a click in the sidebar (as users move about)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS, map_painted, streamlit_server

    opened, clicked = {}, {}
    with streamlit_server(data, timeout=120) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        for path in VIEWS:
            page.goto(f"{url}/{path}", timeout=DRAW_TIMEOUT_MS)  # fills the server's caches
            map_painted(page, timeout_ms=DRAW_TIMEOUT_MS)
            start = time.perf_counter()
            page.goto(f"{url}/{path}", timeout=DRAW_TIMEOUT_MS)
            map_painted(page, timeout_ms=DRAW_TIMEOUT_MS)
            opened[path] = time.perf_counter() - start
            # From the data page (no map), so the only map that can paint is the new page's.
            page.goto(f"{url}/data", timeout=DRAW_TIMEOUT_MS)
            page.wait_for_selector(NO_MAP_HEADING, timeout=DRAW_TIMEOUT_MS)
            link = page.locator(f"[data-testid='stSidebarNav'] a[href='{url}/{path}']")
            start = time.perf_counter()
            link.click()
            map_painted(page, timeout_ms=DRAW_TIMEOUT_MS)
            clicked[path] = time.perf_counter() - start
        browser.close()
    return {"opened": opened, "clicked": clicked}


def _child(kind: str, data: Path, html_dir: Path, repeat: int) -> dict:
    env = {**os.environ, "TONGXIN_DATA": str(data), "PYTHONPATH": str(ROOT),
           "TONGXIN_ACCOUNTS": str(data.with_name("accounts.json"))}
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--data", str(data), "--html", str(html_dir),
         "--repeat", str(repeat)], env=env, cwd=ROOT, capture_output=True, text=True,
        check=False)
    if done.returncode:
        msg = f"{kind} child failed:\n{done.stderr[-3000:]}"
        raise RuntimeError(msg)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_scale(scale: int, work: Path, repeat: int, plain: bool, browser: bool) -> dict:
    """Measure every map page at one scale; return the results by url path."""
    from benchmarks.synthetic import write_synthetic

    source = work / f"x{scale}.gpkg"
    if not source.exists():
        write_synthetic(source, scale)
    html_dir = work / f"x{scale}-html"
    html_dir.mkdir(exist_ok=True)
    result = {"scale": scale}
    for kind in ("ours", *(("plain",) if plain else ())):
        # Each run gets its own copy: opening a store may write beside it (backups, audit).
        run_dir = Path(tempfile.mkdtemp(dir=work))
        copy = run_dir / "tongxin.gpkg"
        shutil.copy2(source, copy)
        result[kind] = _child(kind, copy, html_dir, repeat)
        if browser and kind == "ours":
            result["app_draw_s"] = app_draw_times(copy)
        shutil.rmtree(run_dir, ignore_errors=True)
    if browser:
        files = {f"{kind}:{path}": html_dir / f"{kind}-{path or 'overview'}.html"
                 for kind in ("ours", *(("plain",) if plain else ())) for path in VIEWS}
        result["file_draw_s"] = draw_times(files)
    return result


def markdown(results: list[dict]) -> str:
    """Return the README's tables for a run."""
    lines = ["| page | scale | cold script (s) | warm script (s) | map KB | chart KB | "
             "map drawn, opened (s) | map drawn, clicked (s) | peak script MB |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def secs(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    for path in VIEWS:
        for r in results:
            o, drawn = r["ours"][path], r.get("app_draw_s", {})
            if drawn and "opened" not in drawn:  # a result from before clicks were timed
                drawn = {"opened": drawn}
            lines.append(f"| /{path} | x{r['scale']} | {o['cold_s']:.2f} | {o['warm_s']:.3f} | "
                         f"{o['map_bytes'] / 1e3:,.0f} | {o['chart_bytes'] / 1e3:,.0f} | "
                         f"{secs(drawn.get('opened', {}).get(path))} | "
                         f"{secs(drawn.get('clicked', {}).get(path))} | {o['peak_mb']:,.0f} |")
    lines += ["", "| page | scale | plain map KB | ours map KB | smaller by | plain: build + "
              "draw (s) | ours: warm script + draw (s) | faster by |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for path in VIEWS:
        for r in results:
            if "plain" not in r:
                continue
            p, o = r["plain"][path], r["ours"][path]
            draw = r.get("file_draw_s", {})
            p_draw, o_draw = draw.get(f"plain:{path}"), draw.get(f"ours:{path}")
            if p_draw is None or o_draw is None:
                p_total = o_total = None
            else:
                p_total, o_total = p["build_s"] + p_draw, o["warm_s"] + o_draw
            lines.append(
                f"| /{path} | x{r['scale']} | {p['map_bytes'] / 1e3:,.0f} | "
                f"{o['map_bytes'] / 1e3:,.0f} | {p['map_bytes'] / max(o['map_bytes'], 1):.1f}x | "
                + ("- | - | - |" if p_total is None else
                   f"{p['build_s']:.2f} + {p_draw:.2f} | {o['warm_s']:.2f} + {o_draw:.2f} | "
                   f"{p_total / o_total:.1f}x |"))
    rss = ", ".join(f"x{r['scale']} {r['ours']['_maxrss_mb']:,.0f} MB" for r in results)
    lines += ["", f"Peak resident memory of the process running all pages: {rss}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its tables (or, as a child, one measurement as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--plain-scales", type=int, nargs="*", default=[1, 10])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--work", type=Path, help="keep the synthetic files here")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--child", choices=("ours", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--html", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        from ui import renderers

        renderers.configure()  # both children draw maps: ours under AppTest, plain folium's
        measured = (measure_pages(args.repeat, args.html) if args.child == "ours"
                    else measure_plain(args.data, args.html))
        print(json.dumps(measured))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="tongxin-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in args.scales:
        began = time.perf_counter()
        results.append(run_scale(scale, work, args.repeat, scale in args.plain_scales,
                                 not args.no_browser))
        print(f"x{scale} measured in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
