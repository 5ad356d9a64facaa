"""Reading any file a district office keeps into one raw table, before any validation."""

from __future__ import annotations

import codecs
import csv
import io
import json
import warnings
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import ParseError

import charset_normalizer
import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pyproj
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from pyogrio.errors import (
    CRSError,
    DataLayerError,
    DataSourceError,
    FeatureError,
    FieldError,
    GeometryError,
)

from core import settings
from layers._errors import ReadError
from layers._read_legacy import LegacySheet, LegacyWorkbook, open_legacy_workbook
from layers._text import normalise_header, unguard_formula

__all__ = ["HEADER_SEARCH_ROWS", "KINDS", "RawTable", "read_table", "sniff_kind"]

# "xls" and "et" are one format (OLE2, read by layers/_read_legacy.py): WPS names it .et.
KINDS = ("xlsx", "xls", "et", "csv", "geojson", "shapefile", "gpkg", "kml")
# Ledgers put a title, a subtitle and notes above the header; 20 rows is generous.
HEADER_SEARCH_ROWS = 20

# Names users know the kinds by; the same in Chinese and English messages.
_KIND_LABELS = {
    "xlsx": "Excel (.xlsx)", "xls": "Excel 97-2003 (.xls)", "et": "WPS (.et)", "csv": "CSV",
    "geojson": "GeoJSON", "shapefile": "Shapefile", "gpkg": "GeoPackage", "kml": "KML/KMZ",
    "zip": "ZIP",
}
# What each extension promises; an extension not listed (".dat", none) promises nothing.
_EXTENSION_KINDS = {
    ".xlsx": {"xlsx"}, ".xlsm": {"xlsx"}, ".xls": {"xls"}, ".et": {"et"},
    ".csv": {"csv"}, ".txt": {"csv"}, ".tsv": {"csv"},
    ".geojson": {"geojson"}, ".json": {"geojson"},
    ".shp": {"shapefile"}, ".zip": {"shapefile", "kml"},
    ".gpkg": {"gpkg"}, ".kml": {"kml"}, ".kmz": {"kml"},
}
# Parts of a shapefile that hold no table of their own: the user picked the wrong one of the set.
_SHAPEFILE_SIDECARS = {".dbf", ".shx", ".prj", ".cpg", ".sbn", ".sbx", ".qix", ".qmd"}
_SPREADSHEET_EXTENSIONS = {".xls", ".xlsx", ".xlsm", ".et", ".csv"}

