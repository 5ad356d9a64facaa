"""A record's form, built from its layer's schema: one widget per column, and its location.

Each column gets a widget by its type: text, numbers and dates as text (a blank stays blank,
and what is typed is checked as an import checks a cell, with the same messages), yes/no and
listed values as a choice with a blank, townships, communities and units by name (stored by
code). A point layer's location is a coordinate system, longitude and latitude, and a map on
which a click places the point. Each problem found is shown under its field.

Everything the form holds lives in ``st.session_state`` under keys made by :func:`key` from
the form's id, so two forms on one page never share a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import shapely
import streamlit as st
from shapely.geometry import Point

from analysis.metric import metric_crs
from core.district import district_config
from core.errors import Issue
from core.i18n import t
from layers import LAYERS, Column, LayerSchema
from layers.coords import parse_coordinates, resolve_crs, to_wgs84
from ledger.records import GEOMETRY
from ledger.summary import field_label
from ui import data, filters
from ui.escape import html_text, markdown_literal
from ui.map_object import Map

# The coordinate systems a location may be typed in (the upload page offers the same) -> label.
CRS_CHOICES = {"wgs84": "edit.crs.wgs84", "cgcs2000": "edit.crs.cgcs2000",
               "gcj02": "edit.crs.gcj02", "bd09": "edit.crs.bd09"}
# ...and the district's own projected grid (its metric CRS: EPSG:4544 for 七里河区), added by
# crs_choices().
GRID_LABEL = "edit.crs.grid"


def crs_choices() -> dict[str, str]:
    """Return the coordinate systems offered, the district's own grid last (-> label key)."""
    return {**CRS_CHOICES, metric_crs().to_string(): GRID_LABEL}

# A yes/no field's choices: blank, yes, no (strings: a selectbox reads None as "no choice").
_BOOL = {"": None, "true": True, "false": False}
# The labels validation gives the location's issues (layers.validate.validate_record).
LNG_LABEL, LAT_LABEL = "经度", "纬度"
# A click is kept to 1e-7 degrees (about 1 cm), the precision records are compared at.
CLICK_DECIMALS = 7
# Around a placed point the map shows about a kilometre each way: close enough to place it.
FIT_DEGREES = 0.01
MAP_PX = 420
POINT_RADIUS, POINT_FILL = 9, "#c0392b"  # larger than any layer's dots, in the "bad" red
# Parts of a form's state besides its fields (see key()).
_TOKEN, _ISSUES, _PENDING, _CLICK, _CRS, _LNG, _LAT, _MAP, _SUBMIT = (
    "_token", "_issues", "_pending", "_click", "_crs", "_lng", "_lat", "_map", "_submit")


@dataclass(frozen=True)
class FormInput:
    """What a form holds: values as :func:`ledger.edit.save_record` takes them.

    Attributes
    ----------
    values : dict
        ``{column: value}``; a point as ``lng``/``lat`` text, or an area kept as ``geometry``.
    crs : str
        The coordinate system ``lng``/``lat`` are in (a key of :data:`CRS_CHOICES`).
    """

    values: dict[str, Any]
    crs: str


def key(form_id: str, name: str) -> str:
    """Return the session-state key of a form's field (a column's name) or state (``_...``)."""
    return f"rf:{form_id}:{name}"


def set_issues(form_id: str, issues: Iterable[Issue]) -> None:
    """Keep the problems the form shows next to its fields until it is filled anew."""
    st.session_state[key(form_id, _ISSUES)] = list(issues)


def reset(form_id: str) -> None:
    """Forget everything a form holds: it starts again from its record (or blank)."""
    prefix = key(form_id, "")
    for name in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[name]


def issue_text(issue: Issue, lang: str) -> str:
    """Return an issue's message for a markdown element: values from data shown as written."""
    return t(issue.key, lang, **{k: markdown_literal(v) if isinstance(v, str) else v
                                 for k, v in issue.params.items()})


