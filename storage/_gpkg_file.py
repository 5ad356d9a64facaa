"""A whole dataset written as a new GeoPackage file: the demo, a benchmark's district, a move.

Every table of a Tongxin GeoPackage is written here or by the store's own writes: the layers
and the district through GDAL (so QGIS opens them), the bookkeeping tables through SQLite
(storage/_tables.py, storage/_history.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from layers import LAYERS
from storage import _history, _tables
from storage._naming import new_dataset_meta, now
from storage.base import Dataset, ImportRecord
from storage.dtypes import to_schema_types

DISTRICT_TABLE = "district"


def write_table(path: Path, table: str, frame: gpd.GeoDataFrame, append: bool = False) -> None:
    """Write ``frame`` as the table ``table`` of the GeoPackage ``path`` (or add its rows).

    Parameters
    ----------
    path : pathlib.Path
        The GeoPackage (created if missing).
    table : str
        The table; replaced unless ``append``.
    frame : geopandas.GeoDataFrame
        The rows, in EPSG:4326.
    append : bool
        Add the rows to the existing table instead.
    """
    geometry_type = "Unknown"
    if frame.geometry.notna().any():
        types = set(frame.geometry.dropna().geom_type)
        geometry_type = types.pop() if len(types) == 1 else "Unknown"
    # Polygons go in as MultiPolygon so a township in two parts and one in one share a type.
    promote = bool(set(frame.geometry.dropna().geom_type) & {"Polygon", "MultiPolygon"}) \
        and not set(frame.geometry.dropna().geom_type) & {"Point"}
    if append:
        # The table keeps its declared geometry type; polygons still go in as MultiPolygon.
        pyogrio.write_dataframe(frame, path, layer=table, driver="GPKG", append=True,
                                promote_to_multi=promote or None)
        return
    pyogrio.write_dataframe(frame, path, layer=table, driver="GPKG",
                            promote_to_multi=promote or None,
                            geometry_type=None if promote else geometry_type)


def write_file(path: Path, dataset: Dataset) -> None:
    """Write ``dataset`` (all but its audit log, which lives beside) as the new file ``path``.

    Parameters
    ----------
    path : pathlib.Path
        A GeoPackage that does not exist yet (a staged name: the caller renames it in).
    dataset : Dataset
        Every layer, the district, metadata, import records and history.
    """
    missing = set(LAYERS) - set(dataset.layers)
    if missing:
        msg = f"a dataset needs every layer; missing {sorted(missing)}"
        raise ValueError(msg)
    for name, schema in LAYERS.items():
        write_table(path, name, to_schema_types(schema, dataset.layers[name]).to_crs(4326))
    write_table(path, DISTRICT_TABLE, dataset.district.to_crs(4326))
    _tables.update_meta(path, new_dataset_meta(dataset.meta, LAYERS))
    _tables.insert_imports(path, dataset.imports)
    if dataset.history:
        _history.write_rows(path, dataset.history)


def as_text(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` with every attribute column as text objects (None where missing).

    The district's columns are text in every store; GDAL's reader types them as pandas
    strings, a database's as objects: a dataset read from either compares equal.
    """
    out = frame.copy()
    for column in out.columns:
        if column != out.geometry.name:
            out[column] = pd.Series([None if pd.isna(v) else str(v) for v in out[column]],
                                    index=out.index, dtype=object)
    return out


def occupied(path: Path, audit_path: Path) -> str:
    """Return what already holds data at a dataset's place ("" when nothing does).

    Empty: the GeoPackage does not exist or is an empty file, and there is no audit log (or
    an empty one) beside it. A log without its file is a dataset's history all the same.

    Parameters
    ----------
    path : pathlib.Path
        The GeoPackage.
    audit_path : pathlib.Path
        Its audit log.

    Returns
    -------
    str
        The names of the files found, comma-separated.
    """
    found = [file.name for file in (path, audit_path)
             if file.is_file() and file.stat().st_size > 0]
    return ", ".join(found)


def create_dataset(path: Path, frames: dict[str, gpd.GeoDataFrame], district: gpd.GeoDataFrame,
                   meta: dict[str, str], record: ImportRecord | None = None) -> None:
    """Write a complete new dataset (every layer, the district boundary and metadata).

    Used to build the shipped demo and the benchmarks' synthetic districts; the file is
    written beside ``path`` and renamed into place, never half-written.

    Parameters
    ----------
    path : pathlib.Path
        The GeoPackage to create (replaced if it exists).
    frames : dict
        ``{layer name: GeoDataFrame}`` with canonical columns; every layer of the registry.
    district : geopandas.GeoDataFrame
        The district boundary, one row.
    meta : dict
        Key/value metadata, e.g. ``{"demo": "true", "source": ...}``.
    record : ImportRecord, optional
        Template of the import record written for every layer (its layer and rows are filled).
    """
    path = Path(path)
    missing = set(LAYERS) - set(frames)
    if missing:
        msg = f"create_dataset needs every layer; missing {sorted(missing)}"
        raise ValueError(msg)
    base = record or ImportRecord("", path.name, "", 0, "system", source="build")
    when = now().isoformat(timespec="seconds")
    imports = tuple({"layer": name, "imported_at": when, "file_name": base.file_name,
                     "sha256": base.sha256, "rows": len(frames[name]), "user": base.user,
                     "source": base.source} for name in LAYERS)
    staged = path.with_name(f".{path.stem}.{os.getpid()}.new.gpkg")
    staged.unlink(missing_ok=True)
    try:
        write_file(staged, Dataset(dict(frames), district, dict(meta), imports))
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)
