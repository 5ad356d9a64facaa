"""Religious venues (宗教活动场所): approved venues as points, by religion and township."""

from __future__ import annotations

from layers._common import ADDRESS, CONTACT, NOTE, PHONE, TOWNSHIP_REF, id_column, name_column
from layers._schema import Column, LayerSchema

SCHEMA = LayerSchema(
    name="religious_sites", label="宗教活动场所", label_en="Religious venues",
    description="依法审批的宗教活动场所，一行一处，位置为点。",
    description_en="Legally approved religious venues, one point each.",
    geometry=("Point",), geometry_required=True, id_column="code", id_prefix="R",
    columns=(
        id_column("场所编号", "Venue id", "登记证号", "登记编号", example="R001"),
        name_column("场所名称", "宗教活动场所名称", "寺观教堂名称", example="西关清真寺（示例）"),
        Column("religion", "宗教", "Religion", required=True, choices="religions",
               aliases=("教别", "宗教类别", "所属宗教", "宗教类型", "religion"),
               help="伊斯兰教、佛教、道教、基督教或天主教（列表可在 data/district.toml 配置）。",
               help_en="One of the configured religions.", example="伊斯兰教"),
        TOWNSHIP_REF,
        ADDRESS, CONTACT, PHONE,
        Column("approved_on", "批准日期", "Approved on", dtype="date",
               aliases=("审批日期", "登记日期", "批准时间"),
               help="依法审批或登记日期。", help_en="Date approved or registered.",
               example="2004-05-20"),
        NOTE,
    ),
)
