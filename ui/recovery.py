"""The warning that the working dataset was found damaged on start and recovered."""

from __future__ import annotations

import streamlit as st

from storage import recovery_note
from ui import auth, data


def notice(lang: str) -> None:
    """Warn, at the top of the page, that the working dataset was recovered on start.

    Shown on every page (once per run) while the recovered version is the one in use: the
    keeper must learn that imports after the restored backup are gone. A later import or
    restore changes the version and retires the warning. Only to those who may browse: not
    on the sign-in form, nor on the briefing screen's display account.

    Parameters
    ----------
    lang : str
        ``"zh"`` or ``"en"``.
    """
    note = recovery_note(data.store(), lang)
    if note and auth.can("browse"):
        st.warning(note, icon="⚠️")
