"""Ethnic work stations (民族工作站) and the other grassroots service points a district counts."""

from __future__ import annotations

from layers._common import (
                            ADDRESS,
                            COMMUNITY_REF,
                            CONTACT,
                            NOTE,
                            PHONE,
                            TOWNSHIP_REF,
                            id_column,
                            name_column,
)
from layers._schema import Column, LayerSchema

SCHEMA = LayerSchema(
    name="workstations", label="民族工作站及服务站点", label_en="Work stations",
    description="民族工作站、社区服务站点、同心驿站、党群服务中心等，一行一处，位置为点。",
    description_en="Ethnic work stations and other service points, one point each.",
    geometry=("Point",), geometry_required=True, id_column="code", id_prefix="W",
    columns=(
        id_column("站点编号", "Station id", example="W001"),
        name_column("站点名称", "工作站名称", example="西园街道民族工作站"),
        Column("kind", "站点类型", "Kind", required=True, choices="station_kinds",
               aliases=("类型", "类别", "站点类别", "kind"),
               help="民族工作站、社区服务站点、同心驿站或党群服务中心"
                    "（可在 data/district.toml 配置）。",
               help_en="One of the configured station kinds.", example="民族工作站"),
        TOWNSHIP_REF, COMMUNITY_REF, ADDRESS,
        Column("staff", "工作人员数", "Staff", dtype="int", minimum=0,
               aliases=("人员数", "工作人员", "配备人员", "专职人员数"),
               help="配备的工作人员人数。", help_en="Number of staff.", example=3),
        CONTACT, PHONE,
        Column("established_on", "设立日期", "Established on", dtype="date",
               aliases=("成立日期", "建立日期", "设立时间"),
               help="设立日期。", help_en="Date established.", example="2019-06-01"),
        NOTE,
    ),
)
