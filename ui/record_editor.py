"""Changing one record in the dashboard: find it, edit, add, remove, its history, conflicts.

The data page's "逐条编辑" section (:func:`render`) and the short "add one" forms of the
activity and unit pages (:func:`add_form`). Every change goes through :mod:`ledger.edit`: the
checks an import makes, one atomic write that is a new dataset version, the record's history.
Two editors saving the same record never overwrite each other silently: the second sees both
versions and chooses (:func:`conflict_table`).

Only accounts that may import change records; viewers and the read-only demo see the same
controls disabled, with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from core.errors import Issue, TongxinError
from core.i18n import t
from layers import LAYERS, LayerSchema
from ledger.edit import (
    Conflict,
    EditResult,
    delete_record,
    open_record,
    restore_version,
    save_record,
)
from ledger.records import GEOMETRY, differing, same
from ledger.summary import field_label, record_label, shown
from ui import auth, data, record_form
from ui.escape import markdown_literal
from ui.words import layer_label, local_time

PERMISSION = "import"  # changing a record is importing one: the same accounts may do it
# Session-state keys of the section's widgets and of what it keeps between runs.
LAYER_KEY, QUERY_KEY, PICK_KEY, CONFIRM_KEY = ("edit_layer", "edit_query", "edit_pick",
                                               "edit_confirm_delete")
OPENED, CONFLICT, NEWS, PENDING_PICK, REMOVED = ("edit:opened", "edit:conflict", "edit:news",
                                                 "edit:pending_pick", "edit:removed")
MATCHES_SHOWN = 20  # the table of matches: enough to recognise the one meant
PICK_MAX = 200  # records offered to choose from; more words narrow a search further
HISTORY_SHOWN = 50
WKT_SHOWN = 80  # an outline's WKT is cut to this in the conflict table
DIFFERS_STYLE = "background-color: #fdebd0; font-weight: 600"
# How a history entry came about and what it did, as the catalog words them; others as stored.
_KNOWN = frozenset({"edit.how.import", "edit.how.edit", "edit.how.restore", "edit.op.add",
                    "edit.op.update", "edit.op.remove"})


def form_id(layer: str) -> str:
    """Return the id of the data page's form for ``layer`` (its state's namespace)."""
    return f"edit-{layer}"




def record_table(layer: str, lang: str) -> pd.DataFrame:
    """Return a layer's records as the search lists them, indexed by id.

    Columns: the id, the name or title, each referenced record by name (township, community,
    unit) and the first date, headed by their labels.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    lang : str
        Language of the headers.

    Returns
    -------
    pandas.DataFrame
        One row per record, text only.
    """
    schema = LAYERS[layer]
    frame = data.layer(layer)
    ids = frame[schema.id_column].astype(str)
    title = record_form.title_column(schema)
    dates = [c.name for c in schema.columns if c.dtype == "date"][:1]
    shown_columns = [schema.id_column, *([title] if title else []),
                     *(c.name for c in schema.columns if c.ref), *dates]
    table = {}
    for name in shown_columns:
        column = schema.column(name)
        values = frame[name]
        if column.ref:
            names = record_form.names_of(column.ref)
            values = values.astype("string").map(lambda c, n=names: n.get(c, c))
        elif column.dtype == "date":
            values = pd.to_datetime(values, errors="coerce").dt.strftime("%Y-%m-%d")
        table[field_label(schema, name, lang)] = values.astype(object).where(
            values.notna(), "").astype(str).to_numpy()
    return pd.DataFrame(table, index=pd.Index(ids.to_numpy(), name=None))


def find_records(layer: str, query: str, lang: str) -> pd.DataFrame:
    """Return the records of :func:`record_table` holding every word of ``query``.

    A word matches the id, the name, a referenced record's name (the township's) or the date,
    ignoring case; a blank query matches every record.
    """
    table = record_table(layer, lang)
    words = query.lower().split()
    if not words or table.empty:
        return table
    text = pd.Series(table.index.astype(str), index=table.index)
    for column in table.columns:
        text = text + " " + table[column]
    text = text.str.lower()
    hit = pd.Series(True, index=table.index)
    for word in words:
        hit &= text.str.contains(word, regex=False)
    return table[hit.to_numpy()]


def readable(schema: LayerSchema, name: str, value: Any, lang: str) -> str:
    """Return a field's plain value as a person reads it: a township by name, yes/no, blank.

    Parameters
    ----------
    schema : LayerSchema
        The record's layer.
    name : str
        A column, or ``geometry`` (its WKT, cut to :data:`WKT_SHOWN` characters).
    value : object
        The plain value (:func:`ledger.edit.open_record`).
    lang : str
        Language.

    Returns
    -------
    str
        The text.
    """
    ref = schema.column(name).ref if name != GEOMETRY else None
    if ref is not None and value is not None:
        return record_form.ref_names(ref).get(str(value), str(value))
    text = shown(value, lang)
    return text if len(text) <= WKT_SHOWN else text[:WKT_SHOWN] + "…"


def change_text(schema: LayerSchema, changed: Mapping[str, tuple[Any, Any]], lang: str) -> str:
    """Return changed fields as ``label：before → after`` joined by ``；``."""
    return "；".join(f"{field_label(schema, name, lang)}：{readable(schema, name, old, lang)} → "
                    f"{readable(schema, name, new, lang)}" for name, (old, new) in changed.items())


def conflict_table(schema: LayerSchema, conflict: Conflict, lang: str) -> pd.DataFrame:
    """Return both versions of a record in conflict, field by field.

    Parameters
    ----------
    schema : LayerSchema
        The record's layer.
    conflict : Conflict
        The stored version (``current``, None when removed) and the unsaved one (``mine``,
        None for a removal).
    lang : str
        Language.

    Returns
    -------
    pandas.DataFrame
        Columns: field, stored now, my change, and a mark where they differ.
    """
    gone = t("edit.conflict_gone", lang)

    def value(record: dict | None, name: str) -> str:
        return gone if record is None else readable(schema, name, record.get(name), lang)

    rows = []
    for name in [*(c.name for c in schema.columns), GEOMETRY]:
        current = conflict.current.get(name) if conflict.current is not None else None
        mine = conflict.mine.get(name) if conflict.mine is not None else None
        differs = (conflict.current is None) != (conflict.mine is None) or \
            not same(current, mine)
        rows.append({t("edit.conflict_field", lang): field_label(schema, name, lang),
                     t("edit.conflict_current", lang): value(conflict.current, name),
                     t("edit.conflict_mine", lang): value(conflict.mine, name),
                     t("edit.conflict_differs", lang): "≠" if differs else ""})
    return pd.DataFrame(rows)


def history_table(schema: LayerSchema, entries: list[dict], lang: str) -> pd.DataFrame:
    """Return a record's history as words: time, who, how, change, file, fields changed."""
    def word(prefix: str, value: object) -> str:
        text = str(value or "")
        return t(f"{prefix}.{text}", lang) if f"{prefix}.{text}" in _KNOWN else text

    rows = [{t("edit.col_time", lang): local_time(e.get("time")),
             t("edit.col_user", lang): str(e.get("user") or ""),
             t("edit.col_how", lang): word("edit.how", e.get("how")),
             t("edit.col_op", lang): word("edit.op", e.get("op")),
             t("edit.col_source", lang): str(e.get("source") or ""),
             t("edit.col_changes", lang): change_text(
                 schema, differing(e.get("before") or {}, e.get("after") or {}), lang)
             if e.get("op") == "update" else ""} for e in entries]
    return pd.DataFrame(rows)


