"""What the dashboard checks before drawing anything: the configuration."""

from __future__ import annotations

import streamlit as st

from core import config
from core.errors import ConfigError


def check_configuration(lang: str | None = None) -> None:
    """Stop the page with one error box when any setting or the district file is wrong.

    Runs on every rerun, before the sidebar reads the ``lang`` setting; it is cheap (the
    district file and the CRS check are cached).

    Parameters
    ----------
    lang : str, optional
        The user's language (``?lang=``); when missing or unsupported, the ``lang`` setting,
        and Chinese when that setting is itself wrong.
    """
    try:
        config.ensure_valid()
    except ConfigError as exc:
        # An administrator's mistake, not the user's: say what to fix, never a traceback.
        st.error(exc.message(lang))
        st.stop()
