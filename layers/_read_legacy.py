"""Excel 97-2003 (.xls) and WPS (.et) workbooks: OLE2 files read through python-calamine.

:func:`open_legacy_workbook` gives back the workbook as the few parts of openpyxl's
``Workbook`` and ``Worksheet`` that ``layers._read`` chooses a sheet and builds a grid from
(``worksheets``, ``title``, ``sheet_state``, ``iter_rows(values_only=True)`` and
``merged_cells.ranges``), so that a legacy workbook is read exactly as an .xlsx is: the same
header search under title rows, merged cells, sheet choice and row numbers.

calamine runs in a child process. A damaged .xls can make it ask for terabytes (a cell range
declared absurdly large) and abort, or panic; in the dashboard's own process either would
take every user's session down with one upload. The child has a memory cap and a time limit,
and whatever becomes of it, the user gets a message about the file.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from layers._errors import ReadError

__all__ = ["LegacySheet", "LegacyWorkbook", "open_legacy_workbook"]

# Run by the child (python -I: no user site, no PYTHONPATH, nothing of the project imported).
# argv: the file, the memory cap in bytes, the most columns a sheet may have and the exit
# status meaning python-calamine is missing. Prints a
# pickle: ("ok", sheets), each sheet (name, sheet state, rows, merged ranges or None);
# ("password", None); or ("error", why).
_WORKER = """
import pickle, sys
try:
    import resource
except ImportError:  # Windows: no cap, the child still keeps a crash away from the parent
    resource = None
if resource is not None:
    cap = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    import python_calamine as pc
except ImportError:
    sys.exit(int(sys.argv[4]))
MAX_COLUMNS = int(sys.argv[3])
# As openpyxl names them (sheet_state), which the rest of the reading compares with.
STATES = ((pc.SheetVisibleEnum.Hidden, "hidden"), (pc.SheetVisibleEnum.VeryHidden, "veryHidden"))


def read(path):
    with open(path, "rb") as fh:
        book = pc.CalamineWorkbook.from_filelike(fh)
    sheets = []
    for meta in book.sheets_metadata:
        if meta.typ != pc.SheetTypeEnum.WorkSheet:
            continue
        sheet = book.get_sheet_by_name(meta.name)
        if sheet.end is not None and sheet.end[1] >= MAX_COLUMNS:
            return "error", "a cell beyond the last column"
        # calamine gives "" for a blank cell; openpyxl, which the reading expects, None.
        rows = [[None if v == "" else v for v in row]
                for row in sheet.to_python(skip_empty_area=False)]
        state = next((name for v, name in STATES if meta.visible == v), "visible")
        sheets.append((meta.name, state, rows, sheet.merged_cell_ranges))
    return "ok", sheets


try:
    result = read(sys.argv[1])
except pc.PasswordError:
    result = ("password", None)
except pc.CalamineError as exc:
    result = ("error", str(exc))
sys.stdout.buffer.write(pickle.dumps(result))
"""
# A ledger of 65,536 rows by 256 columns (the format's limit) reads in well under this.
_MEMORY_CAP = 4 * 1024**3
_TIMEOUT_S = 120
# Column XFD, the last any spreadsheet shows (an .xls stops at IV): a cell beyond it is garbage.
_MAX_COLUMNS = 16384
# The child's exit status when python-calamine cannot be imported: the installation's fault.
_NO_CALAMINE = 3
# The classes a cell value may be besides int, float, str and bool.
_CELL_CLASSES = frozenset(("datetime", n) for n in ("date", "datetime", "time", "timedelta"))

# The globals substream's BOF record (BIFF8 or BIFF5), then what may stand between it and
# FILEPASS: WRITEPROT, which is empty.
_BOF_PREFIXES = (b"\x09\x08\x10\x00\x00\x06\x05\x00", b"\x09\x08\x08\x00\x00\x05\x05\x00")
_WRITEPROT = 0x0086
_FILEPASS = 0x002F
# A stream, and so its first record, starts on a sector: 512 or 4096 bytes, or 64 in the
# mini stream that holds streams under 4096 bytes. The container's header fills the first 512.
_HEADER_SIZE = 512
_MINI_SECTOR = 64
# Directory entry names, in UTF-16 as the container stores them.
_WORKBOOK_STREAMS = tuple(n.encode("utf-16-le") for n in ("Workbook", "Book"))
_FOREIGN_STREAMS = tuple(n.encode("utf-16-le") for n in (
    "WordDocument", "PowerPoint Document", "VisioDocument", "__substg1.0_"))


@dataclass(frozen=True)
class _Merge:
    """A merged range, 1-based and inclusive like openpyxl's ``CellRange``."""

    min_row: int
    min_col: int
    max_row: int
    max_col: int


