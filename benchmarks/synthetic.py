"""Synthetic districts for benchmarks: the demo district tiled ``scale`` times on a grid.

How a synthetic district is made (``synthetic_district(scale)``):

- **Copies.** Copy 0 is the demo itself, unshifted and with its own codes, so scale 1 *is*
  the demo. Copies 1..scale-1 are the same rows, moved and recoded.
- **Placement.** Copies sit on a grid of ``ceil(sqrt(scale))`` columns, laid out around the
  demo. They are translated in the metric CRS (EPSG:4544, CGCS2000 3-degree GK CM 105E), not
  in degrees: a translation in metres keeps every distance between a copy's features exactly
  (a shift in latitude would shrink east-west distances by about 0.4 % per copy row), so each
  copy's coverage is the demo's. The grid step is the demo's extent in metres (26.4 x 29.3
  km) plus a margin of :data:`MARGIN_M` (10 km, at least twice the largest configured service
  radius, 5 km): no station of one copy reaches a community or venue of another. At x100
  (10 x 10) everything lies between about 101.9E and 106.0E (within 2.2 deg of 103.8E) and
  34.4N and 37.9N.
- **Codes.** Statistical codes (township ``code``, community ``code``, every ``township_code``
  and ``community_code``) have the demo's county part 620103 replaced by ``9`` + the copy
  number on five digits (copy 7: 620103001 -> 900007001, 620103001002 -> 900007001002), so
  they stay 9 and 12 digits, keep their nesting, and look like no real division (real ones
  start 11..82). Row ids (``W001``, ``R001``, ``A000001``, ``U001``, ``V000001``) get ``-`` +
  the copy number (``W001-007``), and so do references to them (a visit's ``unit_code``), so
  each copy's visits name its own units. Township names, which must be unique, get the copy
  as a prefix (``007·西园街道``); other names repeat.
- **Activities.** All copies' activities are kept while the total stays within
  :data:`ACTIVITY_CAP` (300,000: up to scale 60). Above that each copy keeps
  ``ACTIVITY_CAP // scale`` of the demo's 4,950 rows (a seeded uniform sample without
  replacement, a different one per copy, original order kept): 3,000 per copy, 300,000 in
  all at x100. ``seed`` only chooses that sample; everything else is an exact copy.
- **District.** The boundary is the MultiPolygon of every copy's boundary parts (the copies
  are disjoint, so that is their union).

Sizes at x100: 1,500 townships, 14,100 communities, 9,500 venues, 6,900 stations, 300,000
activities, 4,500 units, 13,500 visits.

Run ``python benchmarks/synthetic.py --scale 10 --out /tmp/x.gpkg`` to write one.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.metric import metric_crs
from core import settings
from core.district import district_config
from layers import LAYERS
from storage.gpkg import GeoPackageStore, create_dataset

ACTIVITY_CAP = 300_000
"""Most activities a synthetic district holds; above it each copy is thinned evenly."""

MARGIN_M = 10_000.0
"""Minimum gap (m) between neighbouring copies' bounding boxes."""

DEMO_ADCODE = "620103"
"""The county part of the demo's statistical codes, replaced in every copy but the first."""

# Statistical codes get the copy's county part; every other ``code`` (a row id) a suffix.
_ADMIN_LAYERS = ("townships", "communities")
_REF_COLUMNS = ("township_code", "community_code")
# References to another layer's row id: recoded as that id is.
_ROW_REF_COLUMNS = ("unit_code",)


@lru_cache(maxsize=1)
def _demo() -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame, dict[str, str]]:
    """Read the shipped demo once (layers typed as the store returns them)."""
    path = settings.path("demo")
    store = GeoPackageStore(path, path)
    frames = {name: store.read(name) for name in LAYERS}
    return frames, store.read_district(), store.meta()


def _admin_code(value: str, copy: int) -> str:
    if copy == 0:
        return value
    county = f"9{copy:05d}"
    if value.startswith(DEMO_ADCODE):
        return county + value[len(DEMO_ADCODE):]
    return f"{county}-{value}"


