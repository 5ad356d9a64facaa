"""How long the Word briefing report takes to make, at district and city scale.

For each scale (synthetic districts from ``benchmarks/synthetic.py``: x1 is the demo district,
x10 ten districts side by side, a city), the report of one year (2025) for the whole area,
made as ``python -m reports build`` makes it, timed by part:

- **figures**: reading the seven layers and every analysis (KPIs, coverage, activity and its
  previous period, units, scorecard, supervision);
- **content**: the two map pictures (200 dpi across 156 mm), the sentences and the tables;
- **word**: writing the .docx;
- **total**: all of it (what a user waits for), and the file's size;
- **pdf**: converting the .docx with LibreOffice, where it is installed.

Run::

    .venv/bin/python benchmarks/report_bench.py              # x1 and x10, about a minute
    .venv/bin/python benchmarks/report_bench.py --scales 1 10 100
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.activity import Period
from benchmarks.synthetic import write_synthetic
from core import settings
from reports import pdf, word
from reports.content import build_document
from reports.figures import Request, compute
from storage.gpkg import GeoPackageStore

YEAR = Period.year(2025)


def _timed(call):
    start = time.perf_counter()
    value = call()
    return value, time.perf_counter() - start


def bench(scale: int, tmp: Path) -> dict[str, float]:
    """Measure one scale; return the timings in seconds."""
    work = tmp / f"x{scale}.gpkg"
    write_synthetic(work, scale)
    os.environ["TONGXIN_DATA"] = str(work)
    store = GeoPackageStore(work, settings.path("demo"))
    request = Request(YEAR)
    figures, computed = _timed(lambda: compute(store, request))
    document, content = _timed(lambda: build_document(figures, "zh"))
    docx, written = _timed(lambda: word.docx_bytes(document))
    timings = {"scale": scale, "activities": len(figures.frames["activities"]),
               "townships": len(figures.frames["townships"]), "figures": computed,
               "content": content, "word": written, "total": computed + content + written,
               "size_kb": len(docx) / 1024}
    if pdf.pdf_available():
        _, timings["pdf"] = _timed(lambda: pdf.docx_to_pdf(docx))
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = [bench(scale, Path(tmp)) for scale in args.scales]
    print("| scale | townships | activities | figures (s) | content (s) | word (s) "
          "| report (s) | .docx (KB) | PDF (s) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        made_pdf = f"{r['pdf']:.1f}" if "pdf" in r else "—"
        print(f"| x{r['scale']} | {r['townships']:,} | {r['activities']:,} "
              f"| {r['figures']:.2f} | {r['content']:.2f} | {r['word']:.2f} "
              f"| **{r['total']:.1f}** | {r['size_kb']:,.0f} | {made_pdf} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
