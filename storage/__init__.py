"""Where the working dataset lives, behind one small interface (GeoPackage now, PostGIS later)."""

from __future__ import annotations

from core import settings
from storage.base import (
    AuditCheck,
    Backup,
    ImportRecord,
    RecordChange,
    Store,
    StoreConflictError,
    StoreError,
    last_import_time,
    recovery_message,
    recovery_note,
)
from storage.gpkg import GeoPackageStore
from storage.postgis import PostGISStore

__all__ = ["STORES", "AuditCheck", "Backup", "GeoPackageStore", "ImportRecord", "PostGISStore",
           "RecordChange", "Store", "StoreConflictError", "StoreError", "last_import_time",
           "open_store", "recovery_message", "recovery_note"]

# The registry of store implementations, chosen by the data setting's form: a file path ends
# in .gpkg; a database is a postgresql:// (or postgres://) address.
STORES: dict[str, type[Store]] = {"gpkg": GeoPackageStore, "postgresql": PostGISStore,
                                  "postgres": PostGISStore}


def open_store() -> Store:
    """Return the working dataset's store, as the ``data`` setting names it.

    Returns
    -------
    Store
        A store; created from the shipped demo on first use.
    """
    target = str(settings.get("data"))
    scheme = target.split("://", 1)[0] if "://" in target else target.rsplit(".", 1)[-1].lower()
    if scheme not in STORES:
        raise StoreError("store.unsupported", target=target, known=", ".join(STORES))
    return STORES[scheme].from_settings()