def _row_id(value: str, copy: int) -> str:
    return value if copy == 0 else f"{value}-{copy:03d}"


def _township_name(value: str, copy: int) -> str:
    return value if copy == 0 else f"{copy:03d}·{value}"


def _recode(values: pd.Series, copies: np.ndarray, scale: int, rule) -> np.ndarray:
    """Apply ``rule(value, copy)`` to every row, computing it once per distinct value and copy."""
    pos, uniques = pd.factorize(values)
    table = np.empty((len(uniques), scale), dtype=object)
    for i, value in enumerate(uniques):
        table[i] = [rule(str(value), k) for k in range(scale)]
    out = np.full(len(values), None, dtype=object)
    known = pos >= 0
    out[known] = table[pos[known], copies[known]]
    return out


def grid_offsets(scale: int, bounds: np.ndarray, margin: float) -> np.ndarray:
    """Return the (dx, dy) translation in metres of each copy; copy 0 stays put.

    Parameters
    ----------
    scale : int
        Number of copies.
    bounds : numpy.ndarray
        The demo's (minx, miny, maxx, maxy) in the metric CRS.
    margin : float
        Gap between neighbouring copies (m).

    Returns
    -------
    numpy.ndarray
        Shape (scale, 2).
    """
    cols = math.ceil(math.sqrt(scale))
    rows = math.ceil(scale / cols)
    step = np.array([bounds[2] - bounds[0] + margin, bounds[3] - bounds[1] + margin])
    # Row-major cells around the demo's own cell, which copy 0 takes.
    c0, r0 = (cols - 1) // 2, (rows - 1) // 2
    cells = [(c - c0, r - r0) for r in range(rows) for c in range(cols)]
    cells.remove((0, 0))
    cells.insert(0, (0, 0))
    return np.array(cells[:scale], dtype=float) * step


