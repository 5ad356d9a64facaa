"""Regenerate the fixtures of tests/test_read.py: tiny ledgers as district offices send them.

Run from the project root: ``.venv/bin/python tests/data/read/make_fixtures.py [DIR]`` (DIR
defaults to this folder; tests/test_read.py regenerates into a temporary one). The output
is byte-for-byte the same on every run (timestamps inside zips, workbooks, .dbf headers and
GeoPackages are pinned), so regenerating leaves git clean unless the recipe changed. Every
name and place is made up (示例数据); coordinates lie in 七里河区.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sqlite3
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
from openpyxl.styles import Border, Side
from shapely.geometry import Point

HERE = Path(__file__).resolve().parent
PINNED = (2024, 6, 1, 9, 0, 0)
PINNED_ISO = "2024-06-01T09:00:00Z"

TITLE = "七里河区宗教活动场所台账（2024年）"
SUBTITLE = "填报单位：七里河区民族宗教事务局（示例数据）"
# 名称, 宗教, 所属乡镇(街道), 经度, 纬度, 地址
VENUES = [
    ("西关清真寺（示例）", "伊斯兰教", "西园街道", 103.8012, 36.0598, "西园街道西津东路（示例）"),
    ("西园观音寺（示例）", "佛教", "西园街道", 103.7985, 36.0571, "西园街道工林路（示例）"),
    ("建兰路基督教堂（示例）", "基督教", "建兰路街道", 103.8123, 36.0489, "建兰路街道建兰路（示例）"),
    ("阿干清真寺（示例）", "伊斯兰教", "阿干镇", 103.8562, 35.8985, "阿干镇阿干村（示例）"),
]
HEADER = ["名称", "宗教", "所属乡镇(街道)", "经度", "纬度", "地址"]


# --- helpers --------------------------------------------------------------------------------


def _zip(path: Path, members: list[tuple[str, bytes]], *, gbk_names: bool = False) -> None:
    """Write a zip with pinned timestamps; ``gbk_names`` imitates Windows' built-in zipper."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            info = _GbkZipInfo(name, PINNED) if gbk_names else zipfile.ZipInfo(name, PINNED)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


class _GbkZipInfo(zipfile.ZipInfo):
    # Chinese Windows stores member names in GBK without the UTF-8 flag.
    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
        return self.filename.encode("gbk"), self.flag_bits


def _pin_workbook(path: Path) -> None:
    """Rewrite an openpyxl workbook with pinned zip and document timestamps."""
    with zipfile.ZipFile(path) as archive:
        members = [(i.filename, archive.read(i.filename)) for i in archive.infolist()]
    pinned = []
    for name, data in members:
        if name == "docProps/core.xml":
            text = re.sub(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rf"\g<1>{PINNED_ISO}",
                          data.decode("utf-8"))
            data = text.encode("utf-8")
        pinned.append((name, data))
    _zip(path, pinned)


def _thin_border() -> Border:
    side = Side(style="thin")
    return Border(left=side, right=side, top=side, bottom=side)


# --- spreadsheets ---------------------------------------------------------------------------


def venues_ledger_xlsx(out: Path) -> None:
    """The ledger as kept in Excel: titles, merged cells, untidy headers, an instructions sheet."""
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "填表说明"
    notes.append(["字段", "填写要求"])
    for field, rule in [("名称", "填写登记证上的全称"), ("宗教", "伊斯兰教、佛教、道教、基督教、天主教"),
                        ("经度", "十进制度，如 103.8012")]:
        notes.append([field, rule])

    ws = wb.create_sheet("宗教活动场所")
    ws.append([TITLE])
    ws.merge_cells("A1:J1")
    ws.append([SUBTITLE])
    ws.merge_cells("A2:J2")
    # Full-width marker and ideographic space, outer spaces, full-width brackets; 联系人及电话
    # spans two columns; J has no header but one note; K is blank and only bordered.
    ws.append(["序号", "＊名　称", " 宗教 ", "所属乡镇（街道）", "经度", "纬度", "登记日期",
               "联系人及电话", None, None])
    ws.merge_cells("H3:I3")
    ws.append([1, VENUES[0][0], "伊斯兰教", "西园街道", 103.8012, 36.0598,
               dt.datetime(2019, 5, 20), "马某某", "0931-2345678"])
    # 2.0: a number Excel keeps as a double; "103.7985": a number stored as text.
    ws.append([2.0, VENUES[1][0], "佛教", None, "103.7985", 36.0571,
               dt.datetime(2020, 3, 1), "张某某", "0931-2345679", "待核实"])
    ws.merge_cells("D4:D5")  # the township typed once over its venues
    ws.append([])  # an inner blank row: numbering must not shift
    ws.append(["3", "  建兰路基督教堂（示例） ", "基督教", "建兰路街道", 103.8123, 36.0489, None,
               "李某某", "0931-2345680"])
    ws.append([4, VENUES[3][0], "伊斯兰教", "阿干镇", 103.8562, 35.8985,
               dt.datetime(2018, 11, 8), "马某某", "0931-2345681"])
    for row in range(3, 13):  # borders drawn below the data leave styled, blank rows
        for col in range(1, 12):
            ws.cell(row, col).border = _thin_border()
    ws["A11"] = "   "  # a cell holding only spaces is blank
    wb.active = 0  # saved while the instructions were open: the ledger is not the active sheet
    path = out / "venues_ledger.xlsx"
    wb.save(path)
    _pin_workbook(path)