_HEAD_BYTES = 64 * 1024
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
# A zip is judged by its central directory before any member is read (zip bombs): at most
# this many members, this many times the upload limit unpacked in all, and no member over
# ZIP_RATIO_FLOOR bytes unpacked that packs tighter than ZIP_MAX_RATIO to 1 (real ledgers
# pack 2-25 to 1; a bomb's zeros pack 1000 to 1).
ZIP_MAX_MEMBERS = 1000
ZIP_MAX_TOTAL_X = 20
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 1024 * 1024
_MB = 1024 * 1024
# Archives GDAL's /vsizip/ recognises by name; any other name is passed in braces.
_VSIZIP_SUFFIXES = {".zip", ".kmz"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHP_MAGIC = b"\x00\x00\x27\x0a"
_ARCHIVE_MAGIC = {b"Rar!\x1a\x07": "RAR", b"7z\xbc\xaf\x27\x1c": "7z"}
# An encrypted .xlsx is an OLE2 file holding this stream, not a zip.
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_DELIMITERS = (",", "\t", ";", "|")

_OGR_ERRORS = (DataSourceError, DataLayerError, FeatureError, FieldError, GeometryError, CRSError)
# Damaged or foreign zips, XML and sheets surface from openpyxl as any of these.
_WORKBOOK_ERRORS = (zipfile.BadZipFile, zlib.error, KeyError, ValueError, TypeError, EOFError,
                    OSError, ParseError, InvalidFileException)

# LIBKML's styling attributes: a ledger never keeps data in them.
_KML_STYLING = {"altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon"}
# LIBKML's other fixed fields, kept only when some placemark fills them.
_KML_OPTIONAL = {"id", "description", "Description", "timestamp", "begin", "end"}
_KML_FOLDER_HEADER = "文件夹"

# (catalog key, params): what a read tells the user besides the table.
_Warning = tuple[str, dict]


@dataclass
class RawTable:
    """One table read from a file, before any validation.

    Attributes
    ----------
    frame : pandas.DataFrame
        Attribute columns, named ``normalise_header(header)`` (repeats get ``_2``, ``_3``);
        values are ``str``, ``int``, ``float``, ``datetime.date``/``datetime``, ``bool`` or
        ``None`` (blank cells and empty strings).
    headers : dict
        Column name -> the header exactly as the file shows it, for messages.
    rows : numpy.ndarray
        For each row of ``frame``, its number as the user sees it: the Excel row, the CSV
        line (the header line counts) or the feature's ordinal (from 1).
    row_label : str
        ``"row"`` for spreadsheets and CSV, ``"feature"`` for geographic formats.
    geometry : geopandas.GeoSeries or None
        Geographic formats only: the geometries, index aligned with ``frame``, in the
        file's CRS.
    crs : pyproj.CRS or None
        The CRS the file declares; ``None`` when it declares none.
    kind : str
        One of :data:`KINDS`.
    part : str or None
        The sheet or layer read.
    warnings : list
        ``(catalog key, params)`` pairs for what the user should know about the read.
    """

    frame: pd.DataFrame
    headers: dict[str, str]
    rows: np.ndarray
    row_label: str
    geometry: gpd.GeoSeries | None
    crs: pyproj.CRS | None
    kind: str
    part: str | None
    warnings: list[tuple[str, dict]] = field(default_factory=list)


@dataclass(frozen=True)
class _Part:
    """One member of a shapefile set, on disk or in a zip, readable without extracting it."""

    size: int
    read: Callable[[int], bytes]


@dataclass(frozen=True)
class _Layer:
    """A shapefile: its name as the user knows it, the path GDAL opens and its sibling parts."""

    name: str
    gdal_path: str
    sibling: Callable[[str], _Part | None]


@dataclass(frozen=True)
class _Source:
    """What sniffing learnt about a file: its kind and how to open it."""

    path: Path
    kind: str
    gdal_path: str = ""
    layers: tuple[_Layer, ...] = ()


def sniff_kind(path: str | Path) -> str:
    """Return the kind of a file, judged by its content rather than its extension.

    Parameters
    ----------
    path : str or pathlib.Path
        The file.

    Returns
    -------
    str
        One of :data:`KINDS`. A KMZ is ``"kml"``; a zipped shapefile is ``"shapefile"``.

    Raises
    ------
    ReadError
        The file is empty, a web page, an encrypted .xlsx or an .xlsb, an archive other
        than zip, a lone part of a shapefile, damaged, or of no kind Tongxin reads.
    """
    return _sniff(Path(path)).kind


def read_table(
    path: str | Path, known_headers: Collection[str], *, part: str | None = None
) -> RawTable:
    """Read any supported file into one raw table.

    Spreadsheets and CSV files may carry title rows above the header: the header is the
    row, among the first :data:`HEADER_SEARCH_ROWS`, with the most cells that are known
    headers. Geographic formats bring their geometries along in the file's CRS.

    Parameters
    ----------
    path : str or pathlib.Path
        The file: ``.xlsx``, ``.xls`` or ``.et``, CSV (UTF-8 with or without BOM, GBK,
        UTF-16), GeoJSON, shapefile (``.shp`` beside its parts, or all parts zipped),
        GeoPackage, KML or KMZ.
    known_headers : collection of str
        Headers (any spelling; they are normalised) the caller recognises. They find the
        header row and choose the sheet or layer; when empty, the first non-blank row is
        the header and the first sheet or layer is read.
    part : str, optional
        The sheet (xlsx, xls, et), layer (GeoPackage, zipped shapefiles) or folder (KML) to
        read.

    Returns
    -------
    RawTable
        The table, with the row numbers the user sees and any warnings.

    Raises
    ------
    ReadError
        The file cannot be read at all; its message says what to do.
    """
    source = _sniff(Path(path))
    known = {normalise_header(h) for h in known_headers} - {""}
    # Kept as given (ordered when the caller ordered them) for the "no header" message.
    examples = list(known_headers) if isinstance(known_headers, Sequence) else sorted(known_headers)
    reader = {"xlsx": _read_xlsx, "xls": _read_ole2, "et": _read_ole2, "csv": _read_csv,
              "geojson": _read_geojson, "shapefile": _read_shapefile, "gpkg": _read_gpkg,
              "kml": _read_kml}[source.kind]
    table = reader(source, known, examples, part)
    table.warnings[:0] = _extension_warnings(source)
    return table


# --- sniffing -------------------------------------------------------------------------------


def _sniff(path: Path) -> _Source:
    name = path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES)
            blank = _is_blank(head) and _rest_is_blank(fh)
    except FileNotFoundError as exc:
        raise ReadError("read.not_found", name=name) from exc
    except OSError as exc:
        raise ReadError("read.unreadable", name=name) from exc
    if path.suffix.lower() in _SHAPEFILE_SIDECARS:
        raise ReadError("read.shapefile_part", name=name)
    if blank:
        raise ReadError("read.empty", name=name)
    if head.startswith(_ZIP_MAGIC):
        return _sniff_zip(path)
    if head.startswith(_SQLITE_MAGIC):
        # GDAL picks its driver by extension first: a GeoPackage named .csv would open as CSV.
        gpkg = str(path) if path.suffix.lower() == ".gpkg" else f"GPKG:{path}"
        return _Source(path, "gpkg", gpkg)
    if head.startswith(_OLE2_MAGIC):
        return _sniff_ole2(path)
    if head.startswith(_SHP_MAGIC):
        return _Source(path, "shapefile", layers=(_disk_layer(path),))
    for magic, label in _ARCHIVE_MAGIC.items():
        if head.startswith(magic):
            raise ReadError("read.archive", name=name, format=label)
    text = _decode_head(head)
    if text is None:
        raise ReadError("read.unknown_kind", name=name)
    start = text.lstrip()
    if not start:
        raise ReadError("read.empty", name=name)
    if start[0] in "{[":
        # GDAL picks its driver by extension first: a GeoJSON named .csv would open as CSV.
        return _Source(path, "geojson", f"GeoJSON:{path}")
    if start[0] == "<":
        return _sniff_markup(path, start)
    return _Source(path, "csv")


