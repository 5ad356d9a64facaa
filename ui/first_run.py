"""The first-run page's place: offered while the dataset holds nothing of an office's own.

A fresh install shows the made-up demo. Until an office has records of its own (the demo, or
a district just set up whose layers are still empty), the page 设置本区县 (views/setup.py)
sets up the office's district from its six-digit code. It is offered to an administrator
(who may also restore backups), and on a fresh install without accounts, where there is
nothing yet to protect.
"""

from __future__ import annotations

import streamlit as st

from storage import holds_nothing_of_its_own
from ui import auth, data


def offered() -> bool:
    """Return whether this session gets the first-run page."""
    if auth.secured() and not auth.can("restore"):
        return False
    store = data.store()
    return _nothing_of_its_own(store.location(), store.district_code(), store.version())


@st.cache_resource(max_entries=8, show_spinner=False)
def _nothing_of_its_own(location: str, district: str, version: str) -> bool:
    # Asked on every run: answered once per version of the dataset (counting records reads
    # every layer's keys).
    return holds_nothing_of_its_own(data.store(district))
