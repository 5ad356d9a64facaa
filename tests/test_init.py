"""``python -m layers init ADCODE``: any district of China set up from its code alone.

Three districts in three zones and provinces (北京东城 117°E, 乌鲁木齐天山 87°E, 广州越秀 114°E):
the district file, the CRS zone, the boundary's area against the published figure, the
templates listing the district's own townships, and a point outside the district refused on
import. Bad codes and a dataset holding records change nothing.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import openpyxl
import pyproj
import pytest

from analysis.metric import metric_crs
from core.district import district_config
from layers import LAYERS, divisions
from layers.export import LAT_HEADER, LNG_HEADER
from layers.template import write_template
from storage import CITY, ImportRecord, open_store
from tests.conftest import ROOT
from tongxin.layers_cli import main as layers_main

# (code, name, EPSG, central meridian, published area km², a township of it). Areas as the
# districts' governments publish them (see tests/test_divisions.py for the sources).
DISTRICTS = [
    ("110101", "东城区", 4548, 117, 41.84, "东华门街道"),
    ("650102", "天山区", 4538, 87, 171.0, "燕儿窝街道"),
    ("440104", "越秀区", 4547, 114, 33.80, "北京街道"),
]


@pytest.fixture
def fresh_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh install's settings: no working dataset yet, its own copy of the district file."""
    config = tmp_path / "district.toml"
    shutil.copyfile(ROOT / "data" / "district.toml", config)
    monkeypatch.setenv("TONGXIN_DATA", str(tmp_path / "work" / "tongxin.gpkg"))
    monkeypatch.setenv("TONGXIN_DISTRICT_CONFIG", str(config))
    monkeypatch.setenv("TONGXIN_ACCOUNTS", str(tmp_path / "accounts.json"))
    monkeypatch.setenv("TONGXIN_USER", "keeper")
    return tmp_path


def _state(folder: Path) -> tuple:
    store = open_store()
    try:
        return ((folder / "district.toml").read_bytes(), store.version(),
                {name: len(store.read(name)) for name in LAYERS})
    finally:
        store.close()


@pytest.mark.parametrize(("code", "name", "epsg", "meridian", "area", "township"), DISTRICTS)
def test_init_sets_up_the_district_in_its_own_zone(fresh_install, capsys, code, name, epsg,
                                                   meridian, area, township):
    assert layers_main(["init", code]) == 0
    out = capsys.readouterr().out
    assert name in out and f"EPSG:{epsg}" in out and f"{meridian}°E" in out
    written = tomllib.loads((fresh_install / "district.toml").read_text(encoding="utf-8"))
    assert written["district"]["name"] == name and written["district"]["adcode"] == code
    assert written["district"]["crs"] == f"EPSG:{epsg}"
    assert written["lists"]["activity_categories"]  # the rest of the file kept as it was
    config = district_config()
    assert (config.name, config.adcode, config.crs) == (name, code, f"EPSG:{epsg}")
    assert metric_crs() == pyproj.CRS(f"EPSG:{epsg}")
    store = open_store()
    try:
        assert not store.is_demo()
        assert all(store.read(layer).empty for layer in LAYERS)
        outline = store.read_district()
        assert list(outline["name"]) == [name] and list(outline["adcode"]) == [code]
        measured = float(outline.to_crs(epsg).area.sum() / 1e6)
        assert measured == pytest.approx(area, rel=0.01)
        assert store.audit()[-1]["action"] == "init" and store.audit()[-1]["district"] == code
    finally:
        store.close()


@pytest.mark.parametrize(("code", "name", "epsg", "meridian", "area", "township"), DISTRICTS)
def test_the_templates_list_the_districts_own_townships_and_villages(
        fresh_install, code, name, epsg, meridian, area, township):
    assert layers_main(["init", code]) == 0
    towns = _rows(write_template("townships", fresh_install / "t.xlsx"))
    listed = divisions.townships(code)
    assert [row["统计代码*"] for row in towns] == list(listed["code"])
    assert township in {row["名称*"] for row in towns}
    assert all(str(row["统计代码*"]).startswith(code) for row in towns)
    villages = _rows(write_template("communities", fresh_install / "c.xlsx"))
    assert len(villages) == len(divisions.villages(code)) > 0
    assert all(str(row["所属乡镇(街道)*"]) == str(row["统计代码*"])[:9] for row in villages)


