"""Placeholder for the sites page; replaced by its implementation."""

import streamlit as st

from core.i18n import t
from ui.sidebar import current_lang

st.header(t("nav.sites", current_lang()))
st.info(t("briefing.placeholder", current_lang()))
