"""The columns of the registry import (Chinese headers ↔ fields): one spec for the template, the reader,
the report, the bad-rows file and the export (``exports.py``), so an exported file imports back unchanged."""

from __future__ import annotations

from fanxiang.core.imports import ERROR_HEADER, Column, ImportSpec
from fanxiang.entrepreneurs.choices import Category, Education

COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", True, 10, help="必填，不超过32个字。", aliases=("人员姓名",)),
    Column(
        "身份证号码",
        "id_number",
        True,
        22,
        text=True,
        help="必填，18位（15位旧号码自动转换）；校验位、出生日期、出生地代码均须正确。"
        "已登记的号码视为修改该人员（须在本人负责的区划内）。请将本列设为文本格式。",
        aliases=("身份证号", "公民身份号码", "证件号码"),
    ),
    Column(
        "手机号码",
        "mobile",
        False,
        14,
        text=True,
        help="选填，11位大陆手机号。",
        aliases=("手机号", "联系电话"),
    ),
    Column(
        "现居住地区划代码",
        "region",
        True,
        20,
        text=True,
        help="必填，乡镇（街道）的9位代码或县（市、区）的6位代码，须在本人负责的区划内；"
        "可从下拉列表选择（形如“411625101 吴台镇”），全部代码见“区划代码”工作表。",
        aliases=("现居住地代码", "现居住地区划", "区划代码"),
    ),
    Column(
        "户籍地区划代码",
        "hukou_region",
        False,
        20,
        text=True,
        help="选填，格式同现居住地区划代码。",
        aliases=("户籍地代码", "户籍地区划"),
    ),
    Column(
        "人员类别",
        "category",
        True,
        12,
        help="必填，从下拉列表选择："
        + "、".join(str(label) for _v, label in Category.choices)
        + "（也可填代码）。",
        aliases=("类别",),
    ),
    Column(
        "返乡/入乡时间",
        "return_date",
        False,
        14,
        help="选填，日期，如 2020-03-01（也可写 2020/3/1、2020年3月1日）。",
        aliases=("返乡时间", "入乡时间", "返乡入乡时间"),
    ),
    Column(
        "创业时间",
        "started_on",
        False,
        12,
        help="选填，日期；计入“新增返乡创业人数”的月份（不填则按登记月份计）。",
        aliases=("创业日期",),
    ),
    Column(
        "原务工省份",
        "worked_province",
        False,
        12,
        help="选填；填湖北（湖北省）自动标记重点群体“原在湖北务工”。",
    ),
    Column("原务工城市", "worked_city", False, 12, help="选填。"),
    Column(
        "外出务工时长（月）",
        "worked_months",
        False,
        10,
        help="选填，0至720的整数。",
        aliases=("外出务工时长",),
    ),
    Column(
        "文化程度",
        "education",
        False,
        14,
        help="选填，从下拉列表选择：" + "、".join(str(label) for _v, label in Education.choices) + "。",
    ),
    Column("技能特长", "skills", False, 16, help="选填，不超过200字。"),
    Column(
        "重点群体",
        "priority_groups",
        False,
        20,
        help="选填，可填多个，用顿号“、”或逗号分隔；填名称或代码。",
    ),
    Column("备注", "notes", False, 20, help="选填，不超过2000字。"),
)
BY_FIELD = {c.field: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
REQUIRED_HEADERS = [c.header for c in COLUMNS if c.required]
# Read-only columns of our own export: recognised on re-import and ignored (they derive from the others).
EXPORT_ONLY_HEADERS = ("现居住地", "户籍地", "性别", "出生日期", "出生地", "状态", "登记时间", ERROR_HEADER)
MAX_ROWS = 200_000
MAX_FILE_BYTES = 50 * 1024 * 1024

SPEC = ImportSpec(
    columns=COLUMNS, max_rows=MAX_ROWS, max_file_bytes=MAX_FILE_BYTES, ignored_headers=EXPORT_ONLY_HEADERS
)
