"""Reading whatever file a district office has into one raw table (layers/_read.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import runpy
import shutil
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from core.i18n import LANGUAGES, catalog, t
from layers import ReadError
from layers._read import HEADER_SEARCH_ROWS, RawTable, read_table, sniff_kind
from layers._text import normalise_header

DATA = Path(__file__).resolve().parent / "data" / "read"
# Headers a venue or station schema would know, spelt as a schema would (half-width brackets).
KNOWN = ["序号", "名称", "宗教", "所属乡镇(街道)", "所属乡镇", "经度", "纬度", "地址", "登记日期",
         "联系人及电话", "服务半径(米)", "信教群众", "登记年份", "name"]
VENUES = ["西关清真寺（示例）", "西园观音寺（示例）", "建兰路基督教堂（示例）", "阿干清真寺（示例）"]
STATIONS = ["西园街道民族工作站（示例）", "阿干镇民族工作站（示例）"]
CSV_COLUMNS = ["名称", "宗教", "所属乡镇(街道)", "经度", "纬度", "地址"]
SHP_COLUMNS = ["名称", "宗教", "所属乡镇", "信教群众"]


def _read(name: str, **kwargs) -> RawTable:
    return read_table(DATA / name, KNOWN, **kwargs)


def _keys(table: RawTable) -> list[str]:
    return [key for key, _ in table.warnings]


def _names(table: RawTable) -> list[str]:
    column = "名称" if "名称" in table.frame else "name"
    return table.frame[column].tolist()


# --- every fixture reads ----------------------------------------------------------------------

READS = [
    # file, kind, part, row_label, rows, columns, names, warning keys, EPSG
    ("venues_ledger.xlsx", "xlsx", "宗教活动场所", "row", [4, 5, 7, 8],
     ["序号", "名称", "宗教", "所属乡镇(街道)", "经度", "纬度", "登记日期", "联系人及电话",
      "联系人及电话_2", "列J"], VENUES, ["read.sheet_chosen"], None),
    ("stations_two_level.xlsx", "xlsx", "民族工作站", "row", [4, 5],
     ["名称", "所属乡镇(街道)", "经度", "纬度", "服务半径(米)"], STATIONS, [], None),
    ("venues_utf8.csv", "csv", None, "row", [2, 3, 5, 6], CSV_COLUMNS, VENUES, [], None),
    ("venues_utf8_bom.csv", "csv", None, "row", [3, 4, 5, 6], CSV_COLUMNS, VENUES, [], None),
    ("venues_gbk.csv", "csv", None, "row", [4, 5, 7, 8], CSV_COLUMNS, VENUES,
     ["read.encoding_gbk"], None),
    ("venues_utf16.txt", "csv", None, "row", [2, 3, 4, 5], CSV_COLUMNS, VENUES, [], None),
    ("ledger_export.xls", "csv", None, "row", [2, 3, 4, 5], ["序号", *CSV_COLUMNS], VENUES,
     ["read.extension_mismatch", "read.encoding_gbk"], None),
    ("venues.geojson", "geojson", None, "feature", [1, 2, 3],
     ["名称", "宗教", "所属乡镇(街道)", "登记年份"], VENUES[:3], [], 4326),
    ("venues_gbk.shp", "shapefile", "venues_gbk", "feature", [1, 2, 3, 4], SHP_COLUMNS, VENUES,
     ["read.encoding_gbk"], 4490),
    ("venues_shp.zip", "shapefile", "venues_gbk", "feature", [1, 2, 3, 4], SHP_COLUMNS, VENUES,
     ["read.encoding_gbk"], 4490),
    ("venues_shp_gbk_names.zip", "shapefile", "宗教活动场所", "feature", [1, 2, 3, 4], SHP_COLUMNS,
     VENUES, ["read.encoding_gbk"], 4490),
    ("ledger.gpkg", "gpkg", "宗教活动场所", "feature", [1, 2, 3, 4],
     ["名称", "宗教", "所属乡镇(街道)", "信教群众", "登记日期"], VENUES, ["read.layer_chosen"], 4326),
    ("venues_ovital.kml", "kml", None, "feature", [1, 2, 3], ["name", "description", "文件夹"],
     [VENUES[0], VENUES[3], VENUES[1]], [], 4326),
    ("stations_google_earth.kmz", "kml", None, "feature", [1, 2],
     ["name", "所属乡镇(街道)", "服务半径(米)"], STATIONS, [], 4326),
]


@pytest.mark.parametrize(
    ("name", "kind", "part", "row_label", "rows", "columns", "names", "keys", "epsg"), READS,
    ids=[r[0] for r in READS])
def test_every_fixture_reads(name, kind, part, row_label, rows, columns, names, keys, epsg):
    table = _read(name)
    assert (table.kind, table.part, table.row_label) == (kind, part, row_label)
    assert table.rows.tolist() == rows
    assert np.issubdtype(table.rows.dtype, np.integer)
    assert table.frame.columns.tolist() == columns
    assert set(table.headers) == set(columns)
    assert _names(table) == names
    assert _keys(table) == keys
    assert len(table.frame) == len(rows)
    if epsg is None:
        assert table.geometry is None and table.crs is None
    else:
        assert table.crs.to_epsg() == epsg
        assert table.geometry.crs == table.crs
        assert table.geometry.index.equals(table.frame.index)
        assert table.geometry.notna().all()


@pytest.mark.parametrize("name", [r[0] for r in READS])
def test_values_are_plain_python_objects(name):
    allowed = (str, int, float, dt.date, bool, type(None))
    table = _read(name)
    for value in table.frame.to_numpy().ravel():
        assert isinstance(value, allowed), (name, value, type(value))
        assert not isinstance(value, np.generic), (name, value)
        assert value != "", name
        if isinstance(value, str):
            assert value == value.strip(), (name, value)


@pytest.mark.parametrize("name", [r[0] for r in READS])
def test_warnings_have_messages_in_both_languages(name):
    for key, params in _read(name).warnings:
        assert key.startswith("read.")
        zh, en = t(key, "zh", **params), t(key, "en", **params)
        assert zh != en and name in zh and name in en


# --- spreadsheets ---------------------------------------------------------------------------


def test_xlsx_ledger_values_merges_and_headers():
    table = _read("venues_ledger.xlsx")
    rows = table.frame.to_dict("records")
    # Title (row 1), subtitle (row 2) and header (row 3) are counted: data starts at row 4.
    assert rows[0] == {
        "序号": 1, "名称": "西关清真寺（示例）", "宗教": "伊斯兰教", "所属乡镇(街道)": "西园街道",
        "经度": 103.8012, "纬度": 36.0598, "登记日期": dt.datetime(2019, 5, 20),
        "联系人及电话": "马某某", "联系人及电话_2": "0931-2345678", "列J": None}
    second = rows[1]
    assert second["序号"] == 2 and isinstance(second["序号"], int)  # stored as 2.0
    assert second["所属乡镇(街道)"] == "西园街道"  # merged down from row 4
    assert second["经度"] == "103.7985"  # a number stored as text stays text
    assert second["列J"] == "待核实"  # data under a blank header
    third = rows[2]
    assert third["序号"] == "3" and third["名称"] == "建兰路基督教堂（示例）"
    assert third["登记日期"] is None
    # Headers as the sheet shows them, for messages.
    assert table.headers["名称"] == "＊名\u3000称"
    assert table.headers["宗教"] == "宗教"
    assert table.headers["所属乡镇(街道)"] == "所属乡镇（街道）"
    assert table.headers["联系人及电话_2"] == "联系人及电话"
    assert table.headers["列J"] == "列J"


def test_xlsx_sheet_warning_names_the_sheet_read_and_the_others():
    (key, params), = _read("venues_ledger.xlsx").warnings
    assert key == "read.sheet_chosen"
    assert params["part"] == "宗教活动场所" and params["others"] == "填表说明"
    assert params["count"] == 2


def test_xlsx_part_reads_the_named_sheet():
    table = read_table(DATA / "venues_ledger.xlsx", ["字段", "填写要求"], part="填表说明")
    assert table.part == "填表说明" and table.warnings == []
    assert table.frame["字段"].tolist() == ["名称", "宗教", "经度"]
    assert table.rows.tolist() == [2, 3, 4]


def test_xlsx_two_level_header_takes_the_leaf_row():
    table = _read("stations_two_level.xlsx")
    assert table.frame.to_dict("records")[1] == {
        "名称": "阿干镇民族工作站（示例）", "所属乡镇(街道)": "阿干镇", "经度": 103.8571,
        "纬度": 35.9003, "服务半径(米)": 3000}
    assert table.headers["服务半径(米)"] == "服务半径（米）"


def test_without_known_headers_the_first_non_blank_row_is_the_header():
    table = read_table(DATA / "venues_utf8.csv", [])
    assert table.frame.columns.tolist() == CSV_COLUMNS
    title_first = read_table(DATA / "venues_gbk.csv", [])
    assert title_first.rows[0] == 2  # the title became the header: the caller asked for it


# --- CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["venues_utf8_bom.csv", "venues_gbk.csv", "venues_utf16.txt",
                                  "ledger_export.xls"])
def test_csv_encodings_give_the_same_values(name):
    reference = _read("venues_utf8_bom.csv").frame
    table = _read(name)
    assert table.frame[CSV_COLUMNS[:5]].equals(reference[CSV_COLUMNS[:5]])


def test_csv_cells_are_stripped_and_empty_cells_are_none():
    table = _read("venues_gbk.csv")
    assert table.frame["名称"][1] == "西园观音寺（示例）"  # typed with spaces around it
    assert table.frame["地址"][3] is None
    assert table.frame["经度"][0] == "103.8012"  # CSV gives text; the validator converts


def test_csv_line_numbers_follow_quoted_line_breaks():
    table = _read("venues_utf8.csv")
    assert table.frame["地址"][1] == "西园街道工林路\n（示例）"
    assert table.frame["地址"][0] == "西园街道西津东路，北侧（示例）"
    assert table.rows.tolist() == [2, 3, 5, 6]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiter_is_sniffed(tmp_path, delimiter):
    lines = [TITLE := "七里河区宗教活动场所台账（2024年）",
             delimiter.join(CSV_COLUMNS),
             delimiter.join(["西关清真寺（示例）", "伊斯兰教", "西园街道", "103.8012", "36.0598", "西津东路，北侧"])]
    if delimiter == ",":
        lines[2] = lines[2].replace("西津东路，北侧", '"西津东路, 北侧"')
    path = tmp_path / "venues.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_table(path, KNOWN)
    assert table.frame.columns.tolist() == CSV_COLUMNS
    assert table.rows.tolist() == [3]
    assert TITLE not in table.frame.to_numpy()


def test_csv_row_wider_than_the_sample_and_blank_header_with_data(tmp_path):
    # The header has 3 cells; a row far below has a 4th (a note in column D).
    lines = ["名称,宗教,所属乡镇(街道)"] + [f"场所{i}（示例）,佛教,西园街道" for i in range(3000)]
    lines[2500] += ",待核实"
    path = tmp_path / "wide.csv"
    path.write_text("\n".join(lines), encoding="utf-8")  # no final line break either
    table = read_table(path, KNOWN)
    assert table.frame.columns.tolist() == ["名称", "宗教", "所属乡镇(街道)", "列D"]
    assert table.frame["列D"].notna().sum() == 1
    assert table.rows[table.frame["列D"].notna().to_numpy()].tolist() == [2501]
    assert table.rows[-1] == 3001


def test_a_csv_of_100000_rows_reads_whole(tmp_path):
    header = ["名称", "宗教", "所属乡镇(街道)", "经度", "纬度", "地址", "登记日期", "联系人", "电话", "备注"]
    row = "场所{i}（示例）,伊斯兰教,西园街道,103.8,36.06,西津东路{i}号,2020-01-01,马某某,0931-{i:07d},"
    text = ",".join(header) + "\n" + "\n".join(row.format(i=i) for i in range(100_000)) + "\n"
    path = tmp_path / "big.csv"
    path.write_bytes(text.encode("gbk"))
    # How long it takes is measured by benchmarks/import_bench.py (README: Benchmarks), not
    # asserted: a wall-clock limit fails whenever the machine is busy with something else.
    table = read_table(path, header)
    assert len(table.frame) == 100_000 and table.rows[-1] == 100_001
    assert table.frame["备注"].isna().all()


_CELL = st.text(alphabet=st.sampled_from(list("名称宗教西园街道清真寺（示例）abc 123,\"\n;|\t")),
                min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_CELL, min_size=3, max_size=3), min_size=1, max_size=8))
def test_csv_written_by_the_csv_module_reads_back(records):
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([["名称", "宗教", "地址"], *records])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.csv"
        path.write_bytes(out.getvalue().encode("utf-8-sig"))
        table = read_table(path, KNOWN)
    assert table.frame.to_numpy().tolist() == records
    # Each record starts after the previous one's lines.
    expected, line = [], 2
    for record in records:
        expected.append(line)
        line += 1 + sum(cell.count("\n") for cell in record)
    assert table.rows.tolist() == expected


# --- geographic formats ---------------------------------------------------------------------


def test_geojson_values_and_geometry():
    table = _read("venues.geojson")
    assert table.frame["登记年份"].tolist() == [2019, 2020, None]
    assert all(type(v) is int for v in table.frame["登记年份"][:2])
    assert table.geometry[0].coords[0] == (103.8012, 36.0598)


@pytest.mark.parametrize("name", ["venues_gbk.shp", "venues_shp.zip", "venues_shp_gbk_names.zip"])
def test_gbk_shapefile_without_cpg_reads_chinese(name):
    table = _read(name)
    assert table.headers["所属乡镇"] == "所属乡镇"
    assert table.frame["所属乡镇"].tolist() == ["西园街道", "西园街道", "建兰路街道", "阿干镇"]
    assert table.frame["信教群众"].tolist() == [320, None, 85, 410]  # integers despite the null
    assert dict(_read(name).warnings)["read.encoding_gbk"]["encoding"] == "GBK"


def _copy_shapefile(tmp_path: Path, stem: str = "venues_gbk") -> Path:
    for ext in (".shp", ".shx", ".dbf", ".prj"):
        shutil.copy(DATA / f"venues_gbk{ext}", tmp_path / f"{stem}{ext}")
    return tmp_path / f"{stem}.shp"


def test_shapefile_cpg_is_respected(tmp_path):
    shp = _copy_shapefile(tmp_path)
    shp.with_suffix(".cpg").write_text("936")  # ArcGIS's code page for GBK
    table = read_table(shp, KNOWN)
    assert _names(table) == VENUES
    assert "read.encoding_gbk" not in _keys(table)  # the file said so: nothing to warn about


def test_shapefile_part_of_the_set_alone_is_refused(tmp_path):
    shp = _copy_shapefile(tmp_path)
    _assert_refused(shp.with_suffix(".dbf"), "read.shapefile_part")
    shp.with_suffix(".dbf").unlink()
    error = _assert_refused(shp, "read.shapefile_missing")
    assert error.params["missing"] == ".dbf"


def test_zip_of_two_shapefiles_reads_the_best_match_or_the_part(tmp_path):
    stations = gpd.GeoDataFrame({"名称": STATIONS, "半径": [1500, 3000]},
                                geometry=[Point(103.8005, 36.0602), Point(103.8571, 35.9003)],
                                crs="EPSG:4326")
    pyogrio.write_dataframe(stations, tmp_path / "stations.shp", encoding="UTF-8")
    bundle = tmp_path / "两个图层.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        for ext in (".shp", ".shx", ".dbf", ".cpg", ".prj"):
            archive.write(tmp_path / f"stations{ext}", f"stations{ext}")
            if ext != ".cpg":
                archive.write(DATA / f"venues_gbk{ext}", f"venues/venues_gbk{ext}")
    table = read_table(bundle, KNOWN)
    assert table.part == "venues_gbk" and _names(table) == VENUES
    assert _keys(table) == ["read.layer_chosen", "read.encoding_gbk"]
    chosen = read_table(bundle, KNOWN, part="stations")
    assert _names(chosen) == STATIONS and chosen.frame["半径"].tolist() == [1500, 3000]
    assert chosen.warnings == [] and chosen.crs.to_epsg() == 4326


def test_gpkg_layer_by_part_and_its_own_crs():
    table = _read("ledger.gpkg", part="民族工作站")
    assert table.warnings == [] and table.crs.to_epsg() == 4490
    assert table.frame["服务半径(米)"].tolist() == [1500, 3000]


def test_gpkg_values():
    table = _read("ledger.gpkg")
    assert table.frame["信教群众"].tolist() == [320, None, 85, 410]
    assert table.frame["登记日期"][0] == dt.datetime(2019, 5, 20)
    assert table.frame["登记日期"][2] is None


def test_kml_reads_every_folder_and_names_it():
    table = _read("venues_ovital.kml")
    assert table.frame["文件夹"].tolist() == ["清真寺", "清真寺", "寺观教堂"]
    assert table.frame["description"].tolist()[1:] == ["所属乡镇：阿干镇", None]
    assert table.headers["name"] == "Name"
    assert table.geometry[1].x == pytest.approx(103.8562)
    one = _read("venues_ovital.kml", part="寺观教堂")
    assert _names(one) == [VENUES[1]] and "文件夹" not in one.frame


def test_kmz_keeps_extended_data_with_chinese_names():
    table = _read("stations_google_earth.kmz")
    assert table.frame["所属乡镇(街道)"].tolist() == ["西园街道", "阿干镇"]
    assert table.frame["服务半径(米)"].tolist() == ["1500", "3000"]


# --- kind by content ------------------------------------------------------------------------

SNIFFED = {"venues_ledger.xlsx": "xlsx", "stations_two_level.xlsx": "xlsx",
           "venues_utf8.csv": "csv", "venues_gbk.csv": "csv", "venues_utf16.txt": "csv",
           "ledger_export.xls": "csv", "venues.geojson": "geojson", "api_error.geojson": "geojson",
           "venues_gbk.shp": "shapefile", "venues_shp.zip": "shapefile", "ledger.gpkg": "gpkg",
           "venues_ovital.kml": "kml", "stations_google_earth.kmz": "kml"}


@pytest.mark.parametrize(("name", "kind"), SNIFFED.items())
def test_sniff_kind(name, kind):
    assert sniff_kind(DATA / name) == kind
    assert sniff_kind(str(DATA / name)) == kind


MISNAMED = [("venues.geojson", "场所.csv", "geojson"), ("venues_ledger.xlsx", "台账.xls", "xlsx"),
            ("venues_utf8.csv", "场所.geojson", "csv"), ("ledger.gpkg", "ledger.shp", "gpkg"),
            ("venues_shp.zip", "venues.kmz", "shapefile"), ("venues_ovital.kml", "场所.txt", "kml")]


@pytest.mark.parametrize(("source", "misnamed", "kind"), MISNAMED)
def test_misnamed_file_is_read_by_content_with_a_warning(tmp_path, source, misnamed, kind):
    path = tmp_path / misnamed
    shutil.copy(DATA / source, path)
    table = read_table(path, KNOWN)
    assert table.kind == kind
    reference = _read(source)
    assert table.frame.equals(reference.frame)
    assert _keys(table)[0] == "read.extension_mismatch"
    params = table.warnings[0][1]
    assert params["extension"] == Path(misnamed).suffix and params["name"] == misnamed


def test_a_zip_named_zip_holding_a_kml_is_not_a_mismatch(tmp_path):
    path = tmp_path / "stations.zip"
    shutil.copy(DATA / "stations_google_earth.kmz", path)
    assert "read.extension_mismatch" not in _keys(read_table(path, KNOWN))


# --- files that are refused -----------------------------------------------------------------


def _assert_refused(path: Path, key: str, known=KNOWN, **kwargs) -> ReadError:
    with pytest.raises(ReadError) as caught:
        read_table(path, known, **kwargs)
    error = caught.value
    assert error.key == key, (error.key, error.params)
    zh, en = error.message("zh"), error.message("en")
    assert zh and en and zh != en
    assert path.name in zh and path.name in en
    assert any(unicodedata.name(ch, "").startswith("CJK") for ch in zh.replace(path.name, ""))
    assert "{" not in zh and "{" not in en
    return error


@pytest.mark.parametrize(("name", "key"), [
    ("webpage.geojson", "read.html"),
    ("api_error.geojson", "read.not_geojson"),
    ("empty.csv", "read.empty"),
    ("legacy.xls", "read.damaged"),  # an OLE2 signature and nothing after it
    ("truncated.zip", "read.damaged"),
])
def test_bad_fixtures_are_refused(name, key):
    _assert_refused(DATA / name, key)


def _shortened(source: str, keep: float):
    def build(tmp_path: Path) -> Path:
        data = (DATA / source).read_bytes()
        path = tmp_path / source
        path.write_bytes(data[: int(len(data) * keep)])
        return path
    return build


def _shapefile_cut(ext: str):
    def build(tmp_path: Path) -> Path:
        shp = _copy_shapefile(tmp_path)
        part = shp.with_suffix(ext)
        part.write_bytes(part.read_bytes()[:-30])
        return shp
    return build


def _zip_of(members: dict[str, bytes], name: str = "bundle.zip"):
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as archive:
            for member, data in members.items():
                archive.writestr(member, data)
        return path
    return build


def _written(name: str, data: bytes):
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return build


def _renamed(source: str, name: str):
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        shutil.copy(DATA / source, path)
        return path
    return build


REFUSED = {
    # Longer than the sniffed head, so the rest of the file must be looked at too.
    "whitespace only": (_written("blank.csv", b"\xef\xbb\xbf" + b" \r\n\t\r\n" * 30000),
                        "read.empty"),
    "html named .xls": (_renamed("webpage.geojson", "导出.xls"), "read.html_spreadsheet"),
    "xhtml": (_written("page.kml", b'<?xml version="1.0"?>\n<!DOCTYPE html>\n<html><body/></html>'),
              "read.html"),
    "gpx": (_written("track.gpx", b'<?xml version="1.0"?><gpx version="1.1"></gpx>'),
            "read.unknown_kind"),
    "encrypted xlsx": (_written("加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200)
                                + "EncryptionInfo".encode("utf-16-le") + bytes(200)),
                       "read.encrypted"),
    "xlsb": (_zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x00"}, "a.xlsb"),
             "read.xls_legacy"),
    "docx": (_zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}, "a.docx"),
             "read.unknown_kind"),
    "zip of a readme": (_zip_of({"说明.txt": "请见附件".encode()}), "read.zip_contents"),
    "rar": (_written("场所.rar", b"Rar!\x1a\x07\x01\x00" + bytes(64)), "read.archive"),
    "pdf": (_written("台账.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\n\x00\x00\xff\xfe"),
            "read.unknown_kind"),
    "binary": (_written("data.bin", bytes(range(256)) * 4), "read.unknown_kind"),
    "esri json": (_written("arcgis.json", b'{"geometryType": "esriGeometryPoint", '
                           b'"spatialReference": {"wkid": 4326}, "fields": [], "features": '
                           b'[{"attributes": {}, "geometry": {"x": 103.8, "y": 36.0}}]}'),
                  "read.not_geojson"),
    "broken json": (_shortened("venues.geojson", 0.5), "read.damaged"),
    "truncated xlsx": (_shortened("venues_ledger.xlsx", 0.6), "read.damaged"),
    "truncated gpkg": (_shortened("ledger.gpkg", 0.5), "read.damaged"),
    "truncated kml": (_shortened("venues_ovital.kml", 0.5), "read.damaged"),
    "truncated shp": (_shapefile_cut(".shp"), "read.damaged"),
    "truncated dbf": (_shapefile_cut(".dbf"), "read.damaged"),
    "truncated shx": (_shapefile_cut(".shx"), "read.damaged"),
    "missing file": (lambda tmp_path: tmp_path / "不存在.csv", "read.not_found"),
    "no header": (_renamed("venues_utf8.csv", "other.csv"), "read.no_header"),
}


@pytest.mark.parametrize(("build", "key"), REFUSED.values(), ids=REFUSED.keys())
def test_bad_files_are_refused_with_a_message(tmp_path, build, key):
    known = ["编码", "人口"] if key == "read.no_header" else KNOWN
    _assert_refused(build(tmp_path), key, known=known)


def test_no_header_error_lists_known_headers_and_rows_searched(tmp_path):
    error = _assert_refused(DATA / "venues_ledger.xlsx", "read.no_header", known=["编码", "人口"])
    assert error.params["known"] == "编码、人口"
    assert str(HEADER_SEARCH_ROWS) in error.message("zh")


@pytest.mark.parametrize(("name", "part"), [("venues_ledger.xlsx", "台账"),
                                            ("ledger.gpkg", "社区"),
                                            ("venues_ovital.kml", "教堂")])
def test_unknown_part_is_refused_with_the_choices(name, part):
    error = _assert_refused(DATA / name, "read.no_such_part", part=part)
    assert error.params["available"]


def test_every_read_key_used_has_both_languages():
    source = (Path(__file__).resolve().parent.parent / "layers" / "_read.py").read_text("utf-8")
    used = set(re.findall(r'"(read\.[a-z_]+)"', source))
    messages = catalog()
    assert used and used <= set(messages)
    for key in used:
        assert set(LANGUAGES) <= set(messages[key])


# --- the fixtures' recipe -------------------------------------------------------------------


def test_regenerated_fixtures_read_the_same(tmp_path):
    # run_path, not import: no __pycache__ is left beside the fixtures.
    runpy.run_path(str(DATA / "make_fixtures.py"))["main"](tmp_path)
    for name, *_ in READS:
        fresh, kept = read_table(tmp_path / name, KNOWN), _read(name)
        assert fresh.frame.equals(kept.frame), name
        assert fresh.rows.tolist() == kept.rows.tolist(), name
        assert fresh.headers == kept.headers, name


def test_fixtures_stay_commit_sized():
    assert sum(p.stat().st_size for p in DATA.iterdir()) < 100_000


# --- normalise_header -----------------------------------------------------------------------

# What ledgers' headers are made of: Chinese, Latin, digits, full-width forms, every kind of
# space, required-field markers and brackets.
_HEADER_TEXT = st.text(alphabet=st.one_of(
    st.sampled_from(list("名称宗教所属乡镇街道经纬度地址序号联系人电话服务半径米")),
    st.characters(min_codepoint=0x21, max_codepoint=0x7E),
    st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E),
    st.sampled_from([" ", "\u3000", "\u00a0", "\t", "\n", "*", "＊", "★", "※", "（", "）", "【", "】"]),
), max_size=20)


@given(_HEADER_TEXT)
def test_normalise_header_is_idempotent_on_header_text(text):
    once = normalise_header(text)
    assert normalise_header(once) == once


# A spacing accent (U+00B4) folds to a space plus a combining mark: once the space is gone
# the mark must be composed onto the letter before it, or a second pass would change the text.
@example("A\u00b4")
@example("e \u0301")
@given(st.text())
def test_normalise_header_is_idempotent_on_any_text(text):
    once = normalise_header(text)
    assert normalise_header(once) == once
