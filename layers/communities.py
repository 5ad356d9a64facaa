"""Communities and villages (社区/村): points or polygons, each inside one township."""

from __future__ import annotations

import pandas as pd

from layers._common import NOTE, TOWNSHIP_REF
from layers._schema import Column, LayerSchema


def _derive(frame: pd.DataFrame) -> pd.DataFrame:
    # Official names end in 社区居委会 / 村委会 / 村民委员会, so test for the word, not a suffix.
    names = frame["name"].fillna("")
    guessed = pd.Series(None, index=frame.index, dtype=object)
    guessed[names.str.contains("村", regex=False)] = "村"
    guessed[names.str.contains("社区", regex=False)] = "社区"
    frame["kind"] = frame["kind"].where(frame["kind"].notna(), guessed)
    frame["key_community"] = frame["key_community"].fillna(False).astype(bool)
    return frame


SCHEMA = LayerSchema(
    name="communities", label="社区(村)", label_en="Communities and villages",
    description="社区和村，一行一个；位置为点（社区居委会、村委会所在地）或边界面。",
    description_en="Communities and villages, one row each, as a point or a boundary polygon.",
    geometry=("Point", "Polygon"), geometry_required=True, id_column="code", id_prefix="C",
    columns=(
        Column("code", "统计代码", "Code", required=True, unique=True,
               aliases=("代码", "编码", "区划代码", "统计用区划代码", "社区代码", "村代码",
                        "id", "code"),
               help="国家统计用区划代码（12 位），如 620103001001。",
               help_en="Statistical division code (12 digits).", example="620103001001"),
        Column("name", "名称", "Name", required=True,
               aliases=("社区名称", "村名称", "社区(村)名称", "村(社区)名称", "名字", "name"),
               help="社区居委会或村委会的名称。", help_en="Name of the community or village.",
               example="下西园社区居委会"),
        TOWNSHIP_REF,
        Column("kind", "类型", "Kind", choices="community_kinds", aliases=("类别", "社区或村"),
               help="社区或村；不填则按名称判断。", help_en="社区 or 村; from the name when blank.",
               example="社区"),
        Column("key_community", "重点社区", "Key community", dtype="bool",
               aliases=("是否重点社区", "重点", "重点社区(是/否)"),
               help="是否为重点社区（是/否）。", help_en="Key community (yes/no).", example="否"),
        Column("population", "常住人口", "Population", dtype="int", minimum=0,
               aliases=("人口", "总人口", "人口数", "户籍人口"),
               help="常住人口（人）。", help_en="Resident population.", example=8600),
        Column("minority_population", "少数民族人口", "Minority population", dtype="int", minimum=0,
               aliases=("少数民族人数", "民族人口", "少数民族人口(人)"),
               help="少数民族人口（人）。", help_en="Minority population.", example=1200),
        NOTE,
    ),
    derive=_derive,
)
