"""The briefing-room screen (大屏): reserved; the rotating wall-screen views come next."""

import streamlit as st

from core.i18n import t
from ui.sidebar import current_lang

lang = current_lang()
st.header(t("nav.briefing", lang))
st.info(t("briefing.placeholder", lang))