def _is_blank(head: bytes) -> bool:
    return not head.removeprefix(codecs.BOM_UTF8).strip()


def _rest_is_blank(fh: io.BufferedReader) -> bool:
    # A long run of blank lines is still an empty file; read on rather than trust the head.
    while chunk := fh.read(_HEAD_BYTES):
        if chunk.strip():
            return False
    return True


def _decode_head(head: bytes) -> str | None:
    # The head may end inside a multi-byte character: decode incrementally, not final.
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codecs.getincrementaldecoder(codec)("replace").decode(head[len(bom):])
    for codec in ("utf-8", "gb18030"):
        try:
            text = codecs.getincrementaldecoder(codec)().decode(head)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    guess = charset_normalizer.from_bytes(head).best()
    if guess is None or "\x00" in str(guess):
        return None
    return str(guess)


def _sniff_markup(path: Path, start: str) -> _Source:
    lowered = start[:_HEAD_BYTES].lower()
    if lowered.startswith(("<!doctype html", "<html")):
        raise _html_error(path)
    if "<kml" in lowered:
        return _Source(path, "kml", str(path))
    if "<html" in lowered:
        raise _html_error(path)
    # GPX, GML and other XML: GDAL might open some, but no ledger comes as them.
    raise ReadError("read.unknown_kind", name=path.name)


def _html_error(path: Path) -> ReadError:
    # Web systems export "Excel" as an HTML table named .xls: tell those users to re-save it.
    if path.suffix.lower() in _SPREADSHEET_EXTENSIONS:
        return ReadError("read.html_spreadsheet", name=path.name)
    return ReadError("read.html", name=path.name)


def _sniff_ole2(path: Path) -> _Source:
    if _ENCRYPTION_STREAM in path.read_bytes():
        raise ReadError("read.encrypted", name=path.name)
    # WPS saves its own .et in the same container; everything else in it is taken for legacy
    # Excel, and the reader tells a Word .doc or a damaged file by what calamine finds.
    return _Source(path, "et" if path.suffix.lower() == ".et" else "xls")


def _sniff_zip(path: Path) -> _Source:
    try:
        with zipfile.ZipFile(path) as archive:
            listed = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        # Cut short, a zip no longer says what it held; its name is the best hint left.
        hinted = _EXTENSION_KINDS.get(path.suffix.lower(), set())
        kind = _KIND_LABELS[next(iter(hinted))] if len(hinted) == 1 else _KIND_LABELS["zip"]
        raise ReadError("read.damaged", name=path.name, kind=kind) from exc
    _check_zip(path.name, listed)
    infos = [i for i in listed if not _is_zip_junk(i.filename)]
    members = {i.filename for i in infos}
    if "[Content_Types].xml" in members:
        if "xl/workbook.bin" in members:
            raise ReadError("read.xls_legacy", name=path.name, format=".xlsb")
        if any(m.startswith("xl/") for m in members):
            return _Source(path, "xlsx")
        raise ReadError("read.unknown_kind", name=path.name)
    shapefiles = [i for i in infos if i.filename.lower().endswith(".shp")]
    if shapefiles:
        layers = tuple(_zip_layer(path, i, infos) for i in shapefiles)
        return _Source(path, "shapefile", layers=layers)
    kmls = [i.filename for i in infos if i.filename.lower().endswith(".kml")]
    if kmls:
        # A KMZ's main document is doc.kml by convention; others may be linked overlays.
        main = min(kmls, key=lambda m: (PurePosixPath(m).name.lower() != "doc.kml",
                                        m.count("/"), m))
        return _Source(path, "kml", _vsizip(path, main))
    shown = "、".join(_zip_display_name(i) for i in infos[:5]) or "-"
    raise ReadError("read.zip_contents", name=path.name, contents=shown)


def zip_limit_bytes() -> int:
    """Return the most a zip may hold unpacked: :data:`ZIP_MAX_TOTAL_X` times the upload limit."""
    return ZIP_MAX_TOTAL_X * int(settings.get("upload_max_mb")) * _MB


