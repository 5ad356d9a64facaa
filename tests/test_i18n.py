"""The message catalog: complete in both languages, and every key the code uses exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from core.i18n import LANGUAGES, catalog, t

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "layers", "storage", "analysis", "cartography", "reports", "ui", "views")
SOURCES = [p for d in PACKAGES for p in (ROOT / d).rglob("*.py")]
SOURCES.append(ROOT / "dashboard.py")
# Keys appear as the first string argument of t(), Issue(), TongxinError subclasses, or in
# (key, params) warning tuples.
KEY = re.compile(r"""(?:\bt|Issue|Error|_say)\(\s*["']([a-z_]+(?:\.[a-z_0-9]+)+)["']""")


def _used_keys() -> set[str]:
    keys = set()
    for source in SOURCES:
        keys |= set(KEY.findall(source.read_text(encoding="utf-8")))
    return keys


def test_every_message_has_both_languages_and_the_same_placeholders():
    fields = string.Formatter()
    for key, texts in catalog().items():
        placeholders = {lang: {f for _, f, _, _ in fields.parse(texts[lang]) if f}
                        for lang in LANGUAGES}
        assert placeholders["zh"] == placeholders["en"], key
        assert texts["zh"] != texts["en"], key


def test_every_key_the_code_uses_is_in_the_catalog():
    # f-string keys (cli.at_{row_label}, cli.help_{name}) are checked by their expansions.
    used = {k for k in _used_keys() if not k.endswith(".") and not k.endswith("_")}
    missing = sorted(k for k in used if k not in catalog() and not k.startswith("cli.help_")
                     and not k.startswith("cli.at_"))
    assert missing == []


@pytest.mark.parametrize("key", ["cli.at_row", "cli.at_feature", "cli.help_check",
                                 "cli.help_import", "cli.help_status", "cli.help_backups"])
def test_keys_built_at_run_time_exist(key):
    assert key in catalog()


def test_unknown_language_falls_back_to_chinese():
    assert t("cli.errors", "fr", count=1) == t("cli.errors", "zh", count=1)
