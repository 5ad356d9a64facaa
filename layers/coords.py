"""Coordinates as offices type them: Chinese map datums, DMS text and projected metres to WGS84."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd
import pyproj
from numpy.typing import ArrayLike, NDArray

from core.district import district_config
from core.projection import candidate_grids
from layers._errors import CrsError

FloatArray = NDArray[np.float64]
Coord = float | FloatArray

# --- GCJ-02 / BD-09 -----------------------------------------------------------------
# The constants of the published (leaked) GCJ-02 algorithm: Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
# Bounding box every public implementation uses; outside it map vendors apply no offset.
_CHINA_LNG = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
# Inverse iterations stop once the step is below ~1 mm; the forward map is a contraction
# (its slope is ~0.003), so a handful of steps suffice and the cap is only a safeguard.
_TOLERANCE_DEG = 1e-9
_MAX_STEPS = 30


def _arrays(lng: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray, bool]:
    """Return the inputs as float arrays of one shape, and whether both were scalars."""
    x = np.asarray(lng, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    scalar = x.ndim == 0 and y.ndim == 0
    x, y = np.broadcast_arrays(x, y)
    return x.astype(np.float64, copy=True), y.astype(np.float64, copy=True), scalar


def _result(x: FloatArray, y: FloatArray, scalar: bool) -> tuple[Coord, Coord]:
    """Hand back plain floats to callers who passed plain numbers."""
    if scalar:
        return float(x), float(y)
    return x, y


def _in_china(lng: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    """Return where the vendors' offset applies (NaN rows count as inside: they stay NaN)."""
    outside_lng = (lng < _CHINA_LNG[0]) | (lng > _CHINA_LNG[1])
    outside_lat = (lat < _CHINA_LAT[0]) | (lat > _CHINA_LAT[1])
    return ~(outside_lng | outside_lat)


def _shift_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    """Return the raw latitude offset of the GCJ-02 algorithm (x, y relative to 105E 35N)."""
    out = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    out += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    out += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return out


def _shift_lng(x: FloatArray, y: FloatArray) -> FloatArray:
    """Return the raw longitude offset of the GCJ-02 algorithm (x, y relative to 105E 35N)."""
    out = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    out += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    out += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    out += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return out


