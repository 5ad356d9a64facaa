"""Write the Excel 97-2003 fixtures of tests/test_read_legacy.py once, with xlwt.

xlwt writes real BIFF8 workbooks in an OLE2 container, as Excel 2003 and WPS do; it is not a
dependency of Tongxin (nothing reads with it), so run this from a throwaway environment::

    python3 -m venv /tmp/xlwtenv && /tmp/xlwtenv/bin/pip install xlwt==1.3.0
    /tmp/xlwtenv/bin/python tests/data/legacy/make_legacy.py

The output is byte-for-byte the same on every run (xlwt writes no timestamp). Every unit name
marked 示例 is made up; townships and coordinates are those of tests/data/layers/units_good.csv.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import xlwt

HERE = Path(__file__).resolve().parent
TITLE = "七里河区驻区单位走访对接台账（示例数据）"
SUBTITLE = "填报单位：七里河区委统战部（示例）　填报时间：2024年6月"
HEADER = ["序号", "单位名称", "类别", "所属街道", "经度", "纬度", "走访对接日期", "联席会议成员",
          "职工人数", "联系人"]
# A date typed in Excel keeps a number and a date format; calamine turns it back into a date.
ISO_DATE = xlwt.easyxf(num_format_str="YYYY-MM-DD")
CHINESE_DATE = xlwt.easyxf(num_format_str='YYYY"年"M"月"D"日"')


def _titled_sheet(book: xlwt.Workbook, name: str) -> xlwt.Worksheet:
    """Add a sheet with a title and a subtitle merged across the table, and the header in row 3."""
    sheet = book.add_sheet(name)
    sheet.write_merge(0, 0, 0, len(HEADER) - 1, TITLE)
    sheet.write_merge(1, 1, 0, len(HEADER) - 1, SUBTITLE)
    for col, header in enumerate(HEADER):
        sheet.write(2, col, header)
    return sheet


def _instructions(book: xlwt.Workbook) -> None:
    # An instructions sheet first, as ledgers handed down from above have.
    notes = book.add_sheet("填表说明")
    for row, line in enumerate([("字段", "填写要求"), ("类别", "中央在兰单位、中央企业、省属高校等"),
                                ("走访对接日期", "首次走访日期，未走访留空")]):
        for col, text in enumerate(line):
            notes.write(row, col, text)


def units_ledger(out: Path) -> None:
    """A good ledger (data rows 4, 5 and 7), then the same bytes named .et."""
    book = xlwt.Workbook(encoding="utf-8")
    _instructions(book)
    sheet = _titled_sheet(book, "驻区单位")
    sheet.write(3, 0, 1)
    sheet.write(3, 1, "兰州理工大学")
    sheet.write(3, 2, "省属高校")
    sheet.write_merge(3, 4, 3, 3, "西湖街道")  # the township typed once over its two units
    sheet.write(3, 4, 103.76225)
    sheet.write(3, 5, 36.07938)
    sheet.write(3, 6, dt.date(2020, 5, 12), ISO_DATE)
    sheet.write(3, 7, "是")
    sheet.write(3, 8, "2500")  # a number stored as text
    sheet.write(3, 9, "李某（示例）")
    sheet.write(4, 0, 2.0)
    sheet.write(4, 1, "七里河区某医院（示例）")
    sheet.write(4, 2, "医院")
    sheet.write(4, 6, dt.date(2021, 3, 1), CHINESE_DATE)
    sheet.write(4, 7, "否")
    sheet.write(4, 8, 860)
    # Row 6 is left blank inside the data: numbering must not shift.
    sheet.write(6, 0, "3")
    sheet.write(6, 1, "某某研究所（示例）")
    sheet.write(6, 2, "科研院所")
    sheet.write(6, 3, "620103001")  # 西园街道 by its statistical code, stored as text
    sheet.write(6, 7, "否")
    sheet.merge(3, 4, 11, 12)  # a blank merged block beside the table, there for the layout
    book.save(str(out / "units_ledger.xls"))
    shutil.copyfile(out / "units_ledger.xls", out / "units_ledger.et")


def units_bad(out: Path) -> None:
    """A ledger with one error on each of rows 4, 5 and 6, under the same title rows."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = _titled_sheet(book, "驻区单位")
    sheet.write_merge(3, 5, 3, 3, "西园街道")
    for row, (name, category) in enumerate([("某某集团（示例）", "大型企业"),
                                            ("某某设计院（示例）", "科研院所"),
                                            ("某某中学（示例）", "其他")], start=3):
        sheet.write(row, 0, row - 2)
        sheet.write(row, 1, name)
        sheet.write(row, 2, category)
    sheet.write(4, 6, "昨天")
    sheet.write(5, 4, 103.77)  # a longitude without its latitude
    book.save(str(out / "units_bad.xls"))


def empty(out: Path) -> None:
    """A workbook whose only sheet holds nothing."""
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("Sheet1")
    book.save(str(out / "empty.xls"))


def not_a_workbook(out: Path) -> None:
    """An OLE2 file holding a WordDocument stream and no Workbook: a Word .doc named .xls.

    The container of a small xlwt workbook with its one stream renamed: the directory entry's
    UTF-16 name and its length field are rewritten, nothing else.
    """
    book = xlwt.Workbook(encoding="utf-8")
    book.add_sheet("Sheet1").write(0, 0, "这不是表格")
    path = out / "not_a_workbook.xls"
    book.save(str(path))
    data = bytearray(path.read_bytes())
    at = data.index("Workbook".encode("utf-16-le"))
    name = "WordDocument\x00".encode("utf-16-le")
    data[at: at + 64] = name.ljust(64, b"\x00")
    data[at + 64: at + 66] = len(name).to_bytes(2, "little")
    path.write_bytes(bytes(data))


def main(out: Path = HERE) -> None:
    """Write every fixture into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for make in (units_ledger, units_bad, empty, not_a_workbook):
        make(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
