"""The errors every package raises, and the one problem-in-a-file type they report.

They live at the bottom of the package graph: settings, layers, storage, accounts and the
pages all raise :class:`TongxinError` subclasses, and each says itself in the user's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.i18n import t


class TongxinError(Exception):
    """Base of every error a user may see: a catalog key and its parameters.

    Parameters
    ----------
    key : str
        Message key in the catalog (``core/messages``).
    **params
        Values for the message's placeholders.
    """

    def __init__(self, key: str, /, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str | None = None) -> str:
        """Return the error's text in ``lang`` (the configured default when omitted)."""
        return t(self.key, lang, **self.params)


@dataclass(frozen=True)
class Issue:
    """One problem found in a file: where (row as the user sees it, column) and what to do.

    ``row`` is ``None`` for problems of the whole file or of a whole column.
    """

    key: str
    row: int | None = None
    column: str | None = None
    params: dict = field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        """Return the problem's text in ``lang``."""
        return t(self.key, lang, **self.params)

    def as_dict(self, lang: str | None = None) -> dict:
        """Return the ``{"row", "column", "message"}`` form the JSON report uses."""
        return {"row": self.row, "column": self.column, "message": self.message(lang)}
