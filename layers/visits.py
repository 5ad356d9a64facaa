"""Visits to stationed units (走访记录): who went to which unit, when, how, and what follows."""

from __future__ import annotations

import dataclasses

from layers._common import NOTE, TOWNSHIP_REF, id_column
from layers._schema import Column, LayerSchema

# A visit's township is its unit's: the importer fills it from the unit when the file leaves
# it blank (so township-scoped accounts see their units' visits), hence not required here.
VISIT_TOWNSHIP = dataclasses.replace(
    TOWNSHIP_REF, required=False,
    help="被走访单位所属的乡镇或街道；不填则按单位台账自动填写。",
    help_en="Township of the unit visited; filled from the unit ledger when blank.")

SCHEMA = LayerSchema(
    name="visits", label="走访记录", label_en="Visits to stationed units",
    description="对驻区单位的走访对接记录，一行一次走访（或座谈、联席会议、电话联系）；"
                "单位按编号或名称对应驻区单位台账，坐标可不填。",
    description_en="One row per visit (or meeting, call) to a stationed unit; the unit is named "
                   "by its id or name in the units ledger; coordinates optional.",
    geometry=("Point",), geometry_required=False, id_column="code", id_prefix="V",
    columns=(
        id_column("走访编号", "Visit id", "记录编号", example="V000001"),
        Column("unit_code", "单位", "Unit", required=True, ref="units",
               aliases=("单位名称", "驻区单位", "走访单位", "被走访单位", "对接单位", "单位编号",
                        "驻区单位名称", "unit"),
               help="被走访的驻区单位：填单位编号（如 U001）或单位名称，须已在驻区单位台账中。",
               help_en="The stationed unit visited: its id (U001) or its name in the units "
                       "ledger.",
               example="兰州理工大学"),
        Column("date", "走访日期", "Date", dtype="date", required=True,
               aliases=("日期", "时间", "走访时间", "对接日期", "联系日期", "date"),
               help="走访或联系的日期，如 2026-03-05、2026/3/5 或 2026年3月5日。",
               help_en="Date of the visit or contact.", example="2026-03-05"),
        Column("form", "走访形式", "Form", required=True, choices="visit_forms",
               aliases=("形式", "方式", "走访方式", "对接形式", "联系方式", "form"),
               help="走访、座谈、联席会议、电话或其他（列表可在 data/district.toml 配置）。",
               help_en="One of the configured visit forms (visit, talk, joint meeting, "
                       "phone, other).",
               example="走访"),
        Column("visitor", "走访人", "Visited by",
               aliases=("走访人员", "参加人员", "走访领导", "对接人", "经办人"),
               help="走访的领导和工作人员姓名，多人用顿号隔开。",
               help_en="Who went (names, several separated by 、).",
               example="王建国（示例）、李秀英（示例）"),
        Column("topic", "走访事项", "Topic",
               aliases=("主题", "走访主题", "事项", "走访内容", "对接事项", "内容"),
               help="走访的主题或商谈的事项。", help_en="What the visit was about.",
               example="民族团结进步创建工作对接（示例）"),
        Column("outcome", "成效", "Outcome",
               aliases=("结果", "走访成效", "走访结果", "成果", "对接成效"),
               help="走访取得的成效或达成的共识。", help_en="What came of it.",
               example="确定单位统战联络员（示例）"),
        Column("follow_up", "后续事项", "Follow-up",
               aliases=("待办事项", "后续工作", "跟进事项", "需办事项", "待办"),
               help="走访后需要办理的事项；没有则留空。",
               help_en="What is to be done after the visit; blank if nothing.",
               example="协助单位开展民族团结进步宣传月活动（示例）"),
        Column("follow_up_due", "办结时限", "Follow-up due", dtype="date",
               aliases=("完成时限", "办理时限", "截止日期", "办结日期", "时限"),
               help="后续事项的办结时限；过期且之后没有再走访该单位的，列入督办清单。",
               help_en="When the follow-up is due; past it with no later visit to the unit, "
                       "it goes on the supervision list.",
               example="2026-04-30"),
        VISIT_TOWNSHIP,
        NOTE,
    ),
)
