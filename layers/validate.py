"""Validating a file against a layer's contract: every problem gathered, reported once."""

from __future__ import annotations

import difflib
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from core.district import district_config
from core.errors import Issue
from layers import LAYERS
from layers._convert import blank, fold_key, to_bool, to_date, to_number, to_text
from layers._errors import CrsError, ReadError
from layers._geometry import check_families, check_inside, locate
from layers._read import RawTable, read_table
from layers._schema import Column, LayerSchema
from layers.context import Context

_CONVERTERS: dict[str, Callable[[pd.Series], tuple[pd.Series, pd.Series]]] = {
    "text": to_text,
    "int": lambda v: to_number(v, integer=True),
    "float": lambda v: to_number(v, integer=False),
    "date": to_date,
    "bool": to_bool,
}
_TYPE_KEYS = {"int": "validate.not_integer", "float": "validate.not_number",
              "date": "validate.not_date", "bool": "validate.not_bool"}


@dataclass
class Report:
    """The outcome of checking one file against one layer."""

    layer: str
    file_name: str
    sha256: str
    rows: int = 0
    frame: gpd.GeoDataFrame | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    kind: str = ""
    crs_label: str = ""
    row_label: str = "row"
    # Which rows' ids were generated (the file left them blank): an append renumbers those.
    generated_ids: pd.Series | None = None
    # Each converted row's number as the file shows it (spreadsheet row, CSV line, feature).
    row_numbers: np.ndarray | None = None

    @property
    def ok(self) -> bool:
        """Whether the file may be imported (warnings allowed)."""
        return not self.errors

    def to_json(self, lang: str | None = None) -> dict:
        """Return ``{"ok", "rows", "errors", "warnings"}`` with messages in ``lang``."""
        return {"ok": self.ok, "layer": self.layer, "file": self.file_name, "rows": self.rows,
                "errors": [i.as_dict(lang) for i in self.errors],
                "warnings": [i.as_dict(lang) for i in self.warnings]}


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file, read in chunks.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    str
        Hex digest.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def validate_file(layer: str, path: str | Path, context: Context, *,
                  crs: str | None = None, part: str | None = None) -> Report:
    """Check a file against a layer's contract and return every problem at once.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    path : str or pathlib.Path
        The file (xlsx, csv, GeoJSON, Shapefile, GeoPackage, KML/KMZ).
    context : Context
        The working dataset's townships, communities and district boundary, which
        references and locations are checked against.
    crs : str, optional
        The coordinates' reference system when the file does not declare it (or declares
        it wrongly): ``wgs84``, ``cgcs2000``, ``gcj02``, ``bd09`` or an EPSG code.
    part : str, optional
        Sheet or layer to read when the file has several.

    Returns
    -------
    Report
        Rows converted to the canonical columns (``frame``, EPSG:4326) when valid.
    """
    path = Path(path)
    schema = LAYERS[layer]
    if not path.is_file():
        report = Report(layer, path.name, "")
        report.errors.append(Issue("validate.file_missing", params={"path": str(path)}))
        return report
    report = Report(layer, path.name, sha256_of(path))
    try:
        raw = read_table(path, schema.known_headers(), part=part)
    except (ReadError, CrsError) as exc:
        report.errors.append(Issue(exc.key, params=exc.params))
        return report
    report.kind, report.row_label, report.rows = raw.kind, raw.row_label, len(raw.frame)
    report.warnings.extend(Issue(key, params=params) for key, params in raw.warnings)
    if raw.frame.empty:
        report.errors.append(Issue("validate.no_rows"))
        return report
    try:
        frame = _check(schema, raw, context, crs, report)
    except CrsError as exc:
        report.errors.append(Issue(exc.key, params=exc.params))
        return report
    if report.ok:
        report.frame = frame
    return report


