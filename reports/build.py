"""Making a report end to end: figures from the store, the document, the file (docx or PDF).

Shared by the command line (:mod:`reports.cli`) and the dashboard's report page, so both
write the same document for the same choices.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reports import pdf, word
from reports.content import build_document
from reports.figures import Figures, Request, compute
from reports.model import Document, Figure, Table
from storage import Store


@dataclass(frozen=True)
class Built:
    """A report made: its document model, its figures and the Word file's bytes."""

    document: Document
    figures: Figures
    docx: bytes

    @property
    def figure_count(self) -> int:
        """Return how many pictures the report holds."""
        return sum(isinstance(b, Figure) for b in self.document.blocks)

    @property
    def table_count(self) -> int:
        """Return how many tables the report holds."""
        return sum(isinstance(b, Table) for b in self.document.blocks)


def build(store: Store, request: Request, lang: str) -> Built:
    """Return the report for ``request`` in ``lang`` as a Word file.

    Parameters
    ----------
    store : Store
        The working dataset.
    request : Request
        Period, townships and categories.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    Built
        The document, its figures and the .docx bytes.
    """
    figures = compute(store, request)
    document = build_document(figures, lang)
    return Built(document, figures, word.docx_bytes(document))


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all (a temporary file, then a rename).

    Parameters
    ----------
    path : pathlib.Path
        The file; its folder must exist.
    content : bytes
        What to write.

    Raises
    ------
    OSError
        When it cannot be written; ``path`` is then as it was.
    """
    handle, temporary = tempfile.mkstemp(prefix=".tongxin-report-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def file_bytes(built: Built, suffix: str) -> bytes:
    """Return the report as ``suffix`` (``".docx"``, or ``".pdf"`` converted by LibreOffice)."""
    return pdf.docx_to_pdf(built.docx) if suffix == ".pdf" else built.docx