def _check_zip(name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip bomb or a zip naming paths outside itself, from its central directory.

    Nothing is ever extracted (GDAL and openpyxl read members in place), but a member named
    ``../x`` or ``/etc/x`` has no business in a ledger; and what a zip declares unpacked is
    what the readers would take into memory (zipfile and GDAL stop at the declared size).
    """
    limit, total, bomb = zip_limit_bytes(), 0, len(infos) > ZIP_MAX_MEMBERS
    for info in infos:
        parts = info.filename.replace("\\", "/").split("/")
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise ReadError("read.zip_path", name=name, member=_zip_display_name(info))
        total += info.file_size
        bomb = bomb or total > limit or (
            info.file_size > ZIP_RATIO_FLOOR
            and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1))
    if bomb:
        raise ReadError("read.zip_bomb", name=name, members=len(infos),
                        max_members=ZIP_MAX_MEMBERS, max_mb=limit // _MB, ratio=ZIP_MAX_RATIO)


def _is_zip_junk(member: str) -> bool:
    # macOS adds __MACOSX/ and ._ resource forks whose names end in .shp or .kml too.
    pure = PurePosixPath(member)
    return member.endswith("/") or pure.parts[0] == "__MACOSX" or pure.name.startswith("._")


def _zip_display_name(info: zipfile.ZipInfo) -> str:
    # Windows' "send to compressed folder" writes GBK names without the UTF-8 flag, which
    # zipfile (like GDAL) decodes as CP437; recover the name the user typed for messages.
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437", errors="replace")
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _vsizip(path: Path, member: str) -> str:
    # GDAL reads inside the zip; nothing is extracted to disk. It knows a zip by its name:
    # a zip named otherwise (a .csv that is really a zipped shapefile) goes in braces.
    archive = path.resolve().as_posix()
    if path.suffix.lower() not in _VSIZIP_SUFFIXES:
        archive = "{" + archive + "}"
    return f"/vsizip/{archive}/{member}"


def _disk_layer(path: Path) -> _Layer:
    def sibling(ext: str) -> _Part | None:
        # GDAL looks for the sibling in lower then upper case, with the .shp's own stem.
        for candidate in (path.with_suffix(ext.lower()), path.with_suffix(ext.upper())):
            if candidate.is_file():
                return _Part(candidate.stat().st_size, _disk_reader(candidate))
        return None

    return _Layer(path.stem, str(path), sibling)


def _disk_reader(path: Path) -> Callable[[int], bytes]:
    def read(size: int) -> bytes:
        with path.open("rb") as fh:
            return fh.read(size)

    return read


def _zip_layer(path: Path, shp: zipfile.ZipInfo, infos: list[zipfile.ZipInfo]) -> _Layer:
    stem = shp.filename[: -len(".shp")]
    by_name = {i.filename: i for i in infos}

    def sibling(ext: str) -> _Part | None:
        for candidate in (stem + ext.lower(), stem + ext.upper()):
            if candidate in by_name:
                return _Part(by_name[candidate].file_size, _zip_reader(path, candidate))
        return None

    name = PurePosixPath(_zip_display_name(shp)).stem
    return _Layer(name, _vsizip(path, shp.filename), sibling)


def _zip_reader(path: Path, member: str) -> Callable[[int], bytes]:
    def read(size: int) -> bytes:
        with zipfile.ZipFile(path) as archive, archive.open(member) as fh:
            return fh.read(size)

    return read


def _extension_warnings(source: _Source) -> list[_Warning]:
    suffix = source.path.suffix.lower()
    expected = _EXTENSION_KINDS.get(suffix)
    if expected is None or source.kind in expected:
        return []
    params = {"name": source.path.name, "extension": source.path.suffix,
              "kind": _KIND_LABELS[source.kind]}
    return [("read.extension_mismatch", params)]


# --- spreadsheets and CSV -------------------------------------------------------------------


def _read_xlsx(source: _Source, known: set[str], examples: list[str],
               part: str | None) -> RawTable:
    name = source.path.name
    try:
        with warnings.catch_warnings(), source.path.open("rb") as fh:
            # openpyxl warns of features it drops (data validation, slicers); values are intact.
            warnings.simplefilter("ignore", UserWarning)
            # Not read_only: merged ranges are only known in the full mode. A file object
            # rather than a name, because openpyxl refuses names not ending in .xlsx.
            workbook = openpyxl.load_workbook(fh, data_only=True, keep_links=False)
    except _WORKBOOK_ERRORS as exc:
        raise ReadError("read.damaged", name=name, kind=_KIND_LABELS["xlsx"]) from exc
    return _workbook_table(source, workbook, known, examples, part)


def _read_ole2(source: _Source, known: set[str], examples: list[str],
               part: str | None) -> RawTable:
    workbook = open_legacy_workbook(source.path, _KIND_LABELS[source.kind])
    return _workbook_table(source, workbook, known, examples, part)


def _workbook_table(source: _Source, workbook: Workbook | LegacyWorkbook, known: set[str],
                    examples: list[str], part: str | None) -> RawTable:
    """Read the chosen sheet of an .xlsx or a legacy workbook, one way for both."""
    name = source.path.name
    sheet, chosen = _choose_sheet(workbook, known, examples, part, name)
    grid, present = _sheet_grid(sheet)
    header_at = _header_row(grid, known)
    if header_at is None:
        raise _no_header(name, examples)
    numbers = np.arange(1, len(grid) + 1)
    frame, headers, rows = _tabulate(grid, present, numbers, header_at)
    return RawTable(frame, headers, rows, "row", None, None, source.kind, sheet.title, chosen)


def _choose_sheet(workbook: Workbook | LegacyWorkbook, known: set[str], examples: list[str],
                  part: str | None, name: str) -> tuple[Worksheet | LegacySheet, list[_Warning]]:
    # Chart sheets hold no cells; only worksheets are candidates.
    sheets = workbook.worksheets
    titles = [s.title for s in sheets]
    if part is not None:
        if part not in titles:
            raise ReadError("read.no_such_part", name=name, part=part, available="、".join(titles))
        return workbook[part], []
    filled = [s for s in sheets if _sheet_has_values(s)]
    if not filled:
        raise ReadError("read.empty", name=name)
    scored = []
    for index, sheet in enumerate(filled):
        grid, _ = _sheet_grid(sheet, HEADER_SEARCH_ROWS)
        at = _header_row(grid, known)
        score = _header_score(grid[at], known) if at is not None else 0
        scored.append(((score, sheet.sheet_state == "visible", -index), sheet))
    best_key, best = max(scored, key=lambda pair: pair[0])
    if known and best_key[0] == 0:
        raise _no_header(name, examples)
    if len(filled) == 1:
        return best, []
    others = "、".join(s.title for s in filled if s is not best)
    return best, [("read.sheet_chosen", {"name": name, "part": best.title,
                                          "count": len(filled), "others": others})]


def _sheet_has_values(sheet: Worksheet | LegacySheet) -> bool:
    return any(v is not None for row in sheet.iter_rows(values_only=True) for v in row)


def _sheet_grid(sheet: Worksheet | LegacySheet,
                max_row: int | None = None) -> tuple[list[list], np.ndarray]:
    """Return the cleaned values with merges filled, and which rows hold values of their own."""
    grid = [[_clean_cell(v) for v in row]
            for row in sheet.iter_rows(max_row=max_row, values_only=True)]
    # A row is blank by what was typed in it: a township merged down over a few rows must
    # not turn the blank rows under a ledger into rows holding only a township.
    present = np.array([any(v is not None for v in row) for row in grid], dtype=bool)
    last_row = len(grid)
    for merged in sheet.merged_cells.ranges:
        if merged.min_row > last_row:
            continue
        value = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row - 1, min(merged.max_row, last_row)):
            row = grid[r]
            for c in range(merged.min_col - 1, min(merged.max_col, len(row))):
                row[c] = value
    return grid, present


def _clean_cell(value: object) -> object:
    if isinstance(value, str):
        return value.strip() or None
    # Excel keeps every number as a double: 12 typed in a cell often comes back as 12.0.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_csv(source: _Source, known: set[str], examples: list[str],
              part: str | None) -> RawTable:
    name = source.path.name
    text, found = _decode_text(source.path.read_bytes(), name)
    delimiter, header_at = _csv_layout(text[:_HEAD_BYTES], known)
    if header_at is None:
        raise _no_header(name, examples)
    cells = _parse_csv(text, delimiter, name)
    present = pd.notna(cells).any(axis=1)
    numbers = _line_numbers(text, delimiter, len(cells))
    frame, headers, rows = _tabulate(cells, present, numbers, header_at)
    return RawTable(frame, headers, rows, "row", None, None, "csv", None, found)


def _decode_text(raw: bytes, name: str) -> tuple[str, list[_Warning]]:
    # Strict decodes, most specific first: GBK bytes are rarely valid UTF-8, while nearly
    # anything would decode as some single-byte code page.
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec), []
            except UnicodeDecodeError:
                break
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is the superset of GBK, which Excel on Chinese Windows saves as "CSV".
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        return text, [("read.encoding_gbk", {"name": name, "encoding": "GBK"})]
    guess = charset_normalizer.from_bytes(raw).best()
    if guess is None:
        raise ReadError("read.unknown_kind", name=name)
    return str(guess), [("read.encoding_guessed", {"name": name, "encoding": guess.encoding})]


def _csv_layout(sample: str, known: set[str]) -> tuple[str, int | None]:
    """Return the delimiter and header record under which the sample reads as the best table."""
    best: tuple[tuple[int, int], str, int | None] | None = None
    for delimiter in _DELIMITERS:
        records = _csv_records(sample, delimiter)
        at = _header_row(records, known)
        key = (_header_score(records[at], known), len(records[at])) if at is not None else (0, 0)
        if best is None or key > best[0]:
            best = (key, delimiter, at)
    assert best is not None  # _DELIMITERS is not empty
    _, delimiter, at = best
    return delimiter, at


def _csv_records(sample: str, delimiter: str) -> list[list]:
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    records = []
    try:
        for record in islice(reader, HEADER_SEARCH_ROWS):
            records.append([cell.strip() or None for cell in record])
    except csv.Error:
        # The sample may stop inside a quoted field; the records before it are enough.
        pass
    return records


def _parse_csv(text: str, delimiter: str, name: str) -> np.ndarray:
    width = max((len(r) for r in _csv_records(text[:_HEAD_BYTES], delimiter)), default=1)
    for attempt in range(2):
        try:
            frame = pd.read_csv(
                io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype=str,
                keep_default_na=False, skip_blank_lines=False, index_col=False, quotechar='"',
            )
            break
        except pd.errors.ParserError as exc:
            if attempt:
                raise ReadError("read.damaged", name=name, kind=_KIND_LABELS["csv"]) from exc
            # A row further down is wider than any in the sample (Excel pads title rows,
            # people do not): measure every row once and parse again.
            reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
            try:
                width = max((len(r) for r in reader), default=1)
            except csv.Error as bad:
                raise ReadError("read.damaged", name=name, kind=_KIND_LABELS["csv"]) from bad
    stripped = {c: frame[c].str.strip().map(unguard_formula, na_action="ignore")
                for c in frame.columns}
    cells = pd.DataFrame(stripped).to_numpy(dtype=object, na_value=None)
    cells[cells == ""] = None
    return cells


def _line_numbers(text: str, delimiter: str, count: int) -> np.ndarray:
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    lines = breaks + (0 if not text or text.endswith(("\n", "\r")) else 1)
    if lines == count:
        return np.arange(1, count + 1)
    # Some quoted cell holds a line break: number each record by the line it starts on.
    starts, previous = [], 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for _ in reader:
        starts.append(previous + 1)
        previous = reader.line_num
    if len(starts) != count:
        return np.arange(1, count + 1)
    return np.array(starts)


def _header_row(grid: Sequence[Sequence], known: set[str]) -> int | None:
    """Return the index of the header among the first rows, or ``None`` when none qualifies."""
    best_at, best_score = None, 0
    for at, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if not known:
            if any(v is not None for v in row):
                return at
            continue
        score = _header_score(row, known)
        if score > best_score:
            best_at, best_score = at, score
    return best_at


def _header_score(row: Sequence, known: set[str]) -> int:
    return len({normalise_header(v) for v in row if v is not None} & known)


def _no_header(name: str, examples: list[str]) -> ReadError:
    return ReadError("read.no_header", name=name, rows=HEADER_SEARCH_ROWS,
                     known="、".join(str(e) for e in examples[:8]))


def _tabulate(grid: np.ndarray | list[list], present: np.ndarray, numbers: np.ndarray,
              header_at: int) -> tuple[pd.DataFrame, dict[str, str], np.ndarray]:
    """Return the frame, headers and row numbers of the rows under ``header_at``."""
    if isinstance(grid, np.ndarray):
        cells = grid
    else:
        cells = np.empty((len(grid), max((len(row) for row in grid), default=0)), dtype=object)
        for i, row in enumerate(grid):
            cells[i, : len(row)] = row
    header = cells[header_at]
    keep = np.asarray(present, dtype=bool)[header_at + 1:]
    body = cells[header_at + 1:][keep]
    rows = np.asarray(numbers)[header_at + 1:][keep]
    names, headers, columns = _name_columns(list(header), body)
    frame = pd.DataFrame(body[:, columns], columns=names, dtype=object)
    return frame, headers, rows


def _name_columns(header: list, body: np.ndarray) -> tuple[list[str], dict[str, str], list[int]]:
    """Return the columns' names, their headers as shown, and which columns to keep."""
    names: list[str] = []
    headers: dict[str, str] = {}
    columns: list[int] = []
    for j, value in enumerate(header):
        shown = _header_text(value)
        name = normalise_header(shown)
        if not name:
            if not pd.notna(body[:, j]).any():
                continue
            # Name a headerless column by the letter the user sees above it in Excel.
            shown = name = f"列{get_column_letter(j + 1)}"
        name = _unique(name, headers)
        names.append(name)
        headers[name] = shown
        columns.append(j)
    return names, headers, columns


def _header_text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _unique(name: str, taken: Collection[str]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name}_{n}" in taken:
        n += 1
    return f"{name}_{n}"


# --- geographic formats ---------------------------------------------------------------------


@contextmanager
def _damaged(name: str, kind: str) -> Iterator[None]:
    """Turn GDAL's failures on a file into ``read.damaged``."""
    try:
        with warnings.catch_warnings():
            # A misnamed GeoPackage: the extension warning already says so, in the user's words.
            warnings.filterwarnings("ignore", "File .* non conformant file extension",
                                    RuntimeWarning)
            yield
    except _OGR_ERRORS as exc:
        raise ReadError("read.damaged", name=name, kind=_KIND_LABELS[kind]) from exc


def _read_geojson(source: _Source, known: set[str], examples: list[str],
                  part: str | None) -> RawTable:
    name = source.path.name
    with _damaged(name, "geojson"):
        try:
            info = pyogrio.read_info(source.gdal_path)
        except DataSourceError as exc:
            raise _json_error(source.path) from exc
        if info["driver"] != "GeoJSON":
            # ESRI JSON and TopoJSON open in GDAL too, but not as what the user named them.
            raise ReadError("read.not_geojson", name=name)
        gdf = pyogrio.read_dataframe(source.gdal_path)
    return _geo_table([(None, gdf, _ogr_types(info))], "geojson", None, [])


def _json_error(path: Path) -> ReadError:
    try:
        json.loads(path.read_bytes())
    except ValueError:
        return ReadError("read.damaged", name=path.name, kind=_KIND_LABELS["geojson"])
    return ReadError("read.not_geojson", name=path.name)


def _read_shapefile(source: _Source, known: set[str], examples: list[str],
                    part: str | None) -> RawTable:
    name = source.path.name
    layers = {layer.name: layer for layer in source.layers}
    for layer in source.layers:
        _check_shapefile(layer, name)
    encodings = {n: _shapefile_encoding(layer) for n, layer in layers.items()}

    def fields(layer_name: str) -> list[str]:
        with _damaged(name, "shapefile"):
            info = pyogrio.read_info(layers[layer_name].gdal_path, encoding=encodings[layer_name])
        return list(info["fields"])

    chosen, found = _choose_part(list(layers), known, part, fields, name, "read.layer_chosen")
    layer, encoding = layers[chosen], encodings[chosen]
    with _damaged(name, "shapefile"):
        info = pyogrio.read_info(layer.gdal_path, encoding=encoding)
        gdf = pyogrio.read_dataframe(layer.gdal_path, encoding=encoding)
    if encoding == "GB18030":
        found.append(("read.encoding_gbk", {"name": name, "encoding": "GBK"}))
    return _geo_table([(None, gdf, _ogr_types(info))], "shapefile", chosen, found)


def _check_shapefile(layer: _Layer, name: str) -> None:
    """Refuse a shapefile whose parts are missing or cut short before GDAL reads it.

    GDAL reads a truncated .shp or .dbf without complaint, giving empty geometries or
    dropping every attribute; the lengths the headers declare tell.
    """
    siblings = {ext: layer.sibling(ext) for ext in (".shp", ".shx", ".dbf")}
    missing = [ext for ext, p in siblings.items() if p is None]
    if missing:
        raise ReadError("read.shapefile_missing", name=name, layer=layer.name,
                        missing="、".join(missing))
    parts = {ext: p for ext, p in siblings.items() if p is not None}  # all three, by now
    for ext in (".shp", ".shx"):
        head = parts[ext].read(100)
        declared = int.from_bytes(head[24:28], "big") * 2 if len(head) == 100 else None
        if declared is None or parts[ext].size < declared:
            raise ReadError("read.damaged", name=name, kind=_KIND_LABELS["shapefile"])
    head = parts[".dbf"].read(32)
    if len(head) < 32:
        raise ReadError("read.damaged", name=name, kind=_KIND_LABELS["shapefile"])
    records = int.from_bytes(head[4:8], "little")
    header_length = int.from_bytes(head[8:10], "little")
    record_length = int.from_bytes(head[10:12], "little")
    if parts[".dbf"].size < header_length + records * record_length:
        raise ReadError("read.damaged", name=name, kind=_KIND_LABELS["shapefile"])


def _shapefile_encoding(layer: _Layer) -> str | None:
    """Return the encoding to read a shapefile's .dbf with, ``None`` to let GDAL decide.

    A .cpg names it and GDAL obeys. Without one GDAL assumes ISO-8859-1, which turns the
    GBK that Chinese ArcGIS and SuperMap write into mojibake: look at the bytes instead.
    """
    if layer.sibling(".cpg") is not None:
        return None
    dbf_part = layer.sibling(".dbf")
    assert dbf_part is not None  # _check_shapefile refused a layer without one
    dbf = dbf_part.read(-1)
    header_length = int.from_bytes(dbf[8:10], "little")
    # Field names live in 32-byte descriptors; the numbers around them are binary.
    names = [dbf[at: at + 11].split(b"\x00")[0]
             for at in range(32, header_length - 31, 32) if dbf[at] != 0x0D]
    text = b"\n".join([*names, dbf[header_length:]])
    if text.isascii():
        return None
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return "GB18030"
    return "UTF-8"


def _read_gpkg(source: _Source, known: set[str], examples: list[str],
               part: str | None) -> RawTable:
    name = source.path.name
    with _damaged(name, "gpkg"):
        listed = pyogrio.list_layers(source.gdal_path)
    layers = [str(n) for n in listed[:, 0]] if len(listed) else []
    if not layers:
        raise ReadError("read.no_layers", name=name)

    def fields(layer: str) -> list[str]:
        with _damaged(name, "gpkg"):
            return list(pyogrio.read_info(source.gdal_path, layer=layer)["fields"])

    chosen, found = _choose_part(layers, known, part, fields, name, "read.layer_chosen")
    with _damaged(name, "gpkg"):
        info = pyogrio.read_info(source.gdal_path, layer=chosen)
        gdf = pyogrio.read_dataframe(source.gdal_path, layer=chosen)
    return _geo_table([(None, gdf, _ogr_types(info))], "gpkg", chosen, found)


def _read_kml(source: _Source, known: set[str], examples: list[str],
              part: str | None) -> RawTable:
    name = source.path.name
    # LIBKML otherwise turns every non-ASCII ExtendedData field name into underscores.
    pyogrio.set_gdal_config_options({"LIBKML_LAUNDER_FIELD_NAMES": "NO"})
    # GDAL picks its driver by extension first: a KML named .csv would open as CSV. Its bytes
    # (a KML is text, small) open by content.
    opened = source.gdal_path if source.gdal_path.lower().endswith(".kml") \
        else source.path.read_bytes()
    with _damaged(name, "kml"):
        listed = pyogrio.list_layers(opened)
        folders = [str(n) for n in listed[:, 0]] if len(listed) else []
        if part is not None:
            if part not in folders:
                raise ReadError("read.no_such_part", name=name, part=part,
                                available="、".join(folders))
            folders = [part]
        pieces = []
        for folder in folders:
            info = pyogrio.read_info(opened, layer=folder)
            gdf = pyogrio.read_dataframe(opened, layer=folder)
            if len(gdf):
                pieces.append((folder, _drop_kml_styling(gdf), _ogr_types(info)))
    if not pieces:
        # KML is WGS 84 by definition, even when the document holds no placemark.
        crs = pyproj.CRS("EPSG:4326")
        return RawTable(pd.DataFrame(), {}, np.arange(1, 1), "feature",
                        gpd.GeoSeries([], crs=crs), crs, "kml", part, [])
    if len(pieces) > 1:
        # Folders are how 奥维 and Google Earth users sort places (by religion, by township).
        pieces = [(folder, gdf.assign(**{_KML_FOLDER_HEADER: folder}), types)
                  for folder, gdf, types in pieces]
    return _geo_table(pieces, "kml", part, [])


def _drop_kml_styling(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    empty = [c for c in _KML_OPTIONAL if c in gdf.columns and gdf[c].isna().all()]
    return gdf.drop(columns=[c for c in gdf.columns if c in _KML_STYLING] + empty)


def _ogr_types(info: dict) -> dict[str, str]:
    return dict(zip(info["fields"], info["ogr_types"], strict=True))


def _choose_part(names: list[str], known: set[str], part: str | None,
                 fields_of: Callable[[str], list[str]], name: str,
                 key: str) -> tuple[str, list[_Warning]]:
    """Return the layer to read (``part``, the only one, or the best header match) and why."""
    if part is not None:
        if part not in names:
            raise ReadError("read.no_such_part", name=name, part=part, available="、".join(names))
        return part, []
    if len(names) == 1:
        return names[0], []
    scores = [len({normalise_header(f) for f in fields_of(n)} & known) for n in names]
    best = max(range(len(names)), key=lambda i: (scores[i], -i))
    others = "、".join(n for i, n in enumerate(names) if i != best)
    return names[best], [(key, {"name": name, "part": names[best], "count": len(names),
                                "others": others})]


def _geo_table(pieces: Sequence[tuple[str | None, pd.DataFrame, dict[str, str]]], kind: str,
               part: str | None, found: list[_Warning]) -> RawTable:
    """Stack layers read by pyogrio into one table; ``pieces`` are (folder, frame, OGR types)."""
    order: list[str] = []
    for _, gdf, _ in pieces:
        order += [c for c in _attribute_columns(gdf) if c not in order]
    blocks, geometries, crs = [], [], None
    for _, gdf, types in pieces:
        block = np.full((len(gdf), len(order)), None, dtype=object)
        for j, column in enumerate(order):
            if column in gdf.columns:
                block[:, j] = _python_values(gdf[column], types.get(column, ""))
        blocks.append(block)
        if isinstance(gdf, gpd.GeoDataFrame) and gdf.geometry.name in gdf.columns:
            geometries.append(gdf.geometry.reset_index(drop=True))
            crs = crs or gdf.crs
    body = np.vstack(blocks) if blocks else np.empty((0, len(order)), dtype=object)
    names, headers, columns = _name_columns(order, body)
    frame = pd.DataFrame(body[:, columns], columns=names, dtype=object)
    geometry = None
    if geometries:
        geometry = gpd.GeoSeries(pd.concat(geometries, ignore_index=True), crs=crs)
    rows = np.arange(1, len(frame) + 1)
    return RawTable(frame, headers, rows, "feature", geometry, crs, kind, part, found)


def _attribute_columns(gdf: pd.DataFrame) -> list[str]:
    geometry = gdf.geometry.name if isinstance(gdf, gpd.GeoDataFrame) else None
    return [c for c in gdf.columns if c != geometry]


def _python_values(series: pd.Series, ogr_type: str) -> np.ndarray:
    """Return a column as Python objects: NaN and NaT become ``None``, dates ``datetime.date``."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        as_date = ogr_type == "OFTDate"
        return np.array([None if pd.isna(v) else (v.date() if as_date else v.to_pydatetime())
                         for v in series], dtype=object)
    # pyogrio reads an integer field holding nulls as floats; give back the integers.
    integral = ogr_type in ("OFTInteger", "OFTInteger64")
    # A copy: under copy-on-write the array pandas hands out may be a read-only view.
    values = series.to_numpy(dtype=object, na_value=None, copy=True)
    for i, v in enumerate(values):
        if isinstance(v, str):
            values[i] = v.strip() or None
        elif isinstance(v, float):
            values[i] = None if v != v else (int(v) if integral and v.is_integer() else v)
    return values
