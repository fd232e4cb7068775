"""Excel/CSV import of repayments by a handling bank.

Columns (Chinese headers): 贷款编号, 还款日期, 还款金额（元） (required), 银行流水号, 备注 (optional).
Columns the importer does not know are listed in the report's ``ignored_columns``.
Every row goes through ``repayment.repayment_record`` — the service a manual entry uses — in its own
savepoint, rows applied in date order (then file order). Every bad row is reported by its Excel row number
(header = row 1), column, stable code and message; nothing is dropped silently. Default all-or-nothing: any
bad row and nothing is written. ``partial=True`` writes the good rows; ``dry_run=True`` validates
everything (including the amounts still owed after earlier rows) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import imports as bounded
from fanxiang.core.errors import DomainError, Forbidden, InvalidInput
from fanxiang.core.scope import ADD, VIEW, resolve
from fanxiang.loans.choices import RepaymentSource
from fanxiang.loans.models import LoanApplication, Repayment

COLUMNS = (
    ("loan", "贷款编号", True, ("贷款合同编号", "申请编号")),
    ("date", "还款日期", True, ("日期",)),
    ("amount", "还款金额（元）", True, ("还款金额", "金额", "金额（元）")),
    ("reference", "银行流水号", False, ("流水号", "交易流水号")),
    ("note", "备注", False, ()),
)
HEADER = {f: h for f, h, _r, _a in COLUMNS}
MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
# service error field -> column
FIELD_COLUMN = {"amount": "amount", "date": "date", "reference": "reference"}


def _norm(value: Any) -> str:
    text = re.sub(r"\s+", "", "" if value is None else str(value))
    return text.replace("(", "（").replace(")", "）").rstrip("*＊")


_HEADER_TO_FIELD = {_norm(name): f for f, h, _r, aliases in COLUMNS for name in (h, *aliases)}


@dataclass
class ImportReport:
    total_rows: int = 0
    valid_rows: int = 0
    created: int = 0
    dry_run: bool = False
    partial: bool = False
    committed: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def add(self, row: int, name: str, code: str, message: str) -> None:
        self.errors.append(
            {"row": row, "column": HEADER.get(name, ""), "code": code, "message": str(message)}
        )

    def as_dict(self) -> dict[str, Any]:
        order = {h: i for i, (_f, h, _r, _a) in enumerate(COLUMNS)}
        errors = sorted(self.errors, key=lambda e: (e["row"], order.get(e["column"], 99)))
        return {
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "created": self.created,
            "error_rows": len({e["row"] for e in errors}),
            "errors": errors,
            "ignored_columns": self.ignored_columns,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "committed": self.committed,
        }


def _file_error(code: str, message: str) -> InvalidInput:
    return InvalidInput(code, message, errors={"file": [message]})


def read_rows(content: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list[Any]]]]:
    if not content:
        raise _file_error("import.empty_file", "上传的文件是空的。")
    if len(content) > MAX_FILE_BYTES:
        raise _file_error("import.file_too_large", "文件超过10MB，请拆分后分批导入。")
    if content[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        bounded.check_workbook(content)  # refuse far cells, huge cells and zip bombs before reading
        try:
            ws = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
            raw = bounded.check_rows([list(r) for r in ws.iter_rows(values_only=True)])
        except InvalidInput:
            raise
        except Exception:
            raise _file_error(
                "import.file_unreadable", "无法读取该 Excel 文件（可能已损坏），请另存为 .xlsx 后重试。"
            )
    elif (filename or "").lower().endswith((".csv", ".txt")) or not filename:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes nearly anything
            raise _file_error("import.file_encoding", "无法识别CSV文件的编码，请另存为 UTF-8 或 GBK 编码。")
        if "\x00" in text:
            raise _file_error("import.file_type", "文件不是文本格式的CSV，请上传 Excel（.xlsx）或 CSV 文件。")
        raw = bounded.read_csv_text(text)
    else:
        raise _file_error("import.file_type", "不支持的文件类型：请上传 Excel（.xlsx）或 CSV 文件。")
    if not raw or all(_blank(v) for v in raw[0]):
        raise _file_error("import.empty_file", "文件第1行应为列名（表头）。请使用导入模板。")
    headers = ["" if h is None else str(h).strip() for h in raw[0]]
    rows = [(n, list(v)) for n, v in enumerate(raw[1:], start=2) if not all(_blank(x) for x in v)]
    if not rows:
        raise _file_error("import.empty_file", "文件只有表头，没有数据行。")
    if len(rows) > MAX_ROWS:
        raise _file_error("import.too_many_rows", f"一次最多导入{MAX_ROWS:,}行，请拆分文件后分批导入。")
    return headers, rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    m = _DATE_RE.match(text) or _DATE8_RE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _amount(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "").replace("，", "")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Rollback(Exception):
    pass


def import_repayments(
    *,
    actor: Any,
    content: bytes,
    filename: str = "",
    dry_run: bool = False,
    partial: bool = False,
    today: dt.date | None = None,
) -> ImportReport:
    from fanxiang.loans.repayment import clean_amount, repayment_record

    if resolve(actor, Repayment, ADD).empty:
        raise Forbidden("repayment.forbidden", "您的角色无权登记还款，不能批量导入。")
    headers, rows = read_rows(content, filename)
    columns: dict[str, int] = {}
    report = ImportReport(total_rows=len(rows), dry_run=dry_run, partial=partial)
    for index, header in enumerate(headers):
        name = _HEADER_TO_FIELD.get(_norm(header))
        if name is None:
            if _norm(header):
                report.ignored_columns.append(header)
            elif any(index < len(v) and not _blank(v[index]) for _n, v in rows):
                report.ignored_columns.append(f"第{index + 1}列（无列名）")
            continue
        if name in columns:
            raise _file_error("import.duplicate_column", f"列“{HEADER[name]}”出现了两次，请删除其中一列。")
        columns[name] = index
    missing = [h for f, h, required, _a in COLUMNS if required and f not in columns]
    if missing:
        raise InvalidInput(
            "import.missing_columns",
            f"缺少必填列：{'、'.join(missing)}。请使用导入模板，第1行为列名。",
            errors={h: ["缺少此列。"] for h in missing},
            details={"missing_columns": missing},
        )

    def cell(values: list[Any], name: str) -> Any:
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    numbers = {_text(cell(v, "loan")) for _n, v in rows} - {""}
    visible = {
        loan.number: loan
        for loan in LoanApplication.objects.for_user(actor, VIEW)
        .filter(number__in=numbers)
        .only("pk", "number")
    }
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen_refs: dict[str, int] = {}
    for number, values in rows:
        bad = False
        loan_no = _text(cell(values, "loan"))
        day = _date(cell(values, "date"))
        amount = _amount(cell(values, "amount"))
        reference = _text(cell(values, "reference"))
        if not loan_no:
            report.add(number, "loan", "import.required", "贷款编号必填。")
            bad = True
        elif loan_no not in visible:
            report.add(
                number, "loan", "repayment.loan_not_found", f"贷款编号“{loan_no}”不存在或不是本行经办的贷款。"
            )
            bad = True
        if _blank(cell(values, "date")):
            report.add(number, "date", "import.required", "还款日期必填。")
            bad = True
        elif day is None:
            report.add(
                number,
                "date",
                "repayment.date_invalid",
                f"还款日期“{_text(cell(values, 'date'))}”无法识别（如 2021-03-15）。",
            )
            bad = True
        if _blank(cell(values, "amount")):
            report.add(number, "amount", "import.required", "还款金额必填。")
            bad = True
        elif amount is None:
            report.add(
                number,
                "amount",
                "repayment.amount_invalid",
                f"还款金额“{_text(cell(values, 'amount'))}”不是有效的金额。",
            )
            bad = True
        else:
            try:
                amount = clean_amount(amount)  # the service's own check: positive, whole cents
            except InvalidInput as exc:
                report.add(number, "amount", exc.code, exc.message)
                bad = True
        if reference:
            if reference in seen_refs:
                report.add(
                    number,
                    "reference",
                    "repayment.duplicate_reference",
                    f"银行流水号“{reference}”与第{seen_refs[reference]}行重复。",
                )
                bad = True
            else:
                seen_refs[reference] = number
        if not bad:
            parsed.append(
                (
                    number,
                    {
                        "loan": visible[loan_no],
                        "date": day,
                        "amount": amount,
                        "reference": reference,
                        "note": _text(cell(values, "note")),
                    },
                )
            )
    parsed.sort(key=lambda r: (r[1]["date"], r[0]))
    try:
        with transaction.atomic():
            for number, data in parsed:
                try:
                    with transaction.atomic():
                        repayment_record(
                            actor=actor,
                            source=RepaymentSource.IMPORT,
                            today=today or timezone.localdate(),
                            **data,
                        )
                    report.valid_rows += 1
                except DomainError as exc:
                    fields = list(exc.errors) or ["__all__"]
                    report.add(number, FIELD_COLUMN.get(fields[0], "loan"), exc.code, exc.message)
            if dry_run or (report.errors and not partial):
                raise _Rollback
            report.created = report.valid_rows
            report.committed = True
    except _Rollback:
        pass
    return report


def template_workbook() -> bytes:
    from fanxiang.core.excel import build_workbook

    return build_workbook(
        "还款导入",
        [h for _f, h, _r, _a in COLUMNS],
        [["（示例，导入前删除此行）DK2021000001", "2021-03-15", "725.00", "20210315000123", ""]],
    )