def has_location(schema: LayerSchema, record: Mapping[str, Any] | None) -> bool:
    """Return whether the form places the record's point (not an area, kept as it is)."""
    wkt = (record or {}).get(GEOMETRY)
    if "Point" not in schema.geometry:
        return False
    return not wkt or shapely.from_wkt(wkt).geom_type == "Point"


def record_form(form_id: str, layer: str, record: Mapping[str, Any] | None, lang: str, *,
                submit: str, fixed: Mapping[str, Any] | None = None,
                disabled: bool = False,
                notes: Sequence[tuple[str, str]] = ()) -> FormInput | None:
    """Draw a record's form and its submit button; return what it holds when submitted.

    Parameters
    ----------
    form_id : str
        Names the form's state (unique on the page).
    layer : str
        A name from :data:`layers.LAYERS`.
    record : dict, optional
        The record as :func:`ledger.edit.open_record` gives it; None for a new one. When it
        changes (another record, or the same one saved), the form is filled from it anew.
    lang : str
        Language.
    submit : str
        The submit button's label.
    fixed : dict, optional
        ``{column: value}`` filled in and not editable (the unit a visit is to).
    disabled : bool
        Show everything but change nothing (a viewer, the read-only demo).
    notes : sequence of (str, str)
        ``(level, markdown)`` said just above the button, where the person who clicked it
        looks (what the last click came to): level ``success``, ``info``, ``warning``,
        ``error``.

    Returns
    -------
    FormInput or None
        The values when the button was clicked (never when ``disabled``), otherwise None.
    """
    schema = LAYERS[layer]
    fixed = dict(fixed or {})
    located = has_location(schema, record)
    _prepare(form_id, schema, record, fixed, located)
    issues: list[Issue] = st.session_state.get(key(form_id, _ISSUES), [])
    placed = {col.label for col in schema.columns} | ({LNG_LABEL, LAT_LABEL} if located
                                                      else set())
    for issue in issues:
        if issue.column not in placed:
            st.error(issue_text(issue, lang))
    columns = list(schema.columns)
    for start in range(0, len(columns), 2):
        for cell, col in zip(st.columns(2), columns[start:start + 2], strict=False):
            with cell:
                _widget(form_id, schema, col, record, fixed, lang, disabled)
                _under(issues, {col.label}, lang)
    if located:
        _location(form_id, lang, disabled, issues)
    elif record is not None and record.get(GEOMETRY):
        st.caption(t("edit.shape_kept", lang))
    for level, text in notes:
        getattr(st, level)(text)
    clicked = st.button(submit, key=key(form_id, _SUBMIT), type="primary", disabled=disabled)
    return collect(form_id, layer, record, fixed) if clicked and not disabled else None


def collect(form_id: str, layer: str, record: Mapping[str, Any] | None,
            fixed: Mapping[str, Any] | None = None) -> FormInput:
    """Return what a drawn form holds (see :func:`record_form`'s parameters)."""
    schema = LAYERS[layer]
    fixed = dict(fixed or {})
    values: dict[str, Any] = {}
    for col in schema.columns:
        if col.name in fixed:
            values[col.name] = fixed[col.name]
        elif record is not None and col.name == schema.id_column:
            values[col.name] = record[col.name]  # an edited record keeps its id
        else:
            raw = st.session_state.get(key(form_id, col.name), "")
            values[col.name] = _BOOL[raw] if _is_bool(col) else raw
    crs = str(st.session_state.get(key(form_id, _CRS), "wgs84"))
    if has_location(schema, record):
        values["lng"] = st.session_state.get(key(form_id, _LNG), "")
        values["lat"] = st.session_state.get(key(form_id, _LAT), "")
    elif record is not None and record.get(GEOMETRY):
        values[GEOMETRY] = shapely.from_wkt(record[GEOMETRY])  # an area passes unchanged
        crs = "wgs84"
    return FormInput(values, crs)


def _is_bool(col: Column) -> bool:
    return col.dtype == "bool" and col.allowed() is None and col.ref is None


