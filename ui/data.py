"""The one place pages get data from: cached reads keyed on the working dataset's version."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.activity import ActivitySummary, Period, activity_summary
from analysis.coverage import Coverage, station_coverage
from analysis.metric import to_metric
from analysis.scorecard import ScoreInputs, supervision_list
from analysis.siting import SitingProposal, propose_stations
from analysis.units import unit_status
from core import settings
from storage import Store, open_store
from ui.geometry import pixel_metres, simplify_for_display
from ui.maps import DISTRICT_STYLE

DISTRICT = "district"


def _own(value):
    # A copy the caller may change freely: frames copied shallowly, which pandas' copy-on-write
    # (pandas 3) makes safe, as any write then copies; result objects field by field.
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return value.copy(deep=False)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _own(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, dict):
        return {k: _own(v) for k, v in value.items()}
    return value


def _shared(max_entries: int) -> Callable:
    """Cache a function's results once per process and hand each caller its own copy.

    ``st.cache_data`` pickles a result on every hit: a province's 300,000 activities took
    0.8 s to unpickle on each run. Here the result is kept as it is (``st.cache_resource``)
    and each call gets a shallow copy, O(columns), that copy-on-write keeps from touching it.
    """
    def wrap(func: Callable) -> Callable:
        cached = st.cache_resource(show_spinner=False, max_entries=max_entries)(func)

        @functools.wraps(func)
        def own(*args):
            return _own(cached(*args))

        return own
    return wrap


@st.cache_resource
def store() -> Store:
    """Return the working dataset's store (opened once per server process)."""
    return open_store()


@_shared(max_entries=32)
def _layer(name: str, version: str) -> gpd.GeoDataFrame:
    # ``version`` is part of the cache key: an import changes it and the data is read anew.
    return store().read(name)


@_shared(max_entries=4)
def _district(version: str) -> gpd.GeoDataFrame:
    return store().read_district()


@_shared(max_entries=8)
def _pixel_m(version: str, screen_px: int) -> float:
    return pixel_metres(_district(version), screen_px)


@_shared(max_entries=8)
def _map_polygons(name: str, version: str, screen_px: int) -> gpd.GeoDataFrame:
    if name == DISTRICT:
        # Drawn as a line this many pixels wide, which hides any deviation narrower than it.
        line_px = DISTRICT_STYLE["weight"]
        return simplify_for_display(_district(version), _pixel_m(version, screen_px) * line_px)
    return simplify_for_display(_layer(name, version), _pixel_m(version, screen_px))


@_shared(max_entries=4)
def _area_km2(version: str) -> float:
    # Area in the projected metric CRS, never in degrees.
    return float(to_metric(_district(version)).area.sum() / 1e6)


def district_area_km2() -> float:
    """Return the district's area in km² (EPSG:4544), cached until the dataset changes."""
    return _area_km2(store().version())


def layer(name: str) -> gpd.GeoDataFrame:
    """Return a layer of the working dataset, cached until the dataset changes.

    Parameters
    ----------
    name : str
        A name from :data:`layers.LAYERS`.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows, EPSG:4326.
    """
    return _layer(name, store().version())


@_shared(max_entries=4)
def _township_names(version: str) -> dict[str, str]:
    towns = _layer("townships", version)
    return dict(zip(towns["code"].astype(str), towns["name"].astype(str), strict=True))


def township_names() -> dict[str, str]:
    """Return ``{township code: name}`` of the working dataset, cached until it changes."""
    return _township_names(store().version())


def district() -> gpd.GeoDataFrame:
    """Return the district boundary, cached until the dataset changes."""
    return _district(store().version())


def map_layer(name: str) -> gpd.GeoDataFrame:
    """Return a polygon layer (or ``"district"``) as a map draws it, cached per dataset version.

    Outlines are simplified to about a screen pixel at the district's extent, shared edges
    kept shared, and coordinates rounded to match (:mod:`ui.geometry`): the bytes a map sends
    follow the screen rather than the survey's precision. Attributes are the layer's own.

    Parameters
    ----------
    name : str
        ``"townships"`` or ``"district"``.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows, EPSG:4326, with display geometry.
    """
    return _map_polygons(name, store().version(), int(settings.get("map_screen_px")))


def is_demo() -> bool:
    """Return whether the working dataset is the made-up demo (示例数据)."""
    return store().is_demo()


# -- cached analysis ---------------------------------------------------------------------
# Each result is keyed on the dataset version plus only the filters it depends on, so a
# filter change recomputes what depends on it (the activity period) and nothing else
# (coverage depends on the data alone).

@_shared(max_entries=8)
def _coverage(version: str) -> Coverage:
    return station_coverage(_layer("workstations", version), _layer("communities", version),
                            _layer("townships", version), _layer("religious_sites", version))


@_shared(max_entries=64)
def _activity(version: str, start: str, end: str, categories: tuple[str, ...],
              townships: tuple[str, ...]) -> ActivitySummary:
    return activity_summary(_layer("activities", version), _layer("townships", version),
                            Period(start, end), categories or None, townships or None)


@_shared(max_entries=16)
def _unit_status(version: str, as_of: str) -> pd.DataFrame:
    return unit_status(_layer("units", version), pd.Timestamp(as_of))


@_shared(max_entries=16)
def _supervision(version: str, start: str, end: str) -> pd.DataFrame:
    period = Period(start, end)
    inputs = ScoreInputs(_coverage(version), _activity(version, start, end, (), ()),
                         _unit_status(version, period.end.isoformat()),
                         _layer("townships", version))
    return supervision_list(inputs, period.end)


@_shared(max_entries=16)
def _siting(version: str, k: int, kind: str) -> SitingProposal:
    return propose_stations(_coverage(version), _layer("communities", version),
                            _layer("townships", version), k, kind)


def coverage() -> Coverage:
    """Return station coverage of the working dataset (cached per dataset version)."""
    return _coverage(store().version())


def activity(period: Period, categories: tuple[str, ...] = (),
             townships: tuple[str, ...] = ()) -> ActivitySummary:
    """Return the "ten enters" summary for a period and filters (cached per version and filter).

    Parameters
    ----------
    period : Period
        The period.
    categories, townships : tuple of str
        Filters; empty means all.

    Returns
    -------
    ActivitySummary
        Matrix, intensity, empty cells, trend.
    """
    return _activity(store().version(), period.start.isoformat(), period.end.isoformat(),
                     tuple(categories), tuple(townships))


def units(as_of: pd.Timestamp) -> pd.DataFrame:
    """Return every stationed unit's engagement status on ``as_of`` (cached per day)."""
    return _unit_status(store().version(), pd.Timestamp(as_of).normalize().isoformat())


def score_inputs(period: Period, as_of: pd.Timestamp) -> ScoreInputs:
    """Return the scorecard's inputs from the cached analyses for ``period``."""
    return ScoreInputs(coverage(), activity(period), units(as_of), layer("townships"))


def supervision(period: Period) -> pd.DataFrame:
    """Return the supervision list over ``period``, as of its last day (cached per version)."""
    return _supervision(store().version(), period.start.isoformat(), period.end.isoformat())


def siting(k: int, kind: str) -> SitingProposal:
    """Return ``k`` proposed new stations of ``kind`` (cached per version, k and kind)."""
    return _siting(store().version(), int(k), kind)
