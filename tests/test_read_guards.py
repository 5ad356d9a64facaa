"""The reader's guards: zip bombs and climbing paths refused, kinds judged by content.

Every hostile file here is generated in a temporary folder by the test itself; none is committed.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pyogrio
import pytest

from layers import ReadError, _read
from layers._read import (
    ZIP_MAX_MEMBERS,
    ZIP_MAX_RATIO,
    ZIP_RATIO_FLOOR,
    read_table,
    sniff_kind,
    zip_limit_bytes,
)
from ledger.importer import check
from tests.conftest import DATA

READ = DATA / "read"
MB = 1024 * 1024


def _zeros_member(archive: zipfile.ZipFile, member: str, megabytes: int) -> None:
    """Write ``megabytes`` of zeros as one deflated member, a megabyte at a time."""
    with archive.open(member, "w", force_zip64=True) as fh:
        chunk = bytes(MB)
        for _ in range(megabytes):
            fh.write(chunk)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    """A zipped "shapefile" whose .shp is 200 MB of zeros: about 200 KB on disk."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        _zeros_member(archive, "venues.shp", 200)
        archive.writestr("venues.shx", b"\x00" * 100)
        archive.writestr("venues.dbf", b"\x00" * 32)
    return path


def _error_key(path: Path) -> str:
    with pytest.raises(ReadError) as caught:
        sniff_kind(path)
    return caught.value.key


def test_a_zip_bomb_is_refused_from_its_directory_before_any_member_is_read(bomb, monkeypatch):
    assert bomb.stat().st_size < 1 * MB
    info = zipfile.ZipFile(bomb).getinfo("venues.shp")
    assert info.file_size == 200 * MB and info.file_size > ZIP_MAX_RATIO * info.compress_size

    def never(*args, **kwargs):
        raise AssertionError("a member of the bomb was opened")

    # Neither zipfile nor GDAL is asked for a single member.
    monkeypatch.setattr(zipfile.ZipFile, "open", never)
    monkeypatch.setattr(pyogrio, "read_dataframe", never)
    monkeypatch.setattr(pyogrio, "read_info", never)
    with pytest.raises(ReadError) as caught:
        read_table(bomb, ["名称"])
    assert caught.value.key == "read.zip_bomb"
    message = caught.value.message("zh")
    assert "bomb.zip" in message and "压缩炸弹" in message
    assert "zip bomb" in caught.value.message("en")


def test_a_bomb_is_a_clear_error_in_the_check_report(bomb, demo_env):
    report = check("religious_sites", bomb)
    assert not report.ok and [i.key for i in report.errors] == ["read.zip_bomb"]


@pytest.mark.parametrize(("name", "members"), [
    ("bomb.xlsx", ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]),
    ("bomb.kmz", ["doc.kml"]),
    ("bomb.csv", ["venues.shp", "venues.shx", "venues.dbf"]),  # a zip under any name
])
def test_every_kind_of_zip_is_guarded(tmp_path, name, members):
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members[:-1]:
            archive.writestr(member, "<x/>")
        _zeros_member(archive, members[-1], 5)  # 5 MB packing about 1000:1
    assert _error_key(path) == "read.zip_bomb"


