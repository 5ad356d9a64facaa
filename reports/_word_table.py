"""A report's table as a real Word table: borders, a repeating header, sensible column widths.

Officials edit these tables (add a row, fix a figure) in Word or WPS, so they are tables, not
pictures. The table is written as one piece of XML rather than cell by cell through
python-docx, whose cell access re-reads the whole grid on every call (a 2,000-row list would
take minutes); the result is the same markup python-docx reads back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from reports._word_xml import SIZE_S4, display_width, runs, xml_safe

# Cell padding left and right, twips (1.5 mm); rows at least 7 mm tall, text centred in them.
PAD = 85
ROW_MIN = 397
# One half-width character of 小四 (12 pt) is 6 pt = 120 twips.
HALF = SIZE_S4 * 10 // 2
# A column is at least this many half-width characters wide (a three-digit count: a matrix of
# twelve columns then keeps its township names on one line); its header counts for at most
# sixteen (eight Chinese characters) and its body for at most sixty: longer text wraps rather
# than taking the width of the page.
MIN_CHARS, HEADER_CHARS, MAX_CHARS = 3, 16, 60
WRAPPED_CHARS = 8
# A header's longest Latin word is kept whole, up to this many characters.
WORD_CHARS = 20
_LATIN_WORD = re.compile(r"[!-~\u00a0-\u024f]+")
BORDER = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'


def column_widths(columns: Sequence[str], rows: Sequence[Sequence[str]], total: int) -> list[int]:
    """Return each column's width in twips, adding up to ``total``.

    A column's natural width is its longest line, the header's counted up to
    :data:`HEADER_CHARS`. When the natural widths fit, the slack is shared in proportion. When
    they do not, headers wrap before body rows do: each column gets its body's width, and
    the headers that need least get the rest first. When even the body does not fit, narrow
    columns (names, numbers) keep their natural width, so they do not wrap, and the wide ones
    (remarks, addresses) share the rest equally.

    Parameters
    ----------
    columns : sequence of str
        Header cells.
    rows : sequence of sequence of str
        Body cells.
    total : int
        The table's width in twips.

    Returns
    -------
    list of int
        One width per column.
    """
    n = len(columns)
    body = [MIN_CHARS] * n
    for row in rows:
        for i, cell in enumerate(row[:n]):
            body[i] = max(body[i], min(MAX_CHARS, _longest(cell)))
    head = [min(HEADER_CHARS, _longest(c)) for c in columns]
    full = _twips([max(b, h) for b, h in zip(body, head, strict=True)])
    # Rows on one line come first, headers on one line next: when both do not fit, a header
    # counts for WRAPPED_CHARS at most and wraps (a header of two or three lines is usual).
    # It wraps between words, though: "Community" is not cut into "Commun" and "ity".
    word = [min(WORD_CHARS, _longest_word(c)) for c in columns]
    natural = _twips([max(b, min(WRAPPED_CHARS, h), w)
                      for b, h, w in zip(body, head, word, strict=True)])
    # Tighter still, a Chinese header wraps anywhere (a matrix of ten categories: "进宗教活动
    # 场所" over three lines), so the body's rows, township names among them, stay whole.
    tight = _twips([max(b, w) for b, w in zip(body, word, strict=True)])
    if sum(full) <= total:
        widths = [w * total / sum(full) for w in full]
    elif sum(natural) <= total:
        widths = _share_slack(natural, full, total)
    elif sum(tight) <= total:
        widths = _share_slack(tight, natural, total)
    else:
        widths = [0.0] * n
        flexible = set(range(n))
        remaining = float(total)
        while flexible:
            share = remaining / len(flexible)
            narrow = {i for i in flexible if natural[i] <= share}
            if not narrow:
                break
            for i in narrow:
                widths[i] = natural[i]
                remaining -= natural[i]
            flexible -= narrow
        # The wide ones share what is left equally: in proportion to their text, a long remark
        # would squeeze a short label next to it onto three lines to save itself one.
        for i in flexible:
            widths[i] = remaining / len(flexible)
    out = [int(w) for w in widths]
    out[-1] += total - sum(out)
    return out


def _share_slack(least: list[int], wanted: list[int], total: int) -> list[float]:
    """Return ``least`` widened towards ``wanted`` with the room left in ``total``.

    The room is shared evenly, each column taking no more than it wants (the headers that need
    least are satisfied first and leave the rest to the others), so a row of similar headers
    wraps alike rather than some on one line and their neighbours one character a line.
    """
    widths = [float(w) for w in least]
    slack = float(total - sum(least))
    order = sorted(range(len(least)), key=lambda i: wanted[i] - least[i])
    for k, i in enumerate(order):
        more = min(slack / (len(order) - k), wanted[i] - least[i])
        widths[i] += more
        slack -= more
    return widths


def _longest_word(text: str) -> int:
    """Return the width of ``text``'s longest Latin word (Chinese text breaks anywhere).

    A fifth more than its letters: bold letters, and m or W, are wider than half a Chinese
    character.
    """
    longest = max((len(w) for w in _LATIN_WORD.findall(xml_safe(text))), default=0)
    return -(-longest * 6 // 5)


def _twips(chars: Sequence[int]) -> list[int]:
    """Return the widths in twips of cells holding ``chars`` half-width characters a line."""
    return [c * HALF + 2 * PAD + 40 for c in chars]


def _longest(text: str) -> int:
    """Return the display width of ``text``'s longest line."""
    return max((display_width(line) for line in xml_safe(text).split("\n")), default=0)


