"""The sidebar every page shares: language switch and the demo-data notice."""

from __future__ import annotations

import streamlit as st

from core.i18n import LANGUAGES, lang_or_default, t
from ui import data, recovery

_LANG_NAMES = {"zh": "中文", "en": "English"}


def current_lang() -> str:
    """Return the language chosen in the sidebar (carried in the URL as ``?lang=``)."""
    return lang_or_default(st.session_state.get("lang") or st.query_params.get("lang"))


def render() -> str:
    """Draw the shared sidebar and return the chosen language.

    Returns
    -------
    str
        ``"zh"`` or ``"en"``.
    """
    lang = current_lang()
    with st.sidebar:
        chosen = st.radio(t("app.language", lang), LANGUAGES, index=LANGUAGES.index(lang),
                          format_func=_LANG_NAMES.get, horizontal=True, key="lang_choice")
    if chosen != lang:
        st.session_state["lang"] = chosen
        st.query_params["lang"] = chosen
        st.rerun()
    if data.is_demo():
        st.sidebar.info(t("app.demo_banner", lang))
    recovery.notice(lang)
    return lang
