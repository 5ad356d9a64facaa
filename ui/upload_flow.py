"""The data page's upload flow: a file from the browser, checked, its change shown, imported.

The person chooses the layer, the coordinate system and how the file changes the layer
(update by id, append, replace), uploads, and reads first the check report and then, always
before anything is written, the change the file would make: counts and the first records of
each kind. The import button writes that change and nothing else; a refused file changes
nothing. The data page (:mod:`views.data`) draws it with :func:`section`.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from analysis.metric import metric_crs
from core import settings
from core.errors import Issue, TongxinError
from core.i18n import t
from layers import LAYERS, LayerSchema
from layers.validate import Report
from ledger import ON_DUPLICATE, Outcome, Plan, importer
from ledger.summary import field_label, shown
from ui import auth, data, downloads
from ui.escape import markdown_literal
from ui.words import layer_label

# What a data keeper exports; a Shapefile is several files, so it comes zipped.
UPLOAD_TYPES = ["xlsx", "xls", "et", "csv", "geojson", "json", "zip", "gpkg", "kml", "kmz"]
# Declared coordinate systems offered ("" lets the file declare it) -> label key.
CRS_CHOICES = {"": "data.crs.auto", "wgs84": "data.crs.wgs84", "cgcs2000": "data.crs.cgcs2000",
               "gcj02": "data.crs.gcj02", "bd09": "data.crs.bd09"}
# ...and the district's own projected grid (its metric CRS: EPSG:4544 for 七里河区), added by
# crs_choices().
GRID_LABEL = "data.crs.grid"


def crs_choices() -> dict[str, str]:
    """Return the coordinate systems offered, the district's own grid last (-> label key)."""
    return {**CRS_CHOICES, metric_crs().to_string(): GRID_LABEL}

# The modes of ledger.MODES, offered safest first. The default is "update": it never removes
# a record, so the one change a file cannot show by itself (records dropped because the file
# left them out) has to be chosen on purpose; re-uploading a kept ledger updates what changed
# and adds what is new, and the preview says what that is before anything is written.
# Replace, what every import did before modes existed, is one click away and asks for a
# confirmation when it would remove more than half of the layer.
MODE_ORDER = ("update", "append", "replace")
DEFAULT_MODE = "update"
MB = 1024 * 1024
NAME_BYTES = 200  # an upload's file name is cut to this (file systems allow 255)
WRAPPED_ROWS = 200  # a report up to this long is drawn as a static table
FIRST_ROWS = 10  # records of each kind the preview lists (the counts say how many in all)
VALUE_CHARS = 40  # a longer value (a polygon's outline as text) is cut, keeping rows readable
# Session-state keys: the checked upload with its planned change, the message after the
# import's rerun, the uploader's number (a new number empties it once its file is imported),
# the confirmation of a replace removing most of a layer.
REPORT_KEY, DONE_KEY, UPLOAD_N = "data_report", "data_import_done", "data_upload_n"
CONFIRM_KEY = "data_confirm"
REPORT_FILE = "检查报告.xlsx"
REFUSED_FILE = "拒绝导入的行.xlsx"
KINDS = ("added", "updated", "removed", "unchanged")



# --- the file: size, name, a private temporary copy -----------------------------------------


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


# --- checking, previewing and importing, without drawing -------------------------------------


def check_file(layer: str, path: str | Path, crs: str | None = None) -> Report:
    """Check a saved file for ``layer`` (a :data:`layers.LAYERS` name), changing nothing.

    The check alone, as ``python -m layers check`` does it; the page previews
    (:func:`preview_upload`), which checks and plans.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    path : str or pathlib.Path
        The file.
    crs : str, optional
        The declared coordinate system; the file's own (or WGS84) when empty.

    Returns
    -------
    Report
        Every error and warning.
    """
    return importer.check(layer, path, crs=crs or None, store=data.store())


def check_upload(layer: str, name: str, content: bytes, crs: str | None = None) -> Report:
    """Save an upload as ``name`` in a temporary folder, check it (:func:`check_file`), remove it.

    An upload over the limit (:func:`upload_limit_bytes`) is refused unsaved and unread.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    name : str
        The file's name as uploaded (only its base name is used).
    content : bytes
        The file.
    crs : str, optional
        The declared coordinate system.

    Returns
    -------
    Report
        Every error and warning.
    """
    if issue := too_big(name, len(content)):
        return _refused(layer, name, issue)
    with _saved(name, content) as path:
        return check_file(layer, path, crs)


