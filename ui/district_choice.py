"""Which district a session reads and writes: its account's, or the one a city account chose.

An account of one district is pinned to it on every run (the database's row-level security
then gives it that district's rows only). An account of the whole city, and the read-only
demo, choose a district in the sidebar when the dataset holds several; the city page
(views/city.py) compares them all and opens one.
"""

from __future__ import annotations

import streamlit as st

from auth.accounts import Account
from core.i18n import t
from storage import StoreError
from ui import data, filters

# The URL's query parameter naming a city session's district (``?district=620102``).
PARAM = "district"


def apply(user: Account | None, lang: str) -> None:
    """Set the session's district from ``user``; stop with a message if the data lacks it.

    Parameters
    ----------
    user : Account or None
        The signed-in account (None: the read-only demo, which sees the whole city).
    lang : str
        The user's language.
    """
    if user is not None and user.district:
        st.session_state[data.DISTRICT_KEY] = user.district
    elif st.query_params.get(PARAM):
        # A city session's district travels in the URL, as the filters do: a bookmark or a
        # link opens that district's page. A district's account ignores it.
        _follow(str(st.query_params[PARAM]))
    try:
        data.store()
    except StoreError as exc:
        # An account whose district the dataset does not hold (mistyped, or not moved in
        # yet): said to the user, who can do nothing here but tell an administrator.
        st.error(exc.message(lang))
        st.stop()


def _follow(adcode: str) -> None:
    if adcode != st.session_state.get(data.DISTRICT_KEY):
        if st.session_state.get(data.DISTRICT_KEY):
            # Another district than the session's: the townships chosen were the other's.
            st.session_state.pop(filters.TOWNS, None)
        st.session_state[data.DISTRICT_KEY] = adcode


def city_wide(user: Account | None) -> bool:
    """Return whether the session sees every district (a city account, or the demo)."""
    return user is None or user.city_wide


def several() -> bool:
    """Return whether the dataset holds more than one district."""
    return len(data.districts()) > 1


def compares(user: Account | None) -> bool:
    """Return whether the session gets the city page: the whole city's, of several districts."""
    return city_wide(user) and several()


def render(user: Account | None, lang: str) -> None:
    """Draw the sidebar's district choice, for a city-wide session of a dataset of several.

    Parameters
    ----------
    user : Account or None
        The signed-in account.
    lang : str
        The user's language.
    """
    if not compares(user):
        return
    held = data.districts()
    codes = [row["adcode"] for row in held]
    names = {row["adcode"]: f"{row['name']} {row['adcode']}".strip() for row in held}
    current = data.district_code()
    # No widget key: the choice follows the session's district, which the city page's
    # "open" buttons set too (a keyed widget's value may not be set once it is drawn).
    chosen: str | None = st.sidebar.selectbox(
        t("district.choose", lang), codes, index=codes.index(current) if current in codes else 0,
        format_func=lambda code: names[code])
    if chosen and chosen != current:
        open_district(chosen)
        st.rerun()
    if st.query_params.get(PARAM) != current:
        st.query_params[PARAM] = current  # the address names the district shown


def open_district(adcode: str) -> None:
    """Make ``adcode`` the session's district (the pages show it from the next run)."""
    st.session_state[data.DISTRICT_KEY] = adcode
    st.query_params[PARAM] = adcode
    # The townships chosen were the previous district's: the filter starts again.
    st.session_state.pop(filters.TOWNS, None)
