"""The data page (数据管理): layers, templates, upload and check, import, backups, audit log."""

from __future__ import annotations

import functools
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import cast

import pandas as pd
import streamlit as st

from core import settings
from core.errors import Issue, TongxinError
from core.i18n import t
from layers import LAYERS
from layers.template import write_template
from layers.validate import Report
from ledger import importer
from storage import Backup
from ui import auth, data, downloads
from ui.escape import markdown_literal
from ui.sidebar import current_lang

# What a data keeper exports; a Shapefile is several files, so it comes zipped.
UPLOAD_TYPES = ["xlsx", "csv", "geojson", "json", "zip", "gpkg", "kml", "kmz"]
# Declared coordinate systems offered ("" lets the file declare it) -> label key.
CRS_CHOICES = {"": "data.crs.auto", "wgs84": "data.crs.wgs84", "cgcs2000": "data.crs.cgcs2000",
               "gcj02": "data.crs.gcj02", "bd09": "data.crs.bd09",
               "EPSG:4544": "data.crs.epsg4544"}
AUDIT_SHOWN = 20  # the latest entries answer "who changed what lately"; the file keeps all
MB = 1024 * 1024
NAME_BYTES = 200  # an upload's file name is cut to this (file systems allow 255)
TEMPLATES_PER_ROW = 3
WRAPPED_ROWS = 200  # a check report up to this long is drawn as a static table
TIME = "%Y-%m-%d %H:%M:%S"
# Session-state keys: the shown check report, the message after a rerun, the uploader's number
# (a new number empties the uploader once its file is imported).
REPORT_KEY, DONE_KEY, UPLOAD_N = "data_report", "data_done", "data_upload_n"
REPORT_FILE = "检查报告.xlsx"
AUDIT_ACTIONS = ("create", "import", "restore")  # each has data.action.* and data.audit_*


def _label(layer: str, lang: str) -> str:
    schema = LAYERS[layer]
    return schema.label if lang == "zh" else schema.label_en