def table_xml(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[bool],
    *,
    total: int,
    text_style: str,
    head_style: str,
    text_pr: str,
    head_pr: str,
) -> str:
    """Return a ``w:tbl`` element as XML text.

    Parameters
    ----------
    columns : sequence of str
        Header cells: bold, centred, repeated at the top of every page (``w:tblHeader``).
    rows : sequence of sequence of str
        Body cells; a row shorter than ``columns`` is padded with empty cells.
    numeric : sequence of bool
        Per column, whether it is right-aligned; missing entries count as False.
    total : int
        Width in twips (the text width: the table spans the page between the margins).
    text_style, head_style : str
        Paragraph style ids of body and header cells.
    text_pr, head_pr : str
        Run properties (:func:`reports._word_xml.rpr`) of body and header cells.

    Raises
    ------
    ValueError
        When ``columns`` is empty or a row has more cells than there are columns: the
        caller built the table wrong, and dropping cells would hide figures.
    """
    n = len(columns)
    if n == 0:
        raise ValueError("a table needs at least one column")
    for i, row in enumerate(rows):
        if len(row) > n:
            raise ValueError(f"row {i} has {len(row)} cells for {n} columns")
    widths = column_widths(columns, rows, total)
    right = [bool(numeric[i]) if i < len(numeric) else False for i in range(n)]
    borders = "".join(BORDER.format(side=s)
                      for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    # Borders are set on the table itself, not left to the "Table Grid" style: a template
    # without that style (or WPS restyling it) would otherwise draw a table with no lines.
    parts = [
        "<w:tbl><w:tblPr>",
        '<w:tblStyle w:val="TableGrid"/>',
        f'<w:tblW w:w="{total}" w:type="dxa"/>',
        '<w:jc w:val="center"/>',
        '<w:tblInd w:w="0" w:type="dxa"/>',
        f"<w:tblBorders>{borders}</w:tblBorders>",
        '<w:tblLayout w:type="fixed"/>',
        f'<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="{PAD}" w:type="dxa"/>'
        f'<w:bottom w:w="0" w:type="dxa"/><w:right w:w="{PAD}" w:type="dxa"/></w:tblCellMar>',
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0"'
        ' w:lastColumn="0" w:noHBand="0" w:noVBand="1"/>',
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
        _row(columns, widths, [False] * n, head_style, head_pr, header=True),
    ]
    for row in rows:
        cells = list(row) + [""] * (n - len(row))
        parts.append(_row(cells, widths, right, text_style, text_pr, header=False))
    parts.append("</w:tbl>")
    return "".join(parts)


def _row(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool], style: str,
         run_pr: str, *, header: bool) -> str:
    """Return one ``w:tr``: never split across pages; the header row repeats on each page."""
    head = "<w:tblHeader/>" if header else ""
    out = [f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{ROW_MIN}" w:hRule="atLeast"/>'
           f"{head}</w:trPr>"]
    for cell, width, is_right in zip(cells, widths, right, strict=True):
        jc = '<w:jc w:val="right"/>' if is_right else ""
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/>'
            f'</w:tcPr><w:p><w:pPr><w:pStyle w:val="{style}"/>{jc}</w:pPr>'
            f"{runs(xml_safe(cell), run_pr)}</w:p></w:tc>"
        )
    out.append("</w:tr>")
    return "".join(out)
