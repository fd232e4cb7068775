"""The shared PDF machinery: the embedded CJK font with a ToUnicode map (text extracts as typed), page
header and footer with page numbers and Beijing time, escaped user text, masked ID numbers, the grid and
table helpers, and the response headers."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from django.utils import timezone

from fanxiang.core import pdf

SHANGHAI_9_18 = dt.datetime(2026, 3, 2, 1, 18, tzinfo=dt.UTC)  # 09:18 in Beijing


def _reader(data: bytes) -> pypdf.PdfReader:
    assert data.startswith(b"%PDF-")
    return pypdf.PdfReader(io.BytesIO(data))


def _text(reader: pypdf.PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def _fonts(reader: pypdf.PdfReader) -> list[dict]:
    fonts = []
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.append(font.get_object())
    return fonts


def test_font_is_the_shipped_truetype_and_embedded_with_tounicode():
    assert pdf.FONT_FILE.is_file() and pdf.font_name() == pdf.FONT
    data = pdf.render(
        [pdf.para("张三丰 申请表 县级审核 ABC-123", "body")], title="测试文档", printed_by="王经办"
    )
    reader = _reader(data)
    fonts = _fonts(reader)
    assert fonts and all("/ToUnicode" in f for f in fonts)
    # embedded (a subset): a font file stream in the descriptor, so every reader shows the same glyphs
    assert all("/FontFile2" in f["/FontDescriptor"] for f in fonts)
    assert "张三丰 申请表 县级审核 ABC-123" in _text(reader)
    # the subset stays small: only the glyphs the document uses
    assert len(data) < 120_000


def test_header_footer_page_numbers_and_beijing_time_on_every_page():
    story = [pdf.DocumentTitle("第一份表", "编号：A-1"), *[pdf.para(f"第{i}行内容") for i in range(120)]]
    data = pdf.render(story, title="两页文档", printed_by="郑郸城", printed_at=SHANGHAI_9_18)
    reader = _reader(data)
    assert len(reader.pages) >= 2
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        body = page.extract_text()
        assert pdf.PLATFORM in body and "第一份表" in body
        assert f"第 {number} 页" in body and f"共 {total} 页" in body
        assert "打印人：郑郸城" in body and "2026-03-02 09:18（北京时间）" in body
    assert reader.metadata.title == "两页文档"


def test_the_header_names_the_document_each_page_belongs_to():
    from reportlab.platypus import PageBreak

    story = [
        pdf.DocumentTitle("申请表"),
        pdf.para("甲"),
        PageBreak(),
        pdf.DocumentTitle("审批表"),
        pdf.para("乙"),
    ]
    reader = _reader(pdf.render(story, title="合订"))
    first, second = (p.extract_text() for p in reader.pages)
    assert "申请表" in first and "审批表" not in first
    assert "审批表" in second
    # each form numbers its own pages
    assert "第 1 页　共 1 页" in first and "第 1 页　共 1 页" in second


def test_user_text_is_escaped_not_parsed_as_markup():
    typed = '<b>粗体</b> & <font size="40">大</font> 1 < 2'
    reader = _reader(pdf.render([pdf.para(typed)], title="转义"))
    text = _text(reader)
    assert "<b>粗体</b>" in text and "1 < 2" in text and "&" in text


def test_id_numbers_are_always_masked():
    clear = "411625199001011234"
    assert pdf.masked_id_number(clear) == "4116**********1234"
    assert pdf.masked_id_number("4116**********1234") == "4116**********1234"
    assert pdf.masked_id_number("") == ""
    assert pdf.masked_mobile("13800001234") == "138****1234"
    grid = pdf.form_grid([("身份证号码", pdf.masked_id_number(clear))])
    text = _text(_reader(pdf.render([grid], title="遮蔽")))
    assert "4116**********1234" in text and clear not in text


def test_values_print_in_the_pages_formats():
    assert pdf.text(None) == pdf.text("") == "—"
    assert pdf.text(True) == "是" and pdf.text(False) == "否"
    assert pdf.text(dt.date(2021, 5, 20)) == "2021-05-20"
    assert pdf.text(SHANGHAI_9_18) == "2026-03-02 09:18"
    assert pdf.money("120000") == "120,000.00" and pdf.money(None) == "—"


def test_grid_and_table_lay_out_every_value_and_the_empty_row():
    grid = pdf.form_grid(
        [("甲", "一"), ("乙", "二"), pdf.Field("丙", "很长的说明" * 20, wide=True), ("丁", "四")], columns=2
    )
    table = pdf.data_table(
        ["环节", "意见"], [["人社部门资格审核", "同意"], ["担保机构审核", "退回补正\n缺少材料"]]
    )
    empty = pdf.data_table(["环节", "意见"], [], empty="暂无办理记录")
    text = _text(_reader(pdf.render([grid, table, empty, pdf.signature_block("申请人")], title="表格")))
    for word in (
        "甲",
        "一",
        "丙",
        "丁",
        "四",
        "人社部门资格审核",
        "退回补正",
        "缺少材料",
        "暂无办理记录",
        "申请人（签字/盖章）",
    ):
        assert word in text


def test_response_is_an_inline_uncached_pdf_with_a_chinese_file_name():
    response = pdf.pdf_response(b"%PDF-1.4", "登记表-张三.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("inline;")
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_render_defaults_to_now():
    before = timezone.now()
    reader = _reader(pdf.render([pdf.para("x")], title="现在"))
    assert timezone.localtime(before).strftime("%Y-%m-%d") in _text(reader)
