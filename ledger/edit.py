"""Changing one record from a form: add, edit, delete, restore an earlier version.

A form's record takes the checks an imported row takes (:func:`layers.validate.validate_record`)
and the same write (:meth:`storage.Store.replace`): atomic, a new dataset version, the record's
history kept. No update is lost: the caller passes the record as it was opened (``original``);
when the stored record differs, nothing is written and the result carries both versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from core.actor import current_user
from core.errors import Issue
from layers import LAYERS
from layers.context import Context
from layers.validate import Report, validate_record
from ledger.changes import Plan, next_ids
from ledger.records import GEOMETRY, differing, record_dicts
from ledger.scope import scope_issues
from storage import Backup, ImportRecord, RecordChange, Store, StoreConflictError, open_store

_ATTEMPTS = 3


@dataclass
class Conflict:
    """The record changed since the editor opened it: theirs (stored) and mine (not saved)."""

    current: dict[str, Any] | None
    mine: dict[str, Any] | None
    user: str | None = None
    time: str | None = None


@dataclass
class EditResult:
    """What saving, deleting or restoring one record came to.

    Attributes
    ----------
    record_id : str or None
        The record's id (a new record's generated one).
    report : Report or None
        The form's checks, per field (``Issue.column`` is the field's label).
    refused : list of Issue
        Why it may not be written (outside the account's townships, id taken, record gone).
    conflict : Conflict or None
        Set when the record changed since it was opened; nothing was written.
    backup : Backup or None
        Set when the change was written.
    changed : dict
        ``{field: (before, after)}`` of the written change.
    """

    record_id: str | None = None
    report: Report | None = None
    refused: list[Issue] = field(default_factory=list)
    conflict: Conflict | None = None
    backup: Backup | None = None
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def saved(self) -> bool:
        """Whether the change was written."""
        return self.backup is not None

    @property
    def ok(self) -> bool:
        """Whether nothing stopped it (a valid form, allowed, no conflict)."""
        return (self.report is None or self.report.ok) and not self.refused \
            and self.conflict is None


def open_record(layer: str, record_id: str, store: Store | None = None) -> dict[str, Any] | None:
    """Return a record as plain values (what a form starts from and ``original`` is), or None.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    record_id : str
        Its id.
    store : Store, optional
        The working dataset; the configured one when omitted.

    Returns
    -------
    dict or None
        ``{column: plain value, "geometry": WKT}``; None when there is no such record.
    """
    store = store or open_store()
    schema = LAYERS[layer]
    frame = store.read(layer)
    found = frame[frame[schema.id_column].astype(str) == str(record_id)]
    return record_dicts(schema, found)[0] if len(found) else None


def save_record(layer: str, values: dict[str, Any], *, record_id: str | None = None,
                original: dict[str, Any] | None = None, crs: str | None = None,
                store: Store | None = None, user: str | None = None,
                scope: frozenset[str] | None = None, how: str = "edit") -> EditResult:
    """Check a form's record and, when valid, allowed and not in conflict, write it.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    values : dict
        ``{column: value}`` as typed; the location as ``lng``/``lat`` in ``crs`` or as
        ``geometry`` (shapely, EPSG:4326). A new record's blank id is generated.
    record_id : str, optional
        The record edited; None to add one.
    original : dict, optional
        The record as the editor opened it (:func:`open_record`); when the stored record
        differs, nothing is written and :attr:`EditResult.conflict` holds both versions.
    crs : str, optional
        The coordinates' system (``wgs84``, ``gcj02``, ``bd09``, ``EPSG:4544``...).
    store : Store, optional
        The working dataset; the configured one when omitted.
    user : str, optional
        Who saves, for the history and the audit log.
    scope : frozenset of str, optional
        The account's township codes; ``None`` for the whole district.
    how : str
        ``edit`` or ``restore``, for the history.

    Returns
    -------
    EditResult
        The checks, refusals or conflict, and the backup when written.
    """
    store = store or open_store()
    schema = LAYERS[layer]
    key = schema.id_column
    values = dict(values)
    if record_id is not None:
        values[key] = record_id
    context = Context.from_store(store)
    report = validate_record(layer, values, context, crs=crs or "wgs84")
    result = EditResult(record_id=record_id, report=report)
    if not report.ok or report.frame is None:
        return result
    for _ in range(_ATTEMPTS):
        version = store.version()
        current = store.read(layer).reset_index(drop=True)
        ids = current[key].astype(str)
        row = report.frame.copy()
        if record_id is None:
            wanted = values.get(key)
            if wanted not in (None, "") and str(wanted) in set(ids):
                result.refused.append(Issue("ledger.record_exists", None,
                                            schema.column(key).label, {"record": wanted}))
                return result
            row[key] = [str(wanted) if wanted not in (None, "") else
                        next_ids(schema, ids, 1)[0]]
        after = record_dicts(schema, row)[0]
        result.record_id = str(after[key])
        at = ids[ids == result.record_id].index
        before = record_dicts(schema, current.loc[at])[0] if len(at) else None
        if record_id is not None and before is None and original is None:
            result.refused.append(Issue("ledger.record_missing",
                                        params={"record": record_id}))
            return result
        if original is not None and (before is None or differing(original, before)):
            result.conflict = _conflict(store, layer, result.record_id, before, after)
            return result
        plan = Plan(layer, "update", len(current), current)
        if before is None:
            plan.added = [after]
        else:
            plan.updated = [(result.record_id, before, after, differing(before, after))]
        result.refused = scope_issues(schema, plan, scope, context.township_name, edit=True)
        if result.refused:
            return result
        result.changed = differing(before or {}, after)
        if before is not None and not result.changed:
            return result  # nothing to write: the form holds the stored record
        frame = _with_row(current, at, row)
        change = RecordChange(result.record_id, "add" if before is None else "update",
                              before, after)
        try:
            result.backup = store.replace(layer, frame, _record(layer, len(frame), user, how),
                                          (change,), expected_version=version)
        except StoreConflictError:
            continue
        return result
    raise StoreConflictError("store.conflict", layer=schema.label)


def delete_record(layer: str, record_id: str, *, original: dict[str, Any] | None = None,
                  store: Store | None = None, user: str | None = None,
                  scope: frozenset[str] | None = None) -> EditResult:
    """Remove one record, unless it changed since ``original`` was opened.

    Parameters
    ----------
    layer, record_id, original, store, user, scope
        As for :func:`save_record`.

    Returns
    -------
    EditResult
        The backup when removed.
    """
    store = store or open_store()
    schema = LAYERS[layer]
    context = Context.from_store(store)
    result = EditResult(record_id=record_id)
    for _ in range(_ATTEMPTS):
        version = store.version()
        current = store.read(layer).reset_index(drop=True)
        at = current.index[current[schema.id_column].astype(str) == str(record_id)]
        if not len(at):
            result.refused.append(Issue("ledger.record_missing", params={"record": record_id}))
            return result
        before = record_dicts(schema, current.loc[at])[0]
        if original is not None and differing(original, before):
            result.conflict = _conflict(store, layer, record_id, before, None)
            return result
        plan = Plan(layer, "update", len(current), current, removed=[before])
        result.refused = scope_issues(schema, plan, scope, context.township_name, edit=True)
        if result.refused:
            return result
        frame = current.drop(index=at).reset_index(drop=True)
        change = RecordChange(str(record_id), "remove", before, None)
        try:
            result.backup = store.replace(layer, frame, _record(layer, len(frame), user, "edit"),
                                          (change,), expected_version=version)
        except StoreConflictError:
            continue
        return result
    raise StoreConflictError("store.conflict", layer=schema.label)


def restore_version(layer: str, version: dict[str, Any], *,
                    original: dict[str, Any] | None = None, store: Store | None = None,
                    user: str | None = None,
                    scope: frozenset[str] | None = None) -> EditResult:
    """Make one record as it was in an earlier version (a history entry's before or after).

    A removed record comes back with its id; an existing one is updated to that version.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    version : dict
        The record's plain values, as :meth:`storage.Store.history` keeps them.
    original : dict, optional
        The record as the editor saw it now (None when it no longer exists).
    store, user, scope
        As for :func:`save_record`.

    Returns
    -------
    EditResult
        As for :func:`save_record`.
    """
    store = store or open_store()
    schema = LAYERS[layer]
    record_id = str(version[schema.id_column])
    values = form_values(version)
    exists = open_record(layer, record_id, store) is not None
    return save_record(layer, values, record_id=record_id if exists else None,
                       original=original if exists else None, store=store, user=user,
                       scope=scope, how="restore")


def form_values(record: dict[str, Any]) -> dict[str, Any]:
    """Return a record's plain values as a form submits them (the location as geometry)."""
    values = {k: v for k, v in record.items() if k != GEOMETRY}
    wkt = record.get(GEOMETRY)
    if wkt:
        values["geometry"] = shapely.from_wkt(wkt)
    return values


def _conflict(store: Store, layer: str, record_id: str, current: dict | None,
              mine: dict | None) -> Conflict:
    latest = store.history(layer, record_id)
    who = latest[0] if latest else {}
    return Conflict(current, mine, who.get("user"), who.get("time"))


def _with_row(current: gpd.GeoDataFrame, at: pd.Index, row: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    row = row[list(current.columns)]
    if len(at):
        row.index = at[:1]
        kept = current.drop(index=at)
        frame = pd.concat([kept, row]).sort_index()
    else:
        frame = pd.concat([current, row], ignore_index=True)
    return gpd.GeoDataFrame(frame.reset_index(drop=True), geometry="geometry",
                            crs=current.crs or 4326)


def _record(layer: str, rows: int, user: str | None, how: str) -> ImportRecord:
    return ImportRecord(layer, "", "", rows, user or current_user(), source=how)

