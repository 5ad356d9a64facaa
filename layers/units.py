"""Stationed units (驻区单位): large units in the district and the record of engaging them."""

from __future__ import annotations

import pandas as pd

from layers._common import ADDRESS, NOTE, PHONE, TOWNSHIP_REF, id_column, name_column
from layers._schema import Column, LayerSchema


def _derive(frame: pd.DataFrame) -> pd.DataFrame:
    frame["joint_meeting"] = frame["joint_meeting"].fillna(False).astype(bool)
    return frame


SCHEMA = LayerSchema(
    name="units", label="驻区单位", label_en="Stationed units",
    description="中央在兰单位、央企、国企、省属高校、医院、科研院所等驻区单位及走访对接记录，"
                "一行一个单位；坐标可不填。",
    description_en="Stationed units and their engagement record, one row each; "
                   "coordinates optional.",
    geometry=("Point",), geometry_required=False, id_column="code", id_prefix="U",
    columns=(
        id_column("单位编号", "Unit id", "统一社会信用代码", example="U001"),
        name_column("单位名称", "单位", "驻区单位名称", example="兰州理工大学"),
        Column("category", "单位类别", "Category", required=True, choices="unit_categories",
               aliases=("类别", "单位性质", "类型", "category"),
               help="中央在兰单位、中央企业、省属国有企业、省属高校、医院、科研院所或其他。",
               help_en="One of the configured unit categories.", example="省属高校"),
        TOWNSHIP_REF, ADDRESS,
        Column("visited_on", "走访对接日期", "Visited on", dtype="date",
               aliases=("首次走访日期", "走访日期", "对接日期", "走访对接时间"),
               help="首次走访对接的日期；从未走访则留空。",
               help_en="Date first visited; blank if never.", example="2020-05-12"),
        Column("last_contact_on", "最近联系日期", "Last contact", dtype="date",
               aliases=("最近联系", "最后联系日期", "最近对接日期", "上次联系日期"),
               help="最近一次联系的日期。", help_en="Date of the latest contact.",
               example="2026-09-18"),
        Column("joint_meeting", "联席会议成员", "Joint meeting member", dtype="bool",
               aliases=("是否联席会议成员", "联席会议", "纳入联席会议"),
               help="是否已纳入联席会议制度（是/否）。", help_en="Member of the joint meeting.",
               example="是"),
        Column("liaison", "联络人", "Liaison", aliases=("联络员", "对接联络人", "联系人"),
               help="单位的统战联络人姓名；没有则留空。", help_en="Liaison person; blank if none.",
               example="李四（示例）"),
        PHONE,
        Column("staff", "职工人数", "Employees", dtype="int", minimum=0,
               aliases=("人数", "职工数", "在职人数"),
               help="职工人数。", help_en="Number of employees.", example=2500),
        NOTE,
    ),
    derive=_derive,
)
