"""Financial product writes: create and update, validated before saving.

Every refusal carries its field and a stable code (``finance.amount_range_invalid`` …), all of one input at
once. City admins maintain every product; a bank officer only their own bank's (``finance.other_bank``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from fanxiang.accounts.models import Organization, OrganizationKind
from fanxiang.core import audit
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden
from fanxiang.core.scope import ADD, CHANGE, resolve
from fanxiang.entrepreneurs.choices import BusinessKind, Category
from fanxiang.finance.choices import Collateral, ProductStatus
from fanxiang.finance.models import FinancialProduct
from fanxiang.finance.parsing import parse_date, parse_decimal, parse_int
from fanxiang.regions.models import Region

# The terms of a product: every one is required.
TERM_FIELDS = (
    "amount_min",
    "amount_max",
    "term_months_min",
    "term_months_max",
    "rate_min",
    "rate_max",
    "collateral",
)
PRODUCT_FIELDS = (
    "bank",
    "name",
    "description",
    *TERM_FIELDS,
    "target_entity_kinds",
    "target_categories",
    "regions_served",
    "valid_from",
    "valid_to",
    "status",
    "contact",
)
REQUIRED = (
    "bank",
    "name",
    *TERM_FIELDS,
    "valid_from",
)
MAX_AMOUNT = Decimal("1000000000000")  # 1e12 yuan: inside max_digits=14 with 2 places
MAX_TERM_MONTHS = 360
MAX_RATE = Decimal("36")  # % a year: anything higher is a typing error, not a bank product
CENTS = Decimal("0.01")
RATE_PLACES = Decimal("0.001")


def _codes(value: Any) -> list[str] | None:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",")]
    if not isinstance(value, (list, tuple, set)):
        return None
    return [str(v).strip() for v in value if str(v).strip()]


def _choice_list(
    data: dict[str, Any], name: str, choices: Any, label: str, code: str, errors: ErrorCollector
) -> list[str] | None:
    codes = _codes(data.get(name))
    if codes is None:
        errors.add(name, code, f"{label}应为列表。")
        return None
    unknown = [c for c in codes if c not in choices.values]
    if unknown:
        allowed = "、".join(f"{v}（{label_}）" for v, label_ in choices.choices)
        errors.add(name, code, f"{label}中有未知的值：{'、'.join(unknown)}。可选：{allowed}。")
        return None
    ordered = [v for v in choices.values if v in codes]  # stable order, duplicates dropped
    return ordered


def clean_product(data: dict[str, Any], current: FinancialProduct | None = None) -> dict[str, Any]:
    """Validate a whole input (create) or the fields given (update, checked against the current values)."""
    errors = ErrorCollector()
    clean: dict[str, Any] = {}
    for name in sorted(set(data) - set(PRODUCT_FIELDS)):
        errors.add(name, "finance.unknown_field", f"未知字段“{name}”。")
    if current is None:
        for name in REQUIRED:
            if data.get(name) in (None, "", []):
                label = FinancialProduct._meta.get_field(name).verbose_name
                code = "finance.collateral_required" if name == "collateral" else "finance.required"
                message = (
                    "请至少选择一种接受的抵质押或担保方式。" if name == "collateral" else f"请填写{label}。"
                )
                errors.add(name, code, message)
    present = lambda name: name in data and data[name] not in (None, "")  # noqa: E731

    if "bank" in data and data["bank"] not in (None, ""):
        bank_id = data["bank"].pk if isinstance(data["bank"], Organization) else parse_int(data["bank"])
        bank = Organization.objects.filter(pk=bank_id, kind=OrganizationKind.BANK, is_active=True).first()
        if bank is None:
            errors.add("bank", "finance.bank_invalid", "所选机构不是有效的经办银行。")
        else:
            clean["bank"] = bank
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            # spaces only (create), or emptied (update); a missing name on create is reported above
            if current is not None or data["name"] not in (None, ""):
                errors.add("name", "finance.required", "请填写产品名称。")
        elif len(name) > 128:
            errors.add("name", "finance.name_too_long", "产品名称不超过128个字。")
        elif name:
            clean["name"] = name
    for name, limit in (("description", 4000), ("contact", 200)):
        if name in data:
            text = str(data[name] or "").strip()
            if len(text) > limit:
                errors.add(name, f"finance.{name}_too_long", f"不超过{limit}个字。")
            else:
                clean[name] = text

    for name in ("amount_min", "amount_max"):
        if present(name):
            value = parse_decimal(data[name])
            if value is None or value < 0 or value > MAX_AMOUNT:
                errors.add(name, "finance.amount_invalid", "金额应为0至1万亿元之间的数字（元）。")
            elif value != value.quantize(CENTS):
                errors.add(name, "finance.amount_invalid", "金额最多保留两位小数（元）。")
            else:
                clean[name] = value.quantize(CENTS)
    for name in ("term_months_min", "term_months_max"):
        if present(name):
            value = parse_int(data[name])
            if value is None or not 1 <= value <= MAX_TERM_MONTHS:
                errors.add(name, "finance.term_invalid", f"期限应为1至{MAX_TERM_MONTHS}之间的整数（月）。")
            else:
                clean[name] = value
    for name in ("rate_min", "rate_max"):
        if present(name):
            value = parse_decimal(data[name])
            if value is None or value < 0 or value > MAX_RATE:
                errors.add(
                    name, "finance.rate_out_of_range", f"年利率应在0%至{MAX_RATE}%之间（填百分数，如4.35）。"
                )
            elif value != value.quantize(RATE_PLACES):
                errors.add(name, "finance.rate_out_of_range", "年利率最多保留三位小数。")
            else:
                clean[name] = value.quantize(RATE_PLACES)

    if "collateral" in data and (current is not None or data["collateral"] not in (None, "", [])):
        values = _choice_list(
            data, "collateral", Collateral, "抵质押或担保方式", "finance.collateral_invalid", errors
        )
        if values is not None:
            if not values:
                errors.add(
                    "collateral", "finance.collateral_required", "请至少选择一种接受的抵质押或担保方式。"
                )
            else:
                clean["collateral"] = values
    if "target_entity_kinds" in data:
        values = _choice_list(
            data, "target_entity_kinds", BusinessKind, "主体类型", "finance.entity_kind_invalid", errors
        )
        if values is not None:
            clean["target_entity_kinds"] = values
    if "target_categories" in data:
        values = _choice_list(
            data, "target_categories", Category, "人员类别", "finance.category_invalid", errors
        )
        if values is not None:
            clean["target_categories"] = values
    if "regions_served" in data:
        raw = data["regions_served"]
        if raw in (None, ""):
            items: list[Any] | None = []
        elif isinstance(raw, str):
            items = _codes(raw)
        elif isinstance(raw, dict) or not hasattr(raw, "__iter__"):
            items = None
        else:
            items = list(raw)  # codes (API) or Region objects (forms)
        if items is None:
            errors.add("regions_served", "finance.region_invalid", "服务区域应为区划代码列表。")
        else:
            regions = [r for r in items if isinstance(r, Region)]
            codes = [str(r).strip() for r in items if not isinstance(r, Region)]
            found = {r.code: r for r in Region.objects.filter(code__in=codes, is_active=True)}
            missing = [c for c in codes if c not in found]
            if missing:
                errors.add(
                    "regions_served", "finance.region_invalid", f"区划代码不存在：{'、'.join(missing)}。"
                )
            else:
                clean["regions_served"] = regions + [found[c] for c in codes]
    for name in ("valid_from", "valid_to"):
        if name in data:
            if data[name] in (None, ""):
                if name == "valid_from" and current is not None:
                    errors.add(name, "finance.required", "请填写起始日期。")
                else:
                    clean[name] = None
                continue
            value = parse_date(data[name])
            if value is None:
                errors.add(name, "finance.date_invalid", "日期格式应为 YYYY-MM-DD。")
            else:
                clean[name] = value
    if "status" in data:
        if data["status"] not in ProductStatus.values:
            errors.add("status", "finance.status_invalid", "状态应为在售（active）或已下架（withdrawn）。")
        else:
            clean["status"] = data["status"]

    def merged(name: str) -> Any:
        if name in clean:
            return clean[name]
        return getattr(current, name, None) if current is not None else None

    failed = {item["field"] for item in errors.items}
    pairs = (
        ("amount", "finance.amount_range_invalid", "最低金额不能高于最高金额。"),
        ("term_months", "finance.term_range_invalid", "最短期限不能长于最长期限。"),
        ("rate", "finance.rate_range_invalid", "年利率下限不能高于上限。"),
    )
    for stem, code, message in pairs:
        low, high = merged(f"{stem}_min"), merged(f"{stem}_max")
        if f"{stem}_min" in failed or f"{stem}_max" in failed or low is None or high is None:
            continue
        if low > high:
            errors.add(f"{stem}_max", code, message)
    high = merged("amount_max")
    if high is not None and high <= 0 and "amount_max" not in failed:
        errors.add("amount_max", "finance.amount_range_invalid", "最高金额应大于0。")
    valid_from, valid_to = merged("valid_from"), merged("valid_to")
    if valid_from and valid_to and valid_to < valid_from and not {"valid_from", "valid_to"} & failed:
        errors.add("valid_to", "finance.validity_invalid", "截止日期不能早于起始日期。")
    errors.raise_if_any()
    return clean


def _ensure_may_write(actor: Any, bank: Organization, action: str) -> None:
    """City-wide writers reach every bank; a bank officer only their own (the organization binding)."""
    scope = resolve(actor, FinancialProduct, action)
    if scope.empty:
        raise Forbidden("finance.product_forbidden", "您的角色无权维护金融产品。")
    if scope.all or scope.region_paths:
        return
    if bank.pk not in {g.org_id for g in scope.org_grants}:
        raise Forbidden(
            "finance.other_bank",
            f"只能维护本行的金融产品，“{bank}”的产品请由该行或市级管理员维护。",
            errors={"bank": ["不是您所在的银行。"]},
        )


def _name_taken(bank: Organization, name: str, exclude: int | None = None) -> bool:
    qs = FinancialProduct.objects.filter(bank=bank, name=name)
    if exclude:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _name_conflict(bank: Organization, name: str) -> Conflict:
    return Conflict(
        "finance.product_name_taken",
        f"“{bank}”已有名为“{name}”的产品，请换一个名称。",
        errors={"name": ["该银行已有同名产品。"]},
    )


@audit.audited
@transaction.atomic
def product_create(*, actor: Any, data: dict[str, Any]) -> FinancialProduct:
    data = dict(data)
    if data.get("bank") in (None, "") and getattr(actor, "organization", None) is not None:
        if actor.organization.kind == OrganizationKind.BANK:
            data["bank"] = actor.organization  # a bank officer's own bank by default
    clean = clean_product(data)
    _ensure_may_write(actor, clean["bank"], ADD)
    if _name_taken(clean["bank"], clean["name"]):
        raise _name_conflict(clean["bank"], clean["name"])
    regions = clean.pop("regions_served", [])
    try:
        with transaction.atomic():
            product = FinancialProduct.objects.create(
                **clean, created_by=actor if getattr(actor, "pk", None) else None
            )
    except IntegrityError:  # created concurrently under the same name
        raise _name_conflict(clean["bank"], clean["name"])
    product.regions_served.set(regions)
    return product


@audit.audited
@transaction.atomic
def product_update(*, actor: Any, product: FinancialProduct, data: dict[str, Any]) -> FinancialProduct:
    product = FinancialProduct.objects.select_for_update().select_related("bank").get(pk=product.pk)
    _ensure_may_write(actor, product.bank, CHANGE)
    clean = clean_product(data, current=product)
    if "bank" in clean and clean["bank"].pk != product.bank_id:
        _ensure_may_write(
            actor, clean["bank"], CHANGE
        )  # a bank officer cannot hand a product to another bank
    bank = clean.get("bank", product.bank)
    name = clean.get("name", product.name)
    if (bank.pk, name) != (product.bank_id, product.name) and _name_taken(bank, name, exclude=product.pk):
        raise _name_conflict(bank, name)
    regions = clean.pop("regions_served", None)
    for field_name, value in clean.items():
        setattr(product, field_name, value)
    product.save()
    if regions is not None:
        product.regions_served.set(regions)
    return product
