"""Time every analysis a dashboard page runs, on the demo district and on larger synthetic ones.

For each scale the demo is tiled that many times (``benchmarks/synthetic.py``; built in memory,
timed apart and not counted), then each analysis is run once to warm up and timed as the best
of ``--repeat`` runs (``time.perf_counter``):

- ``station_coverage``: the stations' coverage of communities, venues and townships;
- ``activity_summary``: the last 12 months (1 Nov 2025 - 31 Oct 2026), every category;
- ``activity_summary, 1 township``: the same for one township (a filter change);
- ``units``: ``unit_status`` as of 31 Oct 2026, ``unit_gaps`` and ``unit_counts`` by
  township and by category;
- ``scorecard``: from the results above, with the configured rubric;
- ``supervision_list``: as of 31 Oct 2026 (same inputs);
- ``page load``: the six above run one after another, timed as one (best of ``--repeat``);
- ``propose_stations``: greedy, k = 10 (shown apart: a page runs it on request).

Targets (the issue): the page load under 0.2 s for a district (x1) and under 5 s for a province
(x100). When a scale misses its target, every analysis there is profiled (cProfile) and its
heaviest functions printed.

Run ``python benchmarks/analysis_bench.py [--scales 1 10 100] [--repeat 3] [--profile]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.activity import Period, activity_summary
from analysis.coverage import station_coverage
from analysis.scorecard import ScoreInputs, load_rubric, scorecard, supervision_list
from analysis.siting import propose_stations
from analysis.units import unit_counts, unit_gaps, unit_status
from benchmarks.synthetic import _demo, synthetic_district

AS_OF = pd.Timestamp("2026-10-31")
PERIOD = Period.between("2025-11-01", "2026-10-31")
TARGETS = {1: 0.2, 100: 5.0}
"""Page-load target (s) by scale: a district, and a province of about 100 districts."""

PAGE = ("station_coverage", "activity_summary", "activity_summary, 1 township", "units",
        "scorecard", "supervision_list")
ROWS = (*PAGE, "page load (the six above)", "propose_stations (greedy, k=10)")


@dataclass
class Case:
    """One scale's data and the inputs the dependent analyses need (computed untimed)."""

    scale: int
    layers: dict
    build_s: float
    inputs: ScoreInputs
    rubric: object
    township: str

    def sizes(self) -> str:
        names = ("townships", "communities", "workstations", "activities", "units")
        return " / ".join(f"{len(self.layers[n]):,}" for n in names)


def build(scale: int) -> Case:
    """Return the synthetic district of ``scale`` copies and the analyses' shared inputs."""
    start = time.perf_counter()
    layers, _ = synthetic_district(scale)
    build_s = time.perf_counter() - start
    towns = layers["townships"]
    inputs = ScoreInputs(_coverage(layers), _summary(layers), unit_status(layers["units"], AS_OF),
                         towns)
    return Case(scale, layers, build_s, inputs, load_rubric(), str(towns["code"].iloc[0]))


def _coverage(layers: dict):
    return station_coverage(layers["workstations"], layers["communities"], layers["townships"],
                            layers["religious_sites"])


def _summary(layers: dict, township_codes=None):
    return activity_summary(layers["activities"], layers["townships"], PERIOD,
                            township_codes=township_codes)


def _units(layers: dict):
    status = unit_status(layers["units"], AS_OF)
    return (unit_gaps(status), unit_counts(status, "township_code"),
            unit_counts(status, "category"))


def analyses(case: Case) -> dict[str, Callable[[], object]]:
    """Return ``{row: a call running that analysis}`` for ``case``."""
    layers, inputs = case.layers, case.inputs

    def page() -> None:
        coverage = _coverage(layers)
        summary = _summary(layers)
        _summary(layers, [case.township])
        _units(layers)
        fresh = ScoreInputs(coverage, summary, unit_status(layers["units"], AS_OF),
                            layers["townships"])
        scorecard(fresh, case.rubric)
        supervision_list(fresh, AS_OF)

    return {
        "station_coverage": lambda: _coverage(layers),
        "activity_summary": lambda: _summary(layers),
        "activity_summary, 1 township": lambda: _summary(layers, [case.township]),
        "units": lambda: _units(layers),
        "scorecard": lambda: scorecard(inputs, case.rubric),
        "supervision_list": lambda: supervision_list(inputs, AS_OF),
        "page load (the six above)": page,
        "propose_stations (greedy, k=10)":
            lambda: propose_stations(inputs.coverage, layers["communities"],
                                     layers["townships"], k=10),
    }


def best_of(call: Callable[[], object], repeat: int) -> float:
    """Return the fastest of ``repeat`` timed runs of ``call``, after one untimed warm-up."""
    call()
    times = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def profile(name: str, call: Callable[[], object], top: int = 12) -> str:
    """Return the ``top`` functions of one run of ``call`` by own time, as pstats prints them."""
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    body = out.getvalue()
    # Drop pstats' preamble; keep the total line and the table.
    lines = [line for line in body.splitlines() if line.strip()]
    return f"### {name}\n\n```\n" + "\n".join(lines[:top + 4]) + "\n```\n"


def _sig(seconds: float) -> str:
    return f"{seconds:.3g}"


def main(argv: list[str] | None = None) -> int:
    """Print the timings table (and profiles of any scale that misses its target)."""
    parser = argparse.ArgumentParser(description="Time the dashboard's analyses by scale.")
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true",
                        help="profile every analysis at every scale, not only missed targets")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    _demo()  # read the shipped demo once, so build times are the tiling alone
    print(f"demo read in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    results: dict[int, dict[str, float]] = {}
    cases: dict[int, Case] = {}
    for scale in args.scales:
        case = build(scale)
        cases[scale] = case
        results[scale] = {name: best_of(call, args.repeat)
                          for name, call in analyses(case).items()}
        print(f"x{scale}: built in {case.build_s:.2f} s ({case.sizes()})", file=sys.stderr)

    header = "| analysis (s, best of " + str(args.repeat) + ") | " + " | ".join(
        f"x{s}" for s in args.scales) + " |"
    print(header)
    print("| --- |" + " ---: |" * len(args.scales))
    for row in ROWS:
        print(f"| {row} | " + " | ".join(_sig(results[s][row]) for s in args.scales) + " |")
    print("| build synthetic data (not counted) | "
          + " | ".join(_sig(cases[s].build_s) for s in args.scales) + " |")
    print("| townships / communities / stations / activities / units | "
          + " | ".join(cases[s].sizes() for s in args.scales) + " |")

    missed = []
    for scale in args.scales:
        target = TARGETS.get(scale)
        total = results[scale]["page load (the six above)"]
        if target is not None:
            verdict = "met" if total < target else "MISSED"
            print(f"\nx{scale}: page load {_sig(total)} s, target < {target:g} s: {verdict}")
            if total >= target:
                missed.append(scale)
    for scale in args.scales:
        if scale in missed or args.profile:
            print(f"\n## Profiles at x{scale} (one run each, sorted by own time)\n")
            for name, call in analyses(cases[scale]).items():
                if name.startswith("page load"):
                    continue
                print(profile(name, call))
    return 0


if __name__ == "__main__":
    sys.exit(main())
