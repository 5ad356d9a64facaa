"""The data page (数据管理): layers, templates, upload and check, import, backups, audit log.

The upload flow (check, the change it would make, import) is :mod:`ui.upload_flow`.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import cast

import pandas as pd
import streamlit as st

from core.errors import TongxinError
from core.i18n import t
from layers import LAYERS
from layers.template import write_template
from ui import auth, data, missing, record_editor, upload_flow
from ui.escape import markdown_literal
from ui.sidebar import current_lang
from ui.words import layer_label, local_time

AUDIT_SHOWN = 20  # the latest entries answer "who changed what lately"; the file keeps all
MB = 1024 * 1024
TEMPLATES_PER_ROW = 3
DONE_KEY = "data_done"  # session state: the message said after a restore's rerun
# Each has data.action.* and data.audit_*. "restore_record" is an audit entry whose action is
# "restore" and which names a layer: one record restored from its history (ledger.edit), not a
# backup made the dataset again.
AUDIT_ACTIONS = ("create", "import", "edit", "restore", "restore_record", "migrate")
AUDIT_COUNTS = ("add", "update", "remove")  # records a change set added, updated, removed
# A backup taken before a form's edit (or a record's restore) is named edit-<layer> by the
# store (storage/gpkg.py); one taken before an import, by the layer's name alone.
EDIT_REASON = "edit-"




def _layers(lang: str) -> None:
    st.subheader(t("data.layers_heading", lang))
    imports = {r["layer"]: r for r in data.store().imports()}
    rows = []
    for name in LAYERS:
        last = imports.get(name, {})
        source = str(last.get("source", ""))
        when = local_time(last["imported_at"]) if last else ""
        rows.append({t("data.col_layer", lang): layer_label(name, lang),
                     t("data.col_rows", lang): len(data.layer(name)),
                     t("data.col_imported_at", lang): when,
                     t("data.col_file", lang): last.get("file_name", ""),
                     t("data.col_user", lang): last.get("user", ""),
                     t("data.col_source", lang): t(f"data.source.{source}", lang)
                     if source in ("build", "import") else source})
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def _template_bytes(layer: str, adcode: str) -> bytes:
    # The session's district's: a city's data keeper gets its own townships and villages.
    with tempfile.TemporaryDirectory(prefix="tongxin-template-") as folder:
        return write_template(layer, Path(folder) / "template.xlsx", adcode).read_bytes()


def _templates(lang: str) -> None:
    st.subheader(t("data.templates_heading", lang))
    st.caption(t("data.templates_caption", lang))
    # Three a row: the longest layer name ("民族工作站及服务站点") fits its button.
    cells = [cell for _ in range(0, len(LAYERS), TEMPLATES_PER_ROW)
             for cell in st.columns(TEMPLATES_PER_ROW)]
    for cell, name in zip(cells, LAYERS, strict=False):
        # Built on click only: six workbooks on every run would slow the page for nothing.
        cell.download_button(t("data.template_button", lang, layer=layer_label(name, lang)),
                             functools.partial(_template_bytes, name, data.district_code()),
                             key=f"tpl-{name}",
                             width="stretch", on_click="ignore",
                             file_name=f"{LAYERS[name].label}模板.xlsx",
                             mime="application/vnd.openxmlformats-officedocument."
                                  "spreadsheetml.sheet")


def _done(key: str, **params: object) -> None:
    # Said after the rerun; every page's cached data is keyed on the store's version, which
    # the change moved, so every page shows the new data.
    st.session_state[DONE_KEY] = (key, params)
    st.rerun()


def _backup_reason(reason: str, lang: str) -> str:
    if reason in LAYERS:  # a backup taken before importing that layer
        return t("data.reason.import", lang, layer=layer_label(reason, lang))
    edited = reason.removeprefix(EDIT_REASON)
    if reason.startswith(EDIT_REASON) and edited in LAYERS:
        return t("data.reason.edit", lang, layer=layer_label(edited, lang))
    return t("data.reason.restore", lang) if reason == "restore" else reason


def _backups(lang: str) -> None:
    st.subheader(t("data.backups_heading", lang))
    backups = data.store().backups()
    if not backups:
        st.caption(t("data.no_backups", lang))
        return
    st.dataframe(pd.DataFrame([{
        t("data.col_backup", lang): b.id, t("data.col_created", lang): local_time(b.created),
        t("data.col_size", lang): round(b.size / MB, 1),
        t("data.col_reason", lang): _backup_reason(b.reason, lang)} for b in backups]),
        hide_index=True)
    allowed = auth.can("restore")
    labels = {b.id: f"{local_time(b.created)} · {_backup_reason(b.reason, lang)}" for b in backups}
    # Streamlit also formats a stale session value (a backup gone since): .get gives None, no
    # option's label, and the choice resets. Its stubs want a str every time.
    chosen = st.selectbox(t("data.restore_choose", lang), list(labels), key="data_backup",
                          format_func=cast("Callable[[str], str]", labels.get))
    clicked = st.button(t("data.restore_button", lang), key="data_restore",
                        disabled=not allowed)
    st.caption(t("data.restore_allowed" if allowed else "data.restore_blocked", lang))
    if clicked and allowed:
        try:
            saved = data.store().restore(chosen, user=auth.actor())
        except TongxinError as exc:
            st.error(f"{t('data.store_error', lang)} {markdown_literal(exc.message(lang))}")
            return
        _done("data.restore_done", backup=chosen, saved=saved.id)


def _audit_kind(entry: dict) -> str:
    action = str(entry.get("action", ""))
    return "restore_record" if action == "restore" and entry.get("layer") else action


def _audit_changes(entry: dict, lang: str) -> str:
    # Entries written before change sets had these counts say nothing about records.
    if not all(k in entry for k in AUDIT_COUNTS):
        return ""
    return t("data.audit_changes", lang, **{k: entry[k] for k in AUDIT_COUNTS})


def audit_frame(entries: list[dict], lang: str) -> pd.DataFrame:
    """Return audit-log entries as words: ``time``, ``action``, ``user``, ``detail``.

    Parameters
    ----------
    entries : list of dict
        Audit-log entries (:meth:`storage.Store.audit`): imports, edits, a record restored
        from its history, a backup restored, the dataset created; with the records a change
        set added, updated and removed when it says so.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    pandas.DataFrame
        One row per entry; an action the page does not know is shown as written.
    """
    rows = []
    for e in entries:
        action, layer = _audit_kind(e), e.get("layer")
        # str.format ignores the parameters a message does not name.
        params = {"layer": layer_label(layer, lang) if layer in LAYERS else layer,
                  "rows": e.get("rows"), "file": e.get("file"), "backup": e.get("backup"),
                  "saved": e.get("saved_as"), "source": e.get("from"), "target": e.get("to"),
                  "changes": _audit_changes(e, lang)}
        known = action in AUDIT_ACTIONS
        rows.append({"time": local_time(e.get("time", "")), "user": e.get("user", ""),
                     "action": t(f"data.action.{action}", lang) if known else action,
                     "detail": t(f"data.audit_{action}", lang, **params) if known else ""})
    return pd.DataFrame(rows, columns=["time", "action", "user", "detail"])


def _audit(lang: str) -> None:
    st.subheader(t("data.audit_heading", lang, count=AUDIT_SHOWN))
    table = audit_frame(data.store().audit()[::-1][:AUDIT_SHOWN], lang)
    if table.empty:
        st.caption(t("data.no_audit", lang))
        return
    headers = {"time": t("data.col_time", lang), "action": t("data.col_action", lang),
               "user": t("data.col_user", lang), "detail": t("data.col_detail", lang)}
    st.dataframe(table.rename(columns=headers), hide_index=True)


def render() -> None:
    """Draw the data page: layer status, templates, upload and check, backups, audit log."""
    lang = current_lang()
    st.header(t("data.heading", lang))
    if DONE_KEY in st.session_state:
        key, params = st.session_state.pop(DONE_KEY)
        if "layer" in params:
            params = {**params, "layer": layer_label(params["layer"], lang)}
        # Read as markdown: the file's name is shown as written.
        st.success(t(key, lang, **{k: markdown_literal(v) if isinstance(v, str) else v
                                   for k, v in params.items()}))
    if data.is_demo():
        st.info(t("data.demo_notice", lang))
    else:
        st.caption(t("data.working_notice", lang))
    # Here is where the missing township polygons are imported: say so above the layers.
    missing.township_notice(lang)
    _layers(lang)
    _templates(lang)
    upload_flow.section(lang)
    record_editor.render(lang)
    _backups(lang)
    _audit(lang)


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
