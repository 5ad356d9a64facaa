"""Time checking and importing a clean 100,000-row activity ledger (CSV) into the demo data."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.district import district_config
from storage.gpkg import GeoPackageStore


def make_ledger(store: GeoPackageStore, rows: int, out: Path, seed: int = 7) -> Path:
    """Write a valid activity ledger of ``rows`` rows with Chinese headers, as offices keep it.

    Parameters
    ----------
    store : GeoPackageStore
        Source of real township and community names and locations.
    rows : int
        How many activities.
    out : pathlib.Path
        The CSV to write (UTF-8 with BOM, as Excel saves it).
    seed : int
        Random seed.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    rng = np.random.default_rng(seed)
    communities = store.read("communities")
    towns = store.read("townships").set_index("code")["name"]
    pick = rng.integers(0, len(communities), rows)
    chosen = communities.iloc[pick]
    jitter = rng.normal(0, 0.0015, size=(rows, 2))
    categories = district_config().activity_categories
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 2860, rows), unit="D")
    ledger = pd.DataFrame({
        "活动编号": [f"B{i:07d}" for i in range(1, rows + 1)],
        "活动日期": days.strftime("%Y/%-m/%-d"),
        "活动类别": np.array(categories)[rng.integers(0, len(categories), rows)],
        "活动名称": "民族团结进步创建活动（示例）",
        "所属乡镇(街道)": towns.loc[chosen["township_code"]].to_numpy(),
        "所属社区(村)": chosen["name"].to_numpy(),
        "参与人数": rng.integers(10, 400, rows),
        "组织单位": "区民宗局（示例）",
        "经度": (chosen.geometry.x.to_numpy() + jitter[:, 0]).round(6),
        "纬度": (chosen.geometry.y.to_numpy() + jitter[:, 1]).round(6),
    })
    ledger.to_csv(out, index=False, encoding="utf-8-sig")
    return out


def main() -> int:
    """Build the ledger, then time ``check`` and ``import`` on a private working copy."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["TONGXIN_DATA"] = str(Path(tmp) / "work.gpkg")
        from ledger.importer import check, import_file
        from storage import open_store

        store = open_store()
        ledger = make_ledger(store, args.rows, Path(tmp) / "activities.csv")
        size_mb = ledger.stat().st_size / 1e6
        start = time.perf_counter()
        report = check("activities", ledger, store=store)
        checked = time.perf_counter() - start
        assert report.ok, [i.message("en") for i in report.errors[:5]]
        start = time.perf_counter()
        report, backup = import_file("activities", ledger, store=store, user="bench")
        imported = time.perf_counter() - start
        assert report.ok and backup is not None
        assert len(store.read("activities")) == args.rows
    print(f"ledger: {args.rows:,} rows, {size_mb:.1f} MB CSV")
    print(f"check:  {checked:6.2f} s")
    print(f"import: {imported:6.2f} s  (check + write + backup + audit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
