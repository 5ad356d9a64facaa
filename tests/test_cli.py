"""The importer's command line, run as a data keeper runs it, on good and bad ledgers."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers import LAYERS
from layers.template import LISTED
from storage import open_store
from tests.conftest import DATA, ROOT, copy_fixture
from tongxin.layers_cli import main

LAYER_FILES = {
    "townships": "townships_{}.geojson", "communities": "communities_{}.csv",
    "religious_sites": "religious_sites_{}.csv", "workstations": "workstations_{}.csv",
    "activities": "activities_{}.csv", "units": "units_{}.csv", "visits": "visits_{}.csv",
}
# What each bad file must be refused for: (row as the spreadsheet shows it, column, words).
EXPECTED_ERRORS = {
    "townships": [(2, None, "本区之外"), (2, "代码", "重复"), (3, None, "Polygon")],
    "communities": [(2, "是否重点社区", "是或否"), (3, "常住人口", "不能小于 0"),
                    (3, "统计用区划代码", "重复"), (4, "常住人口", "不是整数"),
                    (4, "所属乡镇(街道)", "东园街道")],
    "religious_sites": [(2, "教别", "伊斯兰教"), (3, "场所名称", "必填"),
                        (4, "所属街道", "南山街道"), (5, None, "本区之外"),
                        (6, None, "填反"), (7, None, "只填了一个")],
    "workstations": [(2, "站点类型", "民族工作站"), (2, "设立日期", "不是有效日期"),
                     (3, None, "只填了一个"), (3, "所属社区(村)", "不存在社区")],
    "activities": [(2, "活动日期", "不是有效日期"), (3, "活动类别", "进公园"),
                   (4, "活动日期", "必填"), (5, "所属乡镇(街道)", "必填")],
    "units": [(2, "单位类别", "省属高校"), (3, "走访对接日期", "昨天"), (3, "联席会议成员", "是或否")],
    "visits": [(2, "单位名称", "找不到驻区单位“兰州理工”"), (3, "走访形式", "上门"),
               (4, "走访日期", "不是有效日期"), (5, "单位名称", "必填"),
               (6, "办结时限", "不是有效日期")],
}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("layer", list(LAYERS))
def test_good_ledgers_pass_the_check(demo_env, capsys, layer):
    code, out, _ = run(capsys, "check", layer, DATA / "layers" / LAYER_FILES[layer].format("good"),
                       "--json")
    report = json.loads(out)
    assert code == 0, report["errors"]
    assert report["ok"] is True and report["errors"] == [] and report["rows"] >= 2


@pytest.mark.parametrize("layer", list(LAYERS))
def test_bad_ledgers_report_every_problem_with_row_and_column(demo_env, capsys, layer):
    code, out, _ = run(capsys, "check", layer, DATA / "layers" / LAYER_FILES[layer].format("bad"),
                       "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    found = [(e["row"], e["column"], e["message"]) for e in report["errors"]]
    for row, column, words in EXPECTED_ERRORS[layer]:
        assert any(r == row and c == column and words in m for r, c, m in found), \
            (row, column, words, found)
    assert len(found) == len(EXPECTED_ERRORS[layer]), found


def test_text_report_names_row_and_column_in_chinese(demo_env, capsys):
    code, out, _ = run(capsys, "check", "units", DATA / "layers" / "units_bad.csv")
    assert code == 1
    assert "第 2 行 · 列“单位类别”：“高校”不在允许的取值中。是否应为“省属高校”？" in out
    assert "未通过检查" in out


def test_english_with_lang(demo_env, capsys):
    code, out, _ = run(capsys, "check", "units", DATA / "layers" / "units_bad.csv", "--lang", "en")
    assert code == 1
    assert 'row 2 · column "单位类别": "高校" is not an allowed value' in out


@pytest.mark.parametrize("layer", list(LAYERS))
def test_import_replaces_the_layer_keeps_a_backup_and_audits(demo_env, capsys, layer):
    source = DATA / "layers" / LAYER_FILES[layer].format("good")
    code, out, _ = run(capsys, "import", layer, source, "--json", "--yes")
    report = json.loads(out)
    assert code == 0 and report["ok"], report
    store = open_store()
    assert len(store.read(layer)) == report["rows"]
    assert report["backup"] in {b.id for b in store.backups()}
    entry = store.audit()[-1]
    assert entry["layer"] == layer and entry["file"] == source.name
    assert entry["sha256"] == digest(source) and entry["rows"] == report["rows"]
    assert entry["user"] == "tester"


@pytest.mark.parametrize("layer", list(LAYERS))
def test_a_failed_import_leaves_the_dataset_byte_for_byte(demo_env, capsys, layer):
    run(capsys, "status")  # creates the working file from the demo
    before = digest(demo_env)
    code, _, _ = run(capsys, "import", layer, DATA / "layers" / LAYER_FILES[layer].format("bad"))
    assert code == 1
    assert digest(demo_env) == before
    assert open_store().backups() == []


@pytest.mark.parametrize("layer", list(LAYERS))
def test_template_has_headers_an_example_and_help_and_imports_back(demo_env, capsys, tmp_path,
                                                                    layer):
    out = tmp_path / f"{layer}.xlsx"
    code, _, _ = run(capsys, "template", layer, out)
    assert code == 0
    book = openpyxl.load_workbook(out)
    data, help_sheet = book.worksheets
    headers = [c.value for c in data[1]]
    for col in LAYERS[layer].columns:
        assert col.label + ("*" if col.required else "") in headers
    assert any(c.value is not None for c in data[2]), "an example row"
    explained = {row[0] for row in help_sheet.iter_rows(min_row=4, values_only=True)}
    assert {c.label for c in LAYERS[layer].columns} <= explained
    code, report, _ = run(capsys, "check", layer, out, "--json")
    if layer in LISTED:
        # The district's own townships or villages, codes and names filled in: what is left
        # to fill is their locations, which the check asks for row by row.
        listed = LISTED[layer]("620103")
        assert data.max_row - 1 == len(listed) and data.cell(2, 1).value == listed["code"][0]
        errors = json.loads(report)["errors"]
        assert code == 1 and len({e["row"] for e in errors}) == len(listed)
    else:
        # The example row is itself valid: a keeper can start from it.
        assert json.loads(report)["errors"] == [] and code == 0


@pytest.mark.parametrize("suffix", [".xlsx", ".csv", ".geojson"])
@pytest.mark.parametrize("layer", list(LAYERS))
def test_export_round_trips_through_the_importer(demo_env, capsys, tmp_path, layer, suffix):
    out = tmp_path / f"{layer}{suffix}"
    code, _, _ = run(capsys, "export", layer, out)
    assert code == 0 and out.stat().st_size > 0
    code, report, _ = run(capsys, "check", layer, out, "--json")
    parsed = json.loads(report)
    assert code == 0, parsed["errors"][:3]
    assert parsed["rows"] == len(open_store().read(layer))


def test_exported_sheet_has_chinese_headers_and_neutralises_formulas(demo_env, capsys, tmp_path):
    run(capsys, "import", "units", copy_fixture("layers/units_good.csv", tmp_path), "--yes")
    store = open_store()
    units = store.read("units")
    units.loc[units.index[0], "liaison"] = "=HYPERLINK(\"http://x\",\"点我\")"
    from layers.export import export_layer
    out = export_layer("units", units, tmp_path / "units.xlsx")
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]][:3] == ["单位编号", "名称", "单位类别"]
    cell = next(c for c in sheet[2] if str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s"


def test_backups_are_listed_and_restored(demo_env, capsys):
    run(capsys, "import", "units", DATA / "layers" / "units_good.csv", "--yes")
    backup = open_store().backups()[0]
    code, out, _ = run(capsys, "backups")
    assert code == 0 and backup.id in out
    code, out, _ = run(capsys, "restore", backup.id)
    assert code == 0 and len(open_store().read("units")) == 45
    code, out, err = run(capsys, "restore", "no-such-backup")
    assert code == 1 and "python -m layers backups" in err


@pytest.mark.parametrize("args", [
    [], ["check"], ["check", "parks", "x.csv"], ["import", "units"], ["frobnicate"],
    ["check", "units", "x.csv", "--bogus"]])
def test_usage_errors_exit_2_in_chinese(demo_env, capsys, args):
    code, _, err = run(capsys, *args)
    assert code == 2
    assert "命令用法有误" in err and "--help" in err


def test_export_to_an_unknown_format_is_refused(demo_env, capsys, tmp_path):
    code, _, err = run(capsys, "export", "units", tmp_path / "units.docx")
    assert code == 1 and "不支持的文件类型" in err


def test_status_lists_every_layer_with_its_last_import(demo_env, capsys):
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert code == 0 and status["demo"] is True
    assert {row["layer"]: row["rows"] for row in status["layers"]}["religious_sites"] == 95


@pytest.mark.parametrize("argv", [
    ["check", "units", "tests/data/layers/units_bad.csv"],
    ["check", "units", "does/not/exist.csv"],
    ["import", "religious_sites", "tests/data/layers/townships_good.geojson"],
    ["check"],
])
def test_as_a_process_never_a_traceback(demo_env, argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "layers", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode in (1, 2)
    assert proc.stdout.strip() or proc.stderr.strip()


def test_exported_csv_quotes_formulas_and_imports_back_unchanged(demo_env, capsys, tmp_path):
    run(capsys, "import", "units", copy_fixture("layers/units_good.csv", tmp_path), "--yes")
    units = open_store().read("units")
    hostile = ['=HYPERLINK("http://x","点我")', "+1+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3",
               "'=typed with its own guard"]
    units = pd.concat([units.iloc[:1]] * len(hostile), ignore_index=True)  # a row for each
    units["liaison"] = hostile
    units["code"] = [f"U{n:03d}" for n in range(1, len(units) + 1)]
    units["name"] = [f"单位{n}" for n in range(len(units))]
    from layers.export import export_layer
    out = export_layer("units", units, tmp_path / "units.csv")
    import csv
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    column = rows[0].index("联络人")
    written = [r[column] for r in rows[1:]]
    assert written == ["'" + text for text in hostile]
    # Nothing a spreadsheet would evaluate is left at the start of any cell.
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows[1:] for cell in r)
    # Read back, the guard is gone: the importer sees what was in the data.
    code, report, _ = run(capsys, "check", "units", out, "--json")
    assert code == 0, report
    from ledger.importer import check
    frame = check("units", out).frame
    assert list(frame["liaison"]) == hostile


def test_a_reader_that_goes_away_is_not_an_error(tmp_path):
    # `python -m layers status | head -1`: the pipe closes before the command has written.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TONGXIN_DATA": str(tmp_path / "t.gpkg")}
    proc = subprocess.Popen([sys.executable, "-m", "layers", "status"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert err == "", err


@pytest.mark.slow
def test_recovery_notice_speaks_the_language_asked_for(tmp_path):
    work = tmp_path / "t.gpkg"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TONGXIN_DATA": str(work)}
    run_cli = lambda *argv: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "layers", *argv], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120)
    assert run_cli("status").returncode == 0  # the working file is made from the demo
    work.write_bytes(b"not a geopackage at all" * 100)
    done = run_cli("status", "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "The working dataset was damaged" in done.stderr, done.stderr
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in done.stderr), done.stderr


@given(st.text(alphabet="'=+-@ab1 ", max_size=8))
def test_every_text_reads_back_as_it_was_exported(text):
    from layers._text import FORMULA_GUARD, needs_formula_guard, unguard_formula

    written = FORMULA_GUARD + text if needs_formula_guard(text) else text
    assert unguard_formula(written) == text
    assert not written.startswith(("=", "+", "-", "@"))