def _gcj_offset(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the GCJ-02 offset in degrees (dlng, dlat) at WGS84 points."""
    dlat = _shift_lat(lng - 105.0, lat - 35.0)
    dlng = _shift_lng(lng - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlng, dlat


def wgs84_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Offset WGS84 coordinates to GCJ-02, the datum of Amap (Gaode) and Tencent maps.

    Parameters
    ----------
    lng, lat : array_like
        WGS84 longitude and latitude in degrees; scalars or arrays of one shape.

    Returns
    -------
    tuple
        GCJ-02 ``(lng, lat)``: floats for scalar input, else float arrays. NaN stays NaN
        and points outside China are returned unchanged.
    """
    x, y, scalar = _arrays(lng, lat)
    inside = _in_china(x, y)
    dlng, dlat = _gcj_offset(x[inside], y[inside])
    x[inside] += dlng
    y[inside] += dlat
    return _result(x, y, scalar)


def gcj02_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Undo the GCJ-02 offset by fixed-point iteration (error well under a centimetre).

    The one-step inverse common online is off by up to a few metres; iterating
    ``wgs = gcj - offset(wgs)`` converges because the offset varies slowly.

    Parameters
    ----------
    lng, lat : array_like
        GCJ-02 longitude and latitude in degrees; scalars or arrays of one shape.

    Returns
    -------
    tuple
        WGS84 ``(lng, lat)``: floats for scalar input, else float arrays. NaN stays NaN
        and points outside China are returned unchanged.
    """
    x, y, scalar = _arrays(lng, lat)
    inside = _in_china(x, y)
    gx, gy = x[inside], y[inside]
    wx, wy = gx.copy(), gy.copy()
    for _ in range(_MAX_STEPS):
        dlng, dlat = _gcj_offset(wx, wy)
        nx, ny = gx - dlng, gy - dlat
        step = _largest_step(nx - wx, ny - wy)
        wx, wy = nx, ny
        if step < _TOLERANCE_DEG:
            break
    x[inside], y[inside] = wx, wy
    return _result(x, y, scalar)


def _largest_step(dx: FloatArray, dy: FloatArray) -> float:
    """Return the largest absolute change, ignoring NaN rows (they never converge)."""
    steps = np.abs(np.concatenate([dx, dy]))
    return float(steps[np.isfinite(steps)].max(initial=0.0))


def _bd_forward(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return Baidu's published GCJ-02 -> BD-09 formula, with no China test."""
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def gcj02_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Offset GCJ-02 coordinates to BD-09, the datum of Baidu maps.

    Parameters
    ----------
    lng, lat : array_like
        GCJ-02 longitude and latitude in degrees; scalars or arrays of one shape.

    Returns
    -------
    tuple
        BD-09 ``(lng, lat)``: floats for scalar input, else float arrays. NaN stays NaN
        and points outside China are returned unchanged.
    """
    x, y, scalar = _arrays(lng, lat)
    inside = _in_china(x, y)
    x[inside], y[inside] = _bd_forward(x[inside], y[inside])
    return _result(x, y, scalar)


def bd09_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Undo the BD-09 offset: the published inverse, refined by iteration.

    The published one-step inverse leaves up to ~0.5 m of error against the forward
    formula; a few fixed-point steps bring it under a millimetre.

    Parameters
    ----------
    lng, lat : array_like
        BD-09 longitude and latitude in degrees; scalars or arrays of one shape.

    Returns
    -------
    tuple
        GCJ-02 ``(lng, lat)``: floats for scalar input, else float arrays. NaN stays NaN
        and points outside China are returned unchanged.
    """
    x, y, scalar = _arrays(lng, lat)
    inside = _in_china(x, y)
    bx, by = x[inside], y[inside]
    gx, gy = _bd_published_inverse(bx, by)
    for _ in range(_MAX_STEPS):
        fx, fy = _bd_forward(gx, gy)
        step = _largest_step(bx - fx, by - fy)
        gx, gy = gx + (bx - fx), gy + (by - fy)
        if step < _TOLERANCE_DEG:
            break
    x[inside], y[inside] = gx, gy
    return _result(x, y, scalar)


def _bd_published_inverse(bx: FloatArray, by: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Return the widely published BD-09 -> GCJ-02 formula: the iteration's starting point."""
    x, y = bx - 0.0065, by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def bd09_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Convert BD-09 (Baidu) coordinates to WGS84 through GCJ-02.

    Parameters
    ----------
    lng, lat : array_like
        BD-09 longitude and latitude in degrees.

    Returns
    -------
    tuple
        WGS84 ``(lng, lat)``, floats for scalar input, else float arrays.
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))


