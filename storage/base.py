"""The storage interface every store implements, and the records it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd


@dataclass(frozen=True)
class ImportRecord:
    """Who replaced a layer with what: written to the audit log and the dataset's import table."""

    layer: str
    file_name: str
    sha256: str
    rows: int
    user: str
    source: str = "import"


@dataclass(frozen=True)
class Backup:
    """One kept previous version of the working dataset."""

    id: str
    created: str
    size: int
    reason: str


class Store(Protocol):
    """What Tongxin needs of the place its working dataset lives."""

    def read(self, layer: str) -> gpd.GeoDataFrame:
        """Return a layer, typed per its schema, in EPSG:4326."""

    def read_district(self) -> gpd.GeoDataFrame:
        """Return the district boundary (one polygon row)."""

    def replace(self, layer: str, frame: gpd.GeoDataFrame, record: ImportRecord) -> Backup:
        """Replace a layer atomically, keep the previous version as a backup, audit it."""

    def imports(self) -> list[dict]:
        """Return the latest import of every layer (layer, time, file, sha256, rows, user)."""

    def version(self) -> str:
        """Return a token that changes whenever the data changes (for cache keys)."""

    def backups(self) -> list[Backup]:
        """Return the kept backups, newest first."""

    def restore(self, backup_id: str, user: str) -> Backup:
        """Make a backup the working dataset again (the current one is backed up first)."""

    def record(self, entry: dict) -> None:
        """Append an entry (who did what) to the audit log."""

    def audit(self) -> list[dict]:
        """Return the audit log, oldest first."""
