"""Lists officials take away: Excel files with Chinese headers, safe against formula injection."""

from __future__ import annotations

import io
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.i18n import t
from layers.export import write_xlsx


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
