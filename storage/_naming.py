"""Names every store gives the same way: time stamps, layer versions' keys, backups' reasons."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import datetime

# Backup ids, change sets and versions start with the time to the microsecond: they sort by it.
STAMP = "%Y%m%dT%H%M%S%f"
# Each layer's version is kept in the metadata as "version.<layer>".
VERSION_PREFIX = "version."
# The password of an address (scheme://user:password@host...), cut before it is shown.
_PASSWORD = re.compile(r"(://[^:/@]*):[^@/]*@")
# The scope of a store reading every district and writing none (``Store.scoped``).
CITY = "city"
# Backups of record edits are named "<time>_edit-<layer>" and pruned apart from the others.
EDIT_PREFIX = "edit-"


def now() -> datetime:
    """Return the local time, with its offset."""
    return datetime.now().astimezone()


def reason_of(layer: str, source: str) -> str:
    """Return a backup's reason: the layer for an import, ``edit-<layer>`` for edits."""
    return layer if source == "import" else f"{EDIT_PREFIX}{layer}"


def new_dataset_meta(meta: dict[str, str], layers: Iterable[str]) -> dict[str, str]:
    """Return the metadata a newly written dataset starts with: ``meta``, completed.

    A demo names its demo layers (every one, unless said); a layer without a version gets one,
    the same for all, new: caches made from another copy of the data are not reused for it.

    Parameters
    ----------
    meta : dict
        The metadata given (``demo``, ``source``... and any ``version.<layer>`` kept).
    layers : iterable of str
        Every layer's name.

    Returns
    -------
    dict
        A new dict.
    """
    names = list(layers)
    out = dict(meta)
    if out.get("demo") == "true":
        out.setdefault("demo_layers", ",".join(names))
    built = f"{now().strftime(STAMP)}-{uuid.uuid4().hex[:8]}"
    for name in names:
        out.setdefault(f"{VERSION_PREFIX}{name}", built)
    return out


def hide_password(address: str) -> str:
    """Return ``address`` (``scheme://user:password@host/...``) without its password."""
    return _PASSWORD.sub(r"\1@", address)
