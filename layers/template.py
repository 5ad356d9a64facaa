"""The Excel template a data keeper fills in: canonical headers, rows to fill, and help.

The townships' and the communities' templates list the district's own (from the shipped
division data, ``layers/divisions.py``); the others carry one example row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import xlsxwriter

from core.district import district_config
from layers import LAYERS, divisions
from layers._schema import LAYER_COORDINATE_HELP, Column, LayerSchema
from layers.export import LAT_HEADER, LNG_HEADER, WKT_HEADER

_TYPE_NAMES = {"text": ("文本", "text"), "int": ("整数", "whole number"),
               "float": ("数字", "number"), "date": ("日期", "date"), "bool": ("是/否", "yes/no")}
HELP_SHEET = "填写说明"


# The layers whose rows the district's official division list already names (its townships,
# its villages and communities): their templates come with those rows, codes and names
# filled in, for the office to add locations and figures to.
LISTED: dict[str, Callable[[str], pd.DataFrame]] = {
    "townships": divisions.townships,
    "communities": divisions.villages,
}


def write_template(layer: str, out: str | Path, adcode: str | None = None) -> Path:
    """Write an .xlsx template for ``layer``: a data sheet and a sheet explaining every column.

    Required headers carry a ``*`` (the importer ignores it); choice columns get a drop-down
    of the configured values. The layers of :data:`LISTED` come with the district's own
    townships or villages/communities (code, name, township), from the shipped division data;
    the others with one example row.

    Parameters
    ----------
    layer : str
        A name from :data:`layers.LAYERS`.
    out : str or pathlib.Path
        The .xlsx file to write.
    adcode : str, optional
        The district whose rows to list; the configured district when omitted. A district
        the shipped data does not know gets the example row instead.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    schema = LAYERS[layer]
    out = Path(out)
    rows = _listed_rows(layer, adcode or district_config().adcode)
    with xlsxwriter.Workbook(out, {"strings_to_formulas": False}) as book:
        _data_sheet(book, schema, rows)
        _help_sheet(book, schema)
    return out


def _listed_rows(layer: str, adcode: str) -> pd.DataFrame | None:
    """Return the district's official rows for ``layer`` (None: an example row instead)."""
    listing = LISTED.get(layer)
    if listing is None:
        return None
    try:
        return listing(adcode)
    except divisions.DivisionError:
        # A made-up or development-zone code (a test's, a zone's): the template still works,
        # with its example row.
        return None


def _headers(schema: LayerSchema) -> list[tuple[str, Column | None, object]]:
    cells: list[tuple[str, Column | None, object]] = [
        (col.label + ("*" if col.required else ""), col, col.example) for col in schema.columns]
    # The example location is the district's centre (district.toml), wherever the district.
    lng, lat = district_config().centre
    if schema.geometry == ("Point",) or "Point" in schema.geometry:
        cells += [(LNG_HEADER + ("*" if schema.geometry_required else ""), None, lng),
                  (LAT_HEADER + ("*" if schema.geometry_required else ""), None, lat)]
    else:
        square = [(lng, lat), (lng + 0.02, lat), (lng + 0.02, lat + 0.01), (lng, lat)]
        cells.append((WKT_HEADER + "*", None,
                      "POLYGON ((" + ", ".join(f"{x:g} {y:g}" for x, y in square) + "))"))
    return cells


def _data_sheet(book: xlsxwriter.Workbook, schema: LayerSchema,
                rows: pd.DataFrame | None) -> None:
    ws = book.add_worksheet(schema.label[:31])
    required = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
    optional = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    example = book.add_format({"italic": True, "font_color": "#7F7F7F"})
    for c, (header, col, value) in enumerate(_headers(schema)):
        ws.write_string(0, c, header, required if header.endswith("*") else optional)
        ws.set_column(c, c, max(12, len(header) * 2 + 4))
        if rows is not None:
            # The district's own rows, as text (codes keep their digits): no example row.
            if col is not None and col.name in rows:
                for r, text in enumerate(rows[col.name].astype(str), start=1):
                    ws.write_string(r, c, text)
        elif value not in (None, ""):
            if isinstance(value, (int, float)):
                ws.write_number(1, c, value, example)
            else:
                ws.write_string(1, c, str(value), example)
        choices = _choices(col)
        if choices:
            ws.data_validation(1, c, 5000, c, {"validate": "list", "source": list(choices),
                                               "error_type": "warning"})
    ws.freeze_panes(1, 0)


def _choices(col: Column | None) -> tuple[str, ...] | None:
    if col is None:
        return None
    if col.dtype == "bool":
        return ("是", "否")
    allowed = col.allowed()
    # Excel's list validation holds at most 255 characters.
    if allowed and len(",".join(allowed)) <= 255:
        return allowed
    return None


def _help_sheet(book: xlsxwriter.Workbook, schema: LayerSchema) -> None:
    ws = book.add_worksheet(HELP_SHEET)
    bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    ws.write_string(0, 0, f"{schema.label}（{schema.label_en}）：{schema.description}", bold)
    columns = ["列名", "英文名", "必填", "类型", "允许取值", "表头也可写作", "说明", "示例"]
    for c, name in enumerate(columns):
        ws.write_string(2, c, name, bold)
    widths = [16, 18, 6, 8, 30, 36, 50, 20]
    for c, width in enumerate(widths):
        ws.set_column(c, c, width, wrap)
    r = 3
    for col in schema.columns:
        allowed = col.allowed()
        cells = [col.label, col.label_en, "是" if col.required else "否", _TYPE_NAMES[col.dtype][0],
                 "、".join(allowed) if allowed else "", "、".join(col.aliases), col.help,
                 "" if col.example is None else str(col.example)]
        for c, value in enumerate(cells):
            ws.write_string(r, c, value)
        r += 1
    for label, text in LAYER_COORDINATE_HELP:
        ws.write_string(r, 0, label)
        ws.write_string(r, 6, text)
        r += 1
