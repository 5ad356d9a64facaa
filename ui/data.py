"""The one place pages get data from: cached reads keyed on the versions of the layers they use.

Each layer has its own version (:meth:`storage.Store.versions`): a result computed from some
layers is recomputed only when one of those changes. An edited unit recomputes the units'
status, not the stations' coverage, so a saved edit shows on the pages at once.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import streamlit as st

from analysis.activity import ActivitySummary, Period, activity_summary
from analysis.coverage import Coverage, station_coverage
from analysis.districts import DistrictFigures
from analysis.metric import to_metric
from analysis.scorecard import Rubric, ScoreInputs, scorecard, supervision_list
from analysis.siting import SitingProposal, propose_stations
from analysis.township_list import TOWNSHIPS, analysed_townships, has_polygons
from analysis.units import unit_status
from analysis.visits import overdue_follow_ups
from core import settings
from core.district import district_config
from core.lang import lang_or_default
from storage import CITY, Store, open_store
from ui import map_tools
from ui.geometry import pixel_metres, simplify_for_display
from ui.maps import DISTRICT_STYLE

DISTRICT = "district"
# The district's outline is written with the townships (and is their union when absent).
_OUTLINE = TOWNSHIPS
# The layers each cached analysis reads: its cache key is their versions.
_COVERAGE = ("workstations", "communities", "townships", "religious_sites")
_ACTIVITY = ("activities", "townships")
_UNITS = ("units", "visits")
# What the scorecard's inputs read (the supervision list's and the city page's figures).
_SCORED = tuple(dict.fromkeys((*_COVERAGE, *_ACTIVITY, *_UNITS)))
_PLACES = map_tools.PLACE_LAYERS  # what a map's search box finds
# The session's district (a six-digit code; none: the dataset's own or first district).
DISTRICT_KEY = "tongxin_district"
# A cache key's first pair: whose data it is. Each district's results are its own entries.
_SCOPE = "@district"
Key = tuple[tuple[str, str], ...]
# How many districts' results the caches keep side by side: a city's database has about ten,
# and its city page asks for every one on each run. Smaller, they would evict each other and
# every visit would read and compute the districts anew (measured: the city page at 23 s).
_DISTRICTS = 12


def _key(*names: str, scope: str | None = None) -> Key:
    """Return ``((@district, code), (layer, version), ...)``: a cache key that moves with them.

    ``scope`` is a district's code (the session's when omitted).
    """
    code = scope or district_code()
    versions = store(code).versions()
    return ((_SCOPE, code), *((name, versions[name]) for name in names))


def _version(name: str) -> str:
    return store().versions()[name]


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
def _opened() -> Store:
    """Return the working dataset's store (opened once per server process)."""
    return open_store()


def district_code() -> str:
    """Return the district this session reads and writes (its account's, or the one chosen).

    Returns
    -------
    str
        A six-digit code: the session's choice (:data:`DISTRICT_KEY`, set by
        :mod:`ui.district_choice`), else the dataset's own district (the configured one when
        a database holds several).
    """
    return st.session_state.get(DISTRICT_KEY) or _opened().district_code()


def store(district: str | None = None) -> Store:
    """Return the working dataset as a district's session sees it (this session's district).

    A database holding several districts gives each its own rows only (row-level security);
    ``"city"`` reads every district's and writes none.
    """
    return _opened().scoped(district or district_code())


def district_name() -> str:
    """Return the name of the session's district (as the data gives it, else the configured)."""
    code = district_code()
    named = {row["adcode"]: row["name"] for row in districts()}
    return named.get(code) or district_config().name


def districts() -> list[dict[str, str]]:
    """Return every district of the dataset (``adcode``, ``name``), by code.

    Asked on every run (the sidebar's choice, the pages offered): kept a minute, so that a
    district moved into the database shows within one.
    """
    return [dict(row) for row in _districts()]


@st.cache_resource(ttl=60, show_spinner=False)
def _districts() -> list[dict[str, str]]:
    return store(CITY).districts()