def test_a_point_outside_the_district_is_refused_on_import(fresh_install, capsys):
    assert layers_main(["init", "650102"]) == 0
    book = fresh_install / "社区.xlsx"
    write_template("communities", book)
    lng, lat = district_config().centre
    _keep_rows(book, [(lng, lat), (lng + 1.5, lat)])  # the second: about 120 km east
    before = _state(fresh_install)
    assert layers_main(["import", "communities", str(book)]) == 1
    err = capsys.readouterr()
    assert "在本区之外" in err.out + err.err
    assert _state(fresh_install) == before
    _keep_rows(book, [(lng, lat)])
    assert layers_main(["import", "communities", str(book)]) == 0
    store = open_store()
    try:
        assert len(store.read("communities")) == 1
    finally:
        store.close()


@pytest.mark.parametrize(("code", "words"), [
    ("620100", "城关区 620102"), ("440000", "广东省"), ("999999", "999999"),
    ("12345", "6 位数字"), ("6201O3", "6201O3")])
def test_a_code_that_is_no_district_changes_nothing(fresh_install, capsys, code, words):
    before = _state(fresh_install)
    assert layers_main(["init", code]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert _state(fresh_install) == before


def test_a_dataset_holding_records_is_replaced_only_with_yes(fresh_install, capsys):
    assert layers_main(["init", "650102"]) == 0
    book = fresh_install / "社区.xlsx"
    write_template("communities", book)
    _keep_rows(book, [district_config().centre])
    assert layers_main(["import", "communities", str(book)]) == 0
    capsys.readouterr()
    before = _state(fresh_install)
    assert layers_main(["init", "110101"]) == 1
    err = capsys.readouterr().err
    assert "--yes" in err and "110101 东城区" in err
    assert _state(fresh_install) == before
    assert layers_main(["init", "110101", "--yes", "--json"]) == 0
    assert '"replaced": "20' in capsys.readouterr().out
    assert district_config().adcode == "110101"
    store = open_store()
    try:
        assert store.read("communities").empty
        assert any(b.reason == "init" for b in store.backups())
    finally:
        store.close()


def test_the_shipped_demo_is_left_as_it_is(fresh_install):
    demo = ROOT / "data" / "demo" / "tongxin-demo.gpkg"
    before = demo.read_bytes()
    assert layers_main(["init", "440104"]) == 0
    assert demo.read_bytes() == before


def _rows(path: Path) -> list[dict]:
    sheet = openpyxl.load_workbook(path).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def _keep_rows(book: Path, locations: list[tuple[float, float]]) -> None:
    """Keep the template's first rows, one per location, with those coordinates filled in."""
    workbook = openpyxl.load_workbook(book)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    lng_col = headers.index(LNG_HEADER + "*") + 1
    lat_col = headers.index(LAT_HEADER + "*") + 1
    sheet.delete_rows(len(locations) + 2, sheet.max_row)
    for row, (lng, lat) in enumerate(locations, start=2):
        sheet.cell(row, lng_col, lng)
        sheet.cell(row, lat_col, lat)
    workbook.save(book)


def test_a_demo_with_one_layer_of_the_offices_own_is_not_replaced_unasked(fresh_install,
                                                                          capsys):
    store = open_store()  # the demo's copy, as a fresh install opens it
    units = store.read("units").head(2)
    store.replace("units", units, ImportRecord("units", "台账.xlsx", "ab" * 32, 2, "keeper"))
    store.close()
    before = _state(fresh_install)
    assert layers_main(["init", "110101"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert _state(fresh_install) == before


def test_on_postgis_init_adds_the_district_beside_the_others(fresh_install, pg, monkeypatch,
                                                            capsys):
    # A city's database: each district set up from its code joins those already there, kept
    # apart by row-level security (tests/test_postgis_districts.py).
    monkeypatch.setenv("TONGXIN_DATA", pg.new_database())
    assert layers_main(["init", "620102"]) == 0
    assert layers_main(["init", "620104"]) == 0
    store = open_store()
    try:
        city = store.scoped(CITY)
        assert [d["adcode"] for d in city.districts()] == ["620102", "620103", "620104"]
        names = {d["adcode"]: d["name"] for d in city.districts()}
        assert (names["620102"], names["620104"]) == ("城关区", "西固区")
        added = store.scoped("620104")
        assert all(added.read(name).empty for name in LAYERS)
        assert added.audit()[-1]["action"] == "init" and added.verify_audit().ok
        assert store.scoped("620103").is_demo()  # the first start's demo, untouched
    finally:
        store.close()
    # A district of a shared database is not replaced whole, not even the demo's: the others'
    # rows and every log stay as they are, and the message says how to change it instead.
    capsys.readouterr()
    version = store.scoped("620103").version()
    assert layers_main(["init", "620103"]) == 1
    assert "620102, 620104" in capsys.readouterr().err
    assert store.scoped("620103").version() == version