def _translate(geoms: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Return ``geoms`` (metric) each moved by its row of ``shifts`` (missing stay missing)."""
    per_coord = np.repeat(shifts, shapely.get_num_coordinates(geoms), axis=0)
    return shapely.transform(geoms, lambda coords: coords + per_coord)


def _margin() -> float:
    radii = [r for pair in district_config().service_radius_m.values() for r in pair]
    return max(MARGIN_M, 2 * max(radii, default=0.0))


def activities_per_copy(scale: int, demo_rows: int, cap: int = ACTIVITY_CAP) -> int:
    """Return how many of the demo's activities each copy keeps.

    Parameters
    ----------
    scale : int
        Number of copies.
    demo_rows : int
        The demo's activities (4,950).
    cap : int
        Most activities in all.

    Returns
    -------
    int
        ``demo_rows`` while ``scale * demo_rows <= cap``, else ``cap // scale``.
    """
    return demo_rows if scale * demo_rows <= cap else cap // scale


def _tile(name: str, frame: gpd.GeoDataFrame, scale: int, shifts: np.ndarray,
          rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = len(frame)
    if name == "activities":
        keep = activities_per_copy(scale, n)
        rows = [np.arange(n) if keep == n else np.sort(rng.choice(n, keep, replace=False))
                for _ in range(scale)]
        index = np.concatenate(rows) if rows else np.empty(0, dtype=int)
        copies = np.repeat(np.arange(scale), [len(r) for r in rows])
    else:
        index = np.tile(np.arange(n), scale)
        copies = np.repeat(np.arange(scale), n)
    out = frame.iloc[index].reset_index(drop=True)

    for column in [c for c in ("code", *_REF_COLUMNS, *_ROW_REF_COLUMNS) if c in out.columns]:
        admin = column in _REF_COLUMNS or name in _ADMIN_LAYERS
        rule = _admin_code if admin else _row_id
        out[column] = pd.Series(_recode(out[column], copies, scale, rule), dtype=object)
    if name == "townships":
        out["name"] = pd.Series(_recode(out["name"], copies, scale, _township_name),
                                dtype=object)

    # Move the geometry in metres; copy 0 keeps the demo's own coordinates bit for bit.
    metric = frame.geometry.to_crs(metric_crs()).to_numpy()[index]
    moved = gpd.GeoSeries(_translate(metric, shifts[copies]), crs=metric_crs()).to_crs(frame.crs)
    geoms = moved.to_numpy()
    first = copies == 0
    geoms[first] = frame.geometry.to_numpy()[index[first]]
    return out.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs))


def synthetic_district(
        scale: int, seed: int = 1) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Return the demo district tiled ``scale`` times, as layers and a district boundary.

    See the module docstring for the layout, the codes and the thinning of activities.

    Parameters
    ----------
    scale : int
        Number of copies of the demo (1 = the demo itself).
    seed : int
        Seed of the activity sample taken when the total would exceed :data:`ACTIVITY_CAP`.

    Returns
    -------
    tuple
        ``{layer name: GeoDataFrame}`` (EPSG:4326, typed as the store reads them) and the
        one-row district boundary.
    """
    scale = int(scale)
    if scale < 1:
        msg = f"scale must be 1 or more, not {scale}"
        raise ValueError(msg)
    demo, district, _ = _demo()
    bounds = demo["townships"].to_crs(metric_crs()).total_bounds
    shifts = grid_offsets(scale, bounds, _margin())
    rng = np.random.default_rng(seed)
    frames = {name: _tile(name, demo[name], scale, shifts, rng) for name in LAYERS}

    metric = district.geometry.to_crs(metric_crs()).to_numpy()
    moved = _translate(np.repeat(metric, scale), np.repeat(shifts, len(metric), axis=0))
    parts = shapely.get_parts(gpd.GeoSeries(moved, crs=metric_crs()).to_crs(district.crs)
                              .to_numpy())
    boundary = district.geometry.iloc[0] if scale == 1 else shapely.multipolygons(parts)
    name = district["name"].iloc[0] if "name" in district else ""
    union = gpd.GeoDataFrame({
        "name": [name if scale == 1 else f"{name}×{scale}（合成示例）"],
        "adcode": [district["adcode"].iloc[0] if "adcode" in district else DEMO_ADCODE],
    }, geometry=[boundary], crs=district.crs)
    return frames, union


def write_synthetic(path: Path, scale: int, seed: int = 1) -> Path:
    """Write the synthetic district of ``scale`` copies as a complete dataset.

    Parameters
    ----------
    path : pathlib.Path
        The GeoPackage to create (replaced if it exists).
    scale : int
        Number of copies of the demo.
    seed : int
        Seed of the activity sample (see :func:`synthetic_district`).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    frames, district = synthetic_district(scale, seed)
    create_dataset(Path(path), frames, district, _meta(scale, seed))
    return Path(path)


def _meta(scale: int, seed: int) -> dict[str, str]:
    _, _, demo_meta = _demo()
    return {**demo_meta, "demo": "true", "synthetic": str(scale), "synthetic_seed": str(seed),
            "built_by": "benchmarks/synthetic.py"}


def main(argv: list[str] | None = None) -> int:
    """Write a synthetic district: ``--scale N --out FILE``."""
    parser = argparse.ArgumentParser(description="Write the demo district tiled N times.")
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    frames, district = synthetic_district(args.scale, args.seed)
    built = time.perf_counter() - start
    start = time.perf_counter()
    create_dataset(args.out, frames, district, _meta(args.scale, args.seed))
    written = time.perf_counter() - start
    sizes = ", ".join(f"{name} {len(frame):,}" for name, frame in frames.items())
    lon0, lat0, lon1, lat1 = district.total_bounds
    print(f"x{args.scale}: {sizes}")
    print(f"extent {lon0:.2f}-{lon1:.2f}E {lat0:.2f}-{lat1:.2f}N; "
          f"built in {built:.1f} s, written to {args.out} in {written:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
