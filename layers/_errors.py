"""Errors of reading and checking a file; each carries a catalog key (see :mod:`core.errors`)."""

from __future__ import annotations

from core.errors import TongxinError


class ReadError(TongxinError):
    """A file could not be read at all: empty, of the wrong kind, damaged, or unsupported."""


class CrsError(TongxinError):
    """Coordinates whose reference system is unknown, undeclared or unsupported."""
