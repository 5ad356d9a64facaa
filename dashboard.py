"""Tongxin's entry point: page config, the shared sidebar, and the page router."""

import streamlit as st

from core.i18n import t
from ui import filters, sidebar

st.set_page_config(page_title="同心 Tongxin", page_icon="◎", layout="wide")
lang = sidebar.render()
# Pages live in views/ (not pages/, which would switch Streamlit to its older multipage mode).
# Each page's URL path is fixed: links, bookmarks and tests use them.
PAGES = [
    ("views/overview.py", "nav.overview", ""),
    ("views/workstations.py", "nav.workstations", "workstations"),
    ("views/activities.py", "nav.activities", "activities"),
    ("views/units.py", "nav.units", "units"),
    ("views/sites.py", "nav.sites", "sites"),
    ("views/scorecard.py", "nav.scorecard", "scorecard"),
    ("views/data.py", "nav.data", "data"),
    ("views/briefing.py", "nav.briefing", "briefing"),
]
page = st.navigation([st.Page(path, title=t(key, lang), url_path=url, default=not url)
                      for path, key, url in PAGES])
filters.render(lang)
page.run()
