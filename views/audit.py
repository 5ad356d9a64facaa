"""The audit page (审计日志), the auditor's: who did what and when, filtered; Excel; the chain.

The auditor (审计员) sees this page and nothing else: reading the log changes nothing. Its
chain is checked on every visit (:meth:`storage.Store.verify_audit`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.i18n import t
from ui import data, downloads
from ui.sidebar import current_lang
from ui.words import local_time

# Fields every entry has, shown in their own columns; the chain's own are not shown.
FIXED = ("time", "user", "action", "account", "client")
HIDDEN = ("prev", "hash")
FILE_NAME = "审计日志.xlsx"
SHOWN_DAYS = 30


def audit_table(entries: list[dict]) -> pd.DataFrame:
    """Return audit entries as a table: time, user, action, account, client, details."""
    rows = []
    for entry in entries:
        details = "；".join(f"{k}={v}" for k, v in entry.items()
                           if k not in FIXED and k not in HIDDEN)
        rows.append({"time": local_time(entry.get("time", "")),
                     "day": str(entry.get("time", ""))[:10], "user": str(entry.get("user", "")),
                     "action": str(entry.get("action", "")),
                     "account": str(entry.get("account", entry.get("target", "")) or ""),
                     "client": str(entry.get("client", "") or ""), "details": details})
    return pd.DataFrame(rows, columns=["time", "day", "user", "action", "account", "client",
                                       "details"])


def _chain(lang: str) -> None:
    check = data.store().verify_audit()
    if check.ok:
        st.success(t("audit_page.intact", lang, count=check.entries))
    else:
        st.error(t("auth.audit.broken", lang, line=check.first_bad, count=check.entries,
                   why=t(f"auth.audit.why.{check.reason}", lang)))


def render() -> None:
    """Draw the audit page: the chain's state, filters, the entries and their Excel file."""
    lang = current_lang()
    st.header(t("audit_page.heading", lang))
    _chain(lang)
    table = audit_table(data.store().audit())
    today = dt.date.today()
    left, middle, right = st.columns(3)
    who = left.multiselect(t("audit_page.who", lang), sorted(set(table["user"])), key="aud_who",
                           placeholder=t("audit_page.everyone", lang))
    what = middle.multiselect(t("audit_page.what", lang), sorted(set(table["action"])),
                              key="aud_what", placeholder=t("audit_page.everything", lang))
    when = right.date_input(t("audit_page.when", lang),
                            (today - dt.timedelta(days=SHOWN_DAYS), today), key="aud_when")
    shown = table
    if who:
        shown = shown[shown["user"].isin(who)]
    if what:
        shown = shown[shown["action"].isin(what)]
    if isinstance(when, tuple) and len(when) == 2:
        shown = shown[(shown["day"] >= when[0].isoformat()) & (shown["day"] <= when[1].isoformat())]
    headers = {c: t(f"audit_page.col.{c}", lang) for c in
               ("time", "user", "action", "account", "client", "details")}
    st.caption(t("audit_page.count", lang, shown=len(shown), total=len(table)))
    st.dataframe(shown[::-1][list(headers)].rename(columns=headers), hide_index=True,
                 width="stretch")
    downloads.excel_button(shown, {c: t(f"audit_page.col.{c}", "zh") for c in headers},
                           FILE_NAME, lang)


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
