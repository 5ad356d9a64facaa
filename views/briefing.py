"""Placeholder for the briefing page; replaced by its implementation."""

import streamlit as st

from core.i18n import t
from ui.sidebar import current_lang

st.header(t("nav.briefing", current_lang()))
st.info(t("briefing.placeholder", current_lang()))
