"""Excel 97-2003 (.xls) and WPS (.et) ledgers, read as an .xlsx is (layers/_read_legacy.py).

The workbooks are real BIFF8 files written once by xlwt (tests/data/legacy/make_legacy.py);
the damaged, encrypted and crashing variants are made from them here, in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
from pathlib import Path

import pytest

from layers import LAYERS, ReadError, _read_legacy
from layers._read import read_table, sniff_kind
from ledger.importer import check
from tests.conftest import DATA

LEGACY = DATA / "legacy"
UNITS = LAYERS["units"].known_headers()
GOOD = ["兰州理工大学", "七里河区某医院（示例）", "某某研究所（示例）"]
# The globals' BOF record as Excel (and xlwt) write it: the workbook stream starts with it.
BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"
# A DIMENSIONS record (type 0x0200, 14 bytes): the cell range a sheet declares.
DIMENSIONS = b"\x00\x02\x0e\x00"


def _copy(tmp_path: Path, source: str, name: str | None = None) -> Path:
    target = tmp_path / (name or source)
    shutil.copyfile(LEGACY / source, target)
    return target


def _patched(tmp_path: Path, name: str, at: int, data: bytes) -> Path:
    """Write units_ledger.xls with ``data`` over its bytes from ``at``."""
    content = bytearray((LEGACY / "units_ledger.xls").read_bytes())
    content[at: at + len(data)] = data
    path = tmp_path / name
    path.write_bytes(bytes(content))
    return path


def _refused(path: Path, key: str) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_table(path, UNITS)
    error = caught.value
    assert error.key == key, (error.key, error.params)
    zh, en = error.message("zh"), error.message("en")
    assert path.name in zh and path.name in en and zh != en
    assert any(unicodedata.name(ch, "").startswith("CJK") for ch in zh.replace(path.name, ""))
    assert "{" not in zh and "{" not in en
    return error


# --- read as an .xlsx is ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [("units_ledger.xls", "xls"),
                                            ("units_ledger.et", "et")])
def test_a_legacy_ledger_reads_under_its_title_rows(name, kind):
    table = read_table(LEGACY / name, UNITS)
    assert table.kind == kind and table.part == "驻区单位" and table.row_label == "row"
    # Rows as Excel shows them: two title rows and the header above, a blank row 6 inside.
    assert table.rows.tolist() == [4, 5, 7]
    assert list(table.headers.values()) == ["序号", "单位名称", "类别", "所属街道", "经度", "纬度",
                                            "走访对接日期", "联席会议成员", "职工人数", "联系人"]
    frame = table.frame
    assert frame["单位名称"].tolist() == GOOD
    # D4:D5 is merged: the township typed once stands for both units.
    assert frame["所属街道"].tolist() == ["西湖街道", "西湖街道", "620103001"]
    # Date cells (an ISO and a Chinese date format) come back as dates, not serial numbers.
    assert frame["走访对接日期"].tolist() == [dt.date(2020, 5, 12), dt.date(2021, 3, 1), None]
    # Numbers stored as text stay text; numbers are ints when whole.
    assert frame["职工人数"].tolist() == ["2500", 860, None]
    assert frame["序号"].tolist() == [1, 2, "3"]
    assert frame["经度"].tolist() == [103.76225, None, None]
    # The instructions sheet comes first; the ledger is chosen by its headers, with a warning.
    assert [key for key, _ in table.warnings] == ["read.sheet_chosen"]
    assert table.warnings[0][1]["others"] == "填表说明"


@pytest.mark.parametrize("name", ["units_ledger.xls", "units_ledger.et"])
def test_a_legacy_ledger_imports_through_the_check(demo_env, name):
    report = check("units", LEGACY / name)
    assert report.ok, [issue.message("en") for issue in report.errors]
    assert report.kind == Path(name).suffix[1:] and report.rows == 3
    frame = report.frame
    assert frame["name"].tolist() == GOOD
    assert frame["category"].tolist() == ["省属高校", "医院", "科研院所"]
    assert frame["township_code"].tolist() == ["620103002", "620103002", "620103001"]
    assert [str(v)[:10] for v in frame["visited_on"]] == ["2020-05-12", "2021-03-01", "NaT"]
    assert frame["joint_meeting"].tolist() == [True, False, False]
    assert frame["staff"].tolist()[:2] == [2500, 860]
    assert frame["liaison"].tolist()[0] == "李某（示例）"
    assert frame.geometry.iloc[0].coords[0] == (103.76225, 36.07938)
    assert frame.geometry.iloc[1:].isna().all()
    # Generated ids and row numbers count the title rows, as the spreadsheet does.
    assert report.row_numbers.tolist() == [4, 5, 7]
    assert frame["code"].tolist() == ["U000004", "U000005", "U000007"]


@pytest.mark.parametrize("name", ["units_bad.xls", "units_bad.et"])
def test_errors_name_the_row_the_spreadsheet_shows(demo_env, tmp_path, name):
    report = check("units", _copy(tmp_path, "units_bad.xls", name))
    assert not report.ok
    found = [(issue.row, issue.column, issue.message("zh")) for issue in report.errors]
    expected = [(4, "类别", "“大型企业”不在允许的取值中"), (5, "走访对接日期", "“昨天”不是有效日期"),
                (6, None, "只填了一个")]
    # Exactly these: the township merged down over D4:D6 is no blank on rows 5 and 6.
    assert len(found) == len(expected), found
    for row, column, words in expected:
        assert any(r == row and c == column and words in m for r, c, m in found), (row, found)
    english = [issue.message("en") for issue in report.errors]
    assert "\"大型企业\" is not an allowed value" in english[0]


def test_a_sheet_is_chosen_by_name():
    table = read_table(LEGACY / "units_ledger.xls", ["字段", "填写要求"], part="填表说明")
    assert table.part == "填表说明" and table.rows.tolist() == [2, 3]
    assert table.frame["字段"].tolist() == ["类别", "走访对接日期"]
    assert table.warnings == []
    with pytest.raises(ReadError) as caught:
        read_table(LEGACY / "units_ledger.xls", UNITS, part="台账")
    assert caught.value.key == "read.no_such_part"
    assert caught.value.params["available"] == "填表说明、驻区单位"


def test_a_ledger_without_known_headers_says_so():
    with pytest.raises(ReadError) as caught:
        read_table(LEGACY / "units_ledger.xls", ["编码", "人口"])
    assert caught.value.key == "read.no_header"


@pytest.mark.parametrize(("name", "kind", "warned"), [
    ("台账.xls", "xls", False), ("台账.et", "et", False), ("台账", "xls", False),
    ("台账.dat", "xls", False), ("台账.xlsx", "xls", True), ("台账.csv", "xls", True),
])
def test_an_ole2_workbook_is_read_under_any_name(tmp_path, name, kind, warned):
    path = _copy(tmp_path, "units_ledger.xls", name)
    assert sniff_kind(path) == kind
    table = read_table(path, UNITS)
    assert table.kind == kind and table.rows.tolist() == [4, 5, 7]
    keys = [key for key, _ in table.warnings]
    assert ("read.extension_mismatch" in keys) == warned
    if warned:
        assert table.warnings[0][1]["kind"] == "Excel 97-2003 (.xls)"


# --- refused with a message, never a traceback ----------------------------------------------


def test_an_empty_workbook_is_refused():
    _refused(LEGACY / "empty.xls", "read.empty")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
@pytest.mark.parametrize(("name", "label"), [("cut.xls", "Excel 97-2003 (.xls)"),
                                             ("cut.et", "WPS (.et)")])
def test_a_truncated_workbook_is_damaged(tmp_path, keep, name, label):
    content = (LEGACY / "units_ledger.xls").read_bytes()
    path = tmp_path / name
    path.write_bytes(content[: int(len(content) * keep)])
    error = _refused(path, "read.damaged")
    assert error.params["kind"] == label
    assert "已损坏或不完整" in error.message("zh") and "damaged" in error.message("en")


def test_a_damaged_workbook_is_an_error_in_the_check_report(demo_env, tmp_path):
    path = tmp_path / "驻区单位.xls"
    path.write_bytes((LEGACY / "units_ledger.xls").read_bytes()[:3000])
    report = check("units", path)
    assert [issue.key for issue in report.errors] == ["read.damaged"]
    assert "驻区单位.xls" in report.errors[0].message("zh")


def test_a_workbook_that_would_crash_the_reader_is_damaged(tmp_path):
    # A sheet declaring a range of about 4e9 rows by 65,000 columns: calamine asks for
    # petabytes and aborts its process. That is the child's; this one carries on.
    at = (LEGACY / "units_ledger.xls").read_bytes().index(DIMENSIONS)
    path = _patched(tmp_path, "huge.xls", at + 8, (0xFFFFFFF0).to_bytes(4, "little")
                    + bytes(2) + (0xFF00).to_bytes(2, "little"))
    _refused(path, "read.damaged")


@pytest.mark.parametrize(("worker", "timeout"), [
    ("import os; os.abort()", 60),              # what calamine does when an allocation fails
    ("import sys; sys.exit(1)", 60),            # an uncaught panic
    ("import time; time.sleep(30)", 0.5),       # a reader that never finishes
], ids=["abort", "panic", "hang"])
def test_whatever_becomes_of_the_reader_the_file_is_damaged(tmp_path, monkeypatch, worker,
                                                            timeout):
    monkeypatch.setattr(_read_legacy, "_WORKER", worker)
    monkeypatch.setattr(_read_legacy, "_TIMEOUT_S", timeout)
    _refused(_copy(tmp_path, "units_ledger.xls"), "read.damaged")


def test_a_missing_reader_is_no_fault_of_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(_read_legacy, "_WORKER", "import sys; sys.exit(int(sys.argv[4]))")
    with pytest.raises(RuntimeError, match="python-calamine"):
        read_table(_copy(tmp_path, "units_ledger.xls"), UNITS)


def test_a_cell_beyond_the_last_column_is_damaged(tmp_path):
    # A NUMBER record (0x0203) whose column was garbled to 61,191.
    content = (LEGACY / "units_ledger.xls").read_bytes()
    at = content.index(b"\x03\x02\x0e\x00")
    path = _patched(tmp_path, "wide.xls", at + 6, (61191).to_bytes(2, "little"))
    _refused(path, "read.damaged")


@pytest.mark.parametrize("name", ["not_a_workbook.xls", "文档.doc", "文档"])
def test_another_office_file_is_not_a_spreadsheet(tmp_path, name):
    path = _copy(tmp_path, "not_a_workbook.xls", name)
    error = _refused(path, "read.not_spreadsheet")
    assert "Word" in error.message("zh") and "not a spreadsheet" in error.message("en")


@pytest.mark.parametrize("name", ["加密.xls", "加密.et"])
def test_an_encrypted_workbook_says_so(tmp_path, name):
    # Excel writes FILEPASS (0x002F; here RC4, type 1) right after the globals' BOF and
    # encrypts what follows; the record is what tells, so overwriting the next one will do.
    at = (LEGACY / "units_ledger.xls").read_bytes().index(BOF)
    path = _patched(tmp_path, name, at + 20, b"\x2f\x00\x02\x00\x01\x00")
    error = _refused(path, "read.xls_encrypted")
    assert "密码" in error.message("zh") and "password" in error.message("en")


def test_an_encrypted_xlsx_is_still_told_apart(tmp_path):
    # Encrypted .xlsx files are OLE2 too, holding an EncryptionInfo stream.
    path = tmp_path / "加密.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200)
                     + "EncryptionInfo".encode("utf-16-le") + bytes(200))
    _refused(path, "read.encrypted")