def wgs84_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[Coord, Coord]:
    """Convert WGS84 coordinates to BD-09 (Baidu) through GCJ-02.

    Parameters
    ----------
    lng, lat : array_like
        WGS84 longitude and latitude in degrees.

    Returns
    -------
    tuple
        BD-09 ``(lng, lat)``, floats for scalar input, else float arrays.
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))


# --- Parsing cell values ---------------------------------------------------------------
# Marks NFKC leaves alone (or would turn into letters) that people use for ° ' ".
_MARKS = str.maketrans({
    "º": "°", "˚": "°", "度": "°",
    "′": "'", "’": "'", "‘": "'", "´": "'", "分": "'",
    "″": '"', "”": '"', "“": '"', "秒": '"',
    "−": "-", "–": "-",
})
_PREFIX = re.compile(r"^(东经|西经|北纬|南纬|经度|纬度|[NSEW东西南北]):?", re.IGNORECASE)
_SUFFIX = re.compile(r"(东经|西经|北纬|南纬|[NSEW东西南北])$", re.IGNORECASE)
_NEGATIVE_HEMISPHERES = {"s", "w", "西经", "南纬", "西", "南"}
_NUMBER = r"\d+(?:\.\d*)?|\.\d+"
_DMS = re.compile(
    rf"(?P<d>{_NUMBER})(?:°(?:(?P<m>{_NUMBER})(?:'(?:(?P<s>{_NUMBER})\"?)?)?)?)?"
)
_SEPARATED = re.compile(rf"(?P<d>\d+):(?P<m>{_NUMBER})(?::(?P<s>{_NUMBER}))?")


def parse_coordinates(values: pd.Series | Iterable[object]) -> FloatArray:
    """Read a column of longitudes or latitudes as typed into ledgers.

    Plain numbers (and numeric text) take a vectorised path; only the rest is parsed as
    text: degrees-minutes-seconds (``103°46'30"``, ``103度46分30秒``, ``103°46.5'``,
    ``35:50:12``, ``103 46 30``), hemisphere marks before or after (``E``, ``S``,
    ``东经``, ``南纬``; south and west give negative values), full-width characters
    and stray spaces.

    Parameters
    ----------
    values : pandas.Series or iterable
        Cell values: str, int, float, None.

    Returns
    -------
    numpy.ndarray
        Float degrees, one per value; NaN where a value is empty or unreadable.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    numeric = pd.to_numeric(series, errors="coerce")
    numbers = np.array(numeric.to_numpy(dtype=np.float64, na_value=np.nan), copy=True)
    numbers[_booleans(series)] = np.nan
    leftover = np.flatnonzero(np.isnan(numbers) & series.notna().to_numpy())
    cache: dict[str, float] = {}
    for i in leftover:
        text = str(series.iat[i])
        if text not in cache:
            cache[text] = _parse_text(text)
        numbers[i] = cache[text]
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def _booleans(series: pd.Series) -> NDArray[np.bool_]:
    """Return where cells are booleans, which to_numeric would otherwise read as 0 and 1."""
    if series.dtype == bool:
        return np.ones(len(series), dtype=bool)
    if series.dtype != object:
        return np.zeros(len(series), dtype=bool)
    return np.fromiter((isinstance(v, bool | np.bool_) for v in series), bool, len(series))


def _parse_text(text: str) -> float:
    """Return the degrees one text cell stands for, NaN when it cannot be read."""
    folded = unicodedata.normalize("NFKC", text.translate(_MARKS)).translate(_MARKS)
    # NFKC splits ″ into two primes and a typed '' means seconds too.
    folded = folded.replace("''", '"')
    # Spaces between two numbers separate degrees from minutes; any other space is noise.
    folded = re.sub(r"(?<=\d)\s+(?=\d)", ":", folded.strip())
    folded = re.sub(r"\s+", "", folded)
    body, negative = _strip_hemisphere(folded)
    if body.startswith(("+", "-")):
        negative = negative or body[0] == "-"
        body = body[1:]
    degrees = _read_dms(body)
    return -degrees if negative else degrees


def _strip_hemisphere(text: str) -> tuple[str, bool]:
    """Remove a hemisphere mark at either end; return the rest and whether it is S or W."""
    negative = False
    for pattern in (_PREFIX, _SUFFIX):
        match = pattern.search(text)
        if match:
            negative = negative or match.group(1).lower() in _NEGATIVE_HEMISPHERES
            text = text[: match.start()] + text[match.end():]
    return text, negative


def _read_dms(body: str) -> float:
    """Return degrees from ``d°m's"`` or ``d:m:s`` text without sign; NaN if malformed."""
    match = _DMS.fullmatch(body) or _SEPARATED.fullmatch(body)
    if match is None:
        return math.nan
    d, m, s = (match.group(k) for k in ("d", "m", "s"))
    # A fraction may only sit on the last part: "103.5°46'" means nothing.
    if (m is not None and "." in d) or (s is not None and "." in m):
        return math.nan
    minutes = float(m) if m is not None else 0.0
    seconds = float(s) if s is not None else 0.0
    if minutes >= 60.0 or seconds >= 60.0:
        return math.nan
    return float(d) + minutes / 60.0 + seconds / 3600.0


