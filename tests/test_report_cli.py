"""``python -m reports build``: writes the report, and refuses bad input with a clear message."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import docx
import pytest

from reports.cli import main
from tests.conftest import ROOT

pytestmark = pytest.mark.usefixtures("fresh_caches")


def test_build_writes_a_report_from_the_command_line(demo_env, tmp_path):
    out = tmp_path / "汇报材料.docx"
    done = subprocess.run([sys.executable, "-m", "reports", "build", "--out", str(out),
                           "--period", "2025", "--towns", "西站街道,620103001"],
                          cwd=ROOT, env=os.environ, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert "已生成报告" in done.stdout and "2 幅图" in done.stdout
    document = docx.Document(io.BytesIO(out.read_bytes()))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "2025-01-01至2025-12-31" in text
    assert "范围：西站街道、西园街道" in text
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args,words", [
    (["--period", "2025-13"], "无法识别时段“2025-13”"),
    (["--period", "2025-06-30..2025-01-01"], "开始不晚于结束"),
    (["--period", "last year"], "12m"),
    (["--towns", "西站街道,不存在镇"], "找不到这些乡镇(街道)：不存在镇"),
    (["--cats", "进月球"], "没有这些“十进”类别：进月球"),
])
def test_bad_choices_are_refused_before_anything_is_written(demo_env, tmp_path, capsys, args,
                                                            words):
    out = tmp_path / "r.docx"
    assert main(["build", "--out", str(out), *args]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not out.exists()


def test_bad_output_paths_are_refused(demo_env, tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path / "r.txt")]) == 1
    assert "须以 .docx 或 .pdf 结尾" in capsys.readouterr().err
    assert main(["build", "--out", str(tmp_path / "missing" / "r.docx")]) == 1
    assert "不存在" in capsys.readouterr().err


def test_a_failed_write_leaves_the_old_file_as_it_was(demo_env, tmp_path, capsys):
    # The target is a folder: the rename fails after the report was made.
    target = tmp_path / "r.docx"
    target.mkdir()
    (target / "keep.txt").write_text("old")
    assert main(["build", "--out", str(target), "--period", "2025-06", "--lang", "en"]) == 1
    err = capsys.readouterr().err
    assert "Cannot write" in err and "nothing was changed" in err
    assert (target / "keep.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tongxin-report-")] == []


def test_english_messages(demo_env, tmp_path, capsys):
    assert main(["build", "--out", str(tmp_path / "r.docx"), "--period", "x", "--lang",
                 "en"]) == 1
    err = capsys.readouterr().err
    assert "Cannot read the period" in err
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in err.split("\"x\"")[0])


def test_help_names_every_option(capsys):
    assert main(["build", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--out", "--period", "--towns", "--cats"):
        assert option in out