def validate_record(layer: str, values: dict[str, object], context: Context, *,
                    crs: str | None = None, label: str = "") -> Report:
    """Check one record typed into a form, exactly as a row of an imported file would be.

    The same conversions, lists, references and location checks apply, so a form shows the
    same messages as an import; each :class:`~core.errors.Issue` names the column's label.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    values : dict
        ``{canonical column: value}``; a location as ``lng``/``lat`` (in ``crs``) or as
        ``geometry`` (a shapely geometry in EPSG:4326 unless ``crs`` says otherwise).
    context : Context
        The working dataset's townships, communities and boundary.
    crs : str, optional
        The coordinates' system (``wgs84``, ``gcj02``, ``EPSG:4544``...); WGS84 by default.
    label : str, optional
        What the report calls the source (``"编辑"``, a form's name).

    Returns
    -------
    Report
        ``frame`` holds the one converted row (EPSG:4326) when it is valid.
    """
    schema = LAYERS[layer]
    fields = {col.name: values.get(col.name) for col in schema.columns}
    geometry = values.get("geometry")
    if geometry is None and values.get("lng") not in (None, "") \
            and values.get("lat") not in (None, ""):
        fields["lng"], fields["lat"] = values["lng"], values["lat"]
    fields = {name: (None if isinstance(v, str) and not v.strip() else v)
              for name, v in fields.items()}
    frame = pd.DataFrame([fields], index=[0])
    geoms = None
    if geometry is not None:
        geoms = gpd.GeoSeries([geometry], index=frame.index, crs=4326 if crs is None else None)
    labels = {col.name: col.label for col in schema.columns} | {"lng": "经度", "lat": "纬度"}
    raw = RawTable(frame, {name: labels[name] for name in frame.columns},
                   np.asarray([1]), "record", geoms, None if geoms is None else geoms.crs,
                   "record", None)
    report = Report(layer, label, "", rows=1)
    try:
        converted = _check(schema, raw, context, crs, report)
    except CrsError as exc:
        report.errors.append(Issue(exc.key, params=exc.params))
        return report
    if report.ok:
        report.frame = converted
    return report


def _check(schema: LayerSchema, raw: RawTable, context: Context, crs: str | None,
           report: Report) -> gpd.GeoDataFrame:
    rows = np.asarray(raw.rows)
    columns, shown = _map_headers(schema, raw, report)
    source = pd.DataFrame({name: raw.frame[header] for name, header in columns.items()},
                          index=raw.frame.index)
    located = locate(source, rows, raw.geometry, raw.crs, crs, shown,
                     required=schema.geometry_required)
    report.crs_label = located.crs_label
    report.errors.extend(located.errors)
    report.warnings.extend(located.warnings)
    geoms = check_families(located.geometry, rows, schema.geometry, report.errors,
                           report.warnings)
    frame = _convert(schema, source, rows, shown, report)
    frame = gpd.GeoDataFrame(frame, geometry=geoms, crs=4326)
    if geoms.notna().any():
        outside = check_inside(geoms, rows, context.district, report.errors)
        frame.loc[outside, "geometry"] = None
    _resolve_references(schema, frame, rows, shown, context, report)
    if schema.derive is not None:
        frame = schema.derive(frame)
    report.generated_ids = frame[schema.id_column].isna()
    report.row_numbers = rows
    _fill_ids(schema, frame, rows)
    _check_unique(schema, frame, rows, shown, report, raw.row_label)
    report.errors.sort(key=lambda i: (i.row is not None, i.row or 0))
    return frame


def _map_headers(schema: LayerSchema, raw: RawTable,
                 report: Report) -> tuple[dict[str, str], dict[str, str]]:
    """Return ``{canonical: file column}`` and ``{canonical: header as shown}``."""
    mapping = schema.header_map()
    columns: dict[str, str] = {}
    shown: dict[str, str] = {}
    ignored: set[str] = set()
    for header in raw.frame.columns:
        target = mapping.get(header)
        label = raw.headers.get(header, header)
        if target is None:
            # A header merged over two columns names both; one warning is enough.
            if label not in ignored:
                report.warnings.append(Issue("validate.unknown_column", None, label))
            ignored.add(label)
        elif target in columns:
            report.warnings.append(Issue("validate.duplicate_column", None, label,
                                         {"first": shown[target]}))
        else:
            columns[target] = header
            shown[target] = label
    for col in schema.columns:
        shown.setdefault(col.name, col.label)
        if col.required and col.name not in columns and not _derivable(schema, col, raw, columns):
            aliases = "、".join(a for a in col.aliases[:4])
            report.errors.append(Issue("validate.missing_column", None, col.label,
                                       {"aliases": aliases}))
    return columns, shown


def _derivable(schema: LayerSchema, col: Column, raw: RawTable, columns: dict) -> bool:
    # A township can be read off a point's location; ids are generated.
    has_location = raw.geometry is not None or {"_lng", "_lat"} <= set(columns) \
        or "_wkt" in columns
    return (col.ref == "townships" and has_location) or (col.name == schema.id_column and \
        not col.required)