@dataclass(frozen=True)
class _Merges:
    """The merged ranges of a sheet, where openpyxl keeps them (``merged_cells.ranges``)."""

    ranges: tuple[_Merge, ...]


@dataclass(frozen=True)
class LegacySheet:
    """One worksheet of a legacy workbook, its values from A1 on.

    Attributes
    ----------
    title : str
        The sheet's name.
    sheet_state : str
        ``"visible"``, ``"hidden"`` or ``"veryHidden"``, as openpyxl names them.
    rows : tuple of list
        Every row from row 1 to the last holding a value, each from column A to the last
        column holding a value anywhere in the sheet; blank cells are ``None``, as openpyxl
        gives them.
    merged_cells : object
        ``ranges``: the merged ranges, with ``min_row``, ``min_col``, ``max_row`` and
        ``max_col`` counted from 1.
    """

    title: str
    sheet_state: str
    rows: tuple[list, ...]
    merged_cells: _Merges

    def iter_rows(self, max_row: int | None = None,
                  values_only: bool = True) -> Iterator[tuple]:
        """Yield the rows' values, at most ``max_row`` of them, as openpyxl does.

        Parameters
        ----------
        max_row : int, optional
            The last row to yield (1-based); every row when omitted.
        values_only : bool
            Must be true: only values were read.

        Yields
        ------
        tuple
            One row's values.
        """
        if not values_only:
            msg = "a legacy workbook holds values only"
            raise ValueError(msg)
        for row in self.rows[:max_row]:
            yield tuple(row)


@dataclass(frozen=True)
class LegacyWorkbook:
    """The worksheets of a legacy workbook, in workbook order (chart and macro sheets left out).

    Attributes
    ----------
    worksheets : list of LegacySheet
        The worksheets.
    """

    worksheets: list[LegacySheet]

    def __getitem__(self, title: str) -> LegacySheet:
        """Return the worksheet named ``title``, as ``openpyxl.Workbook[title]`` does."""
        for sheet in self.worksheets:
            if sheet.title == title:
                return sheet
        raise KeyError(title)


def open_legacy_workbook(path: Path, kind_label: str) -> LegacyWorkbook:
    """Read every worksheet of an OLE2 workbook (.xls, .et) through python-calamine.

    A cell with a date format comes back as ``datetime.date`` when it holds a whole day,
    ``datetime.datetime`` when it holds a time of day too, ``datetime.time`` below one day
    and ``datetime.timedelta`` with a duration format (``[h]:mm``); numbers are ``int`` when
    whole, else ``float``; error cells (``#DIV/0!``) are blank. Merged cells hold their value
    in the top-left cell only, the others are blank.

    Parameters
    ----------
    path : pathlib.Path
        The file, known by its signature to be an OLE2 container.
    kind_label : str
        What the user knows the format as (``Excel 97-2003 (.xls)``), for messages.

    Returns
    -------
    LegacyWorkbook
        The worksheets, values only.

    Raises
    ------
    ReadError
        ``read.xls_encrypted`` for a workbook with an opening password or saved encrypted,
        ``read.not_spreadsheet`` for another Office file (a Word .doc named .xls),
        ``read.damaged`` for anything else calamine cannot read.
    """
    content = path.read_bytes()
    if _has_filepass(content):
        raise ReadError("read.xls_encrypted", name=path.name)
    status, payload = _run_worker(path)
    if status == "ok":
        return LegacyWorkbook([_sheet(*entry) for entry in payload])
    if status == "password":
        raise ReadError("read.xls_encrypted", name=path.name)
    # calamine says "Cannot detect file format" whatever is wrong; the container's directory
    # tells another Office file from a workbook that is cut short or garbled.
    if _is_foreign(content):
        raise ReadError("read.not_spreadsheet", name=path.name)
    raise ReadError("read.damaged", name=path.name, kind=kind_label)


