"""Write a report (:class:`reports.model.Document`) as a Word file officials can hand in and edit.

Briefing materials (汇报材料) go up the hierarchy as Word or WPS files, and whoever receives
them edits them: so the tables are real Word tables, the pictures sit inline in the text, the
headings are Word's heading styles, and captions are numbered with SEQ fields that renumber
when someone inserts a figure. The layout is GB/T 9704-2012's as offices apply it to
汇报材料 (A4, 3号 仿宋 body on a 22-line grid, 小标宋 title, 黑体 and 楷体 headings, "— 1 —"
page numbers outside on odd and even pages); :mod:`reports._word_styles` holds the page and the
styles, :mod:`reports._word_table` the tables. :mod:`reports.pdf` turns the file into a PDF.
"""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from typing import BinaryIO

import docx
from docx.document import Document as DocxDocument
from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Mm

from core.i18n import t
from core.lang import lang_or_default
from reports import _word_styles as st
from reports._word_table import table_xml
from reports._word_xml import (
    FANGSONG,
    HEITI,
    KAITI,
    RED,
    SIZE_S4,
    XIAOBIAOSONG,
    element,
    field,
    fragment,
    rpr,
    runs,
    xml_safe,
)
from reports.model import Document, Figure, Heading, Paragraph, Table

__all__ = ["chinese_number", "docx_bytes", "write_docx", "xml_safe"]

# A picture is kept this far inside the text block's height so that it and its one-line
# caption fit on one page together.
CAPTION_ROOM_MM = 15.0
# Core properties are limited to 255 characters each (python-docx refuses longer ones).
PROPERTY_MAX = 255
# Private-use character that marks where the number goes in a caption template.
_NUMBER = "\ue000"


