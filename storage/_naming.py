"""Names every store gives the same way: time stamps, layer versions' keys, backups' reasons."""

from __future__ import annotations

from datetime import datetime

# Backup ids, change sets and versions start with the time to the microsecond: they sort by it.
STAMP = "%Y%m%dT%H%M%S%f"
# Each layer's version is kept in the metadata as "version.<layer>".
VERSION_PREFIX = "version."
# Backups of record edits are named "<time>_edit-<layer>" and pruned apart from the others.
EDIT_PREFIX = "edit-"


def now() -> datetime:
    """Return the local time, with its offset."""
    return datetime.now().astimezone()


def reason_of(layer: str, source: str) -> str:
    """Return a backup's reason: the layer for an import, ``edit-<layer>`` for edits."""
    return layer if source == "import" else f"{EDIT_PREFIX}{layer}"
