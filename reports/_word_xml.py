"""WordprocessingML pieces the Word writer builds by hand: fonts, paragraph and run properties.

python-docx sets a font's Western name only (``w:ascii``/``w:hAnsi``); a Chinese document also
needs ``w:eastAsia`` on every style and run, the ``w:lang`` of its East Asian text, and
attributes python-docx has no API for (``w:firstLineChars``, ``w:snapToGrid``, table rows that
repeat or do not split). Building those elements as XML text here, in the order the schema
requires, keeps Word's strict reader happy (an element out of order makes Word refuse the file)
and keeps :mod:`reports.word` about the document rather than the markup.
"""

from __future__ import annotations

import re
import unicodedata
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.xmlchemy import BaseOxmlElement

# Font names, one each, as Word and WPS on Chinese Windows know them. The GB/T 9704 wording is
# "仿宋_GB2312" and "楷体_GB2312", but those fonts came with Windows XP and are not installed on
# Windows 7 or later, which ship "仿宋" (FangSong) and "楷体" (KaiTi) instead; a run can name only
# one East Asian font and a missing one is silently replaced by 宋体, so the names present on
# every Chinese Windows (and in WPS's font pack on Kylin/UOS) are used. Offices that installed
# the _GB2312 fonts still have 仿宋 and 楷体. "方正小标宋简体" is not a system font but is the
# title font every government office installs; where it is absent Word falls back to 宋体, which
# is the expected fallback for a title. LibreOffice on the server maps all of them to Noto CJK
# (reports/fonts.conf).
FANGSONG = "仿宋"
KAITI = "楷体"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"
# Western letters and digits in body text (GB/T 9704 practice).
WESTERN = "Times New Roman"

# Sizes in half-points (w:sz): the Chinese size names of GB/T 9704.
SIZE_2 = 44  # 二号, 22 pt: the title
SIZE_3 = 32  # 三号, 16 pt: body text and headings
SIZE_4 = 28  # 四号, 14 pt: notes, captions, page numbers
SIZE_S4 = 24  # 小四, 12 pt: table text

# Exact line pitch in twips: 22 lines in the 225 mm between the top and bottom margins
# (637.8 pt / 22 = 28.99 pt); 28.95 pt keeps all 22 inside with rounding.
LINE = 579
RED = "FF0000"

# XML 1.0 allows tab, LF, CR and the ranges below; lxml refuses anything else (NUL, most C0
# controls, lone surrogates, U+FFFE/U+FFFF) and the whole document would fail to build.
_INVALID_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Word's own line breaks as they come out of pasted text: vertical tab (Word's manual line
# break), form feed, and Unicode's line and paragraph separators.
_ROOT_TAG = re.compile(r"^<w:\w+")
_BREAKS = str.maketrans({"\x0b": "\n", "\x0c": "\n", "\u2028": "\n", "\u2029": "\n"})


def xml_safe(text: object) -> str:
    r"""Return ``text`` as a string Word accepts: line breaks kept, XML-invalid characters gone.

    Text in a report comes from imported ledgers, which may hold anything a spreadsheet
    cell can: NUL and other control characters, Word's vertical-tab line break, lone
    surrogates. lxml refuses those, which would fail the whole report over one cell.

    Parameters
    ----------
    text : object
        The text (anything else is turned into its ``str``); ``None`` gives ``""``.

    Returns
    -------
    str
        ``text`` with ``\x0b``, ``\x0c``, U+2028 and U+2029 turned into ``\n``, ``\r\n`` and
        ``\r`` into ``\n``, and every other character XML 1.0 does not allow removed.
    """
    if text is None:
        return ""
    s = str(text).translate(_BREAKS).replace("\r\n", "\n").replace("\r", "\n")
    return _INVALID_XML.sub("", s)