def write_docx(document: Document, out: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``document`` as a .docx file.

    Parameters
    ----------
    document : reports.model.Document
        The report.
    out : str, path-like or binary file
        Where to write it: a path (created or replaced) or a file opened for writing bytes.

    Raises
    ------
    ValueError
        A table with no columns, or a row with more cells than its table has columns.
    docx.image.exceptions.UnrecognizedImageError
        A figure whose ``png`` is not a picture.
    TypeError
        A block that is not one of :data:`reports.model.Block`.
    """
    doc = _build(document)
    doc.save(os.fspath(out) if isinstance(out, str | os.PathLike) else out)


def docx_bytes(document: Document) -> bytes:
    """Return ``document`` as the bytes of a .docx file (for a download button)."""
    buffer = io.BytesIO()
    write_docx(document, buffer)
    return buffer.getvalue()


class _Writer:
    """Appends a report's parts to a python-docx document, numbering headings and captions."""

    def __init__(self, doc: DocxDocument, lang: str) -> None:
        self.doc = doc
        self.lang = lang
        self.zh = lang == "zh"
        self.heading_numbers = [0, 0]
        self.figures = 0
        self.tables = 0
        self.text_w = st.TEXT_TWIPS

    def paragraph(self, text: str, style: str, east_asia: str = FANGSONG, *,
                  bold: bool | None = None, color: str | None = None) -> None:
        """Append a paragraph of ``text`` in ``style``, its runs naming the fonts."""
        p = self.doc.add_paragraph(style=style)
        for el in fragment(runs(xml_safe(text), rpr(east_asia, bold=bold, color=color,
                                                     zh=self.zh))):
            p._p.append(el)

    def title(self, document: Document) -> None:
        """Append the title, the subtitle lines, the demo marking and a blank line."""
        self.paragraph(document.title, st.TITLE, XIAOBIAOSONG)
        for line in document.subtitle:
            self.paragraph(line, st.SUBTITLE, KAITI)
        if document.demo_mark:
            self.paragraph(document.demo_mark, st.DEMO, HEITI, bold=True, color=RED)
        self.paragraph("", st.BODY)

    def heading(self, block: Heading) -> None:
        """Append a heading numbered 一、/（一） (zh) or 1./(1) (en) by its level."""
        level = 1 if block.level <= 1 else 2
        if level == 1:
            self.heading_numbers = [self.heading_numbers[0] + 1, 0]
        else:
            self.heading_numbers[1] += 1
        n = self.heading_numbers[level - 1]
        if self.zh:
            number = f"{chinese_number(n)}、" if level == 1 else f"（{chinese_number(n)}）"
        else:
            number = f"{n}. " if level == 1 else f"({n}) "
        self.paragraph(number + xml_safe(block.text), st.HEADING[level],
                       HEITI if level == 1 else KAITI)

    def caption(self, key: str, count: int, text: str, *, keep_next: bool) -> None:
        """Append a caption "图1 …"/"表1 …", its number a SEQ field."""
        before, _, after = t(key, self.lang, n=_NUMBER, caption=xml_safe(text)).partition(
            _NUMBER)
        # The sequence is named by the caption's word (图, 表, Figure, Table), as Word's own
        # Insert Caption does, so an editor's new captions continue the same numbering.
        name = before.strip() or key.rsplit(".", 1)[-1]
        run_pr = rpr(HEITI, zh=self.zh)
        p = self.doc.add_paragraph(style=st.CAPTION)
        if keep_next:
            p.paragraph_format.keep_with_next = True
        xml = runs(before, run_pr) + field(f"SEQ {name} \\* ARABIC", str(count), run_pr)
        for el in fragment(xml + runs(after, run_pr)):
            p._p.append(el)

    def figure(self, block: Figure) -> None:
        """Append a picture, centred and kept with its numbered caption below it."""
        image = Image.from_blob(block.png)
        width = min(max(block.width_mm, 10.0), st.TEXT_W_MM)
        aspect = image.px_height / image.px_width if image.px_width else 1.0
        # A tall picture is narrowed until it and its caption fit in the text block.
        width = min(width, (st.TEXT_H_MM - CAPTION_ROOM_MM) / aspect)
        p = self.doc.add_paragraph(style=st.PICTURE)
        p.add_run().add_picture(io.BytesIO(block.png), width=Mm(width))
        self.figures += 1
        self.caption("report.figure_caption", self.figures, block.caption, keep_next=False)

    def table(self, block: Table) -> None:
        """Append a numbered caption, the table under it and its note."""
        self.tables += 1
        self.caption("report.table_caption", self.tables, block.caption, keep_next=True)
        styles = self.doc.styles
        xml = table_xml(
            [xml_safe(c) for c in block.columns], block.rows, block.numeric,
            total=self.text_w,
            text_style=styles[st.TABLE_TEXT].style_id,
            head_style=styles[st.TABLE_HEAD].style_id,
            text_pr=rpr(FANGSONG, size=SIZE_S4, zh=self.zh),
            head_pr=rpr(FANGSONG, size=SIZE_S4, bold=True, zh=self.zh),
        )
        self.doc.element.body.sectPr.addprevious(element(xml))
        # Word needs a paragraph after every table (two tables in a row would merge, and a
        # document may not end on one); the note is that paragraph, or an empty one.
        self.paragraph(block.note, st.TABLE_NOTE)


def chinese_number(n: int) -> str:
    """Return ``n`` in Chinese numerals as headings number them: 一, 十, 十一, 二十三.

    Numbers from 100 up (no report has that many sections) are written in Arabic digits.
    """
    digits = "零一二三四五六七八九"
    if n < 1 or n >= 100:
        return str(n)
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _build(document: Document) -> DocxDocument:
    """Return the python-docx document for ``document``."""
    lang = lang_or_default(document.lang)
    zh = lang == "zh"
    doc = docx.Document()
    st.setup_styles(doc, zh)
    section = doc.sections[0]
    st.setup_page(doc, section)
    st.page_numbers(section, zh)
    if document.demo_mark:
        st.demo_headers(section, xml_safe(document.demo_mark), zh)
    # The template's body holds one empty paragraph; the report starts with its title.
    body = doc.element.body
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    writer = _Writer(doc, lang)
    writer.title(document)
    for block in document.blocks:
        if isinstance(block, Heading):
            writer.heading(block)
        elif isinstance(block, Paragraph):
            writer.paragraph(block.text, st.NOTE if block.note else st.BODY)
        elif isinstance(block, Figure):
            writer.figure(block)
        elif isinstance(block, Table):
            writer.table(block)
        else:
            raise TypeError(f"not a report block: {type(block).__name__}")
    _properties(doc, document, lang)
    return doc


def _properties(doc: DocxDocument, document: Document, lang: str) -> None:
    """Set the file's core properties (title, author… shown by Explorer and File > Info)."""
    props = doc.core_properties
    now = datetime.now(UTC).replace(tzinfo=None)
    author = _prop(document.author)
    props.title = _prop(document.title)
    props.subject = _prop(document.subject)
    props.author = author
    props.last_modified_by = author
    props.keywords = _prop(document.keywords)
    props.comments = ""
    props.category = ""
    props.language = "zh-CN" if lang == "zh" else "en-US"
    props.created = now
    props.modified = now
    props.revision = 1


def _prop(text: str) -> str:
    """Return ``text`` fit for a core property: one line, XML-safe, at most 255 characters."""
    return " ".join(xml_safe(text).split())[:PROPERTY_MAX]