def _when(text: object) -> str:
    """Return a stored ISO time as the server's local time, to the second."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return (moment.astimezone() if moment.tzinfo else moment).strftime(TIME)


def upload_limit_bytes() -> int:
    """Return the largest upload the page accepts (the ``upload_max_mb`` setting), in bytes."""
    return int(settings.get("upload_max_mb")) * MB


def too_big(name: str, size: int) -> Issue | None:
    """Return the ``data.upload_too_big`` problem when ``size`` bytes exceed the upload limit."""
    if size <= upload_limit_bytes():
        return None
    return Issue("data.upload_too_big", params={"file": name, "size": f"{size / MB:,.1f}",
                                                 "limit": int(settings.get("upload_max_mb"))})


def safe_name(name: str) -> str:
    """Return an upload's base name, fit to save: no folders, no NUL, not ``..``, not too long.

    The file keeps its own name (the report and the audit log name it) in a private folder;
    whatever folders a crafted name claims, it cannot leave that folder.
    """
    base = re.split(r"[\\/]", str(name))[-1].replace("\x00", "").strip()
    if base in ("", ".", ".."):
        return "upload"
    suffix = Path(base).suffix if len(Path(base).suffix) <= 16 else ""
    stem = base[: len(base) - len(suffix)]
    while len((stem + suffix).encode("utf-8")) > NAME_BYTES:
        stem = stem[:-1]
    return (stem + suffix) or "upload"


@contextmanager
def _saved(name: str, content: bytes) -> Iterator[Path]:
    # In a private directory removed afterwards, also when checking fails; GDAL reads zips in
    # place (/vsizip/), so nothing else is ever written.
    with tempfile.TemporaryDirectory(prefix="tongxin-upload-") as folder:
        path = Path(folder) / safe_name(name)
        path.write_bytes(content)
        yield path


def _refused(layer: str, name: str, issue: Issue) -> Report:
    report = Report(layer, safe_name(name), "")
    report.errors.append(issue)
    return report


def check_file(layer: str, path: str | Path, crs: str | None = None) -> Report:
    """Check a saved file for ``layer`` (a :data:`layers.LAYERS` name), changing nothing.

    ``crs`` is the declared coordinate system; the file's own (or WGS84) when empty.
    """
    return importer.check(layer, path, crs=crs or None, store=data.store())


def check_upload(layer: str, name: str, content: bytes, crs: str | None = None) -> Report:
    """Save an upload as ``name`` in a temporary folder, check it (:func:`check_file`), remove it.

    An upload over the limit (:func:`upload_limit_bytes`) is refused unsaved and unread.
    """
    if issue := too_big(name, len(content)):
        return _refused(layer, name, issue)
    with _saved(name, content) as path:
        return check_file(layer, path, crs)


def import_upload(layer: str, name: str, content: bytes,
                  crs: str | None = None) -> tuple[Report, Backup | None]:
    """Check an upload again and, when valid, replace ``layer`` with it (backed up, audited).

    Returns the report and the backup of the previous data (None when nothing was imported).
    """
    if issue := too_big(name, len(content)):
        return _refused(layer, name, issue), None
    with _saved(name, content) as path:
        return importer.import_file(layer, path, crs=crs or None, store=data.store(),
                                    user=auth.actor())


def report_table(report: Report, lang: str) -> pd.DataFrame:
    """Return a check report row by row, errors first: ``level``, ``row``, ``column``, ``problem``.

    ``row`` is the row as the spreadsheet numbers it (or the feature number), or words saying
    the problem concerns the whole file.
    """
    rows = [{"level": t(f"data.level.{level}", lang),
             "row": t("data.whole_file", lang) if issue.row is None else str(issue.row),
             "column": issue.column or "", "problem": issue.message(lang)}
            for level, issues in (("error", report.errors), ("warning", report.warnings))
            for issue in issues]
    return pd.DataFrame(rows, columns=["level", "row", "column", "problem"])


def _layers(lang: str) -> None:
    st.subheader(t("data.layers_heading", lang))
    imports = {r["layer"]: r for r in data.store().imports()}
    rows = []
    for name in LAYERS:
        last = imports.get(name, {})
        source = str(last.get("source", ""))
        rows.append({t("data.col_layer", lang): _label(name, lang),
                     t("data.col_rows", lang): len(data.layer(name)),
                     t("data.col_imported_at", lang): _when(last["imported_at"]) if last else "",
                     t("data.col_file", lang): last.get("file_name", ""),
                     t("data.col_user", lang): last.get("user", ""),
                     t("data.col_source", lang): t(f"data.source.{source}", lang)
                     if source in ("build", "import") else source})
    st.dataframe(pd.DataFrame(rows), hide_index=True)


def _template_bytes(layer: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="tongxin-template-") as folder:
        return write_template(layer, Path(folder) / "template.xlsx").read_bytes()


def _templates(lang: str) -> None:
    st.subheader(t("data.templates_heading", lang))
    st.caption(t("data.templates_caption", lang))
    # Three a row: the longest layer name ("民族工作站及服务站点") fits its button.
    cells = [cell for _ in range(0, len(LAYERS), TEMPLATES_PER_ROW)
             for cell in st.columns(TEMPLATES_PER_ROW)]
    for cell, name in zip(cells, LAYERS, strict=False):
        # Built on click only: six workbooks on every run would slow the page for nothing.
        cell.download_button(t("data.template_button", lang, layer=_label(name, lang)),
                             functools.partial(_template_bytes, name), key=f"tpl-{name}",
                             width="stretch", on_click="ignore",
                             file_name=f"{LAYERS[name].label}模板.xlsx",
                             mime="application/vnd.openxmlformats-officedocument."
                                  "spreadsheetml.sheet")


def _forget() -> None:
    # A new file, layer or coordinate system makes the shown report stale.
    st.session_state.pop(REPORT_KEY, None)


def _upload(lang: str) -> None:
    st.subheader(t("data.upload_heading", lang))
    left, right = st.columns(2)
    layer = left.selectbox(t("data.upload_layer", lang), list(LAYERS), key="data_layer",
                           format_func=lambda n: _label(n, lang), on_change=_forget)
    crs = right.selectbox(t("data.upload_crs", lang), list(CRS_CHOICES), key="data_crs",
                          format_func=lambda c: t(CRS_CHOICES[c], lang), on_change=_forget,
                          help=t("data.crs_help", lang))
    uploaded = st.file_uploader(t("data.upload_file", lang), type=UPLOAD_TYPES,
                                key=f"data_upload_{st.session_state.get(UPLOAD_N, 0)}",
                                on_change=_forget)
    st.caption(t("data.upload_help", lang))
    if uploaded is not None and REPORT_KEY not in st.session_state:
        # Judged by its size before a byte of it is read or saved.
        if issue := too_big(uploaded.name, uploaded.size):
            st.error(t(issue.key, lang, **{**issue.params,
                                             "file": markdown_literal(uploaded.name)}))
            return
        content = uploaded.getvalue()
        with st.spinner(t("common.computing", lang)):
            report = check_upload(layer, uploaded.name, content, crs)
        st.session_state[REPORT_KEY] = {"layer": layer, "crs": crs, "name": uploaded.name,
                                        "content": content, "report": report}
    if REPORT_KEY in st.session_state:
        _report(lang, st.session_state[REPORT_KEY])


def _report(lang: str, entry: dict) -> None:
    report: Report = entry["report"]
    layer = _label(entry["layer"], lang)
    # Alerts and captions read markdown: a file's name (and its CRS's) is shown as written.
    counts = {"file": markdown_literal(report.file_name), "rows": report.rows, "layer": layer,
              "errors": len(report.errors), "warnings": len(report.warnings)}
    if report.ok:
        st.success(t("data.report_ok", lang, **counts))
    else:
        st.error(t("data.report_failed", lang, **counts))
    if report.kind:  # the coordinate system is known only once the rows could be placed
        st.caption(t("data.report_details", lang, kind=report.kind,
                     crs=markdown_literal(report.crs_label))
                   if report.crs_label else t("data.report_kind", lang, kind=report.kind))
    table = report_table(report, lang)
    if len(table):
        headers = {"level": t("data.col_level", lang), "row": t("data.col_row", lang),
                   "column": t("data.col_column", lang), "problem": t("data.col_problem", lang)}
        shown = table.rename(columns=headers)
        # A static table wraps each message so it is read whole; a long report scrolls instead.
        if len(shown) <= WRAPPED_ROWS:
            st.table(shown, hide_index=True)
        else:
            st.dataframe(shown, hide_index=True)
        downloads.excel_button(table, headers, REPORT_FILE, lang)
    if not report.ok:
        return
    allowed = auth.can("import")
    clicked = st.button(t("data.import_button", lang, layer=layer), type="primary",
                        key="data_import", disabled=not allowed)
    st.caption(t("data.import_allowed" if allowed else "data.import_blocked", lang))
    if clicked and allowed:
        _import(lang, entry)


def _import(lang: str, entry: dict) -> None:
    try:
        with st.spinner(t("common.computing", lang)):
            report, backup = import_upload(entry["layer"], entry["name"], entry["content"],
                                           entry["crs"])
    except TongxinError as exc:
        st.error(f"{t('data.store_error', lang)} {markdown_literal(exc.message(lang))}")
        return
    if backup is None:
        # The data changed between the check and the click: show the new report.
        entry["report"] = report
        st.error(t("data.import_refused", lang))
        return
    assert report.frame is not None  # imported (a backup was taken), so the report has its rows
    st.session_state.pop(REPORT_KEY, None)
    st.session_state[UPLOAD_N] = st.session_state.get(UPLOAD_N, 0) + 1
    _done("data.import_done", layer=entry["layer"], rows=len(report.frame), file=entry["name"],
          backup=backup.id)


def _done(key: str, **params: object) -> None:
    # Said after the rerun; every page's cached data is keyed on the store's version, which
    # the change moved, so every page shows the new data.
    st.session_state[DONE_KEY] = (key, params)
    st.rerun()


def _backup_reason(reason: str, lang: str) -> str:
    if reason in LAYERS:  # a backup taken before importing that layer
        return t("data.reason.import", lang, layer=_label(reason, lang))
    return t("data.reason.restore", lang) if reason == "restore" else reason


def _backups(lang: str) -> None:
    st.subheader(t("data.backups_heading", lang))
    backups = data.store().backups()
    if not backups:
        st.caption(t("data.no_backups", lang))
        return
    st.dataframe(pd.DataFrame([{
        t("data.col_backup", lang): b.id, t("data.col_created", lang): _when(b.created),
        t("data.col_size", lang): round(b.size / MB, 1),
        t("data.col_reason", lang): _backup_reason(b.reason, lang)} for b in backups]),
        hide_index=True)
    allowed = auth.can("restore")
    labels = {b.id: f"{_when(b.created)} · {_backup_reason(b.reason, lang)}" for b in backups}
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


def audit_frame(entries: list[dict], lang: str) -> pd.DataFrame:
    """Return audit-log entries as words: ``time``, ``action``, ``user``, ``detail``."""
    rows = []
    for e in entries:
        action, layer = str(e.get("action", "")), e.get("layer")
        # str.format ignores the parameters a message does not name.
        params = {"layer": _label(layer, lang) if layer in LAYERS else layer,
                  "rows": e.get("rows"), "file": e.get("file"), "backup": e.get("backup"),
                  "saved": e.get("saved_as"), "source": e.get("from")}
        known = action in AUDIT_ACTIONS
        rows.append({"time": _when(e.get("time", "")), "user": e.get("user", ""),
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
            params = {**params, "layer": _label(params["layer"], lang)}
        # Read as markdown: the file's name is shown as written.
        st.success(t(key, lang, **{k: markdown_literal(v) if isinstance(v, str) else v
                                   for k, v in params.items()}))
    if data.is_demo():
        st.info(t("data.demo_notice", lang))
    else:
        st.caption(t("data.working_notice", lang))
    _layers(lang)
    _templates(lang)
    _upload(lang)
    _backups(lang)
    _audit(lang)


# Streamlit runs a page as "__main__"; the tests import the helpers above without drawing.
if __name__ == "__main__":
    render()
