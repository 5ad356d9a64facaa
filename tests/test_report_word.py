"""The Word report: GB/T 9704's page and styles, numbered captions, real tables, read back."""

from __future__ import annotations

import io
import time

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from PIL import Image

from reports._word_table import column_widths
from reports.model import Document, Figure, Heading, Paragraph, Table
from reports.word import chinese_number, docx_bytes, write_docx, xml_safe

TOWNS = ["西园街道", "西湖街道", "建兰路街道", "敦煌路街道", "西站街道", "晏家坪街道",
         "龚家湾街道", "土门墩街道", "秀川街道", "彭家坪镇", "八里镇", "阿干镇", "西果园镇",
         "黄峪镇", "魏岭乡"]
MARK = "示例数据 仅供演示"


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def _document(lang: str = "zh", demo_mark: str = MARK, **changes) -> Document:
    rows = [[TOWNS[i % len(TOWNS)], str(i), f"{i * 1.5:.1f}", "备注" * (i % 4)]
            for i in range(120)]
    blocks = [
        Heading("民族工作站覆盖情况"),
        Paragraph("全区共建成民族工作站42个，覆盖社区（村）126个。"),
        Heading("总体覆盖", 2),
        Figure(_png(300, 200), "全区民族工作站覆盖图"),
        Paragraph("注：覆盖范围按服务半径计算。", note=True),
        Table("没有记录的乡镇", ["乡镇", "数量"], [], numeric=[False, True]),
        Heading("分乡镇情况", 2),
        Figure(_png(200, 300), "“十进”活动分布图", width_mm=100),
        Table("各乡镇活动情况", ["乡镇（街道）", "活动（场）", "覆盖率（%）", "备注"], rows,
              numeric=[False, True, True, False], note="注：只列出前120个。"),
        Heading("存在的问题"),
        Heading("站点分布不均", 2),
        Paragraph("部分乡镇尚无工作站。"),
    ]
    fields = {"title": "七里河区民族工作站覆盖情况汇报", "lang": lang,
              "subtitle": ["（2025年1月—6月）", "数据截至2025年6月30日"],
              "demo_mark": demo_mark, "blocks": blocks, "subject": "民族工作站覆盖",
              "author": "七里河区委统战部", "keywords": "民族工作站;十进"}
    fields.update(changes)
    return Document(**fields)


def _read(document: Document) -> docx.document.Document:
    return docx.Document(io.BytesIO(docx_bytes(document)))


@pytest.fixture(scope="module")
def zh():
    return _read(_document())


@pytest.fixture(scope="module")
def en():
    return _read(_document("en"))


def test_headings_are_word_headings_numbered_by_level(zh):
    headings = [(p.style.name, p.text) for p in zh.paragraphs
                if p.style.name.startswith("Heading")]
    assert headings == [
        ("Heading 1", "一、民族工作站覆盖情况"),
        ("Heading 2", "（一）总体覆盖"),
        ("Heading 2", "（二）分乡镇情况"),
        ("Heading 1", "二、存在的问题"),
        ("Heading 2", "（一）站点分布不均"),
    ]


