"""The filters every page shares: townships, period, categories, basemap; kept in the URL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import pandas as pd
import streamlit as st

from analysis.activity import Period
from core.district import district_config
from core.i18n import t
from ui import auth, data, escape
from ui.maps import basemap_options

# Session-state keys of the sidebar widgets. They live in the entry script, so they are
# the same widgets on every page and survive page switches.
TOWNS, PRESET, RANGE, CATS, BASEMAP = ("flt_towns", "flt_preset", "flt_range", "flt_cats",
                                       "flt_basemap")
LAST_12 = "12m"
CUSTOM = "custom"
# Whose townships the township filter was last opened on (see _from_account).
SCOPE_FOR = "flt_scope_for"
# URL parameter of each filter.
PARAMS = {TOWNS: "towns", PRESET: "period", CATS: "cats", BASEMAP: "basemap"}


@dataclass(frozen=True)
class Filters:
    """What the user has chosen in the sidebar.

    Attributes
    ----------
    townships : tuple of str
        Township codes; empty means the whole district.
    period : Period
        The activity period.
    categories : tuple of str
        "Ten enters" categories; empty means all.
    basemap : str
        Basemap key (``"none"`` works offline).
    as_of : pandas.Timestamp
        The day statuses are taken on (the period's end, or today if earlier).
    """

    townships: tuple[str, ...]
    period: Period
    categories: tuple[str, ...]
    basemap: str
    as_of: pd.Timestamp

    def township_rows(self, frame: pd.DataFrame, column: str = "township_code") -> pd.DataFrame:
        """Return the rows of ``frame`` in the chosen townships (all when none is chosen)."""
        if not self.townships:
            return frame
        return frame[frame[column].astype(str).isin(self.townships)]


def _today() -> pd.Timestamp:
    return pd.Timestamp(dt.date.today())


def _presets() -> list[str]:
    this_year = _today().year
    return [LAST_12, *[str(y) for y in range(this_year, 2018, -1)], CUSTOM]


def _period(preset: str, custom: tuple | None) -> Period:
    today = _today()
    if preset == CUSTOM and custom and len(custom) == 2:
        return Period.between(custom[0], custom[1])
    if preset.isdigit():
        return Period.year(int(preset))
    return Period.between(today - pd.DateOffset(years=1) + pd.Timedelta(days=1), today)


def _from_url() -> None:
    """Seed the widgets from the URL once per session, so a sent link opens the same view."""
    if st.session_state.get("flt_seeded"):
        return
    st.session_state["flt_seeded"] = True
    params = st.query_params
    if params.get("towns"):
        st.session_state[TOWNS] = [c for c in params["towns"].split(",") if c]
    if params.get("period") in _presets():
        st.session_state[PRESET] = params["period"]
    if params.get("from") and params.get("to"):
        try:
            st.session_state[RANGE] = (dt.date.fromisoformat(params["from"]),
                                       dt.date.fromisoformat(params["to"]))
            st.session_state[PRESET] = CUSTOM
        except ValueError:
            st.session_state.pop(RANGE, None)
    if params.get("cats"):
        st.session_state[CATS] = [c for c in params["cats"].split(",") if c]
    if params.get("basemap") in basemap_options():
        st.session_state[BASEMAP] = params["basemap"]


def _from_account() -> None:
    """Open a township-scoped account's pages on its own townships.

    Once per signed-in account, and only when the session has no township choice of its own:
    a sent link's ``?towns=`` wins, and whatever the user picks afterwards stays. The scope
    limits what an account may change, not what it may view, so the filter can be widened.
    """
    user = auth.current()
    who = user.username if user else ""
    if st.session_state.get(SCOPE_FOR) == who and TOWNS in st.session_state:
        return
    first = SCOPE_FOR not in st.session_state
    st.session_state[SCOPE_FOR] = who
    if first and TOWNS in st.session_state:
        return  # seeded from the URL just before, on this session's first run
    # Another account signed in (or the choice was lost while signed out): its own default.
    st.session_state[TOWNS] = sorted(auth.current_scope() or ())


def _scope_note(names: dict[str, str], lang: str) -> None:
    scope = auth.current_scope()
    if scope:
        towns = "、".join(escape.markdown_literal(names.get(c, c)) for c in sorted(scope))
        st.caption(t("filter.your_townships", lang, towns=towns))


def _to_url(filters: Filters) -> None:
    wanted = {"towns": ",".join(filters.townships), "cats": ",".join(filters.categories),
              "period": st.session_state.get(PRESET, LAST_12),
              "basemap": filters.basemap if filters.basemap != "none" else ""}
    if wanted["period"] == CUSTOM:
        wanted["from"] = filters.period.start.date().isoformat()
        wanted["to"] = filters.period.end.date().isoformat()
    for key in ("towns", "cats", "period", "basemap", "from", "to"):
        value = wanted.get(key, "")
        if value and st.query_params.get(key) != value:
            st.query_params[key] = value
        elif not value and key in st.query_params:
            del st.query_params[key]


def render(lang: str) -> Filters:
    """Draw the shared filters in the sidebar and return them (called by the entry script).

    Parameters
    ----------
    lang : str
        Language of the labels.

    Returns
    -------
    Filters
        The current choice.
    """
    _from_url()
    _from_account()
    if "flt_pending_towns" in st.session_state:
        st.session_state[TOWNS] = st.session_state.pop("flt_pending_towns")
    names = data.township_names()
    known = [c for c in st.session_state.get(TOWNS, []) if c in names]
    st.session_state[TOWNS] = known
    categories = district_config().activity_categories
    st.session_state[CATS] = [c for c in st.session_state.get(CATS, []) if c in categories]
    with st.sidebar:
        st.subheader(t("filter.heading", lang))
        # Every option and kept value is a key of names (the session value was filtered above),
        # so .get returns a str; Streamlit's stubs cannot see that.
        st.multiselect(t("filter.townships", lang), list(names), key=TOWNS,
                       format_func=cast("Callable[[str], str]", names.get),
                       placeholder=t("filter.all_townships", lang))
        _scope_note(names, lang)
        preset = st.selectbox(t("filter.period", lang), _presets(), key=PRESET,
                              format_func=lambda p: _preset_label(p, lang))
        custom = None
        if preset == CUSTOM:
            default = (_today().date() - dt.timedelta(days=364), _today().date())
            custom = st.date_input(t("filter.range", lang), value=st.session_state.get(
                RANGE, default), key=RANGE)
        st.multiselect(t("filter.categories", lang), list(categories), key=CATS,
                       placeholder=t("filter.all_categories", lang))
        st.selectbox(t("filter.basemap", lang), basemap_options(), key=BASEMAP,
                     format_func=lambda b: t(f"map.basemap.{b}", lang))
    period = _period(preset, custom)
    filters = Filters(tuple(st.session_state[TOWNS]), period, tuple(st.session_state[CATS]),
                      st.session_state.get(BASEMAP, "none"), min(period.end, _today()))
    _to_url(filters)
    st.session_state["filters"] = filters
    return filters


def _preset_label(preset: str, lang: str) -> str:
    if preset == LAST_12:
        return t("filter.last_12_months", lang)
    if preset == CUSTOM:
        return t("filter.custom", lang)
    return t("filter.year", lang, year=preset)


def current() -> Filters:
    """Return the filters the entry script drew on this run (for the pages)."""
    return st.session_state["filters"]


def select_township(code: str | None) -> None:
    """Filter every page to one township (a click on the map) and rerun.

    Only a township's code filters: a click on a point (a station, a venue) reports that
    point's own code, or nothing, and changes no filter.
    """
    # The sidebar widget already exists on this run; its value can only change before it is
    # drawn, so the choice waits in another key for the rerun.
    if code and code in data.township_names() and [code] != st.session_state.get(TOWNS):
        st.session_state["flt_pending_towns"] = [code]
        st.rerun()


def say_filtered(f: Filters, lang: str) -> None:
    """Say under a page's heading which townships it is filtered to (nothing when all).

    Parameters
    ----------
    f : Filters
        The sidebar's filters.
    lang : str
        Language.
    """
    if f.townships:
        names = data.township_names()
        st.caption(t("common.filtered_to", lang, what="、".join(
            escape.markdown_literal(names.get(c, c)) for c in f.townships)))
