"""Excel/CSV import of grants made outside the system, on the import framework (``core.imports``).

Every row goes through :func:`~fanxiang.policies.grants_core.clean_grant`, the validation of the form and
the API; every bad row is reported by Excel row number (header = row 1), column and reason. A later row
repeating a once-only item (or the very same grant) of an earlier row is an error on the later row.
All-or-nothing by default, ``partial`` writes the valid rows, ``dry_run`` only validates. The valid rows
are written set-wise with their change log and rollups, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fanxiang.core import audit, pii
from fanxiang.core import imports as core
from fanxiang.core.errors import Forbidden
from fanxiang.core.imports import Column, NothingWritten, RowErrors, Table, cell_date, cell_text
from fanxiang.core.scope import ADD, resolve
from fanxiang.policies.grants_core import GrantContext, _text, clean_grant, rollup_deltas, yuan
from fanxiang.policies.models import AmountKind, BenefitGrant, GrantSource, PolicyItem
from fanxiang.regions.rollups import rollup_add_many

COLUMNS: tuple[Column, ...] = (
    Column(
        "政策条款代码",
        "item",
        True,
        34,
        help="必填。从下拉列表选择（形如“rsb129-startup-subsidy 返乡入乡创业一次性创业补贴”），或只填代码；"
        "全部条款见“政策条款”工作表。",
        aliases=("条款代码", "政策条款"),
    ),
    Column(
        "身份证号码",
        "id_number",
        False,
        22,
        text=True,
        help="享受人员的身份证号码（须已登记且在您负责的范围内）。与统一社会信用代码至少填一项；"
        "请将本列设为文本格式。",
        aliases=("身份证号", "公民身份号码"),
    ),
    Column(
        "姓名", "name", False, 10, help="选填；填写时须与登记的姓名一致（用于核对）。", aliases=("享受人员",)
    ),
    Column(
        "统一社会信用代码",
        "credit_code",
        False,
        22,
        text=True,
        help="享受主体（经营主体）的统一社会信用代码（须已登记）。同时填身份证号码时，该人员须为主体的创办人。",
        aliases=("信用代码",),
    ),
    Column(
        "金额（元）",
        "amount",
        True,
        14,
        help="必填，单位元，最多两位小数；须符合该政策的金额标准。",
        aliases=("金额",),
    ),
    Column(
        "享受日期",
        "granted_on",
        True,
        14,
        help="必填，如 2021-06-01（也可写 2021/6/1、2021年6月1日）；须在政策执行期内，不能晚于今天。",
        aliases=("发放日期", "日期"),
    ),
    Column(
        "发放单位", "granting_unit_name", False, 22, help="选填，不填为您所在单位。", aliases=("发放部门",)
    ),
    Column(
        "批次",
        "batch",
        False,
        16,
        help="选填，不超过64字；不填时使用页面上填写的批次。",
        aliases=("发放批次",),
    ),
    Column("备注", "note", False, 24, help="选填。"),
)
BY_FIELD = {c.field: c for c in COLUMNS}
HEADERS = [c.header for c in COLUMNS]
MAX_ROWS = 10_000
MAX_FILE_BYTES = 50 * 1024 * 1024
SPEC = core.ImportSpec(
    columns=COLUMNS,
    max_rows=MAX_ROWS,
    max_file_bytes=MAX_FILE_BYTES,
    ignored_headers=(core.ERROR_HEADER, "序号"),
    # the column an error of a field that is not a column belongs to
    error_columns={"entrepreneur": "身份证号码", "business": "统一社会信用代码", "granting_org": "发放单位"},
    one_of=(("id_number", "credit_code"),),
)
NUMERIC_ID_HINT = "（该单元格是数字格式，Excel 只保留15位有效数字，请把本列设为文本后重新填写）"


def read_grant_table(content: bytes, filename: str) -> Table:
    """Parse an upload (.xlsx/.xls/.csv) into header-mapped rows (file-level problems: InvalidInput with
    an ``import.*`` code, see :func:`fanxiang.core.imports.read_table`)."""
    return core.read_table(content, filename, SPEC)


def _row_data(table: Table, values: list[Any], batch: str) -> tuple[dict[str, Any], bool]:
    data: dict[str, Any] = {}
    id_as_number = False
    for name, index in table.columns.items():
        value = values[index] if index < len(values) else None
        if name == "granted_on":
            data[name] = cell_date(value)
            if isinstance(data[name], dt.datetime):
                data[name] = data[name].date()
            continue
        if name == "id_number":
            id_as_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        text = cell_text(value)
        if text:
            data[name] = text
    if not data.get("batch") and batch:
        data["batch"] = batch
    return data, id_as_number


@dataclass
class GrantImportReport(core.ImportReport):
    """The common report plus the amount of the valid rows."""

    amount: Decimal = Decimal("0.00")

    def extra(self) -> dict[str, Any]:
        return {"amount": f"{self.amount:.2f}"}


def _preload(ctx: GrantContext, table: Table) -> None:
    """Items, people, businesses and live grants the file names, a few queries for the whole file."""

    def column(name: str) -> list[str]:
        return [cell_text(v) for v in table.column_values(name)]

    ctx.preload_items(code.split()[0] for code in column("item") if code.strip())
    hashes = sorted({pii.index(v.upper()) for v in column("id_number")})
    ctx.people_by_hash = {}
    for part in core.chunks(hashes):
        for person in ctx._people().filter(id_number_hash__in=part):
            ctx.people_by_hash[person.id_number_hash] = person
    codes = sorted({v.upper() for v in column("credit_code")})
    ctx.businesses_by_code = {}
    for part in core.chunks(codes):
        for business in ctx._businesses().filter(credit_code__in=part):
            ctx.businesses_by_code[business.credit_code] = business
    ctx.earlier = {}
    people = [p.pk for p in ctx.people_by_hash.values()]
    businesses = [b.pk for b in ctx.businesses_by_code.values()]
    items = list(ctx.items_by_id)
    for start in range(0, max(len(people), len(businesses), 1), core.BATCH):
        q = Q(entrepreneur_id__in=people[start : start + core.BATCH]) | Q(
            business_id__in=businesses[start : start + core.BATCH]
        )
        for grant in BenefitGrant.objects.filter(q, item_id__in=items, revoked_at__isnull=True):
            if grant.entrepreneur_id:
                ctx.earlier.setdefault((grant.item_id, "e", grant.entrepreneur_id), []).append(grant)
            if grant.business_id:
                ctx.earlier.setdefault((grant.item_id, "b", grant.business_id), []).append(grant)


def _validate_rows(ctx: GrantContext, table: Table, batch: str, errors: RowErrors) -> list:
    """Every row through :func:`clean_grant`; a later row repeating a once-only item (or the same grant) of an
    earlier row of the file is an error on the later row. Returns (row, clean) of the valid rows."""
    valid: list[tuple[int, dict[str, Any]]] = []
    seen_once: dict[tuple, int] = {}
    seen_same: dict[tuple, int] = {}
    for row, values in table.rows:
        data, id_as_number = _row_data(table, values, batch)
        clean, found = clean_grant(ctx, data)
        for item in found.items:
            message = item["message"]
            if item["field"] in ("id_number", "entrepreneur") and id_as_number:
                message += NUMERIC_ID_HINT
            errors.add(row, item["field"], item["code"], message)
        if found:
            continue
        item, person, business = clean["item"], clean["entrepreneur"], clean["business"]
        keys = ([(item.pk, "e", person.pk)] if person else []) + (
            [(item.pk, "b", business.pk)] if business else []
        )
        column = "credit_code" if business is not None else "id_number"
        if item.once_only:
            first = next((seen_once[k] for k in keys if k in seen_once), None)
            if first is not None:
                errors.add(
                    row,
                    column,
                    "policy.grant_once_only",
                    f"与本文件第{first}行重复：“{item.title}”为一次性政策，同一人员或主体只能享受一次。",
                )
                continue
            for key in keys:
                seen_once[key] = row
        same = (
            item.pk,
            person.pk if person else None,
            business.pk if business else None,
            clean["granted_on"],
            clean["amount"],
        )
        if same in seen_same:
            errors.add(
                row,
                column,
                "policy.grant_duplicate",
                f"与本文件第{seen_same[same]}行完全相同（同一政策、对象、日期和金额），请删除重复行。",
            )
            continue
        seen_same[same] = row
        valid.append((row, clean))
    return valid


def _bulk_new_grants(ctx: GrantContext, cleans: list[dict[str, Any]], source: str, log: dict) -> list[int]:
    """The import's write: grants and their change-log rows inserted set-wise (auditlog writes its rows on
    ``save()``; a ``save()`` a row costs a round trip and a model diff each). Same scope re-check as the
    single grant's write. Returns the new ids in row order."""
    for clean in cleans:  # what ensure_in_scope checks, without a query per row
        if not ctx.add.covers_path(clean["region"].tree_path):
            raise Forbidden("scope.region_forbidden", "无权在该行政区划范围内进行此操作。")
    actor = ctx.actor if getattr(ctx.actor, "pk", None) else None
    now = timezone.now()
    rows = [
        {
            "item_id": c["item"].pk,
            "entrepreneur_id": c["entrepreneur"].pk if c["entrepreneur"] else None,
            "business_id": c["business"].pk if c["business"] else None,
            "region_id": c["region"].pk,
            "amount": c["amount"],
            "granted_on": c["granted_on"],
            "granting_org_id": c["granting_org"].pk if c.get("granting_org") else None,
            "granting_unit_name": c["granting_unit_name"],
            "batch": c["batch"],
            "source": source,
            "note": c["note"],
            "created_by_id": actor.pk if actor else None,
            "created_at": now,
            "revoked_at": None,
            "revoke_reason": "",
        }
        for c in cleans
    ]
    ids = core.insert_rows(BenefitGrant, rows, returning=True)
    data = {"event": audit.EVENT_CREATE, **log}
    entries = []
    for pk, row in zip(ids, rows, strict=True):
        changes = {
            k.removesuffix("_id"): [None, str(v)]
            for k, v in row.items()
            if v not in (None, "") and k != "created_at"
        }
        changes["id"] = [None, str(pk)]
        entries.append(
            {
                "pk": pk,
                "repr": f"{row['item_id']} {row['amount']} {row['granted_on']}",
                "action": "create",
                "changes": changes,
                "data": data,
            }
        )
    core.write_change_log(model=BenefitGrant, actor=actor, entries=entries)
    return ids


