"""Tongxin's entry point: page config, the shared sidebar, and the page router."""

import streamlit as st

from core.i18n import t
from ui import sidebar

st.set_page_config(page_title="同心 Tongxin", page_icon="◎", layout="wide")
lang = sidebar.render()
page = st.navigation([
    st.Page("views/overview.py", title=t("nav.overview", lang), url_path="", default=True),
])
page.run()