def preview_upload(layer: str, name: str, content: bytes, *, crs: str | None = None,
                   mode: str = DEFAULT_MODE, on_duplicate: str = "refuse",
                   scope: frozenset[str] | None = None) -> Outcome:
    """Check an upload and plan its change to ``layer``, writing nothing.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    name : str
        The file's name as uploaded.
    content : bytes
        The file.
    crs : str, optional
        The declared coordinate system.
    mode : str
        One of :data:`ledger.MODES`.
    on_duplicate : str
        For ``append``: one of :data:`ledger.ON_DUPLICATE`.
    scope : frozenset of str, optional
        The account's township codes (:func:`ui.auth.current_scope`); None for the district.

    Returns
    -------
    Outcome
        The report and, when the file is valid, the plan (counts, records, refusals).
    """
    if issue := too_big(name, len(content)):
        return Outcome(_refused(layer, name, issue))
    with _saved(name, content) as path:
        return importer.preview(layer, path, mode=mode, on_duplicate=on_duplicate,
                                crs=crs or None, store=data.store(), scope=scope)


def import_upload(layer: str, name: str, content: bytes, *, crs: str | None = None,
                  mode: str = DEFAULT_MODE, on_duplicate: str = "refuse",
                  scope: frozenset[str] | None = None, confirmed: bool = False,
                  user: str | None = None) -> Outcome:
    """Check an upload again, plan it against the data as it is now and, when allowed, write it.

    Writes one change set (backed up, each record's history kept, audited); writes nothing
    when the file fails, a row is refused, or a replace removing more than half of the layer
    is not ``confirmed``. Permissions are the caller's to check (the page's button).

    Parameters
    ----------
    layer, name, content, crs, mode, on_duplicate, scope
        As for :func:`preview_upload`.
    confirmed : bool
        Whether the person confirmed a replace removing more than half of the layer.
    user : str, optional
        Who imports, for the audit log; the signed-in account (or ``demo``) by default.

    Returns
    -------
    Outcome
        ``backup`` is set when the change was written.
    """
    if issue := too_big(name, len(content)):
        return Outcome(_refused(layer, name, issue))
    with _saved(name, content) as path:
        return importer.apply_import(layer, path, mode=mode, on_duplicate=on_duplicate,
                                     crs=crs or None, store=data.store(),
                                     user=user or auth.actor(), scope=scope,
                                     confirmed=confirmed)


# --- tables -----------------------------------------------------------------------------------


def _issue_rows(issues: list[Issue], lang: str) -> list[dict[str, str]]:
    return [{"row": t("data.whole_file", lang) if issue.row is None else str(issue.row),
             "column": issue.column or "", "problem": issue.message(lang)} for issue in issues]


def report_table(report: Report, lang: str) -> pd.DataFrame:
    """Return a check report row by row, errors first: ``level``, ``row``, ``column``, ``problem``.

    ``row`` is the row as the spreadsheet numbers it (or the feature number), or words saying
    the problem concerns the whole file.
    """
    rows = [{"level": t(f"data.level.{level}", lang), **row}
            for level, issues in (("error", report.errors), ("warning", report.warnings))
            for row in _issue_rows(issues, lang)]
    return pd.DataFrame(rows, columns=["level", "row", "column", "problem"])


def refusals_table(issues: list[Issue], lang: str) -> pd.DataFrame:
    """Return why a planned change may not be written, by row: ``row``, ``column``, ``problem``.

    Parameters
    ----------
    issues : list of Issue
        :attr:`ledger.Plan.refused`: ids already in the layer, rows outside the account's
        townships.
    lang : str
        ``"zh"`` or ``"en"``.

    Returns
    -------
    pandas.DataFrame
        One row per refusal, in file order.
    """
    return pd.DataFrame(_issue_rows(issues, lang), columns=["row", "column", "problem"])