def grant_import(
    *,
    actor: Any,
    content: bytes,
    filename: str,
    dry_run: bool = True,
    partial: bool = False,
    batch: str = "",
) -> GrantImportReport:
    """Import grants made outside the system. Every row goes through :func:`clean_grant`; every bad row is
    reported by Excel row number (header = row 1), column and reason. All-or-nothing by default: any bad row
    and nothing is written; with ``partial`` the valid rows are written and the bad ones reported.
    ``dry_run`` only validates. Synchronous, up to :data:`MAX_ROWS` rows a file."""
    if resolve(actor, BenefitGrant, ADD).empty:
        raise Forbidden("policy.grant_forbidden", "您的角色无权登记政策享受记录，不能导入。")
    batch = _text(batch)[:64]
    table = read_grant_table(content, filename)
    report = GrantImportReport(
        total_rows=len(table.rows), ignored_columns=table.ignored_columns, dry_run=dry_run, partial=partial
    )
    errors = RowErrors(SPEC)
    if dry_run:
        ctx = GrantContext.for_actor(actor)
        _preload(ctx, table)
        valid = _validate_rows(ctx, table, batch, errors)
        report.errors = errors.as_list()
    else:
        try:
            with audit.acting_as(actor), transaction.atomic():
                # beneficiaries locked while checked and written
                ctx = GrantContext.for_actor(actor, lock=True)
                _preload(ctx, table)
                valid = _validate_rows(ctx, table, batch, errors)
                report.errors = errors.as_list()
                if not core.keep_write(dry_run=False, partial=partial, has_errors=bool(errors)):
                    raise NothingWritten
                cleans = [clean for _row, clean in valid]
                created = _bulk_new_grants(
                    ctx, cleans, GrantSource.IMPORT, {"import": True, "file": filename}
                )
                rollup_add_many(
                    rollup_deltas(
                        BenefitGrant(
                            item=c["item"], region=c["region"], amount=c["amount"], granted_on=c["granted_on"]
                        )
                        for c in cleans
                    )
                )
                report.created = len(created)
                report.committed = True
                core.record_import_event(
                    actor=actor,
                    model=BenefitGrant,
                    label="批量导入享受记录",
                    file=filename,
                    total_rows=report.total_rows,
                    created=report.created,
                    error_rows=report.error_rows,
                    partial=partial,
                    batch=batch,
                    created_ids=created,
                )
        except NothingWritten:
            pass
    report.valid_rows = len(valid)
    report.amount = sum((clean["amount"] for _row, clean in valid), Decimal("0.00"))
    return report


