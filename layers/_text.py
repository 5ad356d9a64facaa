"""Normalising the text of headers and cells as typed into Chinese ledgers."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
# Required-field markers and brackets that templates and ledgers add around headers.
# A cell starting with one of these runs as a formula in Excel and WPS; exports put the
# guard before it, and reading drops the guard again (see layers.export.neutralise_formulas).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
_MARKERS = str.maketrans({"*": "", "＊": "", "★": "", "※": ""})


def normalise_header(text: object) -> str:
    """Return a header reduced to the form aliases are matched in.

    Full-width characters become half-width (NFKC: ``（`` -> ``(``, ``ＩＤ`` -> ``ID``),
    every space (including U+3000 and non-breaking ones) is removed, required-field
    markers (``*``) are dropped and Latin letters are lower-cased.

    Parameters
    ----------
    text : object
        A header cell's value; ``None`` gives ``""``.

    Returns
    -------
    str
        The normalised header.
    """
    if text is None:
        return ""
    folded = _SPACE.sub("", unicodedata.normalize("NFKC", str(text)).translate(_MARKERS))
    # Lower-casing and removing spaces can leave uncomposed marks; normalise once more.
    return unicodedata.normalize("NFKC", folded.lower()).translate(_MARKERS)


def clean_cell(text: str) -> str:
    """Return a cell's text with full-width forms folded and outer spaces stripped.

    Parameters
    ----------
    text : str
        The cell as read.

    Returns
    -------
    str
        The cleaned text; inner spaces are kept (they can be part of a name).
    """
    return unicodedata.normalize("NFKC", text).strip()


def needs_formula_guard(text: str) -> bool:
    """Return whether a cell must be written with the guard to read back as it is.

    Formula-like text (``=`` ``+`` ``-`` ``@``) does, and so does text that already starts
    with guards before such text (``'=x``), which reading would otherwise shorten.

    Parameters
    ----------
    text : str
        The cell's text.

    Returns
    -------
    bool
        Whether an export puts :data:`FORMULA_GUARD` before it.
    """
    rest = text
    while rest.startswith(FORMULA_GUARD):
        rest = rest[1:]
    return rest.startswith(FORMULA_STARTS)


def unguard_formula(text: str) -> str:
    """Return a cell without the apostrophe an export put before formula-like text.

    Parameters
    ----------
    text : str
        The cell as read.

    Returns
    -------
    str
        ``'=1+1`` gives ``=1+1`` and ``''=x`` gives ``'=x``; any other text as it is.
    """
    if text.startswith(FORMULA_GUARD) and needs_formula_guard(text[1:]):
        return text[1:]
    return text
