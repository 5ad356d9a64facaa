"""The first-run page (设置本区县): set up the office's own district from its six-digit code."""

from __future__ import annotations

import streamlit as st

from core.errors import TongxinError
from core.i18n import t
from ledger.setup import DistrictPlan, plan_district, set_up_district
from ui import auth
from ui.map_object import Map
from ui.sidebar import current_lang

_CODE = "setup_adcode"


def _preview(plan: DistrictPlan, lang: str) -> None:
    division = plan.division
    st.subheader(division.label)
    cells = st.columns(4)
    cells[0].metric(t("setup.area", lang), f"{plan.area_km2:,.2f}")
    cells[1].metric(t("setup.crs", lang), plan.crs)
    cells[2].metric(t("setup.townships", lang), plan.townships)
    cells[3].metric(t("setup.villages", lang), plan.villages)
    st.caption(t("setup.what_happens", lang, name=division.name))
    Map.for_district(plan.boundary, "none", lang).finish(tools=False).show(key="setup_map")


def render() -> None:
    """Draw the page: the code, what it names, and the button that sets the district up."""
    lang = current_lang()
    st.header(t("setup.heading", lang))
    st.markdown(t("setup.intro", lang))
    code = st.text_input(t("setup.code", lang), key=_CODE, max_chars=6,
                         placeholder="620103").strip()
    if not code:
        return
    try:
        plan = plan_district(code)
    except TongxinError as exc:  # not a district's code: said in words, nothing else drawn
        st.error(exc.message(lang))
        return
    _preview(plan, lang)
    if st.button(t("setup.button", lang, name=plan.division.name), type="primary"):
        try:
            done = set_up_district(plan.division.adcode, auth.actor())
        except TongxinError as exc:
            st.error(exc.message(lang))
            return
        st.success(t("setup.done", lang, district=plan.division.label, crs=plan.crs,
                     config=done.config))
        st.page_link("views/data.py", label=t("setup.next", lang), icon="📥")


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