def _convert(schema: LayerSchema, source: pd.DataFrame, rows: np.ndarray,
             shown: dict[str, str], report: Report) -> pd.DataFrame:
    out = {}
    for col in schema.columns:
        values = source[col.name] if col.name in source else pd.Series(None, index=source.index,
                                                                       dtype=object)
        converted, failed = _CONVERTERS[col.dtype](values)
        header = shown[col.name]
        for i in np.flatnonzero(failed.to_numpy()):
            report.errors.append(Issue(_TYPE_KEYS[col.dtype], int(rows[i]), header,
                                       {"value": values.iloc[i]}))
        if col.allowed() is not None:
            converted = _check_choices(col, converted, rows, header, report)
        if col.minimum is not None:
            below = (converted.astype("Float64") < col.minimum).fillna(False).to_numpy()
            report.errors.extend(Issue("validate.below_minimum", int(r), header,
                                       {"minimum": col.minimum}) for r in rows[below])
        # A missing column is reported once, not once per row.
        if col.required and col.ref is None and col.name != schema.id_column \
                and col.name in source:
            missing = (blank(values) & ~failed).to_numpy()
            report.errors.extend(Issue("validate.required", int(r), header) for r in rows[missing])
        out[col.name] = converted
    return pd.DataFrame(out, index=source.index)


def _check_choices(col: Column, values: pd.Series, rows: np.ndarray, header: str,
                   report: Report) -> pd.Series:
    allowed = col.allowed() or ()
    canonical = {fold_key(a): a for a in allowed}
    # The district's short forms (央企 for 中央企业) read as the value they stand for.
    if isinstance(col.choices, str):
        shorts = district_config().value_aliases.get(col.choices, {})
        canonical.update({fold_key(s): v for s, v in shorts.items() if v in allowed})
    uniques = {v: canonical.get(fold_key(v)) for v in values.dropna().unique()}
    mapped = values.map(lambda v: uniques.get(v) if v is not None else None)
    bad = (values.notna() & mapped.isna()).to_numpy()
    for i in np.flatnonzero(bad):
        value = values.iloc[i]
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.4)
        report.errors.append(Issue("validate.not_allowed", int(rows[i]), header, {
            "value": value, "allowed": "、".join(allowed),
            "suggestion": close[0] if close else allowed[0]}))
    return mapped.astype(object).where(mapped.notna(), None)


def _resolve_references(schema: LayerSchema, frame: gpd.GeoDataFrame, rows: np.ndarray,
                        shown: dict[str, str], context: Context, report: Report) -> None:
    for col in schema.columns:
        if col.ref == "townships":
            _resolve_township(col, frame, rows, shown[col.name], context, report)
        elif col.ref == "communities":
            _resolve_community(col, frame, rows, shown[col.name], context, report)
        elif col.ref == "units":
            _resolve_unit(col, frame, rows, shown[col.name], context, report)


def _resolve_township(col: Column, frame: gpd.GeoDataFrame, rows: np.ndarray, header: str,
                      context: Context, report: Report) -> None:
    lookup = context.township_lookup()
    given = frame[col.name]
    uniques = {v: lookup.resolve(v) for v in given.dropna().unique()}
    codes = given.map(lambda v: uniques.get(v) if v is not None else None)
    unresolved = (given.notna() & codes.isna()).to_numpy()
    for i in np.flatnonzero(unresolved):
        report.errors.append(Issue("validate.unknown_township", int(rows[i]), header, {
            "value": given.iloc[i], "suggestion": "、".join(lookup.suggest(given.iloc[i])) or "-"}))
    located_in = context.township_at(frame.geometry)
    filled = (given.isna() & located_in.notna()).to_numpy()
    for i in np.flatnonzero(filled):
        report.warnings.append(Issue("validate.township_filled", int(rows[i]), header,
                                     {"name": context.township_name(located_in.iloc[i])}))
    differs = (codes.notna() & located_in.notna() & (codes != located_in)).to_numpy()
    for i in np.flatnonzero(differs):
        report.warnings.append(Issue("validate.township_mismatch", int(rows[i]), header, {
            "given": context.township_name(codes.iloc[i]),
            "found": context.township_name(located_in.iloc[i])}))
    codes = codes.where(codes.notna(), located_in)
    if col.required and header not in _missing_columns(report):
        missing = (given.isna() & codes.isna()).to_numpy()
        report.errors.extend(Issue("validate.required", int(r), header) for r in rows[missing])
    frame[col.name] = codes.astype(object).where(codes.notna(), None)