def display_width(text: str) -> int:
    """Return ``text``'s width in half-width cells: 2 for each CJK (wide) character, else 1."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def rpr(
    east_asia: str,
    *,
    western: str = WESTERN,
    size: int | None = None,
    bold: bool | None = None,
    color: str | None = None,
    condense: int | None = None,
    zh: bool = True,
) -> str:
    """Return a ``w:rPr`` element as XML text: the fonts, and optionally size, bold and colour.

    Parameters
    ----------
    east_asia : str
        The Chinese font (``w:eastAsia``).
    western : str
        The font of Latin letters and digits (``w:ascii``, ``w:hAnsi``, ``w:cs``).
    size : int, optional
        Size in half-points; the style's when omitted.
    bold : bool, optional
        Bold on or off; the style's when omitted.
    color : str, optional
        RGB hex, e.g. ``"FF0000"``.
    condense : int, optional
        Space added after each character, in twips (negative: condensed); the style's when
        omitted.
    zh : bool
        Whether the document is Chinese: then characters shared by both scripts (curly quotes,
        the em dash, ……) are drawn in the Chinese font (``w:hint="eastAsia"``), full width as
        Chinese text requires, instead of the narrow Western ones.
    """
    hint = ' w:hint="eastAsia"' if zh else ""
    parts = [
        f'<w:rFonts w:ascii="{western}" w:hAnsi="{western}" w:eastAsia="{east_asia}"'
        f' w:cs="{western}"{hint}/>'
    ]
    if bold is not None:
        val = "1" if bold else "0"
        parts += [f'<w:b w:val="{val}"/>', f'<w:bCs w:val="{val}"/>']
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if condense is not None:
        parts.append(f'<w:spacing w:val="{condense}"/>')
    if size is not None:
        parts += [f'<w:sz w:val="{size}"/>', f'<w:szCs w:val="{size}"/>']
    parts.append('<w:lang w:val="en-US" w:eastAsia="zh-CN"/>')
    return f"<w:rPr>{''.join(parts)}</w:rPr>"


def ppr(
    *,
    jc: str | None = None,
    first_chars: int | None = None,
    line: int | None = LINE,
    rule: str = "exact",
    before: int = 0,
    after: int = 0,
    keep_next: bool = False,
    keep_lines: bool = False,
    outline: int | None = None,
    snap: bool = True,
    right_chars: int = 0,
    left_chars: int = 0,
    char_twips: int = 320,
    tabs: tuple[tuple[str, int], ...] = (),
    style: str | None = None,
    widow_control: bool | None = None,
) -> str:
    """Return a ``w:pPr`` element as XML text, children in the schema's order.

    Parameters
    ----------
    jc : str, optional
        Alignment: ``"both"`` (justified), ``"center"``, ``"left"``, ``"right"``.
    first_chars : int, optional
        First-line indent in hundredths of a character (200: two characters); written both
        as ``w:firstLineChars`` (Word, WPS) and in twips (readers that ignore the former).
    line : int or None
        Line spacing in twips; ``None`` for single spacing (pictures, table cells), which
        grows with the content instead of clipping it.
    rule : str
        ``"exact"`` or ``"atLeast"``: how ``line`` applies.
    before, after : int
        Space before and after, in twips.
    keep_next, keep_lines : bool
        Keep with the next paragraph; keep the paragraph's lines on one page.
    outline : int, optional
        Outline level (0: level 1), for the navigation pane and a table of contents.
    snap : bool
        Whether lines snap to the document grid; off for small text, so that a 12 pt table
        row is not stretched to a 28.95 pt grid line.
    right_chars, left_chars : int
        Right and left indents in hundredths of a character.
    char_twips : int
        The width of one character of this paragraph's size, for the twips fallbacks.
    tabs : tuple of (str, int)
        Tab stops: (``"center"``, ``"right"``…, position in twips).
    style : str, optional
        The paragraph style's id (``w:pStyle``), for a paragraph (not a style definition).
    widow_control : bool, optional
        Whether a paragraph may leave one line alone at the top or bottom of a page. Set
        explicitly once, in the document defaults: Word takes it as off when unset and
        LibreOffice as on, and the PDF would break pages where Word does not.
    """
    parts = []
    if style:
        parts.append(f'<w:pStyle w:val="{style}"/>')
    if keep_next:
        parts.append("<w:keepNext/>")
    if keep_lines:
        parts.append("<w:keepLines/>")
    if widow_control is not None:
        parts.append(f'<w:widowControl w:val="{int(widow_control)}"/>')
    if tabs:
        stops = "".join(f'<w:tab w:val="{kind}" w:pos="{pos}"/>' for kind, pos in tabs)
        parts.append(f"<w:tabs>{stops}</w:tabs>")
    if not snap:
        parts.append('<w:snapToGrid w:val="0"/>')
    if line is None:
        parts.append(f'<w:spacing w:before="{before}" w:after="{after}" w:line="240"'
                     ' w:lineRule="auto"/>')
    else:
        parts.append(f'<w:spacing w:before="{before}" w:after="{after}" w:line="{line}"'
                     f' w:lineRule="{rule}"/>')
    ind = []
    if left_chars:
        ind.append(f'w:left="{left_chars * char_twips // 100}" w:leftChars="{left_chars}"')
    if right_chars:
        ind.append(f'w:right="{right_chars * char_twips // 100}" w:rightChars="{right_chars}"')
    if first_chars is not None:
        ind.append(f'w:firstLine="{first_chars * char_twips // 100}"'
                   f' w:firstLineChars="{first_chars}"')
    if ind:
        parts.append(f"<w:ind {' '.join(ind)}/>")
    if jc:
        parts.append(f'<w:jc w:val="{jc}"/>')
    if outline is not None:
        parts.append(f'<w:outlineLvl w:val="{outline}"/>')
    return f"<w:pPr>{''.join(parts)}</w:pPr>"


def runs(text: str, run_pr: str) -> str:
    """Return ``w:r`` elements as XML text for ``text``, its line breaks and tabs kept.

    ``run_pr`` is an :func:`rpr` result; ``text`` must already be :func:`xml_safe`.
    """
    out = []
    for i, line in enumerate(text.split("\n")):
        pieces = []
        if i:
            pieces.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:tab/>")
            if chunk:
                pieces.append(f'<w:t xml:space="preserve">{escape(chunk)}</w:t>')
        out.append(f"<w:r>{run_pr}{''.join(pieces)}</w:r>")
    return "".join(out)


def field(instr: str, cached: str, run_pr: str) -> str:
    """Return a complex field (``w:fldChar`` runs) as XML text: ``instr`` showing ``cached``.

    A complex field rather than ``w:fldSimple`` because its runs sit directly in the
    paragraph, so python-docx's ``Paragraph.text`` (and anything reading the text back)
    sees the cached value; Word, WPS and LibreOffice recompute it (PAGE on every page, SEQ when
    an editor inserts a figure and updates fields).
    """
    return (
        f'<w:r>{run_pr}<w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r>{run_pr}<w:instrText xml:space="preserve"> {escape(instr)} </w:instrText></w:r>'
        f'<w:r>{run_pr}<w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r>{run_pr}<w:t>{escape(cached)}</w:t></w:r>'
        f'<w:r>{run_pr}<w:fldChar w:fldCharType="end"/></w:r>'
    )


def fragment(xml: str) -> list[BaseOxmlElement]:
    """Return the elements of ``xml`` (siblings in the ``w:`` namespace) as oxml elements.

    The pieces above are written without namespace declarations, so that a table of a
    thousand cells does not carry a thousand copies of them; they are parsed inside a wrapper
    that declares ``w:`` once. For small pieces (a paragraph's runs): moving a large tree out
    of the wrapper is slow, see :func:`element`.
    """
    wrapper = parse_xml(f"<w:wrap {nsdecls('w')}>{xml}</w:wrap>")
    return list(wrapper)


def element(xml: str) -> BaseOxmlElement:
    """Return the one element of ``xml`` (in the ``w:`` namespace) as an oxml element.

    The namespace is declared on the element itself: lxml moves an element that declares its
    own namespaces into the document at once, but one whose declaration sits on a parent it
    leaves behind node by node, in time that grows with the square of its size (25 s for a
    2,000-row table, against 0.04 s).
    """
    return parse_xml(_ROOT_TAG.sub(lambda m: f"{m.group(0)} {nsdecls('w')}", xml, count=1))
