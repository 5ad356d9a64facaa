"""The PDF through the real LibreOffice: Noto CJK for the Chinese fonts, errors that say what to do.

LibreOffice is installed by scripts/install_test_packages.sh (libreoffice-writer-nogui,
poppler-utils for pdftotext and pdffonts); these tests do not skip without it.
"""

from __future__ import annotations

import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from core.i18n import t
from reports.model import Document, Heading, Paragraph, Table
from reports.pdf import PdfError, docx_to_pdf, pdf_available
from reports.word import docx_bytes

TITLE = "七里河区民族工作站覆盖情况汇报"


def _docx(title: str = TITLE) -> bytes:
    return docx_bytes(Document(
        title=title, lang="zh", subtitle=["数据截至2025年6月30日"], demo_mark="示例数据",
        blocks=[Heading("民族工作站覆盖情况"), Heading("总体覆盖", 2),
                Paragraph("全区共建成民族工作站42个，覆盖社区（村）126个。"),
                Table("各乡镇情况", ["乡镇", "工作站（个）"], [["西园街道", "3"]],
                      numeric=[False, True])]))


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def test_converts_with_noto_cjk_for_the_chinese_fonts(tmp_path):
    assert pdf_available()
    pdf = docx_to_pdf(_docx())
    assert pdf.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    # pdftotext spaces Latin digits off Chinese text as the layout does: compare without.
    text = "".join(_run("pdftotext", str(path), "-").split())
    for words in (TITLE, "一、民族工作站覆盖情况", "（一）总体覆盖", "表1各乡镇情况", "西园街道",
                  "示例数据", "—1—"):
        assert words in text
    fonts = [line.split()[0] for line in _run("pdffonts", str(path)).splitlines()[2:]]
    # 仿宋, 楷体, 宋体, 小标宋 as Noto Serif CJK; 黑体 as Noto Sans CJK; Times New Roman as its
    # metric twin. Nothing else: no DejaVu or other fallback standing in for a missing font.
    assert any("NotoSerifCJK" in f for f in fonts) and any("NotoSansCJK" in f for f in fonts)
    assert all("NotoSerifCJK" in f or "NotoSansCJK" in f or "LiberationSerif" in f
               for f in fonts), fonts
    info = _run("pdfinfo", str(path))
    assert "595.3" in info and "841.8" in info  # A4 in points


def test_two_conversions_at_once_do_not_collide():
    with ThreadPoolExecutor(2) as pool:
        pdfs = list(pool.map(docx_to_pdf, [_docx("第一份"), _docx("第二份")]))
    assert all(p.startswith(b"%PDF") for p in pdfs)


def test_missing_libreoffice_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not pdf_available()
    with pytest.raises(PdfError) as caught:
        docx_to_pdf(b"PK")
    assert caught.value.key == "report.pdf_missing"
    message = caught.value.message("zh")
    assert message == t("report.pdf_missing", "zh")
    assert "LibreOffice" in message and "另存为 PDF" in message
    assert "Save as PDF" in caught.value.message("en")


def _fake_soffice(directory, script: str) -> None:
    fake = directory / "soffice"
    fake.write_text("#!/bin/sh\n" + script + "\n", encoding="utf-8")
    fake.chmod(0o755)


def test_a_failing_libreoffice_is_reported_with_its_output(tmp_path, monkeypatch):
    _fake_soffice(tmp_path, 'echo "Error: source file could not be loaded" >&2; exit 1')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    with pytest.raises(PdfError) as caught:
        docx_to_pdf(b"not a docx")
    assert caught.value.key == "report.pdf_failed"
    assert "could not be loaded" in caught.value.message("zh")


def test_a_libreoffice_that_writes_nothing_is_a_failure(tmp_path, monkeypatch):
    _fake_soffice(tmp_path, "exit 0")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    with pytest.raises(PdfError) as caught:
        docx_to_pdf(b"PK")
    assert caught.value.key == "report.pdf_failed"


def test_a_hanging_libreoffice_is_killed_with_its_children(tmp_path, monkeypatch):
    pid_file = tmp_path / "child.pid"
    # The launcher starts a child (as soffice starts soffice.bin) and waits on it.
    _fake_soffice(tmp_path, f"sleep 60 & echo $! > {pid_file}; wait")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    started = time.monotonic()
    with pytest.raises(PdfError) as caught:
        docx_to_pdf(b"PK", timeout=1)
    assert time.monotonic() - started < 10
    assert caught.value.key == "report.pdf_timeout"
    assert "1" in caught.value.message("zh")
    child = int(pid_file.read_text())
    for _ in range(50):
        if not os.path.exists(f"/proc/{child}") or "Z" in _state(child):
            break
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{child}") or "Z" in _state(child)


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"
