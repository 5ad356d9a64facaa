"""Townships and streets (乡镇/街道): the township-level polygons everything else refers to."""

from __future__ import annotations

import pandas as pd

from layers._common import NOTE
from layers._schema import Column, LayerSchema, fill_kind_from_name


def _derive(frame: pd.DataFrame) -> pd.DataFrame:
    frame = fill_kind_from_name(frame, "township_kinds")
    # Streets (街道) are the urban units; towns and townships are rural unless a ledger says so.
    guessed = frame["kind"].eq("街道")
    frame["urban"] = frame["urban"].where(frame["urban"].notna(), guessed).astype(bool)
    return frame


SCHEMA = LayerSchema(
    name="townships", label="乡镇(街道)", label_en="Townships",
    description="乡镇、街道的边界面，一行一个乡镇或街道。",
    description_en="Township and street boundaries, one row each.",
    geometry=("Polygon",), geometry_required=True, id_column="code", id_prefix="T",
    columns=(
        Column("code", "统计代码", "Code", required=True, unique=True,
               aliases=("代码", "编码", "区划代码", "统计用区划代码", "乡镇代码", "街道代码",
                        "id", "code"),
               help="国家统计用区划代码（9 位），如 620103001。",
               help_en="Statistical division code (9 digits).", example="620103001"),
        Column("name", "名称", "Name", required=True, unique=True,
               aliases=("乡镇名称", "街道名称", "乡镇(街道)", "乡镇街道", "名字", "name"),
               help="乡镇或街道的全称，如“西园街道”“阿干镇”。", help_en="Full name.",
               example="西园街道"),
        Column("kind", "类型", "Kind", choices="township_kinds", aliases=("类别", "kind"),
               help="街道、镇或乡；不填则按名称末尾判断。",
               help_en="街道, 镇 or 乡; taken from the name when blank.", example="街道"),
        Column("urban", "城区", "Urban", dtype="bool", aliases=("是否城区", "城乡"),
               help="是否城区（是/否）；不填时街道为城区。",
               help_en="Urban (yes/no); streets are urban when blank.", example="是"),
        Column("population", "常住人口", "Population", dtype="int", minimum=0,
               aliases=("人口", "总人口", "人口数", "常住人口(人)"),
               help="常住人口（人）。", help_en="Resident population.", example=52000),
        Column("minority_population", "少数民族人口", "Minority population", dtype="int", minimum=0,
               aliases=("少数民族人口(人)", "少数民族人数", "民族人口"),
               help="少数民族人口（人）。", help_en="Minority population.", example=9000),
        NOTE,
    ),
    derive=_derive,
)