def _main_columns(schema: LayerSchema) -> list[str]:
    # The id and what the template marks required: enough to recognise a record.
    return [schema.id_column, *(c.name for c in schema.columns
                                if c.required and c.name != schema.id_column)]


def _value(schema: LayerSchema, name: str, value: Any, lang: str,
           towns: Mapping[str, str]) -> str:
    if name == schema.township_column() and value is not None:
        value = towns.get(str(value), value)  # a township by its name, as ledgers write it
    text = shown(value, lang)
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def records_table(schema: LayerSchema, records: list[dict[str, Any]], lang: str,
                  towns: Mapping[str, str]) -> pd.DataFrame:
    """Return records (added or removed) by their id, name and required fields, as people read them.

    Parameters
    ----------
    schema : LayerSchema
        Their layer's contract.
    records : list of dict
        Plain-value records (:attr:`ledger.Plan.added` or ``removed``).
    lang : str
        ``"zh"`` or ``"en"``.
    towns : mapping
        ``{township code: name}``: a township is shown by its name.

    Returns
    -------
    pandas.DataFrame
        One row per record; headers as the template writes them.
    """
    columns = _main_columns(schema)
    headers = [field_label(schema, name, lang) for name in columns]
    rows = [[_value(schema, name, record.get(name), lang, towns) for name in columns]
            for record in records]
    return pd.DataFrame(rows, columns=headers)


def updates_table(schema: LayerSchema, updated: list[tuple[str, dict, dict, dict]], lang: str,
                  towns: Mapping[str, str]) -> pd.DataFrame:
    """Return updated records with each changed field as ``field: before → after``.

    Parameters
    ----------
    schema : LayerSchema
        Their layer's contract.
    updated : list of tuple
        :attr:`ledger.Plan.updated`: ``(id, before, after, {field: (before, after)})``.
    lang : str
        ``"zh"`` or ``"en"``.
    towns : mapping
        ``{township code: name}``.

    Returns
    -------
    pandas.DataFrame
        The record's id, name and required fields as they will be, then the changes.
    """
    frame = records_table(schema, [after for _, _, after, _ in updated], lang, towns)
    frame[t("data.col_changes", lang)] = [
        t("data.change_join", lang).join(
            t("data.change_field", lang, field=field_label(schema, name, lang),
              before=_value(schema, name, old, lang, towns),
              after=_value(schema, name, new, lang, towns))
            for name, (old, new) in fields.items())
        for _, _, _, fields in updated]
    return frame


# --- drawing ----------------------------------------------------------------------------------


def _forget() -> None:
    # A new file, layer, coordinate system or mode makes the shown report and change stale.
    st.session_state.pop(REPORT_KEY, None)
    st.session_state.pop(CONFIRM_KEY, None)


def section(lang: str) -> None:
    """Draw the upload flow: choices, the file, its check report, its change, the import.

    Parameters
    ----------
    lang : str
        ``"zh"`` or ``"en"``.
    """
    st.subheader(t("data.upload_heading", lang))
    if DONE_KEY in st.session_state:
        _say_done(lang, st.session_state.pop(DONE_KEY))
    left, right = st.columns(2)
    layer = left.selectbox(t("data.upload_layer", lang), list(LAYERS), key="data_layer",
                           format_func=lambda n: layer_label(n, lang), on_change=_forget)
    choices = crs_choices()
    crs = right.selectbox(t("data.upload_crs", lang), list(choices), key="data_crs",
                          format_func=lambda c: t(choices[c], lang, crs=c), on_change=_forget,
                          help=t("data.crs_help", lang))
    left, right = st.columns(2)
    mode = left.radio(t("data.upload_mode", lang), MODE_ORDER, key="data_mode",
                      index=MODE_ORDER.index(DEFAULT_MODE),
                      format_func=lambda m: t(f"data.mode.{m}", lang),
                      captions=[t(f"data.mode_help.{m}", lang) for m in MODE_ORDER],
                      on_change=_forget)
    on_duplicate = "refuse"  # what the other modes ignore
    if mode == "append":
        on_duplicate = right.radio(t("data.upload_duplicate", lang), ON_DUPLICATE,
                                   key="data_on_duplicate",
                                   format_func=lambda d: t(f"data.duplicate.{d}", lang),
                                   on_change=_forget)
    uploaded = st.file_uploader(t("data.upload_file", lang), type=UPLOAD_TYPES,
                                key=f"data_upload_{st.session_state.get(UPLOAD_N, 0)}",
                                on_change=_forget)
    st.caption(t("data.upload_help", lang))
    scope = auth.current_scope()
    if scope is not None:
        towns = data.township_names()
        st.caption(t("data.scope_note", lang, towns=markdown_literal(
            "、".join(towns.get(code, code) for code in sorted(scope)) or "-")))
    if uploaded is not None and REPORT_KEY not in st.session_state:
        # Judged by its size before a byte of it is read or saved.
        if issue := too_big(uploaded.name, uploaded.size):
            st.error(t(issue.key, lang, **{**issue.params,
                                             "file": markdown_literal(uploaded.name)}))
            return
        entry = {"layer": layer, "crs": crs, "mode": mode, "on_duplicate": on_duplicate,
                 "name": uploaded.name, "content": uploaded.getvalue()}
        with st.spinner(t("common.computing", lang)):
            _plan(entry)
        st.session_state[REPORT_KEY] = entry
    if REPORT_KEY in st.session_state:
        entry = st.session_state[REPORT_KEY]
        if _report(lang, entry["outcome"].report):
            _preview(lang, entry)


