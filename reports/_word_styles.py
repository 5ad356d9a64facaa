"""The page and the styles of a report in the layout of GB/T 9704-2012 (党政机关公文格式).

Everything that is the same in every report lives here: A4 with the standard's margins, the
22-line grid, the body, heading, title, caption and table styles with their Chinese fonts,
page numbers on odd and even pages, and the demo marking in the header. Real Word styles
(Heading 1, Heading 2, Caption…), restyled rather than replaced by direct formatting, so that an
official editing the file in Word or WPS sees the navigation pane, can build a table of
contents, and can change every body paragraph at once by changing one style.
"""

from __future__ import annotations

import math

from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph

from reports._word_xml import (
    FANGSONG,
    HEITI,
    KAITI,
    LINE,
    RED,
    SIZE_2,
    SIZE_3,
    SIZE_4,
    SIZE_S4,
    SONGTI,
    XIAOBIAOSONG,
    element,
    field,
    fragment,
    ppr,
    rpr,
    runs,
)

# GB/T 9704-2012 5.2.1: A4, 天头 37 mm, 订口 28 mm, 版心 156 mm x 225 mm (so 26 mm right and
# 35 mm bottom).
PAGE_W, PAGE_H = 210.0, 297.0
TOP, BOTTOM, LEFT, RIGHT = 37.0, 35.0, 28.0, 26.0
TEXT_W_MM = PAGE_W - LEFT - RIGHT
TEXT_H_MM = PAGE_H - TOP - BOTTOM
# The text width as Word computes it, from the page and margins each rounded to twips.
TEXT_TWIPS = Mm(PAGE_W).twips - Mm(LEFT).twips - Mm(RIGHT).twips
# Page numbers (7.5): "一字线上距版心下边缘 7 mm"; the footer's bottom is measured from the
# page's edge, so a 14 pt line whose dashes sit 7 mm under the text ends about 24 mm up.
FOOTER_MM = 24.0
HEADER_MM = 15.0
# 28 characters a line (5.2.2): 156 mm holds 27.6 characters of 16 pt, so body text and
# headings are condensed by 0.25 pt a character (w:spacing, in twentieths of a point): 28 x
# 15.75 pt = 441 pt fit in the 442.25 pt line, 29 do not. Typists' templates get there with a
# character grid (w:docGrid w:charSpace="-842"), which Word and WPS honour by squeezing each
# character into its cell; LibreOffice (which makes the PDF) cannot squeeze, gives every
# character two cells and doubles the spacing, so the grid is lines only.
CHARS_PER_LINE = 28
CONDENSE = math.floor((TEXT_TWIPS / CHARS_PER_LINE - SIZE_3 * 10) / 5) * 5

# Style names (python-docx's built-in names where one exists, so it reads them back as such).
BODY = "Normal"
TITLE = "Title"
SUBTITLE = "Subtitle"
HEADING = {1: "Heading 1", 2: "Heading 2"}
CAPTION = "Caption"
NOTE = "Note"
PICTURE = "Picture"
TABLE_TEXT = "Table Text"
TABLE_HEAD = "Table Heading"
TABLE_NOTE = "Table Note"
DEMO = "Demo Mark"
# Headings are indented two characters like the body: in 公文 and 汇报材料 as offices write
# them, every paragraph, a heading with its "一、" included, begins 空二字. One place to change
# it (0 puts headings flush left).
HEADING_FIRST_CHARS = 200


def _restyle(style: BaseStyle, paragraph_pr: str | None, run_pr: str) -> None:
    """Replace ``style``'s paragraph and run properties (and its theme fonts) with ours."""
    el = style.element
    for old in el.findall(qn("w:pPr")) + el.findall(qn("w:rPr")):
        el.remove(old)
    for hidden in el.findall(qn("w:semiHidden")):
        el.remove(hidden)
    if paragraph_pr is not None:
        el.append(element(paragraph_pr))
    el.append(element(run_pr))


def _style(doc: DocxDocument, name: str, base: str = BODY) -> BaseStyle:
    """Return the paragraph style ``name``, added (based on ``base``) when the template lacks it."""
    styles = doc.styles
    if name in [s.name for s in styles]:
        return styles[name]
    style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = styles[base]
    style.quick_style = True
    return style