def _prepare(form_id: str, schema: LayerSchema, record: Mapping[str, Any] | None,
             fixed: Mapping[str, Any], located: bool) -> None:
    """Fill the form's fields from ``record`` when it is new to the form; apply a map click."""
    token = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    fields = [key(form_id, col.name) for col in schema.columns]
    if located:
        fields += [key(form_id, _CRS), key(form_id, _LNG), key(form_id, _LAT)]
    # Streamlit forgets a widget's value once a run does not draw it (another layer, another
    # page): then the fields are filled again from the record, as when it was opened.
    if st.session_state.get(key(form_id, _TOKEN)) != token or \
            any(name not in st.session_state for name in fields):
        reset(form_id)
        st.session_state[key(form_id, _TOKEN)] = token
        for col in schema.columns:
            st.session_state[key(form_id, col.name)] = _shown(col, (record or {}).get(col.name))
        if located:
            lng, lat = _point_text((record or {}).get(GEOMETRY))
            st.session_state[key(form_id, _CRS)] = "wgs84"
            st.session_state[key(form_id, _LNG)] = lng
            st.session_state[key(form_id, _LAT)] = lat
    pending = st.session_state.pop(key(form_id, _PENDING), None)
    if pending is not None and located:
        (st.session_state[key(form_id, _LNG)], st.session_state[key(form_id, _LAT)],
         st.session_state[key(form_id, _CRS)]) = pending
    for name, value in fixed.items():
        st.session_state[key(form_id, name)] = _shown(schema.column(name), value)


def _shown(col: Column, value: Any) -> str:
    """Return a plain value as the field holds it (text; yes/no as a choice's key)."""
    if value is None:
        return ""
    if _is_bool(col):
        return "true" if value else "false"
    return str(value)


def _point_text(wkt: str | None) -> tuple[str, str]:
    if not wkt:
        return "", ""
    point = shapely.from_wkt(wkt)
    return repr(point.x), repr(point.y)


def _widget(form_id: str, schema: LayerSchema, col: Column, record: Mapping[str, Any] | None,
            fixed: Mapping[str, Any], lang: str, disabled: bool) -> None:
    name = key(form_id, col.name)
    label = field_label(schema, col.name, lang) + (" *" if col.required else "")
    help_text = (col.help if lang == "zh" else col.help_en) or None
    editing_id = record is not None and col.name == schema.id_column
    locked = disabled or editing_id or col.name in fixed
    if editing_id:
        help_text = None
    elif col.name == schema.id_column:
        help_text = t("edit.id_help", lang)
    options = _options(col, lang)
    if options is not None:
        current = str(st.session_state.get(name, ""))
        if current not in options:  # a stored value no longer listed is kept, not lost
            options = {**options, current: current}
        st.selectbox(label, list(options), key=name, format_func=options.__getitem__,
                     help=help_text, disabled=locked)
    else:
        st.text_input(label, key=name, help=help_text, disabled=locked,
                      placeholder="2026-03-05" if col.dtype == "date" else None)


def _options(col: Column, lang: str) -> dict[str, str] | None:
    """Return a choice field's ``{value: label}``, blank first; None for a typed field."""
    blank = {"": t("ledger.blank", lang)}
    if _is_bool(col):
        return {**blank, "true": t("ledger.yes", lang), "false": t("ledger.no", lang)}
    allowed = col.allowed()
    if allowed is not None:
        return {**blank, **{str(v): str(v) for v in allowed}}
    if col.ref is not None:
        return {**blank, **ref_names(col.ref)}
    return None


def title_column(schema: LayerSchema) -> str | None:
    """Return the column a record is called by (its name or title), if the layer has one."""
    return next((c.name for c in schema.columns if c.name in ("name", "title")), None)


def names_of(layer: str) -> dict[str, str]:
    """Return ``{id: name}`` of a layer's records (the id where a record has no name)."""
    schema = LAYERS[layer]
    frame = data.layer(layer)
    codes = frame[schema.id_column].astype(str)
    title = title_column(schema)
    names = frame[title].where(frame[title].notna(), codes).astype(str) if title else codes
    return dict(zip(codes, names, strict=True))


