"""The shape every layer module declares: canonical columns, types, aliases and geometry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from core.district import district_config
from layers._text import normalise_header

DTYPES = ("text", "int", "float", "date", "bool")

# Coordinates and geometry can come as columns in any tabular layer; these are the headers
# ledgers and GIS exports use for them (X is easting/longitude here, as Amap and Excel users mean).
LNG_ALIASES = ("经度", "东经", "lng", "lon", "long", "longitude", "x", "x坐标", "经度坐标", "坐标x")
LAT_ALIASES = ("纬度", "北纬", "lat", "latitude", "y", "y坐标", "纬度坐标", "坐标y")
WKT_ALIASES = ("wkt", "几何", "几何(wkt)", "geometry", "geom", "空间信息")


@dataclass(frozen=True)
class Column:
    """One canonical column of a layer.

    Parameters
    ----------
    name : str
        Column name in the working dataset (ASCII, snake_case).
    label, label_en : str
        Header in templates and exports (Chinese) and its English name.
    dtype : str
        One of :data:`DTYPES`.
    required : bool
        Whether every row must have a value.
    aliases : tuple of str
        Other headers real ledgers use for this column.
    choices : str or tuple of str, optional
        Allowed values: a fixed tuple, or the name of a list in the district configuration.
    unique : bool
        Whether values must be unique within the file.
    ref : str, optional
        Name of the layer this column refers to, by code or by name.
    minimum : float, optional
        Smallest allowed number.
    help, help_en : str
        What to write in the column, for the template's explanation sheet.
    example : object
        The template's example value.
    """

    name: str
    label: str
    label_en: str
    dtype: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: str | tuple[str, ...] | None = None
    unique: bool = False
    ref: str | None = None
    minimum: float | None = None
    help: str = ""
    help_en: str = ""
    example: object = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            msg = f"column {self.name}: dtype {self.dtype!r} is not one of {DTYPES}"
            raise ValueError(msg)

    def allowed(self) -> tuple[str, ...] | None:
        """Return the allowed values, reading the district configuration when they live there."""
        if self.choices is None or isinstance(self.choices, tuple):
            return self.choices
        return getattr(district_config(), self.choices)

    def headers(self) -> tuple[str, ...]:
        """Return every header (normalised) that names this column."""
        return tuple(dict.fromkeys(normalise_header(h) for h in
                                   (self.label, self.name, self.label_en, *self.aliases)))


@dataclass(frozen=True)
class LayerSchema:
    """A layer's contract: its columns, its geometry, and how derived columns are filled.

    Parameters
    ----------
    name : str
        Layer (and GeoPackage table) name.
    label, label_en : str
        What users call the layer.
    geometry : tuple of str
        Allowed geometry families: ``("Point",)``, ``("Polygon",)`` or both.
    geometry_required : bool
        Whether each row needs a location (otherwise it may be placed through a reference).
    columns : tuple of Column
        The canonical columns, in template order.
    id_column : str
        The column that identifies a row; generated from the row number when left blank.
    id_prefix : str
        Prefix of generated ids.
    derive : callable, optional
        Fills derived columns (e.g. a township's kind from its name) on the converted frame.
    """

    name: str
    label: str
    label_en: str
    geometry: tuple[str, ...]
    geometry_required: bool
    columns: tuple[Column, ...]
    id_column: str
    id_prefix: str
    derive: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    description: str = ""
    description_en: str = ""
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    def header_map(self) -> dict[str, str]:
        """Return ``{normalised header: canonical column}`` for every alias of every column.

        Coordinate and WKT headers map to the pseudo-columns ``_lng``, ``_lat`` and ``_wkt``.
        """
        mapping: dict[str, str] = {}
        for alias in WKT_ALIASES:
            mapping[normalise_header(alias)] = "_wkt"
        for alias in LNG_ALIASES:
            mapping[normalise_header(alias)] = "_lng"
        for alias in LAT_ALIASES:
            mapping[normalise_header(alias)] = "_lat"
        for col in self.columns:
            for header in col.headers():
                mapping[header] = col.name
        return mapping

    def known_headers(self) -> frozenset[str]:
        """Return every normalised header this layer recognises (for finding the header row)."""
        return frozenset(self.header_map())

    def township_column(self) -> str | None:
        """Return the column naming each record's township (what scopes an editor), or None.

        The townships layer itself has none: only an editor for the whole district changes it.
        """
        for col in self.columns:
            if col.ref == "townships":
                return col.name
        return None

    def canonical_columns(self) -> list[str]:
        """Return the column names of the working dataset's table, geometry last."""
        return [col.name for col in self.columns] + ["geometry"]


def _suffix_kind(names: pd.Series, kinds: tuple[str, ...]) -> pd.Series:
    """Return the kind each name ends with (``街道``, ``镇``...), or None."""
    result = pd.Series([None] * len(names), index=names.index, dtype=object)
    # Longest suffix first: "街道" must win over a hypothetical "道".
    for kind in sorted(kinds, key=len, reverse=True):
        hit = result.isna() & names.fillna("").str.endswith(kind)
        result[hit] = kind
    return result


def strip_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    """Return ``name`` without one of ``suffixes`` at its end (``西园街道`` -> ``西园``).

    Parameters
    ----------
    name : str
        A township or community name.
    suffixes : tuple of str
        The kind suffixes to remove.

    Returns
    -------
    str
        The bare name, or ``name`` itself when no suffix matches or nothing would remain.
    """
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def fill_kind_from_name(frame: pd.DataFrame, kinds_list: str) -> pd.DataFrame:
    """Fill a blank ``kind`` from the name's suffix (``镇`` from ``阿干镇``).

    Parameters
    ----------
    frame : pandas.DataFrame
        Converted rows with ``name`` and ``kind``.
    kinds_list : str
        Name of the district configuration list of kinds.

    Returns
    -------
    pandas.DataFrame
        The frame with ``kind`` filled where the name tells it.
    """
    kinds = getattr(district_config(), kinds_list)
    guessed = _suffix_kind(frame["name"], kinds)
    frame["kind"] = frame["kind"].where(frame["kind"].notna(), guessed)
    return frame


# How locations may be given in any tabular layer; the template's help sheet repeats it.
LAYER_COORDINATE_HELP = (
    ("经度 / 纬度", "十进制度（103.7751）或度分秒（103°46′30″）。坐标取自高德、腾讯地图时导入请加 "
                 "--crs gcj02，取自百度地图请加 --crs bd09；"
                 "国家 2000 投影坐标（米）请加 --crs EPSG:4544。"),
    ("几何(WKT)", "边界面用 WKT 文本，如 POLYGON ((...))；"
                "也可直接导入 Shapefile、GeoJSON、KML 或 GeoPackage。"),
)
