"""A small JSON file shared by every dashboard process: locked while read and changed."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def locked_json(path: Path) -> Iterator[dict]:
    """Yield the file's content (owner-only, made if missing) under an exclusive lock.

    A damaged file reads as empty. What the caller changed is written back when it leaves;
    an unchanged state is not written (most uses only read).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        text = fh.read()
        try:
            state = json.loads(text) if text.strip() else {}
        except ValueError:
            state = {}
        before = json.dumps(state, sort_keys=True)
        yield state
        after = json.dumps(state, sort_keys=True)
        if after != before:
            fh.seek(0)
            fh.truncate()
            fh.write(after)