def _plan(entry: dict) -> None:
    # The version read first: a write landing while this plans makes the import plan again.
    entry["version"] = data.store().version()
    entry["outcome"] = preview_upload(entry["layer"], entry["name"], entry["content"],
                                      crs=entry["crs"], mode=entry["mode"],
                                      on_duplicate=entry["on_duplicate"],
                                      scope=auth.current_scope())
    st.session_state.pop(CONFIRM_KEY, None)  # a confirmation is of the change it was shown


def _issues(lang: str, table: pd.DataFrame, file_name: str) -> None:
    headers = {"level": t("data.col_level", lang), "row": t("data.col_row", lang),
               "column": t("data.col_column", lang), "problem": t("data.col_problem", lang)}
    shown_table = table.rename(columns=headers)
    # A static table wraps each message so it is read whole; a long list scrolls instead.
    if len(shown_table) <= WRAPPED_ROWS:
        st.table(shown_table, hide_index=True)
    else:
        st.dataframe(shown_table, hide_index=True)
    downloads.excel_button(table, {c: headers[c] for c in table.columns}, file_name, lang)


def _report(lang: str, report: Report) -> bool:
    """Draw the check report; return whether the file passed."""
    layer = layer_label(report.layer, lang)
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
        _issues(lang, table, REPORT_FILE)
    return report.ok


def _preview(lang: str, entry: dict) -> None:
    outcome: Outcome = entry["outcome"]
    plan = outcome.plan
    if plan is None:  # a valid file always has a plan; nothing to show otherwise
        return
    schema = LAYERS[entry["layer"]]
    st.markdown(f"**{t('data.preview_heading', lang, mode=t(f'data.mode.{plan.mode}', lang))}**")
    if "notice" in entry:
        key, params = entry["notice"]
        st.warning(t(key, lang, **params))
    if not plan.ok:
        # Nothing is offered to import: the file changes nothing until these rows change.
        st.error(t("data.preview_refused", lang, count=len(plan.refused)))
        _issues(lang, refusals_table(plan.refused, lang), REFUSED_FILE)
        st.caption(t("data.refused_hint", lang))
        return
    counts = plan.counts()
    for cell, kind in zip(st.columns(len(KINDS)), KINDS, strict=True):
        cell.metric(t(f"data.count.{kind}", lang), f"{counts[kind]:,}")
    if plan.skipped:
        st.caption(t("data.preview_skipped", lang, count=plan.skipped))
    generated = outcome.report.generated_ids
    if plan.mode != "replace" and generated is not None and int(generated.sum()):
        st.warning(t("data.preview_generated", lang, count=int(generated.sum())))
    _changes(lang, schema, plan)
    if not plan.changed:
        st.info(t("data.preview_nothing", lang))
    _import_controls(lang, entry, plan)


