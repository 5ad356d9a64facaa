"""Columns several layers share, declared once so their aliases stay the same everywhere."""

from __future__ import annotations

from layers._schema import Column

TOWNSHIP_REF = Column(
    "township_code", "所属乡镇(街道)", "Township", required=True, ref="townships",
    aliases=("所属街道", "所属乡镇", "乡镇街道", "乡镇(街道)", "街道(乡镇)", "所在乡镇(街道)",
             "所在街道", "所在乡镇", "乡镇", "街道", "街镇", "township", "street",
             "所属乡镇(街道)代码", "乡镇代码", "街道代码"),
    help="乡镇或街道的名称或统计代码；名称可带或不带“街道/镇/乡”，"
         "如“西园”或“西园街道”或 620103001。",
    help_en="Name or statistical code of the township/street; the 街道/镇/乡 suffix is optional.",
    example="西园街道",
)

COMMUNITY_REF = Column(
    "community_code", "所属社区(村)", "Community", ref="communities",
    aliases=("社区", "村(社区)", "社区(村)", "所在社区", "所属社区", "所属村", "村居", "community",
             "社区代码", "村代码"),
    help="社区或村的名称或统计代码（可不填）。",
    help_en="Name or code of the community/village (optional).",
    example="下西园社区居委会",
)

ADDRESS = Column("address", "地址", "Address", aliases=("详细地址", "所在地址", "位置", "地点地址"),
                 help="门牌地址，便于核对。", help_en="Street address, for checking.",
                 example="七里河区西津西路（示例）")

CONTACT = Column("contact", "联系人", "Contact person", aliases=("负责人", "联系人姓名", "管理人"),
                 help="负责人或联系人姓名。", help_en="Responsible or contact person.",
                 example="张三（示例）")

PHONE = Column("phone", "联系电话", "Phone", aliases=("电话", "手机", "联系方式", "手机号码"),
               help="联系电话。", help_en="Phone number.", example="0931-0000000")

NOTE = Column("note", "备注", "Note", aliases=("说明", "remark", "remarks", "notes"),
              help="任何补充说明；示例数据在此标“示例数据”。",
              help_en="Any remark; demo rows say 示例数据 here.", example="")


def id_column(label: str, label_en: str, *aliases: str, example: str) -> Column:
    """Return a layer's identifying column (unique; generated from the row number when blank).

    Parameters
    ----------
    label, label_en : str
        Header in Chinese and English.
    *aliases : str
        Other headers for it.
    example : str
        Example value for the template.

    Returns
    -------
    Column
        The column.
    """
    return Column("code", label, label_en, unique=True,
                  aliases=("编号", "编码", "代码", "序号编码", "id", "code", *aliases),
                  help="唯一编号；不填则按行号自动生成。",
                  help_en="Unique id; generated from the row number when blank.", example=example)


def name_column(*aliases: str, example: str) -> Column:
    """Return a layer's required ``name`` column with the aliases ledgers use for it.

    Parameters
    ----------
    *aliases : str
        Layer-specific headers (场所名称, 单位名称...).
    example : str
        Example value for the template.

    Returns
    -------
    Column
        The column.
    """
    return Column("name", "名称", "Name", required=True,
                  aliases=("名字", "name", "标题", *aliases),
                  help="名称，按正式名称填写。", help_en="Official name.", example=example)
