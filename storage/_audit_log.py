"""The audit log as a hash chain: each entry carries the hash of the one before it.

The log is a JSON-lines file beside the dataset. Every entry written by this module has
``prev`` (the previous entry's ``hash``) and ``hash`` (SHA-256 of the entry's canonical JSON
without ``hash``). Editing an entry breaks its own hash; deleting or inserting one breaks the
next entry's ``prev``; cutting entries off the end is caught by the head file beside the log
(``<log>.head``: how many entries there are and the last hash), rewritten with every entry.

Entries written before the chain existed (no ``hash``) are sealed, not rewritten: the first
chained entry's ``prev`` is the hash of those lines' exact bytes, so changing any of them
breaks the chain there. Restoring a dataset backup leaves the log alone, so the chain goes
on across restores and upgrades.

Appends hold an exclusive lock on the log (``flock``), so two processes never chain to the
same previous entry.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from storage.base import AuditCheck

GENESIS = "0" * 64


def _digest(entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _seal(lines: list[bytes]) -> str:
    # The hash of the unchained lines' exact bytes (newlines included): the chain's start.
    return hashlib.sha256(b"".join(lines)).hexdigest() if lines else GENESIS


def _head_path(path: Path) -> Path:
    return path.with_name(path.name + ".head")


@contextmanager
def _locked(path: Path) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _raw_lines(path: Path) -> list[bytes]:
    if not path.exists():
        return []
    with open(path, "rb") as fh:
        return [line for line in fh if line.strip()]


def _last_hash(lines: list[bytes]) -> str:
    """Return the hash the next entry chains to."""
    unchained: list[bytes] = []
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            entry = None
        if isinstance(entry, dict) and "hash" in entry:
            return str(entry["hash"])
        unchained.append(line)
    return _seal(list(reversed(unchained)))


def append(path: Path, entry: dict) -> dict:
    """Append ``entry`` to the log at ``path``, chained to the entry before it.

    Parameters
    ----------
    path : pathlib.Path
        The JSON-lines log (created owner-only if missing).
    entry : dict
        The entry (``time`` and what was done); ``prev`` and ``hash`` are added.

    Returns
    -------
    dict
        The entry as written.
    """
    with _locked(path) as fd:
        lines = _raw_lines(path)
        chained = chain(entry, _last_hash(lines))
        os.write(fd, (json.dumps(chained, ensure_ascii=False) + "\n").encode("utf-8"))
        os.fsync(fd)
        _write_head(path, len(lines) + 1, chained["hash"])
    return chained


def texts(path: Path) -> list[str]:
    """Return the log's lines as written, oldest first, each without its newline.

    The exact texts, not parsed entries: a copy of the log elsewhere (another store) keeps
    every hash and the seal of unchained lines.

    Parameters
    ----------
    path : pathlib.Path
        The log (no lines when it does not exist).

    Returns
    -------
    list of str
        One text per line.
    """
    return [line.decode("utf-8").removesuffix("\n") for line in _raw_lines(path)]


def encoded(lines: Sequence[str]) -> list[bytes]:
    """Return log lines (:func:`texts`) as the bytes a log file holds, newlines included.

    The seal of unchained lines is over those bytes: a log kept as texts (a database table)
    is checked as this.
    """
    return [(line + "\n").encode("utf-8") for line in lines]


def follows(lines: Sequence[str]) -> str:
    """Return the hash an entry appended after ``lines`` (:func:`texts`) chains to."""
    return _last_hash(encoded(lines))


def rewrite(path: Path, lines: Sequence[str], entry: dict) -> dict:
    """Make the log at ``path`` hold exactly ``lines``, then ``entry`` chained after them.

    For a dataset written whole (moved from another store): its log arrives as it was, and
    the entry saying so continues the chain. Written in place under the log's lock, so an
    append waiting for the lock chains to the new log, not to a replaced file.

    Parameters
    ----------
    path : pathlib.Path
        The log (created owner-only if missing; its previous content is dropped).
    lines : sequence of str
        The entries' exact texts, oldest first (:func:`texts`).
    entry : dict
        The entry to append (``time`` and what was done); ``prev`` and ``hash`` are added.

    Returns
    -------
    dict
        The entry as written.
    """
    raw = encoded(lines)
    chained = chain(entry, _last_hash(raw))
    raw.append((json.dumps(chained, ensure_ascii=False) + "\n").encode("utf-8"))
    with _locked(path) as fd:
        os.ftruncate(fd, 0)
        data = memoryview(b"".join(raw))
        while data:  # os.write may write less than asked
            data = data[os.write(fd, data):]
        os.fsync(fd)
        _write_head(path, len(raw), chained["hash"])
    return chained


def chain(entry: dict, prev: str) -> dict:
    """Return ``entry`` chained to the entry whose hash is ``prev`` (``prev`` and ``hash`` added).

    Parameters
    ----------
    entry : dict
        The entry.
    prev : str
        The previous entry's ``hash`` (:data:`GENESIS` for the first).

    Returns
    -------
    dict
        The entry as it is to be written.
    """
    chained = {**entry, "prev": prev}
    chained["hash"] = _digest(chained)
    return chained


def _write_head(path: Path, count: int, last: str) -> None:
    head = _head_path(path)
    staged = head.with_name(head.name + ".tmp")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"entries": count, "last": last}, fh)
    os.replace(staged, head)


def read(path: Path) -> list[dict]:
    """Return the log's entries, oldest first (lines that are not JSON objects left out)."""
    out = []
    for line in _raw_lines(path):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out


