"""Checking and importing a file into the working dataset: the one path every import takes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.actor import current_user
from layers import LAYERS
from layers.context import Context
from layers.validate import Report, validate_file
from ledger.changes import Plan, needs_whole_layer, plan_import
from ledger.scope import scope_issues
from storage import Backup, ImportRecord, Store, StoreConflictError, open_store

# A write retries when another one lands between reading the layer and writing it.
_ATTEMPTS = 3


@dataclass
class Outcome:
    """What checking, planning and (perhaps) writing one file came to.

    Attributes
    ----------
    report : Report
        The file's validation: every error and warning.
    plan : Plan or None
        What the file changes (None when the file itself is refused).
    backup : Backup or None
        The previous version, when the change was written.
    needs_confirmation : bool
        A replace would remove more than half of the layer and was not confirmed.
    """

    report: Report
    plan: Plan | None = None
    backup: Backup | None = None
    needs_confirmation: bool = False

    @property
    def ok(self) -> bool:
        """Whether the file is valid and its change allowed (confirmation aside)."""
        return self.report.ok and self.plan is not None and self.plan.ok

    @property
    def written(self) -> bool:
        """Whether the change was written."""
        return self.backup is not None


def check(layer: str, path: str | Path, *, crs: str | None = None, part: str | None = None,
          store: Store | None = None, context: Context | None = None) -> Report:
    """Validate a file for ``layer`` against the working dataset, changing nothing.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    path : str or pathlib.Path
        The file.
    crs : str, optional
        Declared coordinate system (``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09``, ``EPSG:n``).
    part : str, optional
        Sheet or layer to read.
    store : Store, optional
        The working dataset; the configured one when omitted.
    context : Context, optional
        The dataset's reference data, when the caller has it already (it plans next).

    Returns
    -------
    Report
        Every error and warning, and the converted rows when valid.
    """
    if layer not in LAYERS:
        msg = f"unknown layer {layer!r}; one of {', '.join(LAYERS)}"
        raise KeyError(msg)
    context = context or Context.from_store(store or open_store())
    return validate_file(layer, path, context, crs=crs, part=part)


def preview(layer: str, path: str | Path, *, mode: str = "replace",
            on_duplicate: str = "refuse", crs: str | None = None, part: str | None = None,
            store: Store | None = None, scope: frozenset[str] | None = None) -> Outcome:
    """Check a file and plan its change to ``layer``, writing nothing (``--dry-run``).

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    path : str or pathlib.Path
        The file.
    mode : str
        ``replace``, ``append`` or ``update`` (see :mod:`ledger.changes`).
    on_duplicate : str
        For ``append``: ``refuse``, ``skip`` or ``update`` an id already in the layer.
    crs, part : str, optional
        As for :func:`check`.
    store : Store, optional
        The working dataset; the configured one when omitted.
    scope : frozenset of str, optional
        The account's township codes; ``None`` for the whole district.

    Returns
    -------
    Outcome
        The report and, when the file is valid, the plan (counts, records, refusals).
    """
    store = store or open_store()
    context = Context.from_store(store)
    report = check(layer, path, crs=crs, part=part, store=store, context=context)
    return _plan(layer, report, store, context, mode, on_duplicate, scope)


def apply_import(layer: str, path: str | Path, *, mode: str = "replace",
                 on_duplicate: str = "refuse", crs: str | None = None,
                 part: str | None = None, store: Store | None = None,
                 user: str | None = None, scope: frozenset[str] | None = None,
                 confirmed: bool = False) -> Outcome:
    """Check a file and, when it is valid and allowed, write its change as one change set.

    The write is atomic: on any refusal or failure the working dataset is unchanged; on
    success the previous version is kept as a backup, every changed record's history is
    kept and the audit log records the change set.

    Parameters
    ----------
    layer, path, mode, on_duplicate, crs, part, store, scope
        As for :func:`preview`.
    user : str, optional
        Who imports, for the history and the audit log; the ``user`` setting by default.
    confirmed : bool
        Whether a replace removing more than half of the layer was confirmed (``--yes``).

    Returns
    -------
    Outcome
        ``backup`` is set when the change was written.
    """
    store = store or open_store()
    context = Context.from_store(store)
    report = check(layer, path, crs=crs, part=part, store=store, context=context)
    schema = LAYERS[layer]
    for _ in range(_ATTEMPTS):
        version = store.version()
        outcome = _plan(layer, report, store, context, mode, on_duplicate, scope)
        if not outcome.ok or outcome.plan is None or report.frame is None:
            return outcome
        plan = outcome.plan
        if plan.removes_most() and not confirmed:
            outcome.needs_confirmation = True
            return outcome
        record = ImportRecord(layer, Path(path).name, report.sha256, len(report.frame),
                              user or current_user())
        changes = plan.record_changes(schema.id_column)
        try:
            if plan.appended is not None:
                outcome.backup = store.append(layer, plan.appended, record, changes,
                                              expected_version=version)
            else:
                assert plan.frame is not None  # a plan that is not an append holds the layer
                outcome.backup = store.replace(layer, plan.frame, record, changes,
                                               expected_version=version)
        except StoreConflictError:
            continue  # someone else wrote meanwhile: plan again against their version
        return outcome
    raise StoreConflictError("store.conflict", layer=schema.label)


def import_file(layer: str, path: str | Path, *, crs: str | None = None,
                part: str | None = None, store: Store | None = None,
                user: str | None = None) -> tuple[Report, Backup | None]:
    """Validate a file and, when it is valid, replace ``layer`` with it (confirmed).

    The shortcut scripts and tests use; :func:`apply_import` takes modes and scopes.

    Parameters
    ----------
    layer, path, crs, part, store, user
        As for :func:`apply_import`.

    Returns
    -------
    tuple
        The report, and the backup of the previous version (None when nothing was imported).
    """
    outcome = apply_import(layer, path, crs=crs, part=part, store=store, user=user,
                           confirmed=True)
    return outcome.report, outcome.backup


def _plan(layer: str, report: Report, store: Store, context: Context, mode: str,
          on_duplicate: str, scope: frozenset[str] | None) -> Outcome:
    if not report.ok or report.frame is None:
        return Outcome(report)
    schema = LAYERS[layer]
    # An append reads the layer's ids alone: a month's sheet never reads the province's years.
    current = (store.read(layer) if needs_whole_layer(mode, on_duplicate)
               else store.read_keys(layer))
    plan = plan_import(schema, current, report.frame, mode=mode, on_duplicate=on_duplicate,
                       generated=report.generated_ids, rows=report.row_numbers)
    if plan.ok:
        plan.refused.extend(scope_issues(schema, plan, scope, context.township_name))
    return Outcome(report, plan)
