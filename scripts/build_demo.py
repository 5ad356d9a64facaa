"""Build the reproducible demo district (七里河区, 示例数据) and write it as a GeoPackage."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a file (`python scripts/build_demo.py`) only scripts/ is on the path; the packages
# this script uses live in the repository root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The recipe lives in scripts/demo, one module per layer. These names stay importable from
# here: tests and data/README.md use `from scripts.build_demo import ...`.
from scripts.demo import (  # noqa: E402
    DEFAULT_OUT,
    DEFAULT_SEED,
    REAL_UNITS,
    REFERENCE_DATE,
    build_demo,
    demo_meta,
    summary,
    write_demo,
)

__all__ = ["DEFAULT_OUT", "DEFAULT_SEED", "REAL_UNITS", "REFERENCE_DATE", "build_demo",
           "demo_meta", "main", "summary", "write_demo"]


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, build and write the demo, print a summary.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="GeoPackage to write")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frames = write_demo(args.out, args.seed)
    print(summary(frames))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) "
          f"in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
