"""Writing a layer out for people: Excel and CSV with Chinese headers, GeoJSON for GIS."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import xlsxwriter

from core.errors import TongxinError
from layers import LAYERS
from layers._schema import LayerSchema
from layers._text import FORMULA_GUARD, needs_formula_guard

LNG_HEADER, LAT_HEADER, WKT_HEADER = "经度", "纬度", "几何(WKT)"
# Five decimals of a degree is about a metre: the precision a ledger needs.
COORDINATE_DECIMALS = 6


def to_table(schema: LayerSchema, frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return a layer as a sheet: Chinese headers, dates as text, 是/否, coordinates as columns.

    Points become 经度/纬度 columns; polygons a WKT column, so the sheet imports back.

    Parameters
    ----------
    schema : LayerSchema
        The layer's contract.
    frame : geopandas.GeoDataFrame
        The layer's rows, EPSG:4326.

    Returns
    -------
    pandas.DataFrame
        The sheet's rows.
    """
    out = {}
    for col in schema.columns:
        out[col.label] = _render(frame[col.name], col.dtype)
    geoms = frame.geometry.to_crs(4326) if frame.crs is not None else frame.geometry
    if schema.geometry == ("Point",):
        point = geoms.notna() & (geoms.geom_type == "Point")
        out[LNG_HEADER] = geoms.x.where(point).round(COORDINATE_DECIMALS)
        out[LAT_HEADER] = geoms.y.where(point).round(COORDINATE_DECIMALS)
    else:
        rounded = shapely.set_precision(geoms.to_numpy(dtype=object), 10 ** -COORDINATE_DECIMALS)
        out[WKT_HEADER] = pd.Series(shapely.to_wkt(rounded, rounding_precision=COORDINATE_DECIMALS),
                                    index=frame.index)
    return pd.DataFrame(out, index=frame.index)


def _render(values: pd.Series, dtype: str) -> pd.Series:
    if dtype == "date":
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d").where(values.notna(), None)
    if dtype == "bool":
        return values.map(lambda v: None if pd.isna(v) else ("是" if v else "否"))
    return values.astype(object).where(values.notna(), None)


def write_xlsx(table: pd.DataFrame, out: Path | BinaryIO, sheet: str) -> None:
    """Write a sheet with every text cell as text, so ``=cmd`` in data never runs as a formula.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with their headers.
    out : pathlib.Path or binary file
        The .xlsx to write (a path, or a buffer for a download).
    sheet : str
        The sheet's name.
    """
    with xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False, "in_memory": True}) as book:
        header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        ws = book.add_worksheet(sheet[:31])
        for c, name in enumerate(table.columns):
            ws.write_string(0, c, str(name), header)
            ws.set_column(c, c, max(10, min(40, len(str(name)) * 2 + 4)))
        for r, row in enumerate(table.itertuples(index=False), start=1):
            for c, value in enumerate(row):
                _write_cell(ws, r, c, value)
        ws.freeze_panes(1, 0)


def _write_cell(ws, r: int, c: int, value: object) -> None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return
    if isinstance(value, (pd.Timestamp, dt.date)):
        ws.write_string(r, c, value.strftime("%Y-%m-%d"))
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        ws.write_number(r, c, float(value) if isinstance(value, np.floating) else int(value)
                        if isinstance(value, np.integer) else value)
    else:
        ws.write_string(r, c, str(value))


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table with every text cell that a spreadsheet would run quoted by ``'``.

    A CSV has no cell types: Excel and WPS evaluate any cell starting with ``= + - @`` (or a
    tab or carriage return before one), so ``=HYPERLINK(...)`` typed into a ledger would run
    when the export is opened. A leading apostrophe makes it text (OWASP's advice); the
    importer drops that apostrophe again, so an exported CSV imports back unchanged.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with their headers.

    Returns
    -------
    pandas.DataFrame
        A copy; numbers (a negative one included) are left as numbers.
    """
    out = table.copy()
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name].map(_guarded)
    return out


def _guarded(value: object) -> object:
    # Text that reading would change (a formula, or an apostrophe before one typed by a
    # keeper) gets the guard, so every cell reads back as it was written.
    if isinstance(value, str) and needs_formula_guard(value):
        return FORMULA_GUARD + value
    return value


def _write_csv(table: pd.DataFrame, out: Path) -> None:
    # UTF-8 with BOM: the encoding Excel on Chinese Windows opens without garbling.
    neutralise_formulas(table).to_csv(out, index=False, encoding="utf-8-sig")


def _write_geojson(frame: gpd.GeoDataFrame, out: Path) -> None:
    frame.to_crs(4326).to_file(out, driver="GeoJSON", engine="pyogrio",
                               layer_options={"COORDINATE_PRECISION": COORDINATE_DECIMALS})


_WRITERS: dict[str, Callable[[LayerSchema, gpd.GeoDataFrame, Path], None]] = {
    ".xlsx": lambda schema, frame, out: write_xlsx(to_table(schema, frame), out, schema.label),
    ".csv": lambda schema, frame, out: _write_csv(to_table(schema, frame), out),
    ".geojson": lambda schema, frame, out: _write_geojson(frame, out),
}


def export_layer(layer: str, frame: gpd.GeoDataFrame, out: str | Path) -> Path:
    """Write a layer to ``out``; the format follows the extension (.xlsx, .csv, .geojson).

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    frame : geopandas.GeoDataFrame
        The layer's rows.
    out : str or pathlib.Path
        The file to write.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    out = Path(out)
    writer = _WRITERS.get(out.suffix.lower())
    if writer is None:
        raise TongxinError("cli.export_format", suffix=out.suffix or "-",
                           known=", ".join(_WRITERS))
    writer(LAYERS[layer], frame, out)
    return out