def _run_worker(path: Path) -> tuple[str, list]:
    """Return the child's outcome; ``("crashed", [])`` when it died, overran or ran out."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _WORKER, str(path), str(_MEMORY_CAP), str(_MAX_COLUMNS),
             str(_NO_CALAMINE)],
            capture_output=True, timeout=_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return "crashed", []
    if done.returncode == _NO_CALAMINE:
        # Not the file's fault: a message blaming it would send the user after the wrong thing.
        msg = f"python-calamine cannot be imported by {sys.executable}; install requirements.lock"
        raise RuntimeError(msg)
    if done.returncode != 0:
        return "crashed", []
    status, payload = _ValuesUnpickler(io.BytesIO(done.stdout)).load()
    return status, payload or []


class _ValuesUnpickler(pickle.Unpickler):
    """An unpickler that builds cell values and nothing else (the child's only classes)."""

    def find_class(self, module: str, name: str) -> type:
        """Return the datetime classes cells hold; refuse any other."""
        if (module, name) not in _CELL_CLASSES:
            msg = f"{module}.{name} is not a cell value"
            raise pickle.UnpicklingError(msg)
        return super().find_class(module, name)


def _sheet(name: str, state: str, rows: list[list],
           merged: list[tuple[tuple[int, int], tuple[int, int]]] | None) -> LegacySheet:
    # calamine counts from 0 and includes both corners; None: the format keeps no merges.
    # The rows end at the last value, and a merged block beside or below them (drawn blank
    # for the layout) has a blank top-left cell: nothing to fill from, so it is left out.
    height, width = len(rows), max((len(row) for row in rows), default=0)
    ranges = tuple(_Merge(r0 + 1, c0 + 1, r1 + 1, c1 + 1)
                   for (r0, c0), (r1, c1) in merged or [] if r0 < height and c0 < width)
    return LegacySheet(name, state, tuple(rows), _Merges(ranges))


def _has_filepass(content: bytes) -> bool:
    """Return whether the workbook's first BOF is followed by FILEPASS: it is encrypted.

    An opening password encrypts an .xls; Excel also encrypts some protected workbooks, with a
    built-in password it opens without asking. calamine refuses both, but reading by content
    it reports any failure as an unknown format.
    """
    at = _globals_bof(content)
    if at == -1:
        return False
    record = at + 4 + int.from_bytes(content[at + 2: at + 4], "little")
    kind = int.from_bytes(content[record: record + 2], "little")
    if kind == _WRITEPROT:
        record += 4 + int.from_bytes(content[record + 2: record + 4], "little")
        kind = int.from_bytes(content[record: record + 2], "little")
    return kind == _FILEPASS


def _globals_bof(content: bytes) -> int:
    """Return where the workbook globals' BOF record starts, or -1 when none is found."""
    first = -1
    for prefix in _BOF_PREFIXES:
        at = content.find(prefix, _HEADER_SIZE)
        while at != -1 and at % _MINI_SECTOR:
            at = content.find(prefix, at + 1)
        if at != -1 and (first == -1 or at < first):
            first = at
    return first


def _is_foreign(content: bytes) -> bool:
    """Return whether the container names another Office document's stream and no workbook."""
    return (not any(name in content for name in _WORKBOOK_STREAMS)
            and any(name in content for name in _FOREIGN_STREAMS))
