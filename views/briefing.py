"""The briefing-room screen (大屏): dark, full screen, rotating through views on its own."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analysis.activity import Period
from core import settings
from core.i18n import t
from ui import briefing_style
from ui.briefing_views import VIEWS, Screen, district_name, last_updated
from ui.escape import html_plain
from ui.sidebar import current_lang

MIN_SECONDS = 1  # faster rotation than this is a test, not a briefing
SCALES = {"1080": 1.0, "4k": 2.0}


def _interval() -> int:
    raw = st.query_params.get("interval", "")
    seconds = int(raw) if raw.isdigit() else int(settings.get("briefing_seconds"))
    return max(seconds, MIN_SECONDS)


def _screen(lang: str) -> Screen:
    today = pd.Timestamp(dt.date.today())
    period = Period.between(today - pd.DateOffset(years=1) + pd.Timedelta(days=1), today)
    return Screen(lang, SCALES.get(st.query_params.get("screen", "1080"), 1.0), period, today)


def _next_index() -> int:
    # The first run starts at ?view= (for pinning a view); each rotation moves one on.
    if "briefing_index" not in st.session_state:
        start = st.query_params.get("view", "0")
        st.session_state["briefing_index"] = int(start) % len(VIEWS) if start.isdigit() else 0
    else:
        st.session_state["briefing_index"] = (st.session_state["briefing_index"] + 1) % len(VIEWS)
    return st.session_state["briefing_index"]


def _top_bar(lang: str, index: int) -> None:
    now = dt.datetime.now()
    dots = "".join(f'<span class="{"on" if i == index else ""}"></span>' for i in range(len(VIEWS)))
    following = t(VIEWS[(index + 1) % len(VIEWS)].key, lang)
    clock = t("briefing.clock", lang, date=now.strftime("%Y-%m-%d %H:%M"), updated=last_updated())
    st.html(
        f'<div class="tx-top"><div><span class="tx-title">{html_plain(district_name())}'
        f'{html_plain(t("briefing.title", lang))}</span> · <span class="tx-view">'
        f'{html_plain(t(VIEWS[index].key, lang))}</span></div>'
        f'<div>{html_plain(t("briefing.next", lang, view=following))} '
        f'<span class="tx-dots">{dots}</span></div></div>'
        f'<div class="tx-foot">{html_plain(clock)}</div>')


def render() -> None:
    """Draw the briefing screen; only the rotating part reruns, so the page never reloads."""
    lang = current_lang()
    briefing_style.apply()

    @st.fragment(run_every=_interval())
    def rotating() -> None:
        index = _next_index()
        _top_bar(lang, index)
        VIEWS[index].draw(_screen(lang))

    rotating()


render()