def verify(path: Path) -> AuditCheck:
    """Check every entry of the log at ``path`` against the chain and the head file.

    Parameters
    ----------
    path : pathlib.Path
        The log.

    Returns
    -------
    AuditCheck
        The number of entries and the first that does not match, with why.
    """
    lines = _raw_lines(path)
    broken, last = _walk(lines)
    return broken or _check_head(path, lines, last)


def verify_lines(lines: list[bytes], head: dict | None) -> AuditCheck:
    """Check log lines (JSON, oldest first) against the chain and a head record.

    The same checks as :func:`verify`, for a log kept elsewhere than a file (a database
    table): ``head`` is what was recorded with the last entry (``entries``, ``last``), or
    ``None`` when nothing was.

    Parameters
    ----------
    lines : list of bytes
        The entries' exact JSON texts.
    head : dict or None
        The head record.

    Returns
    -------
    AuditCheck
        The number of entries and the first that does not match, with why.
    """
    broken, last = _walk(lines)
    if broken:
        return broken
    if head is None:
        return AuditCheck(len(lines)) if last is None else \
            AuditCheck(len(lines), len(lines) + 1, "head")
    return _compare_head(head, lines, last)


def _walk(lines: list[bytes]) -> tuple[AuditCheck | None, str | None]:
    """Return the first entry breaking the chain (or None) and the last entry's hash."""
    unchained: list[bytes] = []
    previous: str | None = None
    for number, line in enumerate(lines, start=1):
        try:
            entry = json.loads(line)
        except ValueError:
            return AuditCheck(len(lines), number, "json"), previous
        if not isinstance(entry, dict):
            return AuditCheck(len(lines), number, "json"), previous
        if "hash" not in entry:
            if previous is not None:
                return AuditCheck(len(lines), number, "unchained"), previous
            unchained.append(line)
            continue
        expected = previous if previous is not None else _seal(unchained)
        if entry.get("prev") != expected:
            return AuditCheck(len(lines), number, "prev"), previous
        if _digest(entry) != entry["hash"]:
            return AuditCheck(len(lines), number, "hash"), previous
        previous = str(entry["hash"])
    return None, previous


def _check_head(path: Path, lines: list[bytes], last: str | None) -> AuditCheck:
    head = _head_path(path)
    if not head.exists():
        # A log from before the chain, never appended to since: nothing to compare.
        return AuditCheck(len(lines)) if last is None else \
            AuditCheck(len(lines), len(lines) + 1, "head")
    try:
        with open(head, encoding="utf-8") as fh:
            recorded = json.load(fh)
    except ValueError:
        return AuditCheck(len(lines), len(lines) + 1, "head")
    return _compare_head(recorded, lines, last)


def _compare_head(recorded: dict, lines: list[bytes], last: str | None) -> AuditCheck:
    if recorded.get("entries") != len(lines) or recorded.get("last") != last:
        # Entries cut off the end: the first missing one is the one after the last present.
        return AuditCheck(len(lines), min(len(lines), int(recorded.get("entries") or 0)) + 1,
                          "head")
    return AuditCheck(len(lines))