def ref_names(layer: str) -> dict[str, str]:
    """Return ``{id: "name（id）"}`` of a layer's records, as a reference field offers them."""
    return {code: f"{name}（{code}）" if name != code else code
            for code, name in names_of(layer).items()}


def _under(issues: Sequence[Issue], labels: set[str], lang: str) -> None:
    for issue in issues:
        if issue.column in labels:
            st.error(issue_text(issue, lang))


def _location(form_id: str, lang: str, disabled: bool, issues: Sequence[Issue]) -> None:
    """Draw the coordinate system, longitude, latitude and the map a click places it on."""
    st.markdown(f"**{t('edit.location', lang)}**")
    st.caption(t("edit.location_help", lang))
    system, lng_cell, lat_cell = st.columns([2, 1, 1])
    choices = crs_choices()
    system.selectbox(t("edit.crs", lang), list(choices), key=key(form_id, _CRS),
                     format_func=lambda c: t(choices[c], lang, crs=c), disabled=disabled)
    lng_cell.text_input(t("edit.lng", lang), key=key(form_id, _LNG), disabled=disabled,
                        placeholder=f"{district_config().centre[0]:.4f}")
    lat_cell.text_input(t("edit.lat", lang), key=key(form_id, _LAT), disabled=disabled,
                        placeholder=f"{district_config().centre[1]:.4f}")
    _under(issues, {LNG_LABEL, LAT_LABEL}, lang)
    fmap = Map.for_district(data.map_layer("district"), filters.current().basemap, lang)
    fmap.add_townships(data.map_layer("townships"), {"name": t("map.townships", lang)})
    point = placed(st.session_state[key(form_id, _LNG)], st.session_state[key(form_id, _LAT)],
                   st.session_state[key(form_id, _CRS)])
    if point is not None:
        shown = fmap.on_tiles(gpd.GeoDataFrame(geometry=[point], crs=4326)).geometry.iloc[0]
        folium.CircleMarker([shown.y, shown.x], radius=POINT_RADIUS,
                            tooltip=html_text(t("edit.map_point", lang)), color="#ffffff",
                            weight=2, fill=True, fill_color=POINT_FILL,
                            fill_opacity=0.95).add_to(fmap.folium_map)
        fmap.fit(gpd.GeoDataFrame(geometry=[point.buffer(FIT_DEGREES)], crs=4326))
    clicked = fmap.finish().pick(key(form_id, _MAP), height=MAP_PX)
    if clicked is None or disabled or clicked == st.session_state.get(key(form_id, _CLICK)):
        return
    # The fields are drawn already on this run: the click fills them on the next one. On
    # tiles in GCJ-02 a click is in GCJ-02, and is kept as such (converted when saved).
    st.session_state[key(form_id, _CLICK)] = clicked
    lat, lng = (round(v, CLICK_DECIMALS) for v in clicked)
    st.session_state[key(form_id, _PENDING)] = (repr(lng), repr(lat),
                                                "gcj02" if fmap.gcj else "wgs84")
    st.rerun()


def placed(lng: object, lat: object, crs: str) -> Point | None:
    """Return the point typed as ``lng``/``lat`` in ``crs``, in WGS84; None when unreadable.

    Parameters
    ----------
    lng, lat : object
        Coordinates as typed (decimal degrees, degrees-minutes-seconds, metres).
    crs : str
        A key of :data:`CRS_CHOICES`.

    Returns
    -------
    shapely.geometry.Point or None
        Where the point falls (validation says what is wrong with one that does not).
    """
    x, y = parse_coordinates([lng, lat])
    if np.isnan(x) or np.isnan(y):
        return None
    lngs, lats = to_wgs84([x], [y], resolve_crs(crs))
    if np.isnan(lngs[0]) or np.isnan(lats[0]):
        return None
    return Point(float(lngs[0]), float(lats[0]))