# --- Reference systems -------------------------------------------------------------------
CrsKind = Literal["epsg", "gcj02", "bd09"]
_WGS84 = pyproj.CRS.from_epsg(4326)
_ALIASES: dict[str, CrsKind | int] = {
    **dict.fromkeys(("wgs84", "wgs-84", "wgs1984", "4326", "epsg:4326"), 4326),
    **dict.fromkeys(("cgcs2000", "cgcs-2000", "4490", "epsg:4490"), 4490),
    **dict.fromkeys(("gcj02", "gcj-02", "amap", "gaode", "高德", "tencent", "腾讯"), "gcj02"),
    **dict.fromkeys(("bd09", "bd-09", "bd09ll", "baidu", "百度"), "bd09"),
}
_EPSG_CODE = re.compile(r"(?:epsg:?)?(\d{4,6})")


@dataclass(frozen=True)
class CrsSpec:
    """A coordinate reference system as the user declared it.

    Attributes
    ----------
    kind : {"epsg", "gcj02", "bd09"}
        ``"epsg"`` for anything pyproj transforms (EPSG codes, WKT, PROJ strings);
        ``"gcj02"`` and ``"bd09"`` for the Chinese map vendors' offset datums.
    crs : pyproj.CRS
        The CRS itself for ``"epsg"``; EPSG:4326, the target datum, for the others.
    label : str
        The user's spelling, for messages and the audit log.
    """

    kind: CrsKind
    crs: pyproj.CRS
    label: str


def resolve_crs(spec: str) -> CrsSpec:
    """Interpret a user's CRS declaration (command line, form or file header).

    Parameters
    ----------
    spec : str
        ``wgs84``, ``cgcs2000``, ``gcj02`` (also ``高德``, ``amap``, ``腾讯``), ``bd09``
        (also ``百度``, ``baidu``), ``EPSG:4544`` or ``4544``, or any WKT or PROJ string.
        Case and spaces do not matter for the names and codes.

    Returns
    -------
    CrsSpec
        The resolved system.

    Raises
    ------
    CrsError
        ``crs.unknown`` when nothing matches; ``crs.unsupported`` for a CRS that does not
        give horizontal positions (a vertical or geocentric one, say).
    """
    label = str(spec).strip()
    key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", label)).lower()
    alias = _ALIASES.get(key)
    if alias in ("gcj02", "bd09"):
        return CrsSpec(alias, _WGS84, label)
    code = _EPSG_CODE.fullmatch(key)
    if alias is not None:
        crs = _crs_from_epsg(int(alias), label)
    elif code is not None:
        crs = _crs_from_epsg(int(code.group(1)), label)
    else:
        crs = _crs_from_text(label)
    if not (crs.is_geographic or crs.is_projected):
        raise CrsError("crs.unsupported", value=label)
    return CrsSpec("epsg", crs, label)


def _crs_from_epsg(code: int, label: str) -> pyproj.CRS:
    """Return EPSG ``code`` as a CRS, or raise ``crs.unknown`` naming what the user typed."""
    try:
        return pyproj.CRS.from_epsg(code)
    except pyproj.exceptions.CRSError:
        raise CrsError("crs.unknown", value=label) from None


def _crs_from_text(label: str) -> pyproj.CRS:
    """Return a CRS from WKT, a PROJ string or an authority name, else raise ``crs.unknown``."""
    if not label:
        raise CrsError("crs.unknown", value=label)
    try:
        return pyproj.CRS.from_user_input(label)
    except pyproj.exceptions.CRSError:
        raise CrsError("crs.unknown", value=label) from None


@lru_cache(maxsize=32)
def _transformer(crs: pyproj.CRS) -> pyproj.Transformer:
    """Return a cached transformer to WGS84 lng/lat; building one costs milliseconds."""
    return pyproj.Transformer.from_crs(crs, _WGS84, always_xy=True)


def to_wgs84(x: ArrayLike, y: ArrayLike, spec: CrsSpec) -> tuple[FloatArray, FloatArray]:
    """Convert coordinates declared in ``spec`` to WGS84 longitude and latitude.

    CGCS2000 is taken as WGS84: the two agree to well under a metre.

    Parameters
    ----------
    x, y : array_like
        Easting/longitude and northing/latitude, in the order of ``always_xy``.
    spec : CrsSpec
        The declared system, from :func:`resolve_crs`.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lng, lat)`` in degrees; NaN where the input is NaN or cannot be transformed.
    """
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(y, dtype=np.float64))
    if spec.kind == "gcj02":
        lng, lat = gcj02_to_wgs84(xs, ys)
    elif spec.kind == "bd09":
        lng, lat = bd09_to_wgs84(xs, ys)
    else:
        lng, lat = _transformer(spec.crs).transform(xs, ys)
    return _finite(lng), _finite(lat)


