"""Moving the whole working dataset to another store (``python -m layers migrate --to ...``).

What moves: every layer, the district, the metadata (whether it is the demo), the latest
import of every layer, every record's history and the audit log, line for line so that its
hash chain holds, then one ``migrate`` entry chained after it in the target. What does not:
backups (they stay with the store that made them) and the accounts (kept apart from the data).
The source keeps its data; its own log gets the same ``migrate`` entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core import settings
from storage import AuditCheck, Store, StoreError, store_class


@dataclass(frozen=True)
class Migration:
    """What a move copied, and where.

    Attributes
    ----------
    source, target : str
        The two locations as people see them (absolute path; database without password).
    rows : dict
        Each layer's rows.
    imports, history, audit : int
        Import records, history entries and audit entries copied (the ``migrate`` entry not
        counted).
    replaced : str
        Where the target's previous data is kept ("" when it had none).
    source_audit : AuditCheck
        The source's log as checked before the move (copied as it was either way).
    source_note : StoreError or None
        Why the source's own log could not record the move (None when it did).
    """

    source: str
    target: str
    rows: dict[str, int]
    imports: int
    history: int
    audit: int
    replaced: str = ""
    source_audit: AuditCheck = field(default_factory=lambda: AuditCheck(0))
    source_note: StoreError | None = None


def migrate(source: Store, target: str, user: str, replace: bool = False) -> Migration:
    """Copy the whole dataset of ``source`` to ``target``, a new location of any store kind.

    Nothing is written when the target is not one of ``storage.STORES``' forms, is the
    source itself, cannot be reached, or already holds data and ``replace`` is false: each
    raises :class:`StoreError` saying so.

    Parameters
    ----------
    source : Store
        The working dataset, open.
    target : str
        A ``.gpkg`` path or a ``postgresql://`` address.
    user : str
        Who moves it, for both audit logs.
    replace : bool
        Whether a target holding data may be replaced (its data is kept aside, not dropped).

    Returns
    -------
    Migration
        What was copied.
    """
    kind = store_class(target, unknown="store.migrate_unknown")
    where = kind.describe(target)
    origin = store_class(source.location()).describe(source.location())
    if where == origin:
        raise StoreError("store.migrate_same", target=where)
    check = source.verify_audit()
    dataset = source.dump()
    entry: dict = {"action": "migrate", "from": origin, "to": where, "user": user,
                   "entries": len(dataset.audit)}
    if not check.ok:
        # The copy is exact, so a break travels with it; said here, in the chain, too.
        entry["source_audit"] = {"first_bad": check.first_bad, "reason": check.reason}
    opened, written = kind.create(target, dataset, settings.path("demo"), entry=entry,
                                  keep=int(settings.get("backups_keep")), replace=replace)
    opened.close()
    note = None
    try:
        source.record({k: v for k, v in written.items() if k not in ("time", "prev", "hash")})
    except StoreError as exc:  # the target is complete: the move stands, and this is said
        note = exc
    except OSError as exc:
        note = StoreError("store.audit_unwritable", location=origin,
                          detail=exc.strerror or str(exc))
    return Migration(source=origin, target=where, rows=dataset.rows(),
                     imports=len(dataset.imports), history=len(dataset.history),
                     audit=len(dataset.audit), replaced=str(written.get("replaced", "")),
                     source_audit=check, source_note=note)

