"""What the dashboard checks before drawing anything: the configuration and the dataset."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import Page

from core import config
from core.errors import ConfigError
from storage import StoreError
from ui import data


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
        # The store is opened once per process (then cached), and asked for its version on
        # every run as the caches would (one indexed read): a database that cannot be reached,
        # at start or later, is said here before the sidebar or a page asks it for data.
        data.store().version()
    except (ConfigError, StoreError) as exc:
        # An administrator's mistake, not the user's: say what to fix, never a traceback.
        st.error(exc.message(lang))
        st.stop()


def run_page(page: Page, lang: str | None = None) -> None:
    """Run the chosen page; when the dataset fails under it, say so in one error box.

    A database that goes away while the dashboard runs (restarted, the network cut) fails the
    page's next read: the user reads what happened and what to do, never a traceback, and the
    next rerun tries again.

    Parameters
    ----------
    page : streamlit.navigation.page.Page
        What :func:`streamlit.navigation` returned.
    lang : str, optional
        The user's language.
    """
    try:
        page.run()
    except StoreError as exc:
        st.error(exc.message(lang))
