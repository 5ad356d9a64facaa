"""Setting up any district of China from its six-digit code (``python -m layers init``).

From the shipped division data (``layers/divisions.py``) alone: the district's name, its real
boundary, the CGCS2000 3-degree Gauss-Kruger zone of its centre (where every distance and
area is measured), its townships and villages. Setting it up writes a working dataset holding
that boundary and empty layers (never the demo), then the district file's ``[district]``
keys; the layers' templates then list its own townships and villages.

Nothing is changed when the code names no district, the district has no shipped boundary, the
district file cannot be rewritten, or the working dataset holds an office's records (neither
the untouched demo's nor none at all) and ``replace`` was not given. With ``replace`` the
previous data is kept aside by the store (a GeoPackage as a backup; a database's schemas
renamed).
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from core import settings
from core.district import load, rewrite_district, shape_problems
from core.errors import ConfigError, TongxinError
from core.projection import gauss_kruger_epsg
from layers import LAYERS, divisions
from storage import (
    CITY,
    Dataset,
    Store,
    StoreError,
    holds_nothing_of_its_own,
    open_store,
    store_class,
)
from storage.dtypes import empty_layer

# The store errors that mean "the target holds data": said here as the setup's own refusal.
_OCCUPIED = ("store.gpkg_not_empty", "store.pg_not_empty")


class SetupError(TongxinError):
    """A district could not be set up; nothing was changed."""


@dataclass(frozen=True)
class DistrictPlan:
    """What setting a district up would write, worked out and checked, nothing written.

    Attributes
    ----------
    division : layers.divisions.Division
        The district, its city and province.
    boundary : geopandas.GeoDataFrame
        One row (``name``, ``adcode``), EPSG:4326.
    crs : str
        ``"EPSG:NNNN"``: the CGCS2000 3-degree Gauss-Kruger zone of its centre.
    centre : tuple of float
        A point inside it (longitude, latitude), rounded to 4 decimals.
    area_km2 : float
        Its area, measured in ``crs``.
    townships, villages : int
        How many townships and villages/communities its templates will list.
    """

    division: divisions.Division
    boundary: gpd.GeoDataFrame
    crs: str
    centre: tuple[float, float]
    area_km2: float
    townships: int
    villages: int


@dataclass(frozen=True)
class SetUp:
    """A district set up: where its dataset and configuration now are.

    Attributes
    ----------
    plan : DistrictPlan
        What was written.
    location : str
        The working dataset (a path; a database without password).
    config : str
        The district file rewritten.
    replaced : str
        Where the previous data was kept ("" when there was none, or only the demo's).
    entry : dict
        The ``init`` entry of the new dataset's audit log.
    """

    plan: DistrictPlan
    location: str
    config: str
    replaced: str
    entry: dict


def plan_district(adcode: str) -> DistrictPlan:
    """Return what setting up district ``adcode`` would write; nothing is written.

    Parameters
    ----------
    adcode : str
        Six digits: a county-level district's code.

    Returns
    -------
    DistrictPlan
        Its name, boundary, CRS, centre, area and the number of townships and villages.

    Raises
    ------
    layers.divisions.DivisionError
        A malformed or unknown code, a province's or a city's code (naming its districts),
        or a district without a shipped boundary.
    """
    division = divisions.lookup(str(adcode).strip())
    outline = divisions.boundary(division.adcode)
    point = outline.geometry.iloc[0].representative_point()
    crs = f"EPSG:{gauss_kruger_epsg(point.x)}"
    boundary = gpd.GeoDataFrame({"name": [division.name], "adcode": [division.adcode]},
                                geometry=list(outline.geometry), crs=outline.crs).to_crs(4326)
    area = float(boundary.to_crs(crs).area.sum() / 1e6)
    return DistrictPlan(division, boundary, crs, (round(point.x, 4), round(point.y, 4)), area,
                        len(divisions.townships(division.adcode)),
                        len(divisions.villages(division.adcode)))


def set_up_district(adcode: str, user: str, replace: bool = False) -> SetUp:
    """Make district ``adcode`` the working dataset's (boundary, empty layers) and the config's.

    Parameters
    ----------
    adcode : str
        The district's six-digit code.
    user : str
        Who sets it up, for the audit log.
    replace : bool
        Whether a working dataset holding real data (not the demo) may be replaced; its data
        is kept aside by the store, never dropped.

    Returns
    -------
    SetUp
        What was written where.

    Raises
    ------
    layers.divisions.DivisionError
        As :func:`plan_district`.
    SetupError
        The working dataset holds real data and ``replace`` is false, or the district file
        cannot be rewritten; nothing was changed.
    """
    plan = plan_district(adcode)
    config = str(settings.path("district_config"))
    text = _new_config(config, plan)
    location = str(settings.get("data"))
    store = open_store()  # the working dataset as it is: on a fresh install, the demo's copy
    try:
        replace = replace or _replaceable(store)
    finally:
        store.close()
    entry = {"action": "init", "district": plan.division.adcode, "name": plan.division.name,
             "crs": plan.crs, "user": user}
    try:
        opened, written = store_class(location).create(
            location, _dataset(plan), settings.path("demo"), entry=entry,
            keep=int(settings.get("backups_keep")), replace=replace)
    except StoreError as exc:
        if exc.key in _OCCUPIED:
            raise SetupError("setup.occupied", location=store.location(),
                             district=plan.division.label) from exc
        raise
    opened.close()
    _write_config(config, text)
    return SetUp(plan, opened.location(), config, str(written.get("replaced", "")), written)


def _dataset(plan: DistrictPlan) -> Dataset:
    """Return the new district's dataset: its boundary, every layer empty, nothing else."""
    layers = {name: empty_layer(schema) for name, schema in LAYERS.items()}
    meta = {"demo": "false", "source": f"python -m layers init {plan.division.adcode}",
            "district": plan.division.adcode}
    return Dataset(layers=layers, district=plan.boundary, meta=meta)


def _replaceable(store: Store) -> bool:
    """Return whether no district of the dataset holds an office's records.

    A fresh install's demo, or a district just set up whose layers are still empty (a code
    mistyped a minute ago), is replaced without asking.
    """
    return all(holds_nothing_of_its_own(store.scoped(row["adcode"]))
               for row in store.scoped(CITY).districts())


def _new_config(path: str, plan: DistrictPlan) -> str:
    """Return the district file with the new district's keys, checked as the loader checks it."""
    text = rewrite_district(path, {"name": plan.division.name, "adcode": plan.division.adcode,
                                   "centre": plan.centre, "crs": plan.crs})
    found = shape_problems(tomllib.loads(text), path)
    if found:  # the rest of the file was already wrong: said before anything is written
        raise ConfigError(found)
    folder = Path(path).parent
    if not os.access(folder, os.W_OK) or (Path(path).exists() and not os.access(path, os.W_OK)):
        raise SetupError("setup.config_unwritable", path=path)
    return text


def _write_config(path: str, text: str) -> None:
    """Write the district file whole (a reader sees the old file or the new one), reload it."""
    folder = Path(path).parent
    handle, staged = tempfile.mkstemp(prefix=".district.", suffix=".toml", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(staged, path)
    except OSError as exc:
        Path(staged).unlink(missing_ok=True)
        raise SetupError("setup.config_unwritable", path=path) from exc
    load.cache_clear()