@_shared(max_entries=8 * _DISTRICTS)
def _layer(scope: str, name: str, version: str) -> gpd.GeoDataFrame:
    # ``version`` (the layer's) is part of the cache key: a change to it reads it anew.
    return store(scope).read(name)


@_shared(max_entries=2 * _DISTRICTS)
def _analysed_townships(scope: str, name: str, version: str) -> gpd.GeoDataFrame:
    # The rows every analysis runs over: the layer's, or before its polygons are imported the
    # district's shipped township list (codes and names, no geometry).
    return analysed_townships(_layer(scope, name, version), scope)


# What an analysis reads in place of a stored layer: only the townships have a stand-in.
_FOR_ANALYSIS: dict[str, Callable[[str, str, str], gpd.GeoDataFrame]] = {
    TOWNSHIPS: _analysed_townships}


def _layers(key: Key, *names: str) -> list[gpd.GeoDataFrame]:
    """Return the layers ``key`` names as the analyses read them (townships never empty)."""
    versions = dict(key)
    return [_FOR_ANALYSIS.get(name, _layer)(versions[_SCOPE], name, versions[name])
            for name in names]


@_shared(max_entries=2 * _DISTRICTS)
def _district(scope: str, version: str) -> gpd.GeoDataFrame:
    return store(scope).read_district()


@_shared(max_entries=2 * _DISTRICTS)
def _pixel_m(scope: str, version: str, screen_px: int) -> float:
    return pixel_metres(_district(scope, version), screen_px)


@_shared(max_entries=4 * _DISTRICTS)
def _map_polygons(scope: str, name: str, version: str, screen_px: int) -> gpd.GeoDataFrame:
    pixel = _pixel_m(scope, version, screen_px)
    if name == DISTRICT:
        # Drawn as a line this many pixels wide, which hides any deviation narrower than it.
        line_px = DISTRICT_STYLE["weight"]
        return simplify_for_display(_district(scope, version), pixel * line_px)
    return simplify_for_display(_layer(scope, name, version), pixel)


@_shared(max_entries=2 * _DISTRICTS)
def _area_km2(scope: str, version: str) -> float:
    # Area in the projected metric CRS, never in degrees.
    return float(to_metric(_district(scope, version)).area.sum() / 1e6)


def district_area_km2() -> float:
    """Return the district's area in km² (EPSG:4544), cached until the dataset changes."""
    return _area_km2(district_code(), _version(_OUTLINE))


def layer(name: str, scope: str | None = None) -> gpd.GeoDataFrame:
    """Return a layer of the working dataset, cached until the dataset changes.

    Parameters
    ----------
    name : str
        A name from :data:`layers.LAYERS`.
    scope : str, optional
        A district's code; the session's district when omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        The rows, EPSG:4326.
    """
    code = scope or district_code()
    return _layer(code, name, store(code).versions()[name])


@_shared(max_entries=2 * _DISTRICTS)
def _township_names(scope: str, version: str) -> dict[str, str]:
    towns = _analysed_townships(scope, TOWNSHIPS, version)
    return dict(zip(towns["code"].astype(str), towns["name"].astype(str), strict=True))


def township_names() -> dict[str, str]:
    """Return ``{township code: name}`` of the working dataset, cached until it changes.

    While the townships layer is empty, the names are the district's shipped
    township list's (:func:`townships`).
    """
    return _township_names(district_code(), _version(TOWNSHIPS))


def townships(scope: str | None = None) -> gpd.GeoDataFrame:
    """Return the township rows the analyses run over, cached until the dataset changes.

    Parameters
    ----------
    scope : str, optional
        A district's code; the session's district when omitted.

    Returns
    -------
    geopandas.GeoDataFrame
        The townships layer; while it is empty, the district's shipped township list as its
        rows (:func:`analysis.township_list.analysed_townships`: codes, names, kinds; no
        population, no geometry).
    """
    code = scope or district_code()
    return _analysed_townships(code, TOWNSHIPS, store(code).versions()[TOWNSHIPS])


