"""Where the working dataset lives, behind one small interface (GeoPackage now, PostGIS later)."""

from __future__ import annotations

from core import settings
from storage._naming import CITY, hide_password
from storage.base import (
    AuditCheck,
    Backup,
    Dataset,
    ImportRecord,
    RecordChange,
    Store,
    StoreConflictError,
    StoreError,
    holds_nothing_of_its_own,
    last_import_time,
    recovery_message,
    recovery_note,
)
from storage.gpkg import GeoPackageStore
from storage.postgis import PostGISStore

__all__ = ["CITY", "STORES", "AuditCheck", "Backup", "Dataset", "GeoPackageStore", "ImportRecord",
           "PostGISStore", "RecordChange", "Store", "StoreConflictError", "StoreError",
           "holds_nothing_of_its_own", "kind_of", "last_import_time", "open_store",
           "recovery_message", "recovery_note", "store_class"]

# The registry of store implementations, chosen by the data setting's form: a file path ends
# in .gpkg; a database is a postgresql:// (or postgres://) address.
STORES: dict[str, type[Store]] = {"gpkg": GeoPackageStore, "postgresql": PostGISStore,
                                  "postgres": PostGISStore}


def kind_of(location: str) -> str:
    """Return the key of :data:`STORES` a location's form names (maybe none of them).

    Parameters
    ----------
    location : str
        A file path (its suffix, lower case, without the dot) or an address (its scheme).

    Returns
    -------
    str
        ``"gpkg"``, ``"postgresql"``...; anything else is no store's.
    """
    if "://" in location:
        return location.split("://", 1)[0].lower()
    return location.rsplit(".", 1)[-1].lower() if "." in location else ""


def store_class(location: str, unknown: str = "store.unsupported") -> type[Store]:
    """Return the store implementation for ``location``.

    Parameters
    ----------
    location : str
        As the ``data`` setting gives one.
    unknown : str
        The message key of the :class:`StoreError` raised for a form no store takes (its
        parameters: ``target``, ``known``).

    Returns
    -------
    type
        A class of :data:`STORES`.
    """
    found = STORES.get(kind_of(location))
    if found is None:
        # The address as given may hold a password: only its form is shown.
        shown = hide_password(location)
        raise StoreError(unknown, target=shown, known=", ".join(STORES))
    return found


def open_store() -> Store:
    """Return the working dataset's store, as the ``data`` setting names it.

    Returns
    -------
    Store
        A store; created from the shipped demo on first use.
    """
    return store_class(str(settings.get("data"))).from_settings()
