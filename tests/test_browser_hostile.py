"""Hostile text in the data is shown as written and runs nothing: every page, map, chart, download.

A working dataset is built from the demo with names like ``<img src=x onerror=alert(1)>西园街道``
in every layer that has names (townships keep their codes and polygons), imported through the
importer as a data keeper would. Then, in Chromium: every page and briefing view, each map's
tooltips and popups, every Excel and HTML download; no dialog may open, no injected element may
exist in any frame, and the hostile text must be visible literally.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from layers import LAYERS
from tests.browser import LOCAL_PREFIXES, MAP_ELEMENT, map_painted, streamlit_server
from tests.conftest import DATA, ROOT

# What an attacker (or a careless paste) puts in a ledger's text columns.
PAYLOADS = ('<img src=x onerror=alert(1)>', '</script><script>alert(2)</script>',
            '"><svg onload=alert(3)>', '{{7*7}}', '=HYPERLINK("http://x","y")',
            "+cmd|' /C calc'!A0", '@SUM(1)', '-1+1', '<img src=x onerror=window.__xss=1>',
            '<b>粗</b>', '<a href="javascript:alert(5)">链接</a>', '[链接](javascript:alert(6))',
            '![图](http://198.51.100.7/x.png)')
FORMULA_STARTS = ("=", "+", "-", "@")
# Text columns of each layer (Chinese headers of `python -m layers export`) given hostile names.
HOSTILE_COLUMNS = {"townships": ["名称"], "communities": ["名称"],
                   "religious_sites": ["名称", "地址", "联系人"],
                   "workstations": ["名称", "地址", "联系人"],
                   "activities": ["活动名称", "活动地点", "组织单位"],
                   "units": ["名称", "地址", "联络人"],
                   "visits": ["走访人", "走访事项", "成效", "后续事项"]}
# The township codes whose names carry markup plotly or markdown would read.
MARKUP_TOWNS = "620103100,620103101,620103102,620103103"

# url path -> whether it draws a map.
PAGES = {"": True, "workstations": True, f"workstations?towns={MARKUP_TOWNS}": True,
         "activities": True, "units": True, "sites": True, f"sites?towns={MARKUP_TOWNS}": True,
         "scorecard": True, "data": False}
BRIEFING_VIEWS = range(4)
# Pages whose plotly charts label townships; the first three chart every township.
CHART_PAGES = ("activities", "sites", "scorecard", "units")
MAP_TIMEOUT_MS = 90_000  # generous: two cores, and the pages draw several maps' worth

# Counts every alert/confirm/prompt in every frame (the dialog handler also sees them).
INIT_JS = """(() => {
  for (const name of ['alert', 'confirm', 'prompt']) {
    const real = window[name];
    window[name] = function (...args) {
      window.__xss = (window.__xss || 0) + 1;
      return real.apply(this, args);
    };
  }
})();"""
CHECK_JS = """() => ({
  injected: document.querySelectorAll(
    'img[src="x"], svg[onload], img[onerror], [onmouseover], a[href^="javascript:"]').length,
  scripts: [...document.scripts].filter(s => /^\\s*alert\\(/.test(s.text)).length,
  xss: window.__xss || 0 })"""
# Opens the tooltip and popup of features on every Leaflet map of the page, as hovering and
# clicking would, and returns their text (no click event: a click would rerun the page). In the
# app each map element keeps its map as ``txMap``; a downloaded map's page has it as a global.
OPEN_JS = """([limit, selector]) => {
  const texts = [];
  if (typeof L === 'undefined') return texts;
  const maps = [];
  for (const root of document.querySelectorAll(selector)) {
    if (root.txMap instanceof L.Map) maps.push(root.txMap);
  }
  for (const key of Object.keys(window)) {
    try {
      if (window[key] instanceof L.Map && !maps.includes(window[key])) maps.push(window[key]);
    } catch (e) {}
  }
  for (const map of maps) {
    const features = [];
    map.eachLayer(l => { if (l.feature) features.push(l); });
    for (const l of features.slice(0, limit)) {
      const at = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
      for (const parent of Object.values(l._eventParents || {})) {
        if (parent._tooltip) {
          parent._tooltip._source = l;
          parent.openTooltip(at);
          document.querySelectorAll('.leaflet-tooltip').forEach(e => texts.push(e.innerText));
          parent.closeTooltip();
        }
        if (parent._popup) {
          parent._popup._source = l;
          parent.openPopup(at);
          document.querySelectorAll('.leaflet-popup-content').forEach(e => texts.push(e.innerText));
          map.closePopup();
        }
      }
    }
  }
  return texts;
}"""
SVG_TEXT_JS = "() => [...document.querySelectorAll('.main-svg text')].map(e => e.textContent)"


def _hostile(values: pd.Series) -> list[str]:
    # A payload before each value: names stay unique, and the payload is the cell's start.
    return [PAYLOADS[i % len(PAYLOADS)] + v if v else v for i, v in enumerate(values)]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    """Build the hostile working dataset through the importer; return its path and names."""
    from layers.export import export_layer
    from ledger.importer import import_file
    from storage import open_store

    folder = tmp_path_factory.mktemp("hostile")
    work = folder / "tongxin.gpkg"
    names: dict[str, set[str]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TONGXIN_DATA", str(work))
        store = open_store()
        for layer, columns in HOSTILE_COLUMNS.items():
            plain = export_layer(layer, store.read(layer), folder / f"{layer}.csv")
            table = pd.read_csv(plain, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            for column in columns:
                table[column] = _hostile(table[column])
                names.setdefault(layer, set()).update(v for v in table[column] if v)
            source = folder / f"{layer}-hostile.csv"
            table.to_csv(source, index=False, encoding="utf-8-sig")
            report, backup = import_file(layer, source, store=store, user="hostile")
            assert report.ok and backup is not None, [i.message("en") for i in report.errors]
        towns = store.read("townships").set_index("code")["name"]
    assert towns["620103100"] == "<b>粗</b>阿干镇"
    assert towns["620103005"] == '=HYPERLINK("http://x","y")西站街道'
    return {"path": work, "names": names, "all": set().union(*names.values())}


@pytest.fixture(scope="module")
def server(hostile):
    with streamlit_server(hostile["path"]) as url:
        yield url


class Watched:
    """A page with every dialog recorded (and dismissed) and every outside request refused."""

    def __init__(self, browser, downloads: bool = False):
        self.page = browser.new_page(viewport={"width": 1600, "height": 1000},
                                     accept_downloads=downloads)
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        # Dialogs from every frame come to the page's handler.
        self.page.on("dialog", self._dialog)
        self.page.add_init_script(INIT_JS)
        self.page.route("**/*", self._guard)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _guard(self, route) -> None:
        url = route.request.url
        if url.startswith((*LOCAL_PREFIXES, "file://")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def assert_clean(self) -> None:
        """Assert no dialog opened and no frame holds injected markup or ran a payload."""
        for frame in self.page.frames:
            try:
                found = frame.evaluate(CHECK_JS)
            except Exception:  # noqa: BLE001 - a frame detached meanwhile has nothing to check
                continue
            assert found == {"injected": 0, "scripts": 0, "xss": 0}, (frame.url, found)
        assert self.dialogs == []
        assert self.outside == []

    def open_features(self, limit: int = 60) -> list[str]:
        """Open tooltips and popups on every map of the page; return their text.

        The maps are drawn in the page itself (map elements), or, for a downloaded map opened
        from disk, are the page.
        """
        return self.page.main_frame.evaluate(OPEN_JS, [limit, MAP_ELEMENT])

    def scroll_through(self) -> None:
        """Scroll the page to its end, so every chart mounts."""
        for _ in range(12):
            self.page.mouse.wheel(0, 1200)
            self.page.wait_for_timeout(250)

    def svg_texts(self) -> list[str]:
        return self.page.evaluate(SVG_TEXT_JS)


def _literal(texts: list[str]) -> set[str]:
    """Return the payloads that appear, as written, in ``texts``."""
    return {p for p in PAYLOADS for text in texts if p in text}


def _ran_as_template(texts: list[str], names: set[str]) -> set[str]:
    """Return the names shown as Jinja would have rendered them on the server ({{7*7}} as 49)."""
    rendered = {"49" + n.removeprefix("{{7*7}}") for n in names if n.startswith("{{7*7}}")}
    return {r for r in rendered for text in texts if r in text}


def _check_workbook(path: Path, known: set[str]) -> set[str]:
    """Assert no cell of an .xlsx is a formula; return its text cells starting = + - @."""
    book = openpyxl.load_workbook(path)
    risky = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path.name, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    assert cell.data_type == "s", (path.name, cell.coordinate)
                    risky.add(cell.value)
    # Written unchanged: each is a hostile name, or a list starting with one ("a、b").
    for value in risky:
        assert value in known or value.split("、")[0] in known or \
            value.startswith(tuple(p for p in PAYLOADS if p.startswith(FORMULA_STARTS))), value
    return risky


def _downloads(watched: Watched, folder: Path) -> list[Path]:
    """Click every enabled download button on the page; return the files received."""
    files = []
    buttons = watched.page.locator("[data-testid='stDownloadButton'] button")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if button.is_disabled():
            continue
        with watched.page.expect_download(timeout=60_000) as info:
            button.click()
        download = info.value
        target = folder / download.suggested_filename
        download.save_as(target)
        files.append(target)
    return files


def _check_html_map(browser, path: Path, names: set[str]) -> None:
    """Open a downloaded map from disk in a fresh page: it shows text literally, runs nothing."""
    watched = Watched(browser)
    watched.page.goto(path.as_uri())
    watched.page.wait_for_selector(".leaflet-container", timeout=30_000)
    watched.page.wait_for_timeout(500)
    texts = watched.open_features()
    assert texts, "the downloaded map has features to hover"
    assert _literal(texts), texts[:5]
    assert not _ran_as_template(texts, names)
    raw = path.read_text(encoding="utf-8")
    assert "<img src=x" not in raw and "</script><script>alert" not in raw
    watched.assert_clean()
    watched.page.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_shows_hostile_text_literally_and_runs_nothing(server, browser, hostile,
                                                                  tmp_path, path):
    watched = Watched(browser, downloads=True)
    page = watched.page
    page.goto(f"{server}/{path}")
    page.wait_for_selector("[data-testid='stMainBlockContainer'] h1, "
                           "[data-testid='stMainBlockContainer'] h2", timeout=60_000)
    seen: list[str] = []
    if PAGES[path]:
        frame = map_painted(page, timeout_ms=MAP_TIMEOUT_MS)
        # A real hover over the map, then every feature's tooltip and popup.
        box = frame.locator(MAP_ELEMENT).first.bounding_box()
        for fx, fy in ((0.5, 0.3), (0.5, 0.6), (0.4, 0.45)):
            page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
            page.wait_for_timeout(200)
            seen += frame.locator(f"{MAP_ELEMENT} .leaflet-tooltip").all_inner_texts()
        opened = watched.open_features()
        assert opened, f"no map feature of /{path} opened a tooltip or popup"
        seen += opened
        assert _literal(seen), seen[:5]
        assert not _ran_as_template(seen, hostile["all"])
    if path == "data":
        _upload_hostile_file(watched, tmp_path)
    watched.scroll_through()
    page.wait_for_timeout(1000)
    assert page.locator("[data-testid='stException']").count() == 0
    seen += [page.inner_text("body"), *watched.svg_texts()]
    assert _literal(seen), f"no hostile text shown literally on /{path}"
    if "towns=" in path:
        # Markdown captions: the link syntax reads as typed, no link made.
        assert "[链接](javascript:alert(6))彭家坪镇" in page.inner_text("body")
    if path.split("?")[0] in CHART_PAGES:
        page.wait_for_selector(".main-svg g.ytick text", timeout=MAP_TIMEOUT_MS)
        page.wait_for_timeout(500)
        charts = watched.svg_texts()
        # Plotly's labels: <b> and <a> read as typed, not as bold or a link.
        assert any(p in text for p in PAYLOADS if "<" in p for text in charts), charts
        if path in CHART_PAGES[:3]:  # charts of every township
            assert any("<b>粗</b>阿干镇" in text for text in charts), charts
            assert any('<a href="javascript:alert(5)">链接</a>八里镇' in text for text in charts)
        assert not any(text in ("粗阿干镇", "链接八里镇") for text in charts)
    files = _downloads(watched, tmp_path)
    watched.assert_clean()
    page.close()
    for file in files:
        if file.suffix == ".xlsx":
            _check_workbook(file, hostile["all"])
        elif file.suffix == ".html":
            _check_html_map(browser, file, hostile["all"])
    if path and path != "data" and "towns=" not in path:
        risky = set().union(*(_check_workbook(f, hostile["all"])
                              for f in files if f.suffix == ".xlsx"))
        assert risky, f"the Excel downloads of /{path} hold no hostile name"
    if PAGES[path]:
        assert any(f.suffix == ".html" for f in files)
    if path == "data":  # a template per layer and the check report
        assert len([f for f in files if f.suffix == ".xlsx"]) == len(LAYERS) + 1, files


def _upload_hostile_file(watched: Watched, folder: Path) -> None:
    """Upload a file with a hostile name and hostile cells; the report shows both as written."""
    page = watched.page
    name = "<img src=x onerror=alert(9)>[台账](javascript:alert(10)).csv"
    with (DATA / "layers" / "units_bad.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    rows[1][1] = '=HYPERLINK("http://x","y")'  # an unknown category: named in the report
    rows[1][0] = PAYLOADS[1] + rows[1][0]
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    content = text.getvalue().encode("utf-8")
    page.locator(".st-key-data_layer input[role='combobox']").click()
    page.get_by_role("option", name="驻区单位", exact=True).click()
    page.wait_for_timeout(1000)
    page.locator(".st-key-data_upload_0 input[type='file']").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": content})
    alert = page.locator("[data-testid='stAlertContentError']").filter(has_text="检查未通过")
    alert.wait_for(timeout=60_000)
    assert name in alert.inner_text()
    table = page.locator("[data-testid='stTable']").first.inner_text()
    assert '=HYPERLINK("http://x","y")' in table


@pytest.mark.browser
@pytest.mark.parametrize("view", BRIEFING_VIEWS)
def test_every_briefing_view_shows_hostile_text_literally(server, browser, view):
    watched = Watched(browser)
    page = watched.page
    page.goto(f"{server}/briefing?interval=3600&view={view}")
    page.wait_for_selector(".tx-top", timeout=60_000)
    seen: list[str] = []
    if view == 0:
        map_painted(page, timeout_ms=MAP_TIMEOUT_MS)
        opened = watched.open_features()
        assert opened, "no feature of the briefing map opened a tooltip or popup"
        seen += opened
    else:  # the chart's axis labels, or the gap list
        page.wait_for_selector(".main-svg g.ytick text" if view in (1, 3) else ".tx-list .row",
                               timeout=MAP_TIMEOUT_MS)
        page.wait_for_timeout(500)
    seen += [page.inner_text("body"), *watched.svg_texts()]
    if view == 2:  # the gap list cuts names to 14 characters
        assert any(p[:12] in text for p in PAYLOADS if p.startswith("<") for text in seen)
    else:
        assert _literal(seen), seen[-3:]
    if view in (1, 3):
        assert any("<b>粗</b>阿干镇" in text for text in watched.svg_texts())
    assert page.locator("[data-testid='stException']").count() == 0
    watched.assert_clean()
    page.close()


# --- the same without a browser: the exporter, the template, the helpers --------------------


@pytest.mark.slow
def test_python_m_layers_export_writes_hostile_cells_as_text(hostile, tmp_path):
    from layers import LAYERS

    env = {**os.environ, "TONGXIN_DATA": str(hostile["path"]), "PYTHONPATH": str(ROOT)}
    for layer in LAYERS:
        out = tmp_path / f"{layer}.xlsx"
        done = subprocess.run([sys.executable, "-m", "layers", "export", layer, str(out)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        risky = _check_workbook(out, hostile["all"])
        if layer in HOSTILE_COLUMNS:
            expected = {v for v in hostile["names"][layer] if v.startswith(FORMULA_STARTS)}
            assert expected and expected <= risky


def test_templates_hold_no_formula(tmp_path):
    from layers import LAYERS
    from layers.template import write_template

    for layer in LAYERS:
        _check_workbook(write_template(layer, tmp_path / f"{layer}.xlsx"), set())


def test_excel_bytes_write_formula_like_text_as_text(tmp_path):
    from ui.downloads import excel_bytes

    frame = pd.DataFrame({"name": list(PAYLOADS), "n": range(len(PAYLOADS))})
    path = tmp_path / "list.xlsx"
    path.write_bytes(excel_bytes(frame, {"name": "名称", "n": "数"}, "清单"))
    sheet = openpyxl.load_workbook(path).active
    for row, payload in enumerate(PAYLOADS, start=2):
        cell = sheet.cell(row, 1)
        assert (cell.value, cell.data_type) == (payload, "s")
        assert sheet.cell(row, 2).data_type == "n"


def test_plotly_labels_and_markdown_are_escaped():
    from ui.escape import label, labels, markdown_literal

    assert label("<b>粗</b>&") == "&lt;b&gt;粗&lt;/b&gt;&amp;"
    assert labels(["a<br>b", 1]) == ["a&lt;br&gt;b", "1"]
    assert markdown_literal("[x](javascript:alert(1))") == "\\[x\\]\\(javascript\\:alert\\(1\\)\\)"
    assert markdown_literal("**粗** :red[x] $x$\n# h") == \
        "\\*\\*粗\\*\\* \\:red\\[x\\] \\$x\\$ \\# h"
    assert markdown_literal("西园街道") == "西园街道"


def test_a_standalone_map_embeds_hostile_text_escaped():
    import geopandas as gpd
    from shapely.geometry import Point, box

    from ui.assets import standalone_html
    from ui.map_object import Map

    district = gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(103.7, 36.0, 103.8, 36.1)],
                                crs=4326)
    points = gpd.GeoDataFrame({"name": list(PAYLOADS)},
                              geometry=[Point(103.75, 36.05)] * len(PAYLOADS), crs=4326)
    fmap = Map.for_district(district)
    fmap.add_points(points, "点", {"name": "名称"}, {"name": "名称"},
                    legend_title=PAYLOADS[1])
    html = standalone_html(fmap.finish().folium_map)
    for payload in PAYLOADS:
        if "<" in payload:
            assert payload not in html, payload
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html  # the legend
