"""'Ten enters' activities (民族团结进步创建"十进"活动): when, which kind of place, where, who."""

from __future__ import annotations

from layers._common import COMMUNITY_REF, NOTE, TOWNSHIP_REF, id_column
from layers._schema import Column, LayerSchema

SCHEMA = LayerSchema(
    name="activities", label="“十进”活动", label_en="'Ten enters' activities",
    description="民族团结进步创建“十进”活动记录，一行一次活动；有坐标的画在地图上，"
                "没有坐标的按所属乡镇(街道)、社区统计。",
    description_en="One row per activity; rows without coordinates count through their "
                   "township or community.",
    geometry=("Point",), geometry_required=False, id_column="code", id_prefix="A",
    columns=(
        id_column("活动编号", "Activity id", example="A000001"),
        Column("date", "活动日期", "Date", dtype="date", required=True,
               aliases=("日期", "时间", "活动时间", "开展日期", "开展时间", "date"),
               help="活动日期，如 2024-03-05、2024/3/5、2024.3.5 "
                    "或 2024年3月5日。",
               help_en="Date of the activity.", example="2024-03-05"),
        Column("category", "活动类别", "Category", required=True, choices="activity_categories",
               aliases=("类别", "十进类别", "进入类别", "活动类型", "类型", "category"),
               help="“十进”类别之一，如 进机关、进企业、进社区"
                    "（列表可在 data/district.toml 配置）。",
               help_en="One of the configured 'ten enters' categories.", example="进社区"),
        Column("title", "活动名称", "Title",
               aliases=("名称", "活动主题", "主题", "活动内容", "title"),
               help="活动名称或主题。", help_en="Title or theme.",
               example="民族团结进步宣传月进社区（示例）"),
        TOWNSHIP_REF, COMMUNITY_REF,
        Column("place", "活动地点", "Place", aliases=("地点", "开展地点", "场所"),
               help="活动地点（单位、学校、场所名称）。", help_en="Where it took place.",
               example="下西园社区活动室"),
        Column("participants", "参与人数", "Participants", dtype="int", minimum=0,
               aliases=("参加人数", "人数", "参与人次", "受众人数"),
               help="参与人数。", help_en="Number of participants.", example=60),
        Column("organiser", "组织单位", "Organiser",
               aliases=("主办单位", "承办单位", "组织者", "牵头单位"),
               help="组织或承办单位。", help_en="Organising body.", example="区民宗局"),
        NOTE,
    ),
)
