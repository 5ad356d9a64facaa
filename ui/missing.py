"""What the pages say and show while the townships layer has no polygons yet.

A district set up from its code alone (``python -m layers init ADCODE``) has its boundary and
its records, each naming its township by code, but no township polygons until someone imports
them. The analyses then run over the district's shipped township list (:func:`ui.data.townships`);
what a page cannot draw is the townships on its map. Each such page says so once, with how to
fix it (:func:`township_notice`), and the overview puts the township-level counts taken from
the records' township codes where the township map would be (:func:`township_counts`).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analysis.township_list import records_per_township
from core.district import district_config
from core.i18n import t
from ui import data, downloads, filters
from ui.words import layer_label

# The record layers counted per township, in the table's column order. Activities are the
# period's (the sidebar's), the others the ledger as it stands.
COUNTED = ("workstations", "communities", "religious_sites", "units")
ACTIVITIES = "activities"
COUNTS_FILE = "各乡镇记录数.xlsx"
# Excel headers stay Chinese in either language: the files go into Chinese reports and ledgers.
EXCEL_LANG = "zh"
# A district's townships (about 15) in view without an inner scroll bar; a longer list scrolls.
MAX_ROWS, ROW_PX, BORDER_PX = 20, 35, 3  # st.dataframe's row height and frame border


def township_notice(lang: str, *, short: bool = False) -> bool:
    """Say, when the townships layer has no polygons, what is missing and how to fix it.

    Parameters
    ----------
    lang : str
        Language.
    short : bool
        One line without the fix, for the briefing screen nobody touches.

    Returns
    -------
    bool
        Whether the polygons are missing (and the notice was drawn).
    """
    missing = data.townships_missing()
    if missing:
        key = "page_missing.townships_short" if short else "page_missing.townships"
        st.warning(t(key, lang), icon=":material/map:")
    return missing


def counts_table(f: filters.Filters) -> pd.DataFrame:
    """Return how many records of each layer name each township, for the sidebar's filters.

    Parameters
    ----------
    f : Filters
        The sidebar's filters: the townships shown, and the period and categories of the
        activities counted.

    Returns
    -------
    pandas.DataFrame
        :func:`analysis.township_list.records_per_township` of the district's township rows
        (:func:`ui.data.townships`) with one column per layer of :data:`COUNTED` and
        ``activities``; index township code, limited to the chosen townships.
    """
    activities = data.layer(ACTIVITIES)
    # As the activities page counts: the chosen categories, else the configured ones.
    chosen = activities["category"].isin(f.categories or district_config().activity_categories)
    in_period = f.period.contains(activities["date"])
    records = {name: data.layer(name) for name in COUNTED}
    records[ACTIVITIES] = activities[(chosen & in_period).to_numpy(dtype=bool)]
    table = records_per_township(data.townships(), records)
    return f.township_rows(table.reset_index(), "township_code")


def _headers(lang: str) -> dict[str, str]:
    """Return ``{column: header}`` of the counts table in ``lang``."""
    return {"township_code": t("page_missing.col_code", lang),
            "name": t("page_missing.col_township", lang),
            **{name: layer_label(name, lang) for name in COUNTED},
            ACTIVITIES: t("page_missing.col_activities", lang)}


def township_counts(f: filters.Filters, lang: str) -> None:
    """Draw the records per township (from their township codes) with its Excel download.

    Parameters
    ----------
    f : Filters
        The sidebar's filters.
    lang : str
        Language.
    """
    st.subheader(t("page_missing.counts_heading", lang))
    table = counts_table(f)
    headers = _headers(lang)
    st.dataframe(table[list(headers)].rename(columns=headers), hide_index=True,
                 width="stretch", height=(min(len(table), MAX_ROWS) + 1) * ROW_PX + BORDER_PX)
    st.caption(t("page_missing.counts_caption", lang))
    downloads.excel_button(table, _headers(EXCEL_LANG), COUNTS_FILE, lang)
