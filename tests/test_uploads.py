"""Uploads on the data page (ui/upload_flow.py): a size limit, kinds judged by content, nothing
left behind."""

from __future__ import annotations

import io
import tempfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import settings
from core.i18n import t
from tests.conftest import DATA, ROOT, opened_page

PAGE = "views/data.py"
READ, LAYERS_DIR = DATA / "read", DATA / "layers"
MB = 1024 * 1024


pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def temp_dir(tmp_path, monkeypatch) -> Path:
    """Point Python's temporary folder at an empty folder of this test's own."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def app(demo_env) -> AppTest:
    return opened_page(PAGE)


def _upload(at: AppTest, layer: str, name: str, content: bytes) -> AppTest:
    at.selectbox(key="data_layer").set_value(layer).run()
    at.file_uploader[0].set_value((name, content, "application/octet-stream")).run()
    assert not at.exception, at.exception
    return at


def _keys(report) -> list[str]:
    return [issue.key for issue in report.errors]


# --- the size limit -------------------------------------------------------------------------


def test_the_limit_is_a_setting_and_streamlit_enforces_the_same():
    declared = {s.name: s for s in settings.SETTINGS}["upload_max_mb"]
    assert declared.default == 50 and declared.help
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == declared.default


def test_an_upload_over_the_limit_is_refused_unsaved(demo_env, temp_dir, monkeypatch):
    from ui import upload_flow as page

    monkeypatch.setenv("TONGXIN_UPLOAD_MAX_MB", "1")
    saved: list[str] = []
    monkeypatch.setattr(page, "_saved", lambda *a: saved.append("saved"))
    report = page.check_upload("units", "big.csv", b"x" * (MB + 1))
    assert _keys(report) == ["data.upload_too_big"] and not report.ok
    assert "1.0 MB" in report.errors[0].message("en") and "1 MB" in report.errors[0].message("en")
    preview = page.preview_upload("units", "big.csv", b"x" * (MB + 1))
    assert _keys(preview.report) == ["data.upload_too_big"] and preview.plan is None
    outcome = page.import_upload("units", "big.csv", b"x" * (MB + 1), confirmed=True)
    assert _keys(outcome.report) == ["data.upload_too_big"] and not outcome.written
    assert saved == [] and list(temp_dir.iterdir()) == []
    # At the limit exactly it is checked as usual.
    assert page.too_big("x.csv", MB) is None and page.too_big("x.csv", MB + 1) is not None


def test_the_page_refuses_a_large_upload_before_reading_it(app, monkeypatch):
    monkeypatch.setenv("TONGXIN_UPLOAD_MAX_MB", "1")
    _upload(app, "units", "[台账](javascript:alert(1)).csv", b"a" * (MB + 10))
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "1.0 MB" in errors[0] and "1 MB" in errors[0]
    # The name reads as typed: markdown link syntax is escaped, not made a link.
    assert "\\[台账\\]\\(javascript\\:alert\\(1\\)\\)\\.csv" in errors[0]
    assert "data_report" not in app.session_state


# --- kinds by content -----------------------------------------------------------------------


def test_a_csv_that_is_really_a_zipped_shapefile_is_read_as_one(demo_env, temp_dir):
    from ui.upload_flow import check_upload, report_table

    report = check_upload("religious_sites", "宗教场所.csv", (READ / "venues_shp.zip").read_bytes())
    assert report.kind == "shapefile" and report.rows == 4
    assert "read.extension_mismatch" in [w.key for w in report.warnings]
    table = report_table(report, "zh")
    assert table["problem"].str.contains("实际是 Shapefile").any()
    assert list(temp_dir.iterdir()) == []


def test_a_csv_that_is_really_some_other_zip_is_refused(demo_env, temp_dir):
    from ui.upload_flow import check_upload

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    report = check_upload("units", "units.csv", buffer.getvalue())
    assert _keys(report) == ["read.zip_contents"]
    assert list(temp_dir.iterdir()) == []


def test_an_xlsx_that_is_really_a_web_page_says_so_through_the_page(app):
    page = "<html><body><table><tr><td>单位名称</td></tr></table></body></html>"
    _upload(app, "units", "驻区单位.xlsx", page.encode("utf-8"))
    assert any(t("data.report_failed", "zh", file="驻区单位\\.xlsx", rows=0, layer="驻区单位",
                 errors=1, warnings=0) == e.value for e in app.error)
    problems = app.table[0].value["问题"]
    assert problems.str.contains("网页（HTML）").any() and problems.str.contains("另存为").any()


def test_a_zipped_shapefile_named_csv_checks_through_the_page(app):
    _upload(app, "religious_sites", "venues.csv", (READ / "venues_shp.zip").read_bytes())
    assert app.session_state["data_report"]["outcome"].report.kind == "shapefile"
    assert app.table[0].value["问题"].str.contains("Shapefile").any()


# --- zips: bombs and climbing paths through the upload --------------------------------------


def test_a_zip_bomb_upload_is_refused_and_leaves_nothing(demo_env, temp_dir):
    from ui.upload_flow import check_upload

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open("venues.shp", "w") as fh:
        for _ in range(20):
            fh.write(bytes(MB))
    content = buffer.getvalue()
    assert len(content) < MB
    report = check_upload("religious_sites", "venues.zip", content)
    assert _keys(report) == ["read.zip_bomb"]
    assert list(temp_dir.iterdir()) == []


def test_a_kmz_with_a_climbing_member_is_refused(demo_env, temp_dir):
    from ui.upload_flow import check_upload

    buffer = io.BytesIO()
    kml = (READ / "venues_ovital.kml").read_bytes()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.kml", kml)
        archive.writestr("../../evil.kml", kml)
    report = check_upload("religious_sites", "venues.kmz", buffer.getvalue())
    assert _keys(report) == ["read.zip_path"]
    assert "../../evil.kml" in report.errors[0].message("zh")
    assert list(temp_dir.iterdir()) == []


# --- temporary files ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "source"), [
    ("units_good.csv", LAYERS_DIR / "units_good.csv"),   # passes
    ("units_bad.csv", LAYERS_DIR / "units_bad.csv"),     # fails row by row
    ("legacy.xls", READ / "legacy.xls"),                 # cannot be read at all
    ("truncated.zip", READ / "truncated.zip"),           # damaged
])
def test_checking_leaves_no_temporary_file(demo_env, temp_dir, name, source):
    from ui.upload_flow import check_upload

    check_upload("units", name, source.read_bytes())
    assert list(temp_dir.iterdir()) == []


def test_an_unexpected_failure_leaves_no_temporary_file(demo_env, temp_dir, monkeypatch):
    from ledger import importer
    from ui.upload_flow import check_upload, import_upload, preview_upload

    seen: list[Path] = []

    def broken(layer, path, context, **kwargs):
        seen.append(Path(path))
        assert Path(path).is_file() and Path(path).parent.parent == temp_dir
        raise RuntimeError("the disk went away")

    # Every path reads the saved file through the one validation the importer calls: the
    # check, the preview and the import all fail while the file is saved.
    monkeypatch.setattr(importer, "validate_file", broken)
    content = (LAYERS_DIR / "units_good.csv").read_bytes()
    with pytest.raises(RuntimeError):
        check_upload("units", "units_good.csv", content)
    with pytest.raises(RuntimeError):
        preview_upload("units", "units_good.csv", content)
    with pytest.raises(RuntimeError):
        import_upload("units", "units_good.csv", content, mode="replace", confirmed=True)
    assert len(seen) == 3 and not any(p.exists() for p in seen)
    assert list(temp_dir.iterdir()) == []


def test_importing_leaves_no_temporary_file(demo_env, temp_dir):
    from ui.upload_flow import import_upload

    outcome = import_upload("units", "units_good.csv",
                            (LAYERS_DIR / "units_good.csv").read_bytes())
    assert outcome.report.ok and outcome.written
    assert list(temp_dir.iterdir()) == []


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "saved"), [
    ("台账.xlsx", "台账.xlsx"),
    ("../../etc/passwd", "passwd"),
    ("..\\..\\Windows\\台账.csv", "台账.csv"),
    ("..", "upload"),
    (".", "upload"),
    ("", "upload"),
    ("a\x00b.csv", "ab.csv"),
])
def test_an_upload_is_saved_under_its_base_name_only(name, saved):
    from ui.upload_flow import safe_name

    assert safe_name(name) == saved


def test_a_very_long_name_is_cut_keeping_its_extension():
    from ui.upload_flow import NAME_BYTES, safe_name

    saved = safe_name("统战" * 200 + ".xlsx")
    assert saved.endswith(".xlsx") and len(saved.encode("utf-8")) <= NAME_BYTES


def test_a_crafted_name_is_checked_inside_the_private_folder(demo_env, temp_dir, monkeypatch):
    from ledger import importer
    from ui.upload_flow import check_upload, preview_upload

    real = importer.validate_file
    seen: list[Path] = []

    def spy(layer, path, context, **kwargs):
        seen.append(Path(path))
        return real(layer, path, context, **kwargs)

    monkeypatch.setattr(importer, "validate_file", spy)
    content = (LAYERS_DIR / "units_good.csv").read_bytes()
    report = check_upload("units", "../../units_good.csv", content)
    assert report.ok and report.file_name == "units_good.csv"
    assert preview_upload("units", "../../units_good.csv", content).ok
    assert len(seen) == 2
    assert all(p.parent.parent == temp_dir and p.name == "units_good.csv" for p in seen)
    assert list(temp_dir.iterdir()) == []


def test_a_hostile_file_name_reads_as_typed_in_the_report(app):
    name = "<img src=x onerror=alert(1)>[x](javascript:alert(2)).csv"
    _upload(app, "units", name, (LAYERS_DIR / "units_bad.csv").read_bytes())
    error = next(e.value for e in app.error if "检查未通过" in e.value)
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\>\\[x\\]\\(javascript\\:alert\\(2\\)\\)\\.csv" \
        in error
