"""Tongxin's entry point: page config, sign-in, the shared sidebar, and the page router."""

import streamlit as st

from core.i18n import t
from ui import auth, district_choice, filters, first_run, renderers, sidebar
from ui.startup import check_configuration, run_page

st.set_page_config(page_title="同心 Tongxin", page_icon="◎", layout="wide")
renderers.configure()  # folium's and plotly's settings, before anything draws
check_configuration(st.query_params.get("lang"))
lang = sidebar.render()
user = auth.gate(lang)
district_choice.apply(user, lang)
# Pages live in views/ (not pages/, which would switch Streamlit to its older multipage mode).
# Each page's URL path is fixed: links, bookmarks and tests use them. The last field is the
# permission a page needs: the briefing screen's display account sees only its own page.
PAGES = [
    ("views/overview.py", "nav.overview", "", "browse"),
    ("views/city.py", "nav.city", "city", "compare"),
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
    ("views/setup.py", "nav.setup", "setup", "setup"),
]
# Pages the session and the data offer, not a permission alone: the city page (a session of the
# whole city, when the dataset holds districts) and the first-run page (while the dataset holds
# nothing of an office's own).
OFFERED = {"compare": lambda: auth.can("browse") and district_choice.compares(user),
           "setup": first_run.offered}
pages = [st.Page(path, title=t(key, lang), url_path=url, default=(url == ""))
         for path, key, url, permission in PAGES
         if (OFFERED[permission]() if permission in OFFERED else auth.can(permission))]
if not any(p.url_path == "" for p in pages):
    # Streamlit serves the default page at "/" only, so an account without the overview (the
    # auditor, the security officer, the display) would get "page not found" at its own page's
    # address: "/" is a hidden page that moves on to its first page, filters and token kept.
    pages.append(st.Page(lambda: st.switch_page(pages[0], query_params=st.query_params.to_dict()),
                         title=pages[0].title, url_path="start", default=True,
                         visibility="hidden"))
page = st.navigation(pages)
auth.sidebar(lang)
district_choice.render(user, lang)
if auth.can("browse"):  # the auditor's and security officer's pages filter nothing on the map
    filters.render(lang)
run_page(page, lang)
