"""The report as a document model: what it says, independent of the file it is written to.

:mod:`reports.content` fills a :class:`Document` from the dataset; :mod:`reports.word` writes
it as a Word file in the layout of Chinese official documents (GB/T 9704). Captions are
numbered by the writer (图1, 表1 or Figure 1, Table 1), in the order they appear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    """A section heading: level 1 (一、 黑体) or level 2 (（一） 楷体)."""

    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    """Body text (仿宋, first line indented two characters).

    ``note`` paragraphs are smaller and not indented: the data time, sources, how a figure was
    computed.
    """

    text: str
    note: bool = False


@dataclass(frozen=True)
class Figure:
    """A picture at the text's width, numbered and captioned below it.

    Attributes
    ----------
    png : bytes
        The picture (PNG), drawn at print resolution.
    caption : str
        The caption without its number ("全区民族工作站覆盖图").
    width_mm : float
        Width on the page; the text width of A4 with GB/T 9704's margins is 156 mm.
    """

    png: bytes
    caption: str
    width_mm: float = 156.0


@dataclass(frozen=True)
class Table:
    """A Word table (editable, not a picture), numbered and captioned above it.

    Attributes
    ----------
    caption : str
        The caption without its number.
    columns : sequence of str
        Header cells; the header row repeats on every page the table runs over.
    rows : sequence of sequence of str
        Body cells, already formatted as text.
    numeric : sequence of bool
        Per column, whether it holds numbers (aligned right); empty: none do.
    note : str
        A line under the table (what was left out, where the full list is); empty for none.
    """

    caption: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: Sequence[bool] = ()
    note: str = ""


Block = Heading | Paragraph | Figure | Table


@dataclass(frozen=True)
class Document:
    """A whole report.

    Attributes
    ----------
    title : str
        The title (小标宋, centred); also the file's core property ``title``.
    lang : str
        ``"zh"`` or ``"en"``: the caption words (图/Figure, 表/Table) and the page numbers.
    subtitle : sequence of str
        Lines centred under the title (the period, the data time), 楷体.
    demo_mark : str
        When not empty, the marking that the data is made up: shown under the title in red and
        in every page's header.
    blocks : sequence of Block
        The body, in order.
    subject, author, keywords : str
        Core properties of the file.
    """

    title: str
    lang: str
    subtitle: Sequence[str] = ()
    demo_mark: str = ""
    blocks: Sequence[Block] = field(default_factory=list)
    subject: str = ""
    author: str = ""
    keywords: str = ""
