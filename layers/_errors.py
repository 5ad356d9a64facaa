"""Errors the layers package raises; each carries a catalog key so it speaks the user's language."""

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


class ReadError(TongxinError):
    """A file could not be read at all: empty, of the wrong kind, damaged, or unsupported."""


class CrsError(TongxinError):
    """Coordinates whose reference system is unknown, undeclared or unsupported."""


class StoreError(TongxinError):
    """The working dataset or its backups could not be read or written."""


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


class ValidationFailed(TongxinError):
    """A file has errors; every one of them is in ``errors`` (warnings in ``warnings``)."""

    def __init__(self, errors: list[Issue], warnings: list[Issue] | None = None) -> None:
        self.errors = errors
        self.warnings = warnings or []
        super().__init__("validate.failed", count=len(errors))
