"""The briefing report: its numbers are the pages' numbers, and the .docx says them.

The demo district, the sidebar's default filters and a filtered view; the report's figures
are compared with what the pages compute through their caches (ui.data), and the Word file is
read back with python-docx.
"""

from __future__ import annotations

import io

import docx
import pandas as pd
import pytest

from analysis.activity import Period
from analysis.scorecard import load_rubric, scorecard, supervision_period
from analysis.units import unit_gaps
from reports.build import build
from reports.figures import Request, compute
from storage import open_store
from tests.conftest import reset_caches
from ui import data
from ui.filters import Filters
from views.overview import kpis as overview_kpis

XIZHAN, ANNING = "620103005", "620103001"
YEAR = Period.year(2025)
TODAY = pd.Timestamp("2026-11-29")

pytestmark = pytest.mark.usefixtures("fresh_caches")


def _filters(period: Period, towns: tuple[str, ...] = (), cats: tuple[str, ...] = ()) -> Filters:
    return Filters(towns, period, cats, "none", min(period.end, TODAY))


def _request(f: Filters) -> Request:
    return Request(f.period, f.townships, f.categories, today=TODAY.date())


@pytest.mark.parametrize("towns,cats", [((), ()), ((XIZHAN, ANNING), ("进社区", "进学校"))])
def test_report_figures_are_the_pages_figures(demo_env, towns, cats):
    f = _filters(YEAR, towns, cats)
    figures = compute(open_store(), _request(f))
    reset_caches()
    # The overview's ten figures, with their previous values.
    page = overview_kpis(f)
    assert [(k.key, k.value, k.previous) for k in figures.kpis] == \
        [(k.key, k.value, k.previous) for k in page]
    # The "ten enters" matrix and totals.
    act = data.activity(f.period, f.categories, f.townships)
    pd.testing.assert_frame_equal(figures.activity.counts, act.counts)
    assert figures.activity.total == act.total
    # The units page's gap list, in its order.
    status = f.township_rows(data.units(f.as_of))
    assert list(figures.unit_gaps.index) == list(unit_gaps(status).index)
    # The scorecard page's table and its supervision list.
    table = scorecard(data.score_inputs(f.period, f.as_of), load_rubric())
    shown = table[table.index.isin(towns)] if towns else table
    pd.testing.assert_frame_equal(figures.scores, shown)
    items = f.township_rows(data.supervision(supervision_period(f.as_of)))
    assert list(figures.supervision["item"]) == list(items["item"])
    assert figures.is_demo


def _tables(document) -> dict[str, list[list[str]]]:
    """Return each table's rows (header first), keyed by the caption paragraph before it."""
    body = document.element.body
    out, caption = {}, ""
    by_element = {t._tbl: t for t in document.tables}
    for child in body.iterchildren():
        if child.tag.endswith("}p"):
            text = "".join(child.itertext()).strip()
            if text:
                caption = text
        elif child.tag.endswith("}tbl"):
            table = by_element[child]
            out[caption] = [[c.text for c in row.cells] for row in table.rows]
    return out


def test_the_docx_says_the_figures(demo_env):
    built = build(open_store(), _request(_filters(YEAR)), "zh")
    document = docx.Document(io.BytesIO(built.docx))
    figures = built.figures
    assert document.core_properties.title == built.document.title
    assert "七里河区" in document.core_properties.title
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert len(headings) == 6 and "民族工作站覆盖情况" in headings[1]
    # Two map pictures, inline.
    assert len(document.inline_shapes) == 2
    tables = _tables(document)
    captions = list(tables)
    assert [c.split(" ")[0] for c in captions] == [f"表{i}" for i in range(1, 6)]
    kpis = tables[captions[0]]
    assert kpis[0] == ["指标", "本期", "上期", "变化"]
    by_label = {row[0]: row[1:] for row in kpis[1:]}
    activities = next(k for k in figures.kpis if k.key == "activities")
    assert by_label["本期“十进”活动"] == [activities.text(), f"{int(activities.previous):,}",
                                    f"{int(activities.delta):+,}"]
    assert by_label["社区(村)覆盖率"][1:] == ["—", "—"]
    # The matrix: a row per township, its total the township's activities.
    matrix = tables[captions[1]]
    assert len(matrix) == 1 + len(figures.activity.counts)
    totals = {row[0]: int(row[-1].replace(",", "")) for row in matrix[1:]}
    expected = figures.activity.counts.sum(axis=1)
    names = figures.activity.townships["name"]
    assert totals == {names[c]: int(n) for c, n in expected.items()}
    # Empty cells read as a dash, as on the page's matrix.
    assert sum(cell == "—" for row in matrix[1:] for cell in row[1:-1]) == \
        int(figures.activity.counts.eq(0).to_numpy().sum())
    # Unit gaps, scores, supervision: as many rows as the lists, up to report_rows_max (60).
    assert len(tables[captions[2]]) == 1 + len(figures.unit_gaps)
    assert len(tables[captions[3]]) == 1 + len(figures.scores)
    assert [row[1] for row in tables[captions[3]][1:]] == list(figures.scores["name"])
    assert len(tables[captions[4]]) == 1 + min(len(figures.supervision), 60)
    # The demo is marked, in the body and in the page headers.
    text = "\n".join(p.text for p in document.paragraphs)
    assert "示例数据" in text
    assert any("示例数据" in p.text for s in document.sections for p in s.header.paragraphs)


def test_long_lists_are_cut_with_a_note(demo_env, monkeypatch):
    monkeypatch.setenv("TONGXIN_REPORT_ROWS_MAX", "5")
    built = build(open_store(), _request(_filters(YEAR)), "zh")
    document = docx.Document(io.BytesIO(built.docx))
    tables = _tables(document)
    supervision = tables[list(tables)[4]]
    assert len(supervision) == 1 + 5
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"共 {len(built.figures.supervision)} 条" in text


def test_english_report_has_no_chinese_words_of_its_own(demo_env):
    built = build(open_store(), _request(_filters(YEAR)), "en")
    document = docx.Document(io.BytesIO(built.docx))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert any("coverage" in h for h in headings)
    assert document.core_properties.title.endswith("ethnic-affairs coverage briefing")
    captions = [p.text for p in document.paragraphs if p.text.startswith(("Figure ", "Table "))]
    assert len(captions) == 7