def _changes(lang: str, schema: LayerSchema, plan: Plan) -> None:
    towns = data.township_names()
    first = FIRST_ROWS
    tables = (("added", len(plan.added), records_table(schema, plan.added[:first], lang, towns)),
              ("updated", len(plan.updated),
               updates_table(schema, plan.updated[:first], lang, towns)),
              ("removed", len(plan.removed),
               records_table(schema, plan.removed[:first], lang, towns)))
    for kind, total, table in tables:
        if total:
            st.caption(t(f"data.first_{kind}", lang, shown=min(first, total), count=total))
            st.table(table, hide_index=True)


def _import_controls(lang: str, entry: dict, plan: Plan) -> None:
    allowed = auth.can("import")
    confirmed = True
    if plan.removes_most():
        st.warning(t("data.confirm_removal", lang, layer=layer_label(entry["layer"], lang),
                     removed=len(plan.removed), total=plan.before_count))
        confirmed = st.checkbox(t("data.confirm_checkbox", lang, count=len(plan.removed)),
                                key=CONFIRM_KEY, disabled=not allowed)
    clicked = st.button(t("data.import_button", lang, layer=layer_label(entry["layer"], lang)),
                        type="primary", key="data_import", disabled=not (allowed and confirmed))
    if not allowed:
        st.caption(t("data.import_blocked", lang))
    elif not confirmed:
        st.caption(t("data.confirm_first", lang))
    else:
        st.caption(t("data.import_allowed", lang))
    if clicked and allowed and confirmed:
        # Confirmed is passed only when the shown change removes most of the layer and the
        # box was ticked: a change that grew to remove most since then asks again.
        _import(lang, entry, confirmed=plan.removes_most())


def _import(lang: str, entry: dict, *, confirmed: bool) -> None:
    previewed = entry["outcome"].plan.counts()
    if data.store().version() != entry["version"]:
        # Someone wrote since the preview: show the change as it would be now, write nothing.
        with st.spinner(t("common.computing", lang)):
            _plan(entry)
        entry["notice"] = ("data.preview_stale", previewed)
        st.rerun()
    try:
        with st.spinner(t("common.computing", lang)):
            outcome = import_upload(entry["layer"], entry["name"], entry["content"],
                                    crs=entry["crs"], mode=entry["mode"],
                                    on_duplicate=entry["on_duplicate"],
                                    scope=auth.current_scope(), confirmed=confirmed)
    except TongxinError as exc:
        st.error(f"{t('data.store_error', lang)} {markdown_literal(exc.message(lang))}")
        return
    backup, plan = outcome.backup, outcome.plan
    if backup is None or plan is None:
        # Checked again against the data as it is now, it failed, was refused, or grew to
        # remove most of the layer: show that, with nothing written.
        entry.update(outcome=outcome, version=data.store().version(),
                     notice=("data.import_refused", {}))
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()
    counts = plan.counts()
    st.session_state[DONE_KEY] = {
        "layer": entry["layer"], "mode": entry["mode"], "file": entry["name"],
        "backup": backup.id, "counts": counts,
        "previewed": None if _same_change(counts, previewed) else previewed}
    for key in (REPORT_KEY, CONFIRM_KEY):
        st.session_state.pop(key, None)
    st.session_state[UPLOAD_N] = st.session_state.get(UPLOAD_N, 0) + 1
    # Every page's cached data is keyed on the store's version, which the import moved: the
    # rerun shows the new data everywhere, starting with this page's layer table.
    st.rerun()


def _same_change(counts: Mapping[str, int], previewed: Mapping[str, int]) -> bool:
    return all(counts[k] == previewed[k] for k in ("added", "updated", "removed"))


def _say_done(lang: str, done: dict) -> None:
    counts = {k: done["counts"][k] for k in ("added", "updated", "removed")}
    text = t("data.import_done", lang, layer=layer_label(done["layer"], lang),
             mode=t(f"data.mode.{done['mode']}", lang), file=markdown_literal(done["file"]),
             backup=done["backup"], **counts)
    if done["previewed"] is not None:
        text += " " + t("data.import_differs", lang, **{
            k: done["previewed"][k] for k in ("added", "updated", "removed")})
    st.success(text)