def setup_styles(doc: DocxDocument, zh: bool) -> None:
    """Restyle the template's styles and add ours, every one with its Chinese font.

    Parameters
    ----------
    doc : docx.document.Document
        A document made from python-docx's default template.
    zh : bool
        Whether the report is in Chinese (see :func:`reports._word_xml.rpr`).
    """
    # Document defaults: the template's theme fonts (minorHAnsi/minorEastAsia) win over
    # explicit names in Word, so they are replaced outright, here and on every style below.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        doc.styles.element.remove(defaults)
    doc.styles.element.insert(0, element(
        f"<w:docDefaults><w:rPrDefault>{rpr(FANGSONG, size=SIZE_3, zh=zh)}</w:rPrDefault>"
        f"<w:pPrDefault>{ppr(line=None, widow_control=True)}</w:pPrDefault></w:docDefaults>"))
    body = ppr(jc="both", first_chars=200)
    _restyle(doc.styles[BODY], body, rpr(FANGSONG, size=SIZE_3, condense=CONDENSE, zh=zh))
    # The title may run to two or three lines; "at least" the grid pitch lets a 22 pt line
    # take the height it needs instead of clipping the top of its characters.
    _restyle(doc.styles[TITLE],
             ppr(jc="center", first_chars=0, keep_next=True, rule="atLeast", snap=False),
             rpr(XIAOBIAOSONG, size=SIZE_2, bold=False, condense=0, zh=zh))
    _restyle(doc.styles[SUBTITLE], ppr(jc="center", first_chars=0, keep_next=True),
             rpr(KAITI, size=SIZE_3, bold=False, condense=CONDENSE, zh=zh))
    # 7.3.3: first level 黑体, second level 楷体, neither bold (the fonts carry the level).
    for level, font in ((1, HEITI), (2, KAITI)):
        _restyle(doc.styles[HEADING[level]],
                 ppr(jc="both", first_chars=HEADING_FIRST_CHARS, keep_next=True,
                     keep_lines=True, outline=level - 1),
                 rpr(font, size=SIZE_3, bold=False, condense=CONDENSE, zh=zh))
        char_style = f"Heading {level} Char"
        if char_style in [s.name for s in doc.styles]:
            _restyle(doc.styles[char_style], None, rpr(font, size=SIZE_3, bold=False, zh=zh))
    # Text smaller or larger than the body does not snap to the 16 pt character grid: 14 pt
    # characters would be spread to 16 pt cells, a 22 pt title to two cells each.
    _restyle(_style(doc, CAPTION), ppr(jc="center", first_chars=0, snap=False),
             rpr(HEITI, size=SIZE_4, bold=False, condense=0, zh=zh))
    _restyle(_style(doc, NOTE), ppr(jc="both", first_chars=0, char_twips=280, snap=False),
             rpr(FANGSONG, size=SIZE_4, condense=0, zh=zh))
    # A picture's line must be as tall as the picture: single spacing, not the exact grid
    # pitch, which would show only a 29 pt strip of it.
    _restyle(_style(doc, PICTURE), ppr(jc="center", first_chars=0, line=None, keep_next=True,
                                       snap=False), rpr(FANGSONG, condense=0, zh=zh))
    _restyle(_style(doc, TABLE_TEXT), ppr(jc="left", first_chars=0, line=None, snap=False),
             rpr(FANGSONG, size=SIZE_S4, condense=0, zh=zh))
    _restyle(_style(doc, TABLE_HEAD, TABLE_TEXT),
             ppr(jc="center", first_chars=0, line=None, snap=False),
             rpr(FANGSONG, size=SIZE_S4, bold=True, condense=0, zh=zh))
    _restyle(_style(doc, TABLE_NOTE),
             ppr(jc="both", first_chars=0, line=None, before=60, after=120, snap=False),
             rpr(FANGSONG, size=SIZE_S4, condense=0, zh=zh))
    _restyle(_style(doc, DEMO), ppr(jc="center", first_chars=0, keep_next=True),
             rpr(HEITI, size=SIZE_3, bold=True, color=RED, condense=0, zh=zh))
    tabs = (("center", TEXT_TWIPS // 2), ("right", TEXT_TWIPS))
    for name in ("Header", "Footer"):
        _restyle(doc.styles[name], ppr(first_chars=0, line=None, snap=False, tabs=tabs),
                 rpr(SONGTI, western=SONGTI, size=SIZE_4, condense=0, zh=zh))


def setup_page(doc: DocxDocument, section: Section) -> None:
    """Make ``section`` A4 with GB/T 9704's margins and grid, odd and even pages distinct."""
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.header_distance, section.footer_distance = Mm(HEADER_MM), Mm(FOOTER_MM)
    section.gutter = Mm(0)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = element("<w:docGrid/>")
        section._sectPr.append(grid)
    # 22 lines a page: the grid pitch is the body's exact line spacing, so Word and WPS put
    # every body line on a grid line as a typist's template would.
    grid.attrib.clear()
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE))
    # 7.5: odd pages number on the right, even pages on the left: two footers.
    doc.settings.odd_and_even_pages_header_footer = True
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def page_numbers(section: Section, zh: bool) -> None:
    """Write "— 1 —" page numbers: 4号 宋体, odd pages right and even pages left, 空一字.

    GB/T 9704 7.5 asks for half-width 宋体 digits (not Times New Roman), so the number's
    Western font is 宋体 too.
    """
    number_pr = rpr(SONGTI, western=SONGTI, size=SIZE_4, zh=zh)
    # 空一字: one character (of the number's 14 pt) in from the outer margin.
    for footer, jc, left, right in ((section.footer, "right", 0, 100),
                                    (section.even_page_footer, "left", 100, 0)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        _set_ppr(p, ppr(style="Footer", jc=jc, first_chars=0, line=None, snap=False,
                        char_twips=280, left_chars=left, right_chars=right))
        for el in fragment(f'<w:r>{number_pr}<w:t xml:space="preserve">— </w:t></w:r>'
                           + field("PAGE", "1", number_pr)
                           + f'<w:r>{number_pr}<w:t xml:space="preserve"> —</w:t></w:r>'):
            p._p.append(el)


def demo_headers(section: Section, mark: str, zh: bool) -> None:
    """Put ``mark`` in red in the header of every page, odd and even.

    So that no page of made-up data, printed or copied on its own, can pass for a real one.
    """
    mark_pr = rpr(HEITI, size=SIZE_S4, bold=True, color=RED, zh=zh)
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        _set_ppr(p, ppr(style="Header", jc="center", first_chars=0, line=None, snap=False))
        for el in fragment(runs(mark, mark_pr)):
            p._p.append(el)


def _set_ppr(p: Paragraph, xml: str) -> None:
    """Replace paragraph ``p``'s properties (the template's header paragraph has some)."""
    for old in p._p.findall(qn("w:pPr")):
        p._p.remove(old)
    p._p.insert(0, element(xml))

