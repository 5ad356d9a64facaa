"""What officials take away: lists as Excel (safe against formula injection), maps as files."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.clock import MINUTES, local_time
from core.i18n import t
from layers.export import write_xlsx
from storage import last_import_time
from ui import data
from ui.charts import file_name as safe_name
from ui.map_object import Map


def excel_bytes(frame: pd.DataFrame, headers: Mapping[str, str], sheet: str) -> bytes:
    """Return ``frame``'s ``headers`` columns as an .xlsx file, headers renamed.

    Text cells are written as text, so a value starting with ``=`` never runs as a formula.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows.
    headers : mapping
        ``{column: header}`` in the order wanted.
    sheet : str
        Sheet name.

    Returns
    -------
    bytes
        The workbook.
    """
    table = frame[list(headers)].rename(columns=dict(headers))
    table = table.astype(object).where(table.notna(), None)
    buffer = io.BytesIO()
    write_xlsx(table, buffer, sheet)
    return buffer.getvalue()


def excel_button(frame: pd.DataFrame, headers: Mapping[str, str], file_name: str,
                 lang: str | None = None, label_key: str = "download.excel") -> None:
    """Draw a download button for ``frame`` as Excel (disabled when there are no rows).

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows.
    headers : mapping
        ``{column: header}``.
    file_name : str
        Name of the file, ending in .xlsx.
    lang : str, optional
        Language of the button.
    label_key : str
        Catalog key of the button's label.
    """
    # No rerun on click: it would redo the page for nothing, and a rerun finishing before the
    # browser has fetched the file cancels the download. The workbook is written when clicked,
    # not on every run of the page.
    st.download_button(t(label_key, lang), lambda: excel_bytes(frame, headers, file_name[:-5]),
                       file_name=file_name, key=f"xlsx-{file_name}", disabled=frame.empty,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       on_click="ignore")


def picture_note(lang: str | None = None) -> str:
    """Return the line under a map picture: the district, the data time, the demo marking."""
    when = local_time(last_import_time(data.store()), MINUTES) or "—"
    key = "map.picture_note_demo" if data.is_demo() else "map.picture_note"
    return t(key, lang, district=data.district_name(), time=when)


def map_buttons(fmap: Map, stem: str, heading: str, lang: str | None = None) -> None:
    """Offer a page's map as a standalone HTML file and as a PNG picture for a report.

    Parameters
    ----------
    fmap : Map
        The map, shown already.
    stem : str
        The HTML file's name without extension (``tongxin-sites``).
    heading : str
        What the map shows (the page's heading): the picture's title, after the district's
        name, and its file's name.
    lang : str, optional
        Language.
    """
    title = f"{data.district_name()} · {heading}"
    left, right = st.columns(2)
    with left:
        fmap.download(f"{stem}.html")
    with right:
        # The note reads the store's imports: only when the picture is asked for, not on
        # every run of the page.
        fmap.download_png(f"{safe_name(title.replace(' · ', '_'))}.png", title,
                          lambda: picture_note(lang))