def _say(level: str, text: str) -> None:
    """Keep a message to show after the rerun that follows a change."""
    st.session_state.setdefault(NEWS, []).append((level, text))


def _news() -> list[tuple[str, str]]:
    """Return (and forget) what the last change came to, as ``(level, markdown)``."""
    return st.session_state.pop(NEWS, [])


def _say_now(news: list[tuple[str, str]]) -> None:
    for level, text in news:
        getattr(st, level)(text)


def render(lang: str) -> None:
    """Draw the data page's "逐条编辑" section: find, edit, add, remove, history, restore.

    Parameters
    ----------
    lang : str
        Language.
    """
    st.subheader(t("edit.heading", lang))
    st.caption(t("edit.caption", lang))
    allowed = auth.can(PERMISSION)
    left, right = st.columns([1, 2])
    layer = left.selectbox(t("edit.layer", lang), list(LAYERS), key=LAYER_KEY,
                           format_func=lambda n: layer_label(n, lang))
    query = right.text_input(t("edit.search", lang), key=QUERY_KEY,
                             placeholder=t("edit.search_placeholder", lang))
    table = record_table(layer, lang)
    matches = find_records(layer, query, lang)
    if matches.empty:
        st.caption(t("edit.no_matches", lang))
    else:
        st.dataframe(matches.head(MATCHES_SHOWN), hide_index=True, width="stretch")
        if len(matches) > MATCHES_SHOWN:
            st.caption(t("edit.matches", lang, count=f"{len(matches):,}", shown=MATCHES_SHOWN))
    if PENDING_PICK in st.session_state:  # set by a change: the widget is not drawn yet
        st.session_state[PICK_KEY] = st.session_state.pop(PENDING_PICK)
    options = ["", *matches.index[:PICK_MAX]]
    picked = str(st.session_state.get(PICK_KEY) or "")
    if picked and picked not in options and picked in table.index:
        options.insert(1, picked)  # a search typed afterwards does not close the open record
    labels = {code: " · ".join(v for v in table.loc[code] if v) for code in options if code}
    pick = st.selectbox(t("edit.pick", lang), options, key=PICK_KEY,
                        format_func=lambda c: labels.get(c, c) or t("edit.pick_none", lang))
    st.button(t("edit.new", lang), key="edit_new", on_click=_start_adding, args=(layer,),
              disabled=not allowed)
    st.caption(t("edit.allowed" if allowed else "edit.blocked", lang))
    opened = _opened(layer, pick)
    if opened is None:
        _say_now(_news())
        st.caption(t("edit.pick_hint", lang))
        removed = st.session_state.get(REMOVED)
        if removed and removed["layer"] == layer:
            st.markdown(t("edit.removed_heading", lang, record=markdown_literal(removed["label"])))
            _history(layer, removed["id"], None, lang, allowed)
        return
    _record(layer, opened, lang, allowed)


