"""What an import or an edit would change in a layer: the plan a preview shows and a write applies.

Pure functions on frames: no store, no files. An import is planned in one of three modes:

- ``replace``: the file becomes the layer (records not in it are removed);
- ``append``: the file's records are added; an id already in the layer is refused, unless
  ``on_duplicate`` is ``skip`` (keep the layer's) or ``update`` (take the file's);
- ``update``: records are matched by id: matched ones are updated, new ones added, none removed.

Records whose id the file left blank get a new one with the layer's prefix, after the
largest already in use (in ``replace`` they keep the row-number id the check gave them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from core.errors import Issue
from layers import LayerSchema, fold_key
from ledger.records import GEOMETRY, differing, same, values_of
from storage import RecordChange

MODES = ("replace", "append", "update")
ON_DUPLICATE = ("refuse", "skip", "update")
_ID_WIDTH = 6


@dataclass
class Plan:
    """The change a file or a form would make to one layer, before anything is written.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame or None
        The layer as it would be afterwards (None when the plan only appends).
    added, removed : list of dict
        The records added and removed (plain values, see :mod:`ledger.records`).
    updated : list of tuple
        ``(record id, before, after, {field: (before, after)})`` per changed record.
    unchanged : int
        Records the file holds exactly as the layer does (or skipped duplicates).
    skipped : int
        Records of the file left out because their id exists (``on_duplicate="skip"``).
    refused : list of Issue
        Why the plan may not be written (ids already in the layer, rows outside the
        account's townships); empty when it may.
    """

    layer: str
    mode: str
    before_count: int
    frame: gpd.GeoDataFrame | None
    added: list[dict[str, Any]] = field(default_factory=list)
    updated: list[tuple[str, dict, dict, dict]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    refused: list[Issue] = field(default_factory=list)
    # Record id -> the file's row number, for messages about a record of the file.
    rows_of: dict[str, int] = field(default_factory=dict)
    # When the plan only adds records: those rows, which the store appends (``frame`` is
    # then None: the layer's other rows were never read).
    appended: gpd.GeoDataFrame | None = None

    @property
    def ok(self) -> bool:
        """Whether the plan may be written."""
        return not self.refused

    @property
    def changed(self) -> bool:
        """Whether writing it would change anything."""
        return bool(self.added or self.updated or self.removed)

    def counts(self) -> dict[str, int]:
        """Return ``{"added", "updated", "removed", "unchanged"}`` counts."""
        return {"added": len(self.added), "updated": len(self.updated),
                "removed": len(self.removed), "unchanged": self.unchanged}

    def removes_most(self) -> bool:
        """Whether it would remove more than half of the layer's records (asks to confirm)."""
        return len(self.removed) * 2 > self.before_count

    def record_changes(self, id_column: str) -> tuple[RecordChange, ...]:
        """Return the changes for the records' history."""
        return tuple(
            [RecordChange(str(a[id_column]), "add", None, a) for a in self.added]
            + [RecordChange(str(rid), "update", b, a) for rid, b, a, _ in self.updated]
            + [RecordChange(str(r[id_column]), "remove", r, None) for r in self.removed])


def plan_import(schema: LayerSchema, current: gpd.GeoDataFrame, incoming: gpd.GeoDataFrame,
                *, mode: str = "replace", on_duplicate: str = "refuse",
                generated: pd.Series | None = None,
                rows: Iterable[int] | None = None) -> Plan:
    """Plan how ``incoming`` (a checked file) changes ``current`` (the layer) in ``mode``.

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract.
    current : geopandas.GeoDataFrame
        The layer as stored; for an append that does not update existing records, its id
        column alone is enough (see :func:`needs_whole_layer`).
    incoming : geopandas.GeoDataFrame
        The file's rows, converted (a valid :class:`layers.validate.Report`'s ``frame``).
    mode : str
        One of :data:`MODES`.
    on_duplicate : str
        For ``append``: one of :data:`ON_DUPLICATE`.
    generated : pandas.Series of bool, optional
        Which of ``incoming``'s ids were generated (blank in the file).
    rows : iterable of int, optional
        Each incoming row's number as the file shows it, for messages.

    Returns
    -------
    Plan
        Counts, records and the resulting layer; ``refused`` says what stops it.
    """
    if mode not in MODES:
        msg = f"mode {mode!r} is not one of {MODES}"
        raise ValueError(msg)
    if on_duplicate not in ON_DUPLICATE:
        msg = f"on_duplicate {on_duplicate!r} is not one of {ON_DUPLICATE}"
        raise ValueError(msg)
    key = schema.id_column
    incoming = incoming.reset_index(drop=True)
    row_numbers = np.asarray(list(rows) if rows is not None else range(1, len(incoming) + 1))
    if mode != "replace" and generated is not None:
        incoming = _renumber(schema, current, incoming, generated.to_numpy(dtype=bool))
    current = current.reset_index(drop=True)
    new = values_of(schema, incoming)
    # Ids compared as plain str in Python sets and dicts: pandas' Arrow strings took 9 s to
    # look 10,000 ids up among 300,000.
    old_list = current[key].astype(str).to_numpy(dtype=object).tolist()
    new_list = new[key].astype(str).to_numpy(dtype=object).tolist()
    # Ids match as the check compares them (case, width and spaces aside): a file's u001 is
    # the layer's U001, which keeps its spelling.
    position = {fold_key(rid): n for n, rid in enumerate(old_list)}
    at = np.asarray([position.get(fold_key(rid), -1) for rid in new_list], dtype=np.int64)
    exists = at >= 0
    plan = Plan(schema.name, mode, len(current), None)
    plan.rows_of = dict(zip(new_list, row_numbers.tolist(), strict=True))
    if mode == "append" and on_duplicate == "refuse" and exists.any():
        label = schema.column(key).label
        plan.refused.extend(Issue("ledger.id_exists", int(r), label, {"value": new_list[i]})
                            for i, r in zip(np.flatnonzero(exists), row_numbers[exists],
                                            strict=True))
        return plan
    take = ~exists if (mode == "append" and on_duplicate == "skip") else np.ones(len(new), bool)
    plan.skipped = int((~take).sum())
    plan.unchanged += plan.skipped
    fresh = take & ~exists
    matched = np.flatnonzero(take & exists)
    plan.refused.extend(_taken_values(schema, current, incoming, take, at, mode, row_numbers))
    if plan.refused:
        return plan
    plan.added = new[fresh].to_dict("records")
    if not len(matched) and mode != "replace":
        # Only additions: the store appends them; the layer's other rows are never read.
        plan.appended = gpd.GeoDataFrame(incoming[fresh].reset_index(drop=True),
                                         geometry="geometry", crs=incoming.crs or 4326)
        return plan
    if GEOMETRY not in current:
        msg = "plan_import needs the whole layer to update or replace records, not its ids"
        raise ValueError(msg)
    old_at = at[matched]
    old = values_of(schema, current.iloc[old_at])
    alike = np.ones(len(matched), dtype=bool)
    for name in new.columns:
        a, b = old[name].to_numpy(), new[name].to_numpy()[matched]
        alike &= np.asarray([same(x, y) for x, y in zip(a, b, strict=True)], dtype=bool)
    plan.unchanged += int(alike.sum())
    changed_new, changed_old = matched[~alike], old_at[~alike]
    befores = old[~alike].to_dict("records")
    afters = new.iloc[changed_new].to_dict("records")
    for after, before in zip(afters, befores, strict=True):
        after[key] = before[key]  # the layer's spelling of the id stays
    plan.updated = [(str(a[key]), b, a, differing(b, a))
                    for b, a in zip(befores, afters, strict=True)]
    columns = list(current.columns)
    replacement = incoming.iloc[changed_new][columns].copy()
    replacement[key] = current[key].to_numpy()[changed_old]
    replacement.index = changed_old
    result = pd.concat([current[columns].drop(index=changed_old), replacement]).sort_index()
    if mode == "replace":
        kept = {fold_key(rid) for rid in new_list}
        gone = np.asarray([fold_key(rid) not in kept for rid in old_list], dtype=bool)
        plan.removed = values_of(schema, current[gone]).to_dict("records")
        result = result[~gone[result.index.to_numpy()]]
    frame = pd.concat([result, incoming[fresh][columns]], ignore_index=True)
    if mode == "replace":
        # The layer becomes the file, in the file's order.
        order = {fold_key(rid): n for n, rid in enumerate(new_list)}
        rank = frame[key].astype(str).map(lambda rid: order[fold_key(rid)]).to_numpy()
        frame = frame.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
    plan.frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=current.crs or 4326)
    return plan


