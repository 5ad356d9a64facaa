"""Checking and importing a file into the working dataset: the one path every import takes."""

from __future__ import annotations

from pathlib import Path

from core.actor import current_user
from layers import LAYERS
from layers.context import Context
from layers.validate import Report, validate_file
from storage import Backup, ImportRecord, Store, open_store


def check(layer: str, path: str | Path, *, crs: str | None = None, part: str | None = None,
          store: Store | None = None) -> Report:
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

    Returns
    -------
    Report
        Every error and warning, and the converted rows when valid.
    """
    if layer not in LAYERS:
        msg = f"unknown layer {layer!r}; one of {', '.join(LAYERS)}"
        raise KeyError(msg)
    store = store or open_store()
    return validate_file(layer, path, Context.from_store(store), crs=crs, part=part)


def import_file(layer: str, path: str | Path, *, crs: str | None = None,
                part: str | None = None, store: Store | None = None,
                user: str | None = None) -> tuple[Report, Backup | None]:
    """Validate a file and, when it is valid, replace ``layer`` in the working dataset.

    The replacement is atomic: on any failure the working dataset is unchanged; on success
    the previous version is kept as a backup and the audit log records the import.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    path : str or pathlib.Path
        The file.
    crs : str, optional
        Declared coordinate system.
    part : str, optional
        Sheet or layer to read.
    store : Store, optional
        The working dataset; the configured one when omitted.
    user : str, optional
        Who imports, for the audit log; the ``user`` setting or the login name by default.

    Returns
    -------
    tuple
        The report, and the backup of the previous version (None when nothing was imported).
    """
    store = store or open_store()
    report = check(layer, path, crs=crs, part=part, store=store)
    if not report.ok or report.frame is None:
        return report, None
    record = ImportRecord(layer, Path(path).name, report.sha256, len(report.frame),
                          user or current_user())
    return report, store.replace(layer, report.frame, record)