def test_too_many_members_is_a_bomb(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(ZIP_MAX_MEMBERS + 1):
            archive.writestr(f"part{i}.txt", "x")
    assert _error_key(path) == "read.zip_bomb"


def test_too_much_in_all_is_a_bomb_even_stored(tmp_path, monkeypatch):
    # An upload limit of 1 MB allows 20 MB unpacked; 21 MB stored (1:1) is over it.
    monkeypatch.setenv("TONGXIN_UPLOAD_MAX_MB", "1")
    assert zip_limit_bytes() == 20 * MB
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for i in range(3):
            archive.writestr(f"part{i}.bin", bytes(7 * MB))
    assert _error_key(path) == "read.zip_bomb"
    monkeypatch.setenv("TONGXIN_UPLOAD_MAX_MB", "50")
    assert _error_key(path) == "read.zip_contents"  # within the limit: judged on its contents


def test_a_small_tightly_packed_member_is_no_bomb(tmp_path):
    # Under the floor a high ratio harms nothing: a ledger's blank-padded .dbf packs tightly.
    path = tmp_path / "venues.zip"
    shutil.copyfile(READ / "venues_shp.zip", path)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", bytes(ZIP_RATIO_FLOOR // 2))
    assert sniff_kind(path) == "shapefile"


@pytest.mark.parametrize("member", ["../venues.kml", "a/../../venues.kml", "/etc/venues.kml",
                                    "..\\venues.kml", "C:/venues.kml", "\\\\server\\venues.kml"])
def test_a_member_climbing_out_of_the_zip_is_refused(tmp_path, member):
    path = tmp_path / "places.kmz"
    source = (READ / "venues_ovital.kml").read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", source)
        archive.writestr(zipfile.ZipInfo(member), source)
    with pytest.raises(ReadError) as caught:
        sniff_kind(path)
    assert caught.value.key == "read.zip_path"
    assert "places.kmz" in caught.value.message("zh")


@pytest.mark.parametrize("fixture", ["venues_shp.zip", "stations_google_earth.kmz",
                                     "venues_ledger.xlsx", "stations_two_level.xlsx"])
def test_real_zips_pass_the_guard(fixture):
    assert sniff_kind(READ / fixture) in ("shapefile", "kml", "xlsx")


def test_a_large_real_workbook_passes_the_guard(tmp_path):
    # 30,000 rows: its sheet packs about 10:1, far from a bomb's 1000:1.
    import xlsxwriter

    path = tmp_path / "ledger.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet()
        for r in range(30_000):
            sheet.write_row(r, 0, ["进社区", f"2024-01-{r % 28 + 1:02d}", f"某某社区{r}", r % 90])
    assert zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size > ZIP_RATIO_FLOOR
    assert sniff_kind(path) == "xlsx"


# --- kinds judged by content, whatever the name ---------------------------------------------


@pytest.mark.parametrize(("fixture", "name", "kind", "rows"), [
    ("venues_shp.zip", "venues.csv", "shapefile", 4),   # a .csv that is really a zip
    ("stations_google_earth.kmz", "stations.xlsx", "kml", 2),
    ("venues_ovital.kml", "venues.csv", "kml", 3),      # GDAL alone would open it as CSV
    ("ledger.gpkg", "ledger.csv", "gpkg", 2),           # GDAL alone would open it as CSV
    ("venues_ledger.xlsx", "venues.csv", "xlsx", 3),
    ("venues.geojson", "venues.xlsx", "geojson", 3),
])
def test_a_misnamed_file_is_read_as_what_it_is(tmp_path, fixture, name, kind, rows):
    right = read_table(READ / fixture, [])
    path = tmp_path / name
    shutil.copyfile(READ / fixture, path)
    table = read_table(path, [])
    assert (table.kind, len(table.frame)) == (right.kind, len(right.frame)) == (kind, rows)
    assert list(table.frame.columns) == list(right.frame.columns)
    assert "read.extension_mismatch" in [key for key, _ in table.warnings]


def test_an_xlsx_that_is_really_a_web_page_says_so(tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_text("<html><body><table><tr><td>名称</td></tr></table></body></html>",
                    encoding="utf-8")
    assert _error_key(path) == "read.html_spreadsheet"


def test_a_zipped_shapefile_is_read_in_place_never_extracted(tmp_path, monkeypatch):
    folder = tmp_path / "upload"
    folder.mkdir()
    path = folder / "venues.csv"  # misnamed too: read through /vsizip/{...}
    shutil.copyfile(READ / "venues_shp.zip", path)
    seen: list[tuple[str, list[str]]] = []
    real = pyogrio.read_dataframe

    def spy(source, *args, **kwargs):
        seen.append((str(source), sorted(p.name for p in folder.rglob("*"))))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(pyogrio, "read_dataframe", spy)
    table = read_table(path, [])
    assert table.kind == "shapefile" and len(table.frame) == 4
    assert seen and all(source.startswith("/vsizip/{") for source, _ in seen)
    assert all(files == ["venues.csv"] for _, files in seen)
    assert sorted(p.name for p in folder.rglob("*")) == ["venues.csv"]


def test_the_vsizip_path_only_braces_a_zip_gdal_would_not_know():
    assert _read._vsizip(Path("/data/a.zip"), "x.shp") == "/vsizip//data/a.zip/x.shp"
    assert _read._vsizip(Path("/data/a.kmz"), "doc.kml") == "/vsizip//data/a.kmz/doc.kml"
    assert _read._vsizip(Path("/data/a.csv"), "x.shp") == "/vsizip/{/data/a.csv}/x.shp"