RULES = (
    "1. 用于导入在系统外发放的补贴、贴息、奖补等享受记录。在“享受记录”工作表填写，第1行为列名（不要修改），"
    "每行一条记录；红色列名为必填列。",
    "2. 先“校验”：系统逐行检查并列出所有错误（行号、列名、错误代码、原因），不写入任何数据。",
    "3. 默认“全部正确才导入”：有任何错误行，整个文件都不导入；也可选择“只导入正确的行”。",
    "4. 享受人员须已在系统中登记（按身份证号码查找），享受主体按统一社会信用代码查找，均须在您负责的区划内。",
    "5. 一次性政策（见“政策条款”工作表）同一人员或主体只能享受一次；已导入的记录再次导入会报“重复”，不会重复计数。",
    f"6. 每次最多{MAX_ROWS:,}行；支持 .xlsx、.xls 和 .csv（UTF-8 或 GBK 编码）文件。",
)


def _amount_rule(item: PolicyItem) -> str:
    if item.amount_kind == AmountKind.FIXED and item.amount_fixed is not None:
        return f"固定 {yuan(item.amount_fixed)}"
    if item.amount_kind == AmountKind.RANGE:
        low = yuan(item.amount_min) if item.amount_min is not None else "不限"
        return f"{low} — " + (yuan(item.amount_max) if item.amount_max is not None else "不限")
    return item.amount_note or item.get_amount_kind_display()


def template_workbook() -> bytes:
    """The import template: a data sheet with Chinese headers and an item dropdown, the list of policy
    items, and the instructions."""
    items = list(
        PolicyItem.objects.select_related("document").filter(is_active=True).order_by("sort_order", "id")
    )
    options = [
        [f"{item.code} {item.title}", item.document.number, item.get_benefit_type_display(), _amount_rule(item),
         "是" if item.once_only else ""]
        for item in items
    ]  # fmt: skip
    template = core.Template(
        title="享受记录",
        notes_title="政策享受记录批量导入说明",
        rules=RULES,
        sheets=(
            core.Sheet(
                "政策条款",
                ["选项（代码 名称）", "政策文件", "政策类型", "金额标准", "一次性"],
                options,
                widths=(60, 26, 14, 30, 8),
            ),
        ),
        dropdowns=(
            (core.Dropdown("item", source=f"'政策条款'!$A$2:$A${len(items) + 1}", allow_blank=False),)
            if items
            else ()
        ),
        rows=MAX_ROWS,
    )
    return core.template_workbook(SPEC, template)
