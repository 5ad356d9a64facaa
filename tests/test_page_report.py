"""The report page: it makes the same report as the command line, for the sidebar's filters."""

from __future__ import annotations

import io

import docx
import pytest
from streamlit.testing.v1 import AppTest

from reports.pdf import pdf_available
from tests.conftest import opened_page

PAGE = "views/report.py"
XIZHAN = "620103005"

pytestmark = pytest.mark.usefixtures("fresh_caches")


@pytest.fixture
def app(demo_env) -> AppTest:
    return opened_page(PAGE, {"towns": XIZHAN, "period": "2025"})


def _button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_page_makes_the_report_of_the_sidebars_filters(app):
    assert "汇报材料" in app.header[0].value
    assert any("西站街道" in c.value and "2025-01-01" in c.value for c in app.caption)
    assert app.info and "生成报告" in app.info[0].value  # nothing made yet
    _button(app, "report_make").click().run()
    assert not app.exception, app.exception
    assert app.success and "2 幅图" in app.success[0].value
    files = {b.key: b for b in app.download_button}
    assert "report_docx" in files
    # The preview shows the generated sentences and the demo marking.
    assert app.warning and "示例数据" in app.warning[0].value
    assert any("西站街道" in t.value for t in app.text)
    # The two maps are shown as pictures.
    images = app.get("image")
    assert len(images) == 2
    assert "覆盖图" in images[0].captions[0] and "活动分布图" in images[1].captions[0]


def test_a_new_filter_asks_for_a_new_report(app):
    _button(app, "report_make").click().run()
    assert app.success
    app.query_params["period"] = "2024"
    app.session_state["flt_preset"] = "2024"
    app.run()
    assert not app.success and "生成报告" in app.info[0].value


def test_pdf_is_offered_where_libreoffice_is_installed(app):
    box = next(c for c in app.checkbox if c.key == "report_pdf")
    assert box.disabled is (not pdf_available())
    assert pdf_available(), "scripts/install_test_packages.sh installs libreoffice-writer-nogui"
    box.check().run()
    _button(app, "report_make").click().run()
    assert not app.exception, app.exception
    assert {b.key for b in app.download_button} >= {"report_docx", "report_pdf_file"}


def test_english_report_from_the_page(app):
    app.radio(key="report_lang").set_value("en").run()
    _button(app, "report_make").click().run()
    assert app.success
    heading = [m.value for m in app.markdown if m.value.startswith("**")]
    assert any("briefing" in h for h in heading)


def test_docx_bytes_are_a_word_file(demo_env):
    at = opened_page(PAGE)
    _button(at, "report_make").click().run()
    made = at.session_state["report_made"]
    document = docx.Document(io.BytesIO(made.built.docx))
    assert document.core_properties.title == made.built.document.title