def _start_adding(layer: str) -> None:
    # A button's callback runs before the script, while the choice can still change.
    st.session_state[PICK_KEY] = ""
    st.session_state[OPENED] = {"layer": layer, "id": None, "original": None}
    st.session_state.pop(CONFLICT, None)
    record_form.reset(form_id(layer))


def _opened(layer: str, pick: str) -> dict | None:
    """Return the record open in the form (``layer``, ``id``, ``original``), opening ``pick``.

    ``original`` is the record as it was opened: what a save compares the stored one with.
    It is read once, when the record is chosen, never on later runs.
    """
    opened = st.session_state.get(OPENED)
    if opened and opened["layer"] == layer and opened["id"] == (pick or None):
        return opened
    st.session_state.pop(OPENED, None)
    original = open_record(layer, pick, data.store()) if pick else None
    if original is None:
        return None
    opened = {"layer": layer, "id": pick, "original": original}
    st.session_state[OPENED] = opened
    st.session_state.pop(CONFLICT, None)
    st.session_state.pop(REMOVED, None)
    return opened


def _record(layer: str, opened: dict, lang: str, allowed: bool) -> None:
    schema = LAYERS[layer]
    record_id, original = opened["id"], opened["original"]
    if record_id is None:
        st.markdown(f"**{t('edit.adding', lang, layer=layer_label(layer, lang))}**")
    else:
        st.markdown("**" + t("edit.editing", lang,
                             record=markdown_literal(record_label(schema, original))) + "**")
    submitted = record_form.record_form(form_id(layer), layer, original, lang,
                                        submit=t("edit.save", lang), disabled=not allowed,
                                        notes=_news())
    # Right under the button that was clicked: the two versions and the choice between them.
    conflict = st.session_state.get(CONFLICT)
    if conflict and conflict["layer"] == layer and conflict["id"] == record_id:
        _conflict(layer, conflict, lang, allowed)
    if submitted is not None:
        retry = {"values": submitted.values, "crs": submitted.crs}
        _settle(layer, record_id, "save", lang, retry,
                lambda: save_record(layer, submitted.values, record_id=record_id,
                                    original=original, crs=submitted.crs, **_who()))
    if record_id is None:
        return
    confirmed = st.checkbox(t("edit.delete_confirm", lang), key=CONFIRM_KEY,
                            disabled=not allowed)
    if st.button(t("edit.delete", lang), key="edit_delete", disabled=not (allowed and confirmed)):
        _settle(layer, record_id, "delete", lang, {},
                lambda: delete_record(layer, record_id, original=original, **_who()))
    _history(layer, record_id, original, lang, allowed)


def _who() -> dict[str, Any]:
    return {"store": data.store(), "user": auth.actor(), "scope": auth.current_scope()}