def test_english_headings_and_captions(en):
    headings = [p.text for p in en.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["1. 民族工作站覆盖情况", "(1) 总体覆盖", "(2) 分乡镇情况"]
    captions = [p.text for p in en.paragraphs if p.style.name == "Caption"]
    assert captions == ["Figure 1 全区民族工作站覆盖图", "Table 1 没有记录的乡镇",
                        "Figure 2 “十进”活动分布图", "Table 2 各乡镇活动情况"]
    assert en.core_properties.language == "en-US"


def test_captions_numbered_in_order_figures_below_tables_above(zh):
    body = list(zh.element.body.iterchildren())
    captions = [(i, p.text) for i, p in enumerate(zh.paragraphs) if p.style.name == "Caption"]
    assert [text for _, text in captions] == [
        "图1 全区民族工作站覆盖图", "表1 没有记录的乡镇", "图2 “十进”活动分布图",
        "表2 各乡镇活动情况"]
    for p in (p for p in zh.paragraphs if p.style.name == "Caption"):
        assert p.alignment is None and p.style.paragraph_format.alignment == \
            WD_ALIGN_PARAGRAPH.CENTER
        here = body.index(p._p)
        if p.text.startswith("图"):
            # The picture is right above its caption and kept with it.
            above = body[here - 1]
            assert above.findall(".//" + qn("w:drawing"))
            assert zh.styles["Picture"].paragraph_format.keep_with_next
        else:
            # The table is right below its caption, which is kept with it.
            assert body[here + 1].tag == qn("w:tbl")
            assert p.paragraph_format.keep_with_next
    # The number is a SEQ field an editor's Word renumbers.
    seq = [t.text for t in zh.element.body.iter(qn("w:instrText"))]
    assert [s.strip() for s in seq] == ["SEQ 图 \\* ARABIC", "SEQ 表 \\* ARABIC"] * 2


def test_pictures_inline_at_their_width(zh):
    shapes = zh.inline_shapes
    assert len(shapes) == 2
    assert shapes[0].width.mm == pytest.approx(156, abs=0.1)
    assert shapes[0].height.mm == pytest.approx(104, abs=0.1)
    assert shapes[1].width.mm == pytest.approx(100, abs=0.1)


def test_a_tall_picture_is_narrowed_to_fit_the_page_with_its_caption():
    doc = _read(Document("t", "zh", blocks=[Figure(_png(100, 1000), "高图")]))
    shape = doc.inline_shapes[0]
    assert shape.height.mm <= 225 - 15 + 0.1
    assert shape.width.mm == pytest.approx(shape.height.mm / 10, abs=0.1)


def test_tables_are_word_tables_with_header_borders_and_widths(zh):
    empty, big = zh.tables
    assert len(empty.rows) == 1 and [c.text for c in empty.rows[0].cells] == ["乡镇", "数量"]
    assert len(big.rows) == 121
    assert [c.text for c in big.rows[0].cells] == ["乡镇（街道）", "活动（场）", "覆盖率（%）",
                                                   "备注"]
    assert [c.text for c in big.rows[1].cells] == ["西园街道", "0", "0.0", ""]
    assert big.rows[120].cells[0].text == TOWNS[119 % len(TOWNS)]
    for table in (empty, big):
        tbl = table._tbl
        borders = tbl.tblPr.find(qn("w:tblBorders"))
        assert {b.tag.split("}")[1]: b.get(qn("w:val")) for b in borders} == dict.fromkeys(
            ["top", "left", "bottom", "right", "insideH", "insideV"], "single")
        rows = tbl.findall(qn("w:tr"))
        # The header repeats on every page; no row is split across two.
        assert rows[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        assert all(r.find(qn("w:trPr")).find(qn("w:tblHeader")) is None for r in rows[1:])
        assert all(r.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for r in rows)
        widths = [int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol"))]
        assert sum(widths) / 56.7 == pytest.approx(156, abs=0.1)
    # The header is bold; numbers are aligned right and text left.
    assert zh.styles["Table Heading"].font.bold
    row = big.rows[5].cells
    assert [c.paragraphs[0].alignment for c in row] == [
        None, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.RIGHT, None]
    assert zh.styles["Table Text"].font.size.pt == 12
    # The town column, longer text than the numbers, is wider.
    widths = [int(g.get(qn("w:w"))) for g in big._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert widths[0] > widths[1]
    note = [p for p in zh.paragraphs if p.text == "注：只列出前120个。"]
    assert note and note[0].style.name == "Table Note"


def test_column_widths_add_up_and_give_long_text_the_room():
    total = 8845
    widths = column_widths(["名称", "数量", "地址"], [["甲", "1", "很长的地址" * 10]], total)
    assert sum(widths) == total
    assert widths[2] > widths[0] and widths[2] > widths[1]
    assert min(widths) >= 5 * 120
    assert sum(column_widths(["a"] * 40, [], total)) == total
    assert column_widths(["x"], [], total) == [total]


def test_a_row_longer_than_the_header_is_refused():
    document = Document("t", "zh", blocks=[Table("t", ["a"], [["1", "2"]])])
    with pytest.raises(ValueError, match="2 cells for 1 columns"):
        docx_bytes(document)


def test_page_is_a4_with_gbt9704_margins(zh):
    section = zh.sections[0]
    for value, mm in ((section.page_width, 210), (section.page_height, 297),
                      (section.top_margin, 37), (section.bottom_margin, 35),
                      (section.left_margin, 28), (section.right_margin, 26)):
        assert value.mm == pytest.approx(mm, abs=0.1)
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:linePitch")) == "579"


def _east_asia(rpr):
    fonts = rpr.find(qn("w:rFonts"))
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_styles_name_their_chinese_fonts_and_no_theme_fonts(zh):
    expected = {"Normal": "仿宋", "Title": "方正小标宋简体", "Subtitle": "楷体",
                "Heading 1": "黑体", "Heading 2": "楷体", "Caption": "黑体", "Note": "仿宋",
                "Table Text": "仿宋", "Table Heading": "仿宋", "Footer": "宋体"}
    for name, font in expected.items():
        style = zh.styles[name]
        assert _east_asia(style.element.rPr) == font, name
        fonts = style.element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) in ("Times New Roman", "宋体")
        # Theme fonts would win over the names in Word.
        assert not [a for a in fonts.attrib if "Theme" in a or "theme" in a], name
        assert style.element.rPr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
    normal = zh.styles["Normal"]
    assert normal.font.size.pt == 16
    fmt = normal.paragraph_format
    assert fmt.line_spacing.pt == pytest.approx(28.95)
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert normal.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    assert zh.styles["Title"].font.size.pt == 22
    defaults = zh.styles.element.find(qn("w:docDefaults"))
    assert _east_asia(defaults.find(".//" + qn("w:rPr"))) == "仿宋"


def test_every_run_names_its_east_asian_font(zh):
    parts = [zh.element.body] + [s.footer._element for s in zh.sections] + \
        [s.even_page_header._element for s in zh.sections]
    for part in parts:
        for run in part.iter(qn("w:r")):
            if run.find(qn("w:drawing")) is not None:
                continue
            assert _east_asia(run.find(qn("w:rPr"))), run.xml


def test_page_numbers_outside_on_odd_and_even_pages(zh):
    assert zh.settings.odd_and_even_pages_header_footer
    section = zh.sections[0]
    for footer, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                         (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        (p,) = footer.paragraphs
        assert p.text == "— 1 —"
        assert p.alignment == side
        assert [i.text.strip() for i in p._p.iter(qn("w:instrText"))] == ["PAGE"]
        fonts = p.runs[0]._r.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:ascii")) == "宋体" and p.runs[0].font.size.pt == 14


def test_demo_mark_under_the_title_and_in_every_header(zh):
    section = zh.sections[0]
    for header in (section.header, section.even_page_header):
        assert not header.is_linked_to_previous
        assert MARK in header.paragraphs[0].text
        assert header.paragraphs[0].runs[0]._r.rPr.find(qn("w:color")).get(qn("w:val")) \
            == "FF0000"
    texts = [p.text for p in zh.paragraphs[:6]]
    assert texts[:4] == ["七里河区民族工作站覆盖情况汇报", "（2025年1月—6月）",
                         "数据截至2025年6月30日", MARK]
    assert texts[4] == ""  # the blank line before the body
    assert zh.paragraphs[3].style.name == "Demo Mark"
    assert zh.paragraphs[3].runs[0].font.bold


def test_no_demo_mark_no_header():
    doc = _read(_document(demo_mark=""))
    section = doc.sections[0]
    assert section.header.is_linked_to_previous and section.even_page_header.is_linked_to_previous
    assert not any(p.style.name == "Demo Mark" for p in doc.paragraphs)


def test_core_properties(zh):
    props = zh.core_properties
    assert props.title == "七里河区民族工作站覆盖情况汇报"
    assert props.subject == "民族工作站覆盖"
    assert props.author == props.last_modified_by == "七里河区委统战部"
    assert props.keywords == "民族工作站;十进"
    assert props.language == "zh-CN"
    assert props.created is not None and props.created == props.modified
    assert props.comments == ""


def test_hostile_text_is_cleaned_not_fatal():
    long_word = "长" * 3000 + "x" * 5000
    hostile = "控制\x00字符\x0b换行\x01\x1f\ud800\ufffe\uffff\x0c末尾\r\n"
    document = Document(
        title="标题\x00" + hostile, lang="zh", subtitle=[hostile], demo_mark="示例\x07",
        blocks=[Heading(hostile), Paragraph(hostile + long_word), Paragraph(hostile, note=True),
                Figure(_png(10, 10), hostile),
                Table(hostile, [hostile, "b"], [[long_word, hostile], [hostile]],
                      numeric=[True, True, True], note=hostile)],
        author="作者\x00" * 100, keywords=hostile, subject=long_word)
    doc = _read(document)
    heading = next(p for p in doc.paragraphs if p.style.name == "Heading 1")
    assert heading.text == "一、控制字符\n换行\n末尾\n"
    assert any(long_word in p.text for p in doc.paragraphs)
    table = doc.tables[0]
    assert table.rows[1].cells[0].text == long_word
    assert table.rows[2].cells[1].text == ""  # a short row is padded
    assert doc.core_properties.title.startswith("标题控制字符 换行")
    assert len(doc.core_properties.subject) == 255
    assert "\x00" not in doc.core_properties.author


def test_xml_safe():
    assert xml_safe("a\x00b\x0bc\x0cd\r\ne\rf\u2028g") == "ab\nc\nd\ne\nf\ng"
    assert xml_safe("\ud800\ufffe\uffff\U0001F600\t") == "\U0001F600\t"
    assert xml_safe(None) == "" and xml_safe(12) == "12"


def test_chinese_numbers():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23, 99, 100)] == [
        "一", "九", "十", "十一", "二十", "二十三", "九十九", "100"]


def test_write_to_a_path_and_a_stream(tmp_path):
    document = Document("标题", "zh", blocks=[Paragraph("正文")])
    path = tmp_path / "报告.docx"
    write_docx(document, path)
    write_docx(document, str(tmp_path / "b.docx"))
    stream = io.BytesIO()
    write_docx(document, stream)
    for source in (path, tmp_path / "b.docx", io.BytesIO(stream.getvalue())):
        assert docx.Document(source).paragraphs[0].text == "标题"


def test_an_empty_document_and_a_bad_block():
    doc = _read(Document("只有标题", "zh"))
    assert doc.paragraphs[0].text == "只有标题"
    with pytest.raises(TypeError, match="not a report block"):
        docx_bytes(Document("t", "zh", blocks=["text"]))  # type: ignore[list-item]


def test_a_long_table_is_written_in_linear_time():
    # Moving a table parsed under a wrapper element into the document was quadratic (25 s for
    # 2,000 rows); 3,000 rows now take about 2 s.
    rows = [[f"社区{i}", str(i), "备注" * 3] for i in range(3000)]
    started = time.perf_counter()
    data = docx_bytes(Document("t", "zh", blocks=[Table("大表", ["社区", "数", "备注"], rows)]))
    assert time.perf_counter() - started < 20
    assert len(docx.Document(io.BytesIO(data)).tables[0].rows) == 3001
