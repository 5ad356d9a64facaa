"""Living ledgers at scale: appending a month of activity and saving one edited record.

For each scale (synthetic districts from ``benchmarks/synthetic.py``: the demo x1 is a
district, x100 a province with 300,000 activities) it measures, on a private copy:

- **append**: a clean 10,000-row activity CSV (ids left blank, as a month's sheet from the
  townships comes) appended with ``--mode append``: the check, the plan, and the atomic write
  (layer, history of 10,000 records, backup, audit), as ``ledger.apply_import`` does them;
- **edit**: one stationed unit's staff number changed through ``ledger.edit.save_record``
  (the form's checks, the conflict check, the write and its history);
- **visible**: at district scale, the units page run under AppTest once warm, the edit
  saved, then the page's next run, which recomputes on the new dataset version: the time from
  pressing save until the page shows the new figure is the save plus that run.

    .venv/bin/python benchmarks/ledger_bench.py                 # x1 and x100; ~3 min
    .venv/bin/python benchmarks/ledger_bench.py --scales 1 10
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest

from benchmarks.import_bench import make_ledger
from benchmarks.synthetic import write_synthetic
from core import settings
from ledger import apply_import, preview
from ledger.edit import open_record, save_record
from storage.gpkg import GeoPackageStore

ROOT = Path(__file__).resolve().parent.parent
APPEND_ROWS = 10_000


def _timed(call):
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def _edit(store: GeoPackageStore) -> tuple[float, str, int]:
    units = store.read("units")
    unit = str(units["code"].iloc[len(units) // 2])
    original = open_record("units", unit, store)
    assert original is not None
    values = {k: v for k, v in original.items() if k != "geometry"}
    staff = int(original.get("staff") or 0) + 7
    values["staff"] = staff
    if original.get("geometry"):
        values["geometry"] = store.read("units").set_index("code").geometry.loc[unit]
    result, seconds = _timed(lambda: save_record("units", values, record_id=unit,
                                                 original=original, store=store, user="bench"))
    assert result.saved, (result.report.errors if result.report else None, result.refused)
    return seconds, unit, staff


def _visible(work: Path) -> tuple[float, float]:
    """Return (save seconds, next page run seconds) for an edit seen on the units page."""
    page = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    page.run()
    page.switch_page("views/units.py").run()
    page.run()  # warm
    store = GeoPackageStore(work, settings.path("demo"))
    saved, _, _ = _edit(store)
    _, rerun = _timed(page.run)
    assert not page.exception, page.exception
    return saved, rerun


def bench(scale: int, tmp: Path) -> dict[str, float]:
    """Measure one scale; return the timings in seconds."""
    work = tmp / f"x{scale}.gpkg"
    _, built = _timed(lambda: write_synthetic(work, scale))
    os.environ["TONGXIN_DATA"] = str(work)
    store = GeoPackageStore(work, settings.path("demo"))
    before = len(store.read("activities"))
    ledger = make_ledger(store, APPEND_ROWS, tmp / f"month-x{scale}.csv")
    # make_ledger numbers its rows; a month's sheet from the townships has no ids yet.
    text = ledger.read_text(encoding="utf-8-sig").splitlines()
    rows = [line.split(",", 1)[1] for line in text]
    ledger.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    planned, dry = _timed(lambda: preview("activities", ledger, mode="append", store=store))
    assert planned.ok and planned.plan is not None, planned.report.errors[:3]
    outcome, append = _timed(lambda: apply_import("activities", ledger, mode="append",
                                                  store=store, user="bench"))
    assert outcome.written and len(store.read("activities")) == before + APPEND_ROWS
    edit, _, _ = _edit(store)
    timings = {"scale": scale, "activities_before": before, "build": built,
               "dry_run": dry, "append": append, "edit": edit,
               "size_mb": work.stat().st_size / 1e6}
    if scale == 1:
        timings["visible_save"], timings["visible_rerun"] = _visible(work)
    return timings


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 100])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = [bench(scale, Path(tmp)) for scale in args.scales]
    print("| scale | activities | file (MB) | dry run 10,000 (s) | append 10,000 (s) "
          "| one edit saved (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| x{r['scale']} | {r['activities_before']:,} | {r['size_mb']:.0f} "
              f"| {r['dry_run']:.2f} | {r['append']:.2f} | {r['edit']:.2f} |")
    for r in results:
        if "visible_save" in r:
            print(f"x{r['scale']}: edit saved in {r['visible_save']:.2f} s, units page rerun "
                  f"on the new version {r['visible_rerun']:.2f} s: visible after "
                  f"{r['visible_save'] + r['visible_rerun']:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
