"""The errors every package raises, and the one problem-in-a-file type they report.

They live at the bottom of the package graph: settings, layers, storage, accounts and the
pages all raise :class:`TongxinError` subclasses, and each says itself in the user's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from core.i18n import t
from core.lang import lang_or_default


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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration: where, the value found, and what is allowed.

    Attributes
    ----------
    where : str
        The environment variable (``TONGXIN_LANG``) or the key in the file
        (``[lists] station_kinds``); empty for a problem of the whole file.
    key : str
        Catalog key of the text saying what is allowed (``core/messages/config.toml``).
    params : dict
        Values for that text's placeholders.
    value : str or None
        The offending value as the user wrote it; None when the key is missing or the
        problem has no single value.
    missing : bool
        Whether the key is missing altogether.
    file : str or None
        The file the problem is in; None for an environment variable.
    """

    where: str
    key: str
    params: dict[str, object] = field(default_factory=dict)
    value: str | None = None
    missing: bool = False
    file: str | None = None

    def message(self, lang: str | None = None) -> str:
        """Return the problem as one line in ``lang``: where, the value, what is allowed."""
        lang = lang_or_default(lang)
        what = t(self.key, lang, **self.params)
        if not self.where:
            return what
        if self.missing:
            return t("config.problem_missing", lang, where=self.where, what=what)
        if self.value is not None:
            return t("config.problem_value", lang, where=self.where, value=self.value, what=what)
        return t("config.problem", lang, where=self.where, what=what)


class ConfigError(TongxinError):
    """The configuration (settings or the district file) is wrong: every problem at once.

    Parameters
    ----------
    problems : sequence of Problem
        What is wrong; at least one.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("config.invalid", count=len(self.problems))

    def message(self, lang: str | None = None) -> str:
        """Return every problem, grouped by environment and file, in ``lang``.

        Parameters
        ----------
        lang : str, optional
            ``"zh"`` or ``"en"``. When omitted or unsupported, the ``lang`` setting; and
            Chinese when that setting is itself one of the problems
            (:func:`core.lang.lang_or_default`).

        Returns
        -------
        str
            A heading line, then one indented line per problem.
        """
        lang = lang_or_default(lang)
        lines = [t("config.invalid", lang, count=len(self.problems))]
        in_env = [p for p in self.problems if p.file is None]
        if in_env:
            lines.append(t("config.in_settings", lang))
            lines += ["  - " + p.message(lang) for p in in_env]
        for file in dict.fromkeys(p.file for p in self.problems if p.file is not None):
            lines.append(t("config.in_file", lang, file=file))
            lines += ["  - " + p.message(lang) for p in self.problems if p.file == file]
        return "\n".join(lines)