def _settle(layer: str, record_id: str | None, action: str, lang: str, retry: dict,
            attempt: Callable[[], EditResult]) -> None:
    """Run a change and keep what it came to for the rerun that follows (always reruns)."""
    schema = LAYERS[layer]
    try:
        result = attempt()
    except TongxinError as exc:
        st.error(f"{t('edit.store_error', lang)} {markdown_literal(exc.message(lang))}")
        return
    if result.conflict is not None:
        st.session_state[CONFLICT] = {"layer": layer, "id": record_id, "action": action,
                                      "conflict": result.conflict, "retry": retry}
        st.rerun()
    st.session_state.pop(CONFLICT, None)
    problems: list[Issue] = [*(result.report.errors if result.report else []),
                             *result.refused]
    if problems and action == "save":  # each under its field
        record_form.set_issues(form_id(layer), problems)
        _say("error", t("edit.failed", lang, count=len(problems)))
        st.rerun()
    if problems:  # a removal or a restore refused: not about a field typed in
        _say("error", t("edit.refused", lang))
        for problem in problems:
            _say("error", record_form.issue_text(problem, lang))
        st.rerun()
    record_form.set_issues(form_id(layer), [])
    if action == "delete":
        # Its history stays on the page: a removal can be undone from there.
        label = record_label(schema, (st.session_state.get(OPENED) or {}).get("original")
                             or {schema.id_column: record_id})
        st.session_state[REMOVED] = {"layer": layer, "id": record_id, "label": label}
        st.session_state.pop(OPENED, None)
        st.session_state.pop(CONFIRM_KEY, None)
        st.session_state[PENDING_PICK] = ""
        _say("success", t("edit.deleted", lang, record=markdown_literal(label)))
        st.rerun()
    new_id = str(result.record_id)
    current = open_record(layer, new_id, data.store())
    st.session_state[OPENED] = {"layer": layer, "id": new_id, "original": current}
    st.session_state[PENDING_PICK] = new_id
    st.session_state.pop(REMOVED, None)
    label = markdown_literal(record_label(schema, current or {schema.id_column: new_id}))
    if not result.saved:
        _say("info", t("edit.unchanged", lang))
    elif action == "restore":
        _say("success", t("edit.restored", lang, record=label))
    elif record_id is None:
        _say("success", t("edit.added", lang, record=label, layer=layer_label(layer, lang)))
    else:
        _say("success", t("edit.saved", lang, record=label,
                          changes=markdown_literal(change_text(schema, result.changed, lang))))
    # Written, as an import writes a row with warnings: each said, to be checked.
    for warning in result.report.warnings if result.report else []:
        _say("warning", t("edit.warning", lang, message=record_form.issue_text(warning, lang)))
    st.rerun()


def _conflict(layer: str, state: dict, lang: str, allowed: bool) -> None:
    """Show both versions of a record changed since it was opened; keep mine or discard it."""
    schema = LAYERS[layer]
    conflict: Conflict = state["conflict"]
    if conflict.user:
        st.warning(t("ledger.conflict", lang, user=markdown_literal(conflict.user),
                     time=markdown_literal(local_time(conflict.time))))
    else:
        st.warning(t("ledger.conflict_unknown", lang))
    table = conflict_table(schema, conflict, lang)
    differs = t("edit.conflict_differs", lang)
    # The fields that differ stand out: they are what the editor decides on.
    st.table(table.style.apply(lambda row: [DIFFERS_STYLE if row[differs] else ""] * len(row),
                               axis=1), hide_index=True)
    keep, drop = st.columns(2)
    if keep.button(t("edit.overwrite", lang), key="edit_overwrite", type="primary",
                   disabled=not allowed):
        _overwrite(layer, state, lang)
    if drop.button(t("edit.discard", lang), key="edit_discard"):
        _discard(layer, lang)


def _overwrite(layer: str, state: dict, lang: str) -> None:
    """Do the change again against the version stored now (the editor saw both)."""
    conflict: Conflict = state["conflict"]
    record_id, retry, action = state["id"], state["retry"], state["action"]
    stored = conflict.current
    if action == "save":
        _settle(layer, record_id if stored is not None else None, "save", lang, retry,
                lambda: save_record(layer, retry["values"],
                                    record_id=record_id if stored is not None else None,
                                    original=stored, crs=retry["crs"], **_who()))
    elif action == "delete" and stored is not None:
        _settle(layer, record_id, "delete", lang, retry,
                lambda: delete_record(layer, record_id, original=stored, **_who()))
    elif action == "restore":
        _settle(layer, record_id, "restore", lang, retry,
                lambda: restore_version(layer, retry["version"], original=stored, **_who()))
    else:  # removing a record someone else removed already: nothing left to do
        _discard(layer, lang)