def stations_two_level_xlsx(out: Path) -> None:
    """A form with a two-level header: 坐标 over 经度 and 纬度, other headers merged downwards."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "民族工作站"
    ws.append(["七里河区民族工作站分布表（示例数据）"])
    ws.merge_cells("A1:E1")
    ws.append(["名称", "所属乡镇（街道）", "坐标", None, "服务半径（米）"])
    ws.append([None, None, "经度", "纬度", None])
    for cells in ("A2:A3", "B2:B3", "C2:D2", "E2:E3"):
        ws.merge_cells(cells)
    ws.append(["西园街道民族工作站（示例）", "西园街道", 103.8005, 36.0602, 1500])
    ws.append(["阿干镇民族工作站（示例）", "阿干镇", 103.8571, 35.9003, 3000])
    path = out / "stations_two_level.xlsx"
    wb.save(path)
    _pin_workbook(path)


def _csv_lines(rows: list[list[object]], delimiter: str = ",") -> list[str]:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


def csv_fixtures(out: Path) -> None:
    """The same ledger saved as CSV by Excel (BOM, GBK), by a script and by a web system."""
    body = [list(v) for v in VENUES]
    # Plain UTF-8 as scripts write it; one address holds a comma, one a line break.
    utf8 = [HEADER, *body]
    utf8[1] = [*utf8[1][:5], "西园街道西津东路，北侧（示例）"]
    utf8[2] = [*utf8[2][:5], "西园街道工林路\n（示例）"]
    (out / "venues_utf8.csv").write_bytes("\n".join(_csv_lines(utf8)).encode("utf-8") + b"\n")

    # "CSV UTF-8" from Excel: BOM, CRLF, a title row padded with commas.
    bom = [[TITLE, "", "", "", "", ""], HEADER, *body]
    text = "\r\n".join(_csv_lines(bom)) + "\r\n"
    (out / "venues_utf8_bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    # "CSV" from Excel on Chinese Windows: GBK; two title rows, one not padded; a blank line
    # inside; cells with outer spaces; an empty cell.
    gbk = [*_csv_lines([[TITLE, "", "", "", "", ""]]), SUBTITLE]
    gbk += _csv_lines([HEADER, body[0], [" " + body[1][0] + " ", *body[1][1:]]])
    gbk += [""]
    gbk += _csv_lines([body[2], [*body[3][:5], ""]])
    (out / "venues_gbk.csv").write_bytes(("\r\n".join(gbk) + "\r\n").encode("gbk"))

    # "Unicode text" from Excel: UTF-16 with BOM, tab-delimited.
    tab = "\r\n".join(_csv_lines([HEADER, *body], "\t")) + "\r\n"
    (out / "venues_utf16.txt").write_bytes(tab.encode("utf-16"))

    # A web system's "export to Excel": GBK tab-separated text named .xls.
    export = "\r\n".join(_csv_lines([["序号", *HEADER], *[[i + 1, *v] for i, v in enumerate(body)]],
                                    "\t")) + "\r\n"
    (out / "ledger_export.xls").write_bytes(export.encode("gbk"))


# --- geographic formats ---------------------------------------------------------------------


def venues_geojson(out: Path) -> None:
    """GeoJSON as a GIS exports it: properties in Chinese, one null, integers."""
    features = []
    for i, (name, religion, township, lng, lat, _) in enumerate(VENUES[:3]):
        properties = {"名称": name, "宗教": religion, "所属乡镇(街道)": township,
                      "登记年份": [2019, 2020, None][i]}
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Point", "coordinates": [lng, lat]}})
    text = json.dumps({"type": "FeatureCollection", "name": "宗教活动场所", "features": features},
                      ensure_ascii=False, indent=1)
    (out / "venues.geojson").write_text(text + "\n", encoding="utf-8")


def _venues_frame() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"名称": [v[0] for v in VENUES], "宗教": [v[1] for v in VENUES],
         "所属乡镇": [v[2] for v in VENUES], "信教群众": pd.array([320, None, 85, 410], "Int64")},
        geometry=[Point(v[3], v[4]) for v in VENUES], crs="EPSG:4490")


def shapefile_fixtures(out: Path) -> None:
    """A GBK shapefile in CGCS2000 whose .cpg went missing, loose and zipped twice."""
    path = out / "venues_gbk.shp"
    pyogrio.write_dataframe(_venues_frame(), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    dbf[1:4] = bytes([PINNED[0] - 1900, PINNED[1], PINNED[2]])  # the "last update" date
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    parts = [(ext, path.with_suffix(ext).read_bytes()) for ext in (".shp", ".shx", ".dbf", ".prj")]
    _zip(out / "venues_shp.zip",
         [(f"七里河区宗教活动场所/venues_gbk{ext}", data) for ext, data in parts])
    _zip(out / "venues_shp_gbk_names.zip", [(f"宗教活动场所{ext}", data) for ext, data in parts],
         gbk_names=True)
    whole = (out / "venues_shp.zip").read_bytes()
    (out / "truncated.zip").write_bytes(whole[: len(whole) // 2])


def ledger_gpkg(out: Path) -> None:
    """A GeoPackage with two layers: stations (CGCS2000) first, venues (WGS 84) second."""
    path = out / "ledger.gpkg"
    path.unlink(missing_ok=True)
    stations = gpd.GeoDataFrame(
        {"名称": ["西园街道民族工作站（示例）", "阿干镇民族工作站（示例）"],
         "所属乡镇(街道)": ["西园街道", "阿干镇"], "服务半径(米)": [1500, 3000]},
        geometry=[Point(103.8005, 36.0602), Point(103.8571, 35.9003)], crs="EPSG:4490")
    venues = _venues_frame().rename(columns={"所属乡镇": "所属乡镇(街道)"}).to_crs("EPSG:4326")
    venues["登记日期"] = pd.to_datetime(["2019-05-20", "2020-03-01", None, "2018-11-08"])
    for layer, frame in (("民族工作站", stations), ("宗教活动场所", venues)):
        pyogrio.write_dataframe(frame, path, layer=layer, append=path.exists(),
                                layer_options={"SPATIAL_INDEX": "NO"})
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE gpkg_contents SET last_change = ?", (PINNED_ISO,))
    # A small page size keeps the file a few kilobytes instead of about a hundred.
    con.execute("PRAGMA page_size = 512")
    con.execute("VACUUM")
    con.close()
    # SQLite's change counter (and the copy of it that validates the header) depends on how
    # many writes GDAL happened to make; pin both so the bytes do not drift between runs.
    data = bytearray(path.read_bytes())
    data[24:28] = data[92:96] = (1).to_bytes(4, "big")
    path.write_bytes(bytes(data))


OVITAL_KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2">
<Document>
\t<name>奥维收藏夹</name>
\t<Style id="ovital_pt">
\t\t<IconStyle><scale>1.2</scale>
\t\t\t<Icon><href>http://maps.google.com/mapfiles/kml/pushpin/red-pushpin.png</href></Icon>
\t\t</IconStyle>
\t</Style>
\t<StyleMap id="ovital_pt_map">
\t\t<Pair><key>normal</key><styleUrl>#ovital_pt</styleUrl></Pair>
\t\t<Pair><key>highlight</key><styleUrl>#ovital_pt</styleUrl></Pair>
\t</StyleMap>
\t<Folder>
\t\t<name>宗教活动场所</name>
\t\t<open>1</open>
\t\t<Folder>
\t\t\t<name>清真寺</name>
\t\t\t<Placemark>
\t\t\t\t<name>西关清真寺（示例）</name>
\t\t\t\t<description><![CDATA[所属乡镇：西园街道<br/>地址：西津东路（示例）]]></description>
\t\t\t\t<LookAt>
\t\t\t\t\t<longitude>103.8012</longitude><latitude>36.0598</latitude><range>800</range>
\t\t\t\t</LookAt>
\t\t\t\t<styleUrl>#ovital_pt_map</styleUrl>
\t\t\t\t<Point><coordinates>103.8012,36.0598,0</coordinates></Point>
\t\t\t</Placemark>
\t\t\t<Placemark>
\t\t\t\t<name>阿干清真寺（示例）</name>
\t\t\t\t<description><![CDATA[所属乡镇：阿干镇]]></description>
\t\t\t\t<styleUrl>#ovital_pt_map</styleUrl>
\t\t\t\t<Point><coordinates>103.8562,35.8985,0</coordinates></Point>
\t\t\t</Placemark>
\t\t</Folder>
\t\t<Folder>
\t\t\t<name>寺观教堂</name>
\t\t\t<Placemark>
\t\t\t\t<name>西园观音寺（示例）</name>
\t\t\t\t<styleUrl>#ovital_pt_map</styleUrl>
\t\t\t\t<Point><coordinates>103.7985,36.0571,0</coordinates></Point>
\t\t\t</Placemark>
\t\t</Folder>
\t</Folder>
</Document>
</kml>
"""

