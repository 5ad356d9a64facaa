"""The message catalog: every user-facing text, in Chinese (default) and English."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from core.lang import LANGUAGES, lang_or_default

__all__ = ["LANGUAGES", "CatalogError", "catalog", "lang_or_default", "t"]
CATALOG_DIR = Path(__file__).resolve().parent / "messages"


class CatalogError(RuntimeError):
    """The message catalog is inconsistent (a key twice, or a language missing)."""


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """Return every message, merged from the catalog's TOML files.

    Each file under ``core/messages/`` covers one area (reading files, validation, the
    command line, the dashboard); keys are unique across files.

    Returns
    -------
    dict
        ``{key: {"zh": text, "en": text}}``.
    """
    merged: dict[str, dict[str, str]] = {}
    for file in sorted(CATALOG_DIR.glob("*.toml")):
        with open(file, "rb") as fh:
            entries = tomllib.load(fh)
        for key, texts in entries.items():
            if key in merged:
                msg = f"message key {key!r} in {file.name} is already defined in another file"
                raise CatalogError(msg)
            missing = [lang for lang in LANGUAGES if lang not in texts]
            if missing:
                msg = f"message key {key!r} in {file.name} lacks {missing}: add them"
                raise CatalogError(msg)
            merged[key] = texts
    return merged


def t(key: str, lang: str | None = None, /, **params: object) -> str:
    """Return the message ``key`` in ``lang``, with ``params`` filled in.

    Parameters
    ----------
    key : str
        A key of the catalog.
    lang : str, optional
        ``"zh"`` or ``"en"``; the ``lang`` setting when omitted.
    **params
        Values for the message's ``{placeholders}``.

    Returns
    -------
    str
        The text.
    """
    texts = catalog()[key]
    return texts[lang_or_default(lang)].format(**params)