def _discard(layer: str, lang: str) -> None:
    """Forget the unsaved change; open the record as stored now (if it still exists)."""
    state = st.session_state.pop(CONFLICT, None) or {}
    record_form.reset(form_id(layer))
    record_id = state.get("id")
    current = open_record(layer, record_id, data.store()) if record_id else None
    if current is None:
        st.session_state.pop(OPENED, None)
        st.session_state[PENDING_PICK] = ""
    else:
        st.session_state[OPENED] = {"layer": layer, "id": record_id, "original": current}
    _say("info", t("edit.discarded", lang))
    st.rerun()


def _history(layer: str, record_id: str, original: dict | None, lang: str,
             allowed: bool) -> None:
    """Show a record's history, newest first, and bring back one of its versions."""
    schema = LAYERS[layer]
    st.markdown(f"**{t('edit.history', lang)}**")
    entries = data.store().history(layer, record_id)[:HISTORY_SHOWN]
    if not entries:
        st.caption(t("edit.history_empty", lang))
        return
    st.dataframe(history_table(schema, entries, lang), hide_index=True, width="stretch")
    total = len(data.store().history(layer, record_id))
    if total > HISTORY_SHOWN:
        st.caption(t("edit.history_more", lang, shown=HISTORY_SHOWN, count=total))

    def option(i: int) -> str:
        entry = entries[i]
        who = {"time": local_time(entry.get("time")), "user": entry.get("user") or ""}
        if entry.get("op") == "remove":
            return t("edit.restore_option_removed", lang, **who)
        op = f"edit.op.{entry.get('op')}"
        return t("edit.restore_option", lang, op=t(op, lang) if op in _KNOWN else op, **who)

    choice = st.selectbox(t("edit.restore_choose", lang), range(len(entries)),
                          key=f"edit_version:{layer}:{record_id}", format_func=option)
    if st.button(t("edit.restore", lang), key="edit_restore", disabled=not allowed):
        entry = entries[choice]
        # A removal's "after" is nothing: bring back the record as it was before it.
        version = entry["before"] if entry.get("op") == "remove" else entry["after"]
        _settle(layer, record_id if original is not None else None, "restore", lang,
                {"version": version},
                lambda: restore_version(layer, version, original=original, **_who()))


def add_form(layer: str, lang: str, *, form_id: str,
             fixed: Mapping[str, Any] | None = None) -> None:
    """Draw a form that adds one record to ``layer`` (an activity, a visit) and save it.

    The same checks, permissions and township scope as the data page's editor; after a save
    the form is emptied and every page shows the new record.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    lang : str
        Language.
    form_id : str
        Names the form's state (unique on the page).
    fixed : dict, optional
        ``{column: value}`` filled in and not editable (the unit a visit is to).
    """
    schema = LAYERS[layer]
    allowed = auth.can(PERMISSION)
    news = f"{form_id}:news"
    submitted = record_form.record_form(form_id, layer, None, lang, submit=t("edit.save", lang),
                                        fixed=fixed, disabled=not allowed,
                                        notes=st.session_state.pop(news, []))
    st.caption(t("edit.allowed" if allowed else "edit.blocked", lang))
    if submitted is None:
        return
    try:
        result = save_record(layer, submitted.values, crs=submitted.crs, **_who())
    except TongxinError as exc:
        st.error(f"{t('edit.store_error', lang)} {markdown_literal(exc.message(lang))}")
        return
    problems = [*(result.report.errors if result.report else []), *result.refused]
    if problems or not result.saved:
        record_form.set_issues(form_id, problems)
        st.session_state[news] = [("error", t("edit.failed", lang, count=len(problems)))]
        st.rerun()
    added = {name: after for name, (_, after) in result.changed.items()}
    record_form.reset(form_id)
    st.session_state[news] = [
        ("success", t("edit.added", lang, record=markdown_literal(record_label(schema, added)),
                      layer=layer_label(layer, lang))),
        *(("warning", t("edit.warning", lang, message=record_form.issue_text(w, lang)))
          for w in (result.report.warnings if result.report else []))]
    st.rerun()