def townships_missing(scope: str | None = None) -> bool:
    """Return whether the townships layer has no polygon yet (nothing imported into it).

    Parameters
    ----------
    scope : str, optional
        A district's code; the session's district when omitted.

    Returns
    -------
    bool
        True while the maps can draw no township and the township figures come from the
        records' township codes alone.
    """
    return not has_polygons(layer(TOWNSHIPS, scope))


@_shared(max_entries=2 * _DISTRICTS)
def _places(key: Key, lang: str) -> pd.DataFrame:
    return map_tools.places(dict(zip(_PLACES, _layers(key, *_PLACES), strict=True)), lang)


def places(lang: str | None = None) -> pd.DataFrame:
    """Return what a map's search box finds, cached per version of its layers and language.

    Parameters
    ----------
    lang : str, optional
        Language of the kind labels (the ``lang`` setting when omitted).

    Returns
    -------
    pandas.DataFrame
        :func:`ui.map_tools.places` of the working dataset.
    """
    return _places(_key(*_PLACES), lang_or_default(lang))


def district() -> gpd.GeoDataFrame:
    """Return the district boundary, cached until the dataset changes."""
    return _district(district_code(), _version(_OUTLINE))


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
    return _map_polygons(district_code(), name, _version(_OUTLINE),
                         int(settings.get("map_screen_px")))


def is_demo() -> bool:
    """Return whether the working dataset is the made-up demo (示例数据)."""
    return store().is_demo()


# -- cached analysis ---------------------------------------------------------------------
# Each result is keyed on the dataset version plus only the filters it depends on, so a
# filter change recomputes what depends on it (the activity period) and nothing else
# (coverage depends on the data alone).

@_shared(max_entries=2 * _DISTRICTS)
def _coverage(key: Key) -> Coverage:
    return station_coverage(*_layers(key, *_COVERAGE))


@_shared(max_entries=64 + 4 * _DISTRICTS)
def _activity(key: Key, start: str, end: str, categories: tuple[str, ...],
              townships: tuple[str, ...]) -> ActivitySummary:
    activities, towns = _layers(key, *_ACTIVITY)
    return activity_summary(activities, towns, Period(start, end), categories or None,
                            townships or None)


@_shared(max_entries=4 * _DISTRICTS)
def _unit_status(key: Key, as_of: str) -> pd.DataFrame:
    # A unit's visits, when it has any, give its first visit and last contact.
    units, visits = _layers(key, *_UNITS)
    return unit_status(units, pd.Timestamp(as_of), visits=visits)


@_shared(max_entries=4 * _DISTRICTS)
def _follow_ups(key: Key, as_of: str) -> pd.DataFrame:
    units, visits = _layers(key, *_UNITS)
    return overdue_follow_ups(visits, units, pd.Timestamp(as_of))


@_shared(max_entries=2 * _DISTRICTS)
def _supervision(key: Key, start: str, end: str) -> pd.DataFrame:
    period = Period(start, end)
    day = period.end.isoformat()
    versions = dict(key)
    inputs = ScoreInputs(_coverage(_sub(key, _COVERAGE)),
                         _activity(_sub(key, _ACTIVITY), start, end, (), ()),
                         _unit_status(_sub(key, _UNITS), day),
                         _analysed_townships(versions[_SCOPE], TOWNSHIPS,
                                             versions[TOWNSHIPS]),
                         _follow_ups(_sub(key, _UNITS), day))
    return supervision_list(inputs, period.end)


@_shared(max_entries=16)
def _siting(key: Key, k: int, kind: str) -> SitingProposal:
    communities, towns = _layers(key, "communities", TOWNSHIPS)
    return propose_stations(_coverage(_sub(key, _COVERAGE)), communities, towns, k, kind)


