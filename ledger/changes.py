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
from layers import LayerSchema
from ledger.records import differing, same, values_of
from storage import RecordChange

MODES = ("replace", "append", "update")
ON_DUPLICATE = ("refuse", "skip", "update")
_ID_WIDTH = 6


@dataclass
class Plan:
    """The change a file or a form would make to one layer, before anything is written.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The layer as it would be afterwards.
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
    frame: gpd.GeoDataFrame
    added: list[dict[str, Any]] = field(default_factory=list)
    updated: list[tuple[str, dict, dict, dict]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    refused: list[Issue] = field(default_factory=list)
    # Record id -> the file's row number, for messages about a record of the file.
    rows_of: dict[str, int] = field(default_factory=dict)

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
        The layer as stored.
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
    # Only the records the file touches (and, in a replace, those it removes) are turned into
    # plain values: appending 10,000 rows to a layer of a million reads the million's ids only.
    old_ids = current[key].astype(str)
    new_ids = new[key].astype(str)
    exists = new_ids.isin(set(old_ids)).to_numpy()
    plan = Plan(schema.name, mode, len(current), current)
    plan.rows_of = dict(zip(new_ids, row_numbers.tolist(), strict=True))
    if mode == "append" and on_duplicate == "refuse" and exists.any():
        label = schema.column(key).label
        plan.refused.extend(Issue("ledger.id_exists", int(r), label, {"value": v})
                            for r, v in zip(row_numbers[exists], new_ids[exists], strict=True))
        return plan
    take = ~exists if (mode == "append" and on_duplicate == "skip") else np.ones(len(new), bool)
    plan.skipped = int((~take).sum())
    plan.unchanged += plan.skipped
    position = pd.Series(np.arange(len(old_ids)), index=old_ids)
    at = new_ids.map(position).to_numpy(dtype=float)  # NaN: a new record
    fresh = take & np.isnan(at)
    matched = np.flatnonzero(take & ~np.isnan(at))
    old_at = at[matched].astype(int)
    old = values_of(schema, current.iloc[old_at])
    alike = np.ones(len(matched), dtype=bool)
    for name in new.columns:
        a, b = old[name].to_numpy(), new[name].to_numpy()[matched]
        alike &= np.asarray([same(x, y) for x, y in zip(a, b, strict=True)], dtype=bool)
    plan.unchanged += int(alike.sum())
    changed_new, changed_old = matched[~alike], old_at[~alike]
    befores = old[~alike].to_dict("records")
    afters = new.iloc[changed_new].to_dict("records")
    plan.updated = [(str(a[key]), b, a, differing(b, a))
                    for b, a in zip(befores, afters, strict=True)]
    plan.added = new[fresh].to_dict("records")
    columns = list(current.columns)
    base = current[columns]
    replacement = incoming.iloc[changed_new][columns]
    replacement.index = changed_old
    result = pd.concat([base.drop(index=changed_old), replacement]).sort_index()
    if mode == "replace":
        gone = ~old_ids.isin(set(new_ids)).to_numpy()
        plan.removed = values_of(schema, current[gone]).to_dict("records")
        result = result[~gone[result.index.to_numpy()]]
    parts = [result, incoming[fresh][columns]]
    plan.frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                  crs=current.crs or 4326)
    if mode == "replace":
        # The layer becomes the file, in the file's order.
        order = {rid: n for n, rid in enumerate(new_ids)}
        rank = plan.frame[key].astype(str).map(order)
        plan.frame = plan.frame.iloc[np.argsort(rank.to_numpy(), kind="stable")]
        plan.frame = plan.frame.reset_index(drop=True)
    return plan


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
