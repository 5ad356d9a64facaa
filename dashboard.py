"""Tongxin's entry point: page config, sign-in, the shared sidebar, and the page router."""

import streamlit as st

from core.i18n import t
from ui import auth, filters, renderers, sidebar
from ui.startup import check_configuration

st.set_page_config(page_title="同心 Tongxin", page_icon="◎", layout="wide")
renderers.configure()  # folium's and plotly's settings, before anything draws
check_configuration(st.query_params.get("lang"))
lang = sidebar.render()
user = auth.gate(lang)
# Pages live in views/ (not pages/, which would switch Streamlit to its older multipage mode).
# Each page's URL path is fixed: links, bookmarks and tests use them. The last field is the
# permission a page needs: the briefing screen's display account sees only its own page.
PAGES = [
    ("views/overview.py", "nav.overview", "", "browse"),
    ("views/workstations.py", "nav.workstations", "workstations", "browse"),
    ("views/activities.py", "nav.activities", "activities", "browse"),
    ("views/units.py", "nav.units", "units", "browse"),
    ("views/sites.py", "nav.sites", "sites", "browse"),
    ("views/scorecard.py", "nav.scorecard", "scorecard", "browse"),
    ("views/report.py", "nav.report", "report", "browse"),
    ("views/data.py", "nav.data", "data", "browse"),
    ("views/briefing.py", "nav.briefing", "briefing", "briefing"),
    ("views/audit.py", "nav.audit", "audit", "audit"),
    ("views/security.py", "nav.security", "security", "security"),
]
allowed = [p for p in PAGES if auth.can(p[3])]
page = st.navigation([st.Page(path, title=t(key, lang), url_path=url,
                              default=(path == allowed[0][0]))
                      for path, key, url, _ in allowed])
auth.sidebar(lang)
filters.render(lang)
page.run()
