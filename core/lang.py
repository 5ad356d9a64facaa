"""Which languages Tongxin speaks, and which one it speaks when nobody says.

At the very bottom of ``core``: the message catalog needs the default language, and the
settings need the catalog for their errors, so the default is read here from the ``lang``
setting's variable directly (``core.settings`` declares it, with its rule; a test checks that
both name the same variable).
"""

from __future__ import annotations

import os

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
ENV = "TONGXIN_LANG"


def lang_or_default(lang: str | None) -> str:
    """Return ``lang`` if it is a supported language, else the configured default.

    The configured default is the ``lang`` setting (``TONGXIN_LANG``); Chinese when it is
    unset or not a language Tongxin speaks (start-up reports that as a problem).

    Parameters
    ----------
    lang : str or None
        A language asked for (``?lang=``, ``--lang``), possibly missing or wrong.

    Returns
    -------
    str
        ``"zh"`` or ``"en"``.
    """
    if lang in LANGUAGES:
        return str(lang)
    configured = os.environ.get(ENV, "")
    return configured if configured in LANGUAGES else DEFAULT