def _sub(key: Key, names: tuple[str, ...]) -> Key:
    # The part of a wider key that a narrower cached result is keyed on (the same tuple as
    # _key(*names) gives, so both share one cache entry).
    versions = dict(key)
    return ((_SCOPE, versions[_SCOPE]), *((name, versions[name]) for name in names))


def coverage(scope: str | None = None) -> Coverage:
    """Return station coverage of a district (the session's) cached per version of its layers."""
    return _coverage(_key(*_COVERAGE, scope=scope))


def activity(period: Period, categories: tuple[str, ...] = (),
             townships: tuple[str, ...] = (), scope: str | None = None) -> ActivitySummary:
    """Return the "ten enters" summary for a period and filters (cached per version and filter).

    Parameters
    ----------
    period : Period
        The period.
    categories, townships : tuple of str
        Filters; empty means all.
    scope : str, optional
        A district's code; the session's district when omitted.

    Returns
    -------
    ActivitySummary
        Matrix, intensity, empty cells, trend.
    """
    return _activity(_key(*_ACTIVITY, scope=scope), period.start.isoformat(),
                     period.end.isoformat(), tuple(categories), tuple(townships))


def units(as_of: pd.Timestamp, scope: str | None = None) -> pd.DataFrame:
    """Return every stationed unit's engagement status on ``as_of`` (cached per day)."""
    return _unit_status(_key(*_UNITS, scope=scope), pd.Timestamp(as_of).normalize().isoformat())


def follow_ups(as_of: pd.Timestamp, scope: str | None = None) -> pd.DataFrame:
    """Return the visits' follow-ups overdue on ``as_of`` (cached per version and day)."""
    return _follow_ups(_key(*_UNITS, scope=scope), pd.Timestamp(as_of).normalize().isoformat())


def score_inputs(period: Period, as_of: pd.Timestamp, scope: str | None = None) -> ScoreInputs:
    """Return the scorecard's inputs from the cached analyses for ``period``."""
    return ScoreInputs(coverage(scope), activity(period, scope=scope), units(as_of, scope),
                       townships(scope), follow_ups(as_of, scope))


@_shared(max_entries=4 * _DISTRICTS)
def _district_figures(key: Key, name: str, start: str, end: str, as_of: str,
                      rubric: Rubric) -> DistrictFigures:
    adcode = dict(key)[_SCOPE]
    inputs = score_inputs(Period(start, end), pd.Timestamp(as_of), adcode)
    towns = inputs.townships
    population = float(towns["population"].sum()) if towns["population"].notna().any() \
        else float("nan")
    return DistrictFigures(adcode, name, inputs.coverage, inputs.activity, inputs.units,
                           scorecard(inputs, rubric), population)


def district_figures(adcode: str, name: str, period: Period, as_of: pd.Timestamp,
                     rubric: Rubric) -> DistrictFigures:
    """Return one district's figures for the city's comparison (its pages' own, cached).

    Parameters
    ----------
    adcode, name : str
        The district.
    period : Period
        The activity period compared.
    as_of : pandas.Timestamp
        The day the units' status is taken on.
    rubric : Rubric
        The scorecard's rubric (:func:`analysis.scorecard.load_rubric`).

    Returns
    -------
    DistrictFigures
        For :func:`analysis.districts.compare_districts`; computed once per version of the
        district's layers, period, day and rubric.
    """
    key = _key(*_SCORED, scope=adcode)
    return _district_figures(key, name, period.start.isoformat(), period.end.isoformat(),
                             pd.Timestamp(as_of).normalize().isoformat(), rubric)


def supervision(period: Period) -> pd.DataFrame:
    """Return the supervision list over ``period``, as of its last day (cached per version)."""
    return _supervision(_key(*_SCORED),
                        period.start.isoformat(), period.end.isoformat())


def siting(k: int, kind: str) -> SitingProposal:
    """Return ``k`` proposed new stations of ``kind`` (cached per version, k and kind)."""
    # The coverage's layers include the communities and townships the proposal reads.
    return _siting(_key(*_COVERAGE), int(k), kind)