def _taken_values(schema: LayerSchema, current: pd.DataFrame, incoming: pd.DataFrame,
                  take: np.ndarray, at: np.ndarray, mode: str,
                  row_numbers: np.ndarray) -> list[Issue]:
    """Refuse file rows giving a unique column (other than the id) a value another record has.

    The file is checked against itself already; here against the layer's records it leaves
    as they are (all of them but those it updates, none in a replace).
    """
    key = schema.id_column
    found: list[Issue] = []
    if mode == "replace":
        return found
    touched = set(at[take & (at >= 0)].tolist())
    for col in schema.columns:
        if not col.unique or col.name == key or col.name not in current:
            continue
        holders = {fold_key(v): str(rid) for n, (v, rid) in
                   enumerate(zip(current[col.name], current[key], strict=True))
                   if v is not None and n not in touched}
        for i in np.flatnonzero(take):
            value = incoming[col.name].iloc[i]
            holder = holders.get(fold_key(value)) if value is not None else None
            if holder is not None:
                found.append(Issue("ledger.value_taken", int(row_numbers[i]), col.label,
                                   {"value": value, "record": holder}))
    return found


def needs_whole_layer(mode: str, on_duplicate: str) -> bool:
    """Return whether planning ``mode`` needs the layer's rows, not only its ids."""
    return not (mode == "append" and on_duplicate != "update")


def next_ids(schema: LayerSchema, taken: Iterable[object], count: int) -> list[str]:
    """Return ``count`` new ids with the layer's prefix, after the largest one in ``taken``.

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract (its ``id_prefix``).
    taken : iterable
        Ids in use.
    count : int
        How many to make.

    Returns
    -------
    list of str
        ``<prefix><number>``, zero-padded to six digits.
    """
    pattern = re.compile(rf"{re.escape(schema.id_prefix)}(\d+)")
    numbers = [int(m.group(1)) for v in taken if (m := pattern.fullmatch(str(v)))]
    start = max(numbers, default=0) + 1
    return [f"{schema.id_prefix}{n:0{_ID_WIDTH}d}" for n in range(start, start + count)]


def _renumber(schema: LayerSchema, current: gpd.GeoDataFrame, incoming: gpd.GeoDataFrame,
              generated: np.ndarray) -> gpd.GeoDataFrame:
    """Give rows whose id was generated from their row number a new id instead."""
    if not generated.any():
        return incoming
    key = schema.id_column
    given = incoming.loc[~generated, key].tolist()
    fresh = next_ids(schema, [*current[key].tolist(), *given], int(generated.sum()))
    incoming = incoming.copy()
    incoming.loc[generated, key] = fresh
    return incoming
