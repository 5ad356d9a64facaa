"""Township-scoped editors: which changes of a plan fall outside the account's townships."""

from __future__ import annotations

from collections.abc import Callable

from core.errors import Issue
from layers import LayerSchema
from ledger.changes import Plan

_EXAMPLES = 3


def scope_issues(schema: LayerSchema, plan: Plan, scope: frozenset[str] | None,
                 township_name: Callable[[str], str], *, edit: bool = False) -> list[Issue]:
    """Return why ``plan`` changes records outside ``scope``; empty when it may be written.

    A scoped editor may add, update and remove only records of their townships, and may not
    move a record into or out of them. A layer without townships is for the whole district.

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract.
    plan : Plan
        The planned change.
    scope : frozenset of str or None
        The account's township codes; ``None`` for the whole district.
    township_name : callable
        Code -> name, for messages.
    edit : bool
        Whether the change comes from a form (the message says "change", not "import").

    Returns
    -------
    list of Issue
        One per file row outside the scope (naming it), one for removals outside it.
    """
    if scope is None:
        return []
    column = schema.township_column()
    if column is None:
        return [Issue("ledger.out_of_scope_layer", params={"layer": schema.label})]
    label = schema.column(column).label
    allowed = "、".join(township_name(code) for code in sorted(scope))
    found: list[Issue] = []
    touched = [(a, None) for a in plan.added] + [(a, b) for _, b, a, _ in plan.updated]
    for after, before in touched:
        outside = [r[column] for r in (after, before) if r is not None and r[column] not in scope]
        if outside:
            row = plan.rows_of.get(str(after[schema.id_column]))
            key = "ledger.out_of_scope_edit" if edit else "ledger.out_of_scope"
            found.append(Issue(key, row, label, {
                "township": township_name(str(outside[0])), "scope": allowed}))
    removed = [r for r in plan.removed if r[column] not in scope]
    if removed:
        examples = "、".join(f"{r[schema.id_column]} {r.get('name') or ''}".strip()
                            for r in removed[:_EXAMPLES])
        found.append(Issue("ledger.out_of_scope_removed",
                           params={"count": len(removed), "examples": examples}))
    found.sort(key=lambda i: (i.row is None, i.row or 0))
    return found
