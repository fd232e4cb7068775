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
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import imports as core
from fanxiang.core.errors import DomainError, Forbidden, InvalidInput
from fanxiang.core.imports import Column, ImportReport, NothingWritten, RowErrors, blank, cell_text
from fanxiang.core.scope import ADD, VIEW, resolve
from fanxiang.loans.choices import RepaymentSource
from fanxiang.loans.models import LoanApplication, Repayment

MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024
SPEC = core.ImportSpec(
    columns=(
        Column("贷款编号", "loan", True, 20, text=True, help="必填，本行经办的贷款的编号。",
               aliases=("贷款合同编号", "申请编号")),
        Column("还款日期", "date", True, 14, help="必填，如 2021-03-15（也可写 2021/3/15、2021年3月15日）。",
               aliases=("日期",)),
        Column("还款金额（元）", "amount", True, 14, help="必填，单位元，最多两位小数，不超过尚欠金额。",
               aliases=("还款金额", "金额", "金额（元）")),
        Column("银行流水号", "reference", False, 22, text=True, help="选填；同一流水号只能导入一次。",
               aliases=("流水号", "交易流水号")),
        Column("备注", "note", False, 20, help="选填。"),
    ),
    max_rows=MAX_ROWS,
    max_file_bytes=MAX_FILE_BYTES,
)  # fmt: skip
# (field, header, required, aliases): the column list of the import page
COLUMNS = tuple((c.field, c.header, c.required, c.aliases) for c in SPEC.columns)
# service error field -> column
FIELD_COLUMN = {"amount": "amount", "date": "date", "reference": "reference"}


def read_rows(content: bytes, filename: str = "") -> tuple[list[str], list[tuple[int, list[Any]]]]:
    """The header row and the non-empty data rows (Excel row numbers) of an upload, under this import's
    limits (the bounded readers of :mod:`fanxiang.core.imports`)."""
    _kind, headers, raw = core.read_rows(content, filename, max_file_bytes=MAX_FILE_BYTES)
    return headers, [(n, v) for n, v in enumerate(raw, start=2) if not all(blank(x) for x in v)]


def _check_row(
    number: int,
    table: core.Table,
    values: list[Any],
    visible: dict[str, Any],
    seen_refs: dict[str, int],
    errors: RowErrors,
    clean_amount: Any,
) -> dict[str, Any] | None:
    """One row's cells → the service's arguments, or None with its errors added."""

    def cell(name: str) -> Any:
        return table.cell(values, name)

    loan_no = cell_text(cell("loan"))
    day = core.parse_date(cell("date"))
    amount = core.parse_decimal(cell("amount"))
    reference = cell_text(cell("reference"))
    if not loan_no:
        errors.add(number, "loan", "import.required", "贷款编号必填。")
    elif loan_no not in visible:
        errors.add(
            number, "loan", "repayment.loan_not_found", f"贷款编号“{loan_no}”不存在或不是本行经办的贷款。"
        )
    if blank(cell("date")):
        errors.add(number, "date", "import.required", "还款日期必填。")
    elif day is None:
        errors.add(
            number,
            "date",
            "repayment.date_invalid",
            f"还款日期“{cell_text(cell('date'))}”无法识别（如 2021-03-15）。",
        )
    if blank(cell("amount")):
        errors.add(number, "amount", "import.required", "还款金额必填。")
    elif amount is None:
        errors.add(
            number,
            "amount",
            "repayment.amount_invalid",
            f"还款金额“{cell_text(cell('amount'))}”不是有效的金额。",
        )
    else:
        try:
            amount = clean_amount(amount)  # the service's own check: positive, whole cents
        except InvalidInput as exc:
            errors.add(number, "amount", exc.code, exc.message)
    if reference:
        if reference in seen_refs:
            errors.add(
                number,
                "reference",
                "repayment.duplicate_reference",
                f"银行流水号“{reference}”与第{seen_refs[reference]}行重复。",
            )
        else:
            seen_refs[reference] = number
    if errors.has(number):
        return None
    return {"loan": visible[loan_no], "date": day, "amount": amount, "reference": reference,
            "note": cell_text(cell("note"))}  # fmt: skip


def import_repayments(
    *,
    actor: Any,
    content: bytes,
    filename: str = "",
    dry_run: bool = False,
    partial: bool = False,
    today: dt.date | None = None,
) -> ImportReport:
    """Import repayments: every row through ``repayment_record`` in its own savepoint, in date order; the
    modes of :mod:`fanxiang.core.imports` (all-or-nothing, partial, dry run — the dry run checks the
    amounts still owed after the earlier rows too, then rolls back)."""
    from fanxiang.loans.repayment import clean_amount, repayment_record

    if resolve(actor, Repayment, ADD).empty:
        raise Forbidden("repayment.forbidden", "您的角色无权登记还款，不能批量导入。")
    table = core.read_table(content, filename, SPEC)
    report = ImportReport(
        total_rows=table.total_rows, ignored_columns=table.ignored_columns, dry_run=dry_run, partial=partial
    )
    errors = RowErrors(SPEC)
    numbers = {cell_text(v) for v in table.column_values("loan")} - {""}
    visible = {
        loan.number: loan
        for loan in LoanApplication.objects.for_user(actor, VIEW)
        .filter(number__in=numbers)
        .only("pk", "number")
    }
    parsed: list[tuple[int, dict[str, Any]]] = []
    seen_refs: dict[str, int] = {}
    for number, values in table.rows:
        data = _check_row(number, table, values, visible, seen_refs, errors, clean_amount)
        if data is not None:
            parsed.append((number, data))
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
                    errors.add(number, FIELD_COLUMN.get(fields[0], "loan"), exc.code, exc.message)
            if not core.keep_write(dry_run=dry_run, partial=partial, has_errors=bool(errors)):
                raise NothingWritten
            report.created = report.valid_rows
            report.committed = True
    except NothingWritten:
        pass
    report.errors = errors.as_list()
    return report


def template_workbook() -> bytes:
    """The import template: the columns (required ones in red) with an example row, and the instructions."""
    return core.template_workbook(
        SPEC,
        core.Template(
            title="还款导入",
            notes_title="还款批量导入说明",
            rules=(
                "1. 第1行为列名（不要修改），每行一笔还款；红色列名为必填列。导入前删除示例行。",
                "2. 每行按手工登记还款的规则逐行校验，按还款日期顺序入账；报告列出每个错误行的行号、列名、错误代码和原因。",
                "3. 默认“全部正确才导入”：有任何错误行，整个文件都不导入；也可选择“只导入正确的行”或“只校验”。",
                f"4. 每次最多{MAX_ROWS:,}行；支持 .xlsx、.xls 和 .csv（UTF-8 或 GBK 编码）文件。",
            ),
            examples=[["（示例，导入前删除此行）DK2021000001", "2021-03-15", "725.00", "20210315000123", ""]],
        ),
    )