GOOGLE_EARTH_KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"
 xmlns:kml="http://www.opengis.net/kml/2.2" xmlns:atom="http://www.w3.org/2005/Atom">
<Document>
\t<name>民族工作站.kmz</name>
\t<Folder>
\t\t<name>我的地点</name>
\t\t<Placemark>
\t\t\t<name>西园街道民族工作站（示例）</name>
\t\t\t<ExtendedData>
\t\t\t\t<Data name="所属乡镇(街道)"><value>西园街道</value></Data>
\t\t\t\t<Data name="服务半径(米)"><value>1500</value></Data>
\t\t\t</ExtendedData>
\t\t\t<Point><gx:drawOrder>1</gx:drawOrder><coordinates>103.8005,36.0602,0</coordinates></Point>
\t\t</Placemark>
\t\t<Placemark>
\t\t\t<name>阿干镇民族工作站（示例）</name>
\t\t\t<ExtendedData>
\t\t\t\t<Data name="所属乡镇(街道)"><value>阿干镇</value></Data>
\t\t\t\t<Data name="服务半径(米)"><value>3000</value></Data>
\t\t\t</ExtendedData>
\t\t\t<Point><coordinates>103.8571,35.9003,0</coordinates></Point>
\t\t</Placemark>
\t</Folder>
</Document>
</kml>
"""


def kml_fixtures(out: Path) -> None:
    """A 奥维地图 export (nested folders, styles) and a Google Earth KMZ (ExtendedData)."""
    (out / "venues_ovital.kml").write_text(OVITAL_KML, encoding="utf-8")
    _zip(out / "stations_google_earth.kmz", [("doc.kml", GOOGLE_EARTH_KML.encode("utf-8"))])


# --- files that must be refused -------------------------------------------------------------


WEBPAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>登录 - 政务服务平台</title></head>
<body><form action="/login" method="post"><p>会话已过期，请重新登录。</p></form></body>
</html>
"""


def refused_fixtures(out: Path) -> None:
    """A saved login page, an API error, an empty file and a legacy workbook."""
    (out / "webpage.geojson").write_text(WEBPAGE, encoding="utf-8")
    (out / "api_error.geojson").write_text(
        '{"code": 401, "msg": "登录已过期，请重新登录", "data": null}\n', encoding="utf-8")
    (out / "empty.csv").write_bytes(b"")
    # Only the OLE2 signature matters to the reader; the rest of a real .xls is not needed.
    (out / "legacy.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


def main(out: Path = HERE) -> None:
    """Write every fixture into ``out`` (beside this script unless told otherwise)."""
    out.mkdir(parents=True, exist_ok=True)
    venues_ledger_xlsx(out)
    stations_two_level_xlsx(out)
    csv_fixtures(out)
    venues_geojson(out)
    shapefile_fixtures(out)
    ledger_gpkg(out)
    kml_fixtures(out)
    refused_fixtures(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
