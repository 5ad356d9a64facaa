"""What a planned change says to people: counts and its first records, in their language."""

from __future__ import annotations

from typing import Any

from core.i18n import t
from layers import LayerSchema
from ledger.changes import Plan
from ledger.records import GEOMETRY

FIRST = 5


def field_label(schema: LayerSchema, name: str, lang: str | None = None) -> str:
    """Return a field's header as templates show it (the location is 位置)."""
    if name == GEOMETRY:
        return t("ledger.location", lang)
    column = schema.column(name)
    return column.label if (lang or "zh") == "zh" else column.label_en


def record_label(schema: LayerSchema, record: dict[str, Any]) -> str:
    """Return ``id name`` of a record, for lists of records."""
    name = record.get("name") or record.get("title") or ""
    return f"{record.get(schema.id_column, '')} {name}".strip()


def shown(value: Any, lang: str | None = None) -> str:
    """Return a plain value as a person reads it (None as "blank", booleans as yes/no)."""
    if value is None:
        return t("ledger.blank", lang)
    if isinstance(value, bool):
        return t("ledger.yes" if value else "ledger.no", lang)
    return str(value)


def change_lines(plan: Plan, schema: LayerSchema, lang: str | None = None,
                 first: int = FIRST) -> list[str]:
    """Return the change as lines: the counts, then the first records of each kind.

    Parameters
    ----------
    plan : Plan
        The planned change.
    schema : LayerSchema
        Its layer.
    lang : str, optional
        ``"zh"`` or ``"en"``.
    first : int
        How many records of each kind to name.

    Returns
    -------
    list of str
        Lines to print.
    """
    counts = plan.counts()
    lines = [t("ledger.counts", lang, mode=t(f"ledger.mode_{plan.mode}", lang), **counts)]
    if plan.skipped:
        lines.append(t("ledger.skipped", lang, count=plan.skipped))
    for kind, records in (("added", plan.added), ("removed", plan.removed)):
        if records:
            lines.append(t(f"ledger.first_{kind}", lang, count=min(first, len(records))))
            lines.extend(f"  + {record_label(schema, r)}" if kind == "added"
                         else f"  - {record_label(schema, r)}" for r in records[:first])
    if plan.updated:
        lines.append(t("ledger.first_updated", lang, count=min(first, len(plan.updated))))
        for _, _before, after, fields in plan.updated[:first]:
            changes = "；".join(
                f"{field_label(schema, name, lang)}：{shown(old, lang)} → {shown(new, lang)}"
                for name, (old, new) in fields.items())
            lines.append(f"  ~ {record_label(schema, after)}：{changes}")
    return lines