def _missing_columns(report: Report) -> set[str | None]:
    return {i.column for i in report.errors if i.key == "validate.missing_column"}


def _resolve_community(col: Column, frame: gpd.GeoDataFrame, rows: np.ndarray, header: str,
                       context: Context, report: Report) -> None:
    lookup = context.community_lookup()
    given = frame[col.name]
    parents = (frame["township_code"] if "township_code" in frame
               else pd.Series(None, index=frame.index))
    pairs = {(v, p): lookup.resolve(v, p) for v, p in zip(given, parents, strict=True)
             if v is not None}
    codes = pd.Series([pairs.get((v, p)) if v is not None else None
                       for v, p in zip(given, parents, strict=True)],
                      index=frame.index, dtype=object)
    unresolved = (given.notna() & codes.isna()).to_numpy()
    for i in np.flatnonzero(unresolved):
        report.errors.append(Issue("validate.unknown_community", int(rows[i]), header, {
            "value": given.iloc[i], "suggestion": "、".join(lookup.suggest(given.iloc[i])) or "-"}))
    frame[col.name] = codes


def _resolve_unit(col: Column, frame: gpd.GeoDataFrame, rows: np.ndarray, header: str,
                  context: Context, report: Report) -> None:
    lookup = context.unit_lookup()
    given = frame[col.name]
    uniques = {v: lookup.resolve(v) for v in given.dropna().unique()}
    codes = given.map(lambda v: uniques.get(v) if v is not None else None)
    unresolved = (given.notna() & codes.isna()).to_numpy()
    for i in np.flatnonzero(unresolved):
        report.errors.append(Issue("validate.unknown_unit", int(rows[i]), header, {
            "value": given.iloc[i], "suggestion": "、".join(lookup.suggest(given.iloc[i])) or "-"}))
    if col.required and header not in _missing_columns(report):
        missing = given.isna().to_numpy()
        report.errors.extend(Issue("validate.required", int(r), header) for r in rows[missing])
    codes = codes.astype(object).where(codes.notna(), None)
    frame[col.name] = codes
    # A row about a unit belongs to the unit's township (what township-scoped accounts see):
    # filled from the ledger when the file leaves it blank, kept as written otherwise.
    if "township_code" in frame:
        towns = codes.map(context.unit_townships())
        fill = frame["township_code"].isna() & towns.notna()
        frame.loc[fill, "township_code"] = towns[fill]


def _fill_ids(schema: LayerSchema, frame: gpd.GeoDataFrame, rows: np.ndarray) -> None:
    # A blank id is numbered from its row, unless the file itself gives that id to another
    # row: then it takes the next number no row gives, so a generated id never repeats one.
    ids = frame[schema.id_column]
    taken = {fold_key(v) for v in ids.dropna()}
    spare = (f"{schema.id_prefix}{n:06d}" for n in itertools.count(int(rows.max(initial=0)) + 1)
             if fold_key(f"{schema.id_prefix}{n:06d}") not in taken)
    generated = []
    for r in rows:
        candidate = f"{schema.id_prefix}{r:06d}"
        generated.append(next(spare) if fold_key(candidate) in taken else candidate)
    frame[schema.id_column] = ids.where(ids.notna(), pd.Series(generated, index=frame.index))


def _check_unique(schema: LayerSchema, frame: gpd.GeoDataFrame, rows: np.ndarray,
                  shown: dict[str, str], report: Report, row_label: str) -> None:
    key = "validate.duplicate_feature" if row_label == "feature" else "validate.duplicate"
    for col in schema.columns:
        if not col.unique:
            continue
        keys = frame[col.name].map(lambda v: fold_key(v) if v is not None else None)
        dup = (keys.notna() & keys.duplicated(keep="first")).to_numpy()
        if not dup.any():
            continue
        first_row = dict(zip(keys[~keys.duplicated(keep="first")], rows[~keys.duplicated(
            keep="first").to_numpy()], strict=True))
        for i in np.flatnonzero(dup):
            report.errors.append(Issue(key, int(rows[i]), shown[col.name], {
                "value": frame[col.name].iloc[i], "first": int(first_row[keys.iloc[i]])}))
