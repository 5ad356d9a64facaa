"""The web server: ``dashboard.py`` behind Tongxin's session-cookie routes and security headers.

Run it as Streamlit runs any script (``streamlit run server.py``, which is what ``make run``,
``tongxin serve`` and the system service do): Streamlit finds ``app`` below and serves the
dashboard with :class:`auth.web.SessionRoutes` in front, which sets the signed-in session's
HttpOnly cookie and adds the security headers to every response.
"""

import streamlit as st
from starlette.middleware import Middleware

from auth.web import SessionRoutes

app = st.App("dashboard.py", middleware=[Middleware(SessionRoutes)])