def _finite(values: ArrayLike) -> FloatArray:
    """Return a float array with PROJ's ``inf`` failure marks replaced by NaN."""
    out = np.array(values, dtype=np.float64)
    out[~np.isfinite(out)] = np.nan
    return out


# --- Guessing projected systems ---------------------------------------------------------
# Candidates for metre coordinates are the grids around the district's own meridian
# (core.projection.candidate_grids); for 七里河区 (103.8E): 4544 = 3-degree CM 105E (no zone
# prefix), 4523 = 3-degree zone 35 (easting 35 500 000), 4496 = 6-degree zone 18, 4507 =
# 6-degree CM 105E (no prefix), then the 3-degree zones at 102E and 108E. 4507 equals 4544 in
# every parameter near 105E, so ties go to the first listed. Xian 1980 and
# Beijing 1954 grids share these parameters and differ only by datum (tens of metres),
# which the numbers themselves cannot reveal: the user has to declare those.
_CHINA_BOX = ((73.0, 135.0), (18.0, 54.0))
# Candidates whose median lands within this of the best one are ties (same grid).
_TIE_KM = 1.0


def looks_projected(x: ArrayLike, y: ArrayLike) -> bool:
    """Tell whether coordinates are clearly metres rather than degrees.

    Parameters
    ----------
    x, y : array_like
        The two coordinate columns, already parsed to floats.

    Returns
    -------
    bool
        True when more than half the rows with both values have ``|x| > 180`` or
        ``|y| > 90``.
    """
    xs, ys = _valid_pairs(x, y)
    if xs.size == 0:
        return False
    beyond = (np.abs(xs) > 180.0) | (np.abs(ys) > 90.0)
    return bool(beyond.mean() > 0.5)


def suggest_projected_crs(x: ArrayLike, y: ArrayLike) -> str | None:
    """Suggest the CGCS2000 Gauss-Kruger grid that puts metre coordinates near the district.

    Parameters
    ----------
    x, y : array_like
        Easting and northing in metres.

    Returns
    -------
    str or None
        An ``"EPSG:NNNN"`` code whose transform of the median point falls inside China
        (lng 73-135, lat 18-54) and nearest the district's configured ``centre``; None
        when no candidate does.
    """
    xs, ys = _valid_pairs(x, y)
    if xs.size == 0:
        return None
    mx, my = float(np.median(xs)), float(np.median(ys))
    # The grids around the district's own meridian (core/projection.py): whichever district.
    scored = [(km, code) for code in candidate_grids(_district_centre()[0])
              if (km := _km_from_district(code, mx, my)) is not None]
    if not scored:
        return None
    best = min(km for km, _ in scored)
    return next(code for km, code in scored if km - best < _TIE_KM)


def _valid_pairs(x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return the rows where both coordinates are finite numbers."""
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ys = np.atleast_1d(np.asarray(y, dtype=np.float64))
    keep = np.isfinite(xs) & np.isfinite(ys)
    return xs[keep], ys[keep]


def _km_from_district(code: str, x: float, y: float) -> float | None:
    """Return how far (km) ``code`` puts the point from the district, None if outside China."""
    lng, lat = _transformer(pyproj.CRS.from_user_input(code)).transform(x, y)
    (lng_min, lng_max), (lat_min, lat_max) = _CHINA_BOX
    if not (lng_min <= lng <= lng_max and lat_min <= lat <= lat_max):
        return None
    return _haversine_km(lng, lat, *_district_centre())


def _district_centre() -> tuple[float, float]:
    """Return the district's centre (lng, lat), from district.toml (loaded once per file)."""
    return district_config().centre


def _haversine_km(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Return the great-circle distance in kilometres on a 6371 km sphere."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
