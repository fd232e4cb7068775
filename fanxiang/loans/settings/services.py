"""Writes of the loan rules a city admin keeps: effective-dated policy versions, the LPR table and the holiday
calendar (policy settings page).

* **Policy versions are append-only.** A loan's repayment plan keeps a reference to the policy in force on its
  contract date (fund split, compensation threshold), so a version is never edited in place: a change is a new
  version (usually a copy of the current one) effective from a date. The new version must start after the
  latest version starts, and no later than the day after the latest one ends (no day without a policy); the
  latest version is closed the day before. A start date on or before the contract date of a repayment plan
  already built under a version it would supersede is refused (``policy.effective_from_in_use``): that plan's
  frozen terms would contradict the policy then in force.
* **LPR** announcements by date (1-year and 5-year, percent); a recalled value may be corrected and marked
  confirmed. Stored plans keep the LPR they were built with.
* **Holiday calendar** exceptions for working-day deadlines: a holiday on a weekday, or an adjusted working day
  on a weekend. Deadlines already set on applications are not recomputed.

Every function is keyword-only, city admin only (``policy.forbidden``), atomic, validates everything before
saving (all field errors at once, each with its code) and is recorded in the change log with its actor.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, ErrorCollector, Forbidden, InvalidInput
from fanxiang.core.models import Holiday
from fanxiang.loans.choices import BorrowerCategory, SubsidyMode, SubsidyPayment
from fanxiang.loans.models import LoanPolicy, LprRate, RepaymentPlan

ADMIN_ROLES = ("city_admin",)
FUND_LEVELS = ("central", "provincial", "city", "county")
MAX_MONEY = Decimal("10000000000")  # 10 billion yuan: far above any cap, below the column's range

# field -> (kind, bounds): the editable fields of a policy version, in form order
MONEY_FIELDS = ("individual_max_amount", "enterprise_max_amount")
RATIO_FIELDS = ("partnership_uplift_ratio", "hire_ratio_small", "hire_ratio_large", "compensation_share")
INT_FIELDS: dict[str, tuple[int, int]] = {
    "individual_max_term_months": (1, 120),
    "enterprise_max_term_months": (1, 120),
    "large_staff_threshold": (1, 100_000),
    "max_subsidised_loans": (1, 20),
    "min_age": (16, 100),
    "max_age_male": (16, 100),
    "max_age_female": (16, 100),
    "rate_cap_bp_over_lpr": (0, 1000),
    "borrower_bp_below_lpr": (0, 1000),
    "compensation_after_days": (1, 3650),
    "hr_review_days": (1, 60),
    "guarantee_review_days": (1, 60),
    "bank_review_days": (1, 60),
    "extension_max_months": (0, 120),
}
BOOL_FIELDS = ("existing_debt_exclusion", "subsidy_for_overdue", "merged_review")


def _model_has(name: str) -> bool:
    return any(f.name == name for f in LoanPolicy._meta.get_fields())


# fields added with extensions, penalty interest and the enterprise rate-share rule (present when the model
# has them): an optional ratio, a flag, a multiplier of the contract rate
OPTIONAL_RATIO_FIELDS = tuple(n for n in ("enterprise_benchmark_share",) if _model_has(n))
BOOL_FIELDS += tuple(n for n in ("extension_subsidised",) if _model_has(n))
MULTIPLIER_FIELDS = tuple(n for n in ("penalty_rate_multiplier",) if _model_has(n))
TEXT_FIELDS = {"name": 100, "source": 5000, "unconfirmed": 5000}
DATE_FIELDS = ("effective_from", "effective_to", "temporary_until", "extension_until")
POLICY_FIELDS: tuple[str, ...] = (
    "name",
    "effective_from",
    "effective_to",
    "source",
    "unconfirmed",
    *MONEY_FIELDS,
    *RATIO_FIELDS,
    *OPTIONAL_RATIO_FIELDS,
    *MULTIPLIER_FIELDS,
    *INT_FIELDS,
    *BOOL_FIELDS,
    "eligible_categories",
    "temporary_categories",
    "temporary_until",
    "subsidy_mode",
    "subsidy_share_by_year",
    "subsidy_payment",
    "fund_split",
    "extension_until",
)


def _ensure_admin(actor: Any) -> None:
    if getattr(actor, "is_superuser", False):
        return
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.has_role(*ADMIN_ROLES):
        raise Forbidden("policy.forbidden", "只有市级管理员可以维护贷款政策、LPR 和节假日。")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


# --------------------------------------------------------------------------- parsing helpers


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_date(value: Any) -> dt.date | None:
    """A date or an ISO ``YYYY-MM-DD`` string; raises ValueError on anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise InvalidOperation
    text = str(value).strip().replace(",", "").replace("，", "")
    number = Decimal(text)
    if not number.is_finite():
        raise InvalidOperation
    return number


def _date_field(
    data: dict, name: str, errors: ErrorCollector, *, label: str, required: bool
) -> dt.date | None:
    value = data.get(name)
    if _blank(value):
        if required:
            errors.add(name, "policy.required", f"请填写{label}。")
        return None
    try:
        return parse_date(value)
    except (TypeError, ValueError):
        errors.add(name, "policy.date_invalid", f"{label}“{value}”不是有效日期（格式 YYYY-MM-DD）。")
        return None


def _shares(value: Any) -> list[str]:
    """``["1", "2/3"]`` or ``"1, 2/3, 1/3"`` → the list of share texts (empty entries dropped)."""
    if _blank(value):
        return []
    if isinstance(value, str):
        parts = value.replace("，", ",").replace("、", ",").replace(";", ",").split(",")
    else:
        parts = [str(v) for v in value]
    return [p.strip() for p in parts if p.strip()]


def _codes(value: Any) -> list[str]:
    if _blank(value):
        return []
    if isinstance(value, str):
        return [c.strip() for c in value.replace("，", ",").split(",") if c.strip()]
    return [str(c).strip() for c in value if str(c).strip()]


# --------------------------------------------------------------------------- policy versions


def subsidy_modes() -> list[str]:
    """The subsidy modes a policy may take (the model's choices: a per-loan mode is not offered)."""
    return [value for value, _label in LoanPolicy._meta.get_field("subsidy_mode").choices]


def policy_fields_of(policy: LoanPolicy) -> dict[str, Any]:
    """A version's editable values (to prefill a new version copied from it)."""
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


def _clean_policy(data: dict[str, Any]) -> tuple[dict[str, Any], ErrorCollector]:
    from fanxiang.loans.subsidy.services import fund_weights, parse_share

    errors = ErrorCollector()
    clean: dict[str, Any] = {}
    for name in sorted(set(data) - set(POLICY_FIELDS)):
        errors.add(name, "policy.unknown_field", f"未知字段“{name}”。")

    for name, limit in TEXT_FIELDS.items():
        text = str(data.get(name) or "").strip()
        if name in ("name", "source") and not text:
            label = "名称" if name == "name" else "政策依据（文件名称、文号）"
            errors.add(name, "policy.required", f"请填写{label}。")
        elif len(text) > limit:
            errors.add(name, "policy.text_too_long", f"不超过{limit}字。")
        else:
            clean[name] = text

    clean["effective_from"] = _date_field(data, "effective_from", errors, label="生效日期", required=True)
    clean["effective_to"] = _date_field(data, "effective_to", errors, label="失效日期", required=False)
    clean["temporary_until"] = _date_field(
        data, "temporary_until", errors, label="阶段性扶持对象截止日期", required=False
    )
    clean["extension_until"] = _date_field(
        data, "extension_until", errors, label="展期受理截止日期", required=False
    )
    if clean["effective_from"] and clean["effective_to"] and clean["effective_to"] < clean["effective_from"]:
        errors.add("effective_to", "policy.period_invalid", "失效日期不能早于生效日期。")

    for name in MONEY_FIELDS:
        value = data.get(name)
        if _blank(value):
            errors.add(name, "policy.required", "请填写金额。")
            continue
        try:
            amount = _decimal(value)
        except (InvalidOperation, ValueError):
            errors.add(name, "policy.amount_invalid", f"“{value}”不是有效的金额。")
            continue
        if amount <= 0 or amount >= MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
            errors.add(name, "policy.amount_invalid", "金额应大于0，最多两位小数。")
        else:
            clean[name] = amount.quantize(Decimal("0.01"))

    for name in (*RATIO_FIELDS, *OPTIONAL_RATIO_FIELDS):
        optional = name in OPTIONAL_RATIO_FIELDS
        value = data.get(name)
        if _blank(value):
            if optional:
                clean[name] = None
            else:
                errors.add(name, "policy.required", "请填写比例（0到1之间的小数，如 0.15）。")
            continue
        try:
            ratio = _decimal(value)
        except (InvalidOperation, ValueError):
            errors.add(name, "policy.ratio_invalid", f"“{value}”不是有效的比例。")
            continue
        if not 0 <= ratio <= 1 or ratio != ratio.quantize(Decimal("0.0001")):
            message = (
                "比例应在0到1之间（如 0.50），最多4位小数；不适用请留空。"
                if optional
                else "比例应在0到1之间（如 0.15 表示15%），最多4位小数。"
            )
            errors.add(name, "policy.ratio_invalid", message)
        else:
            clean[name] = ratio

    for name in MULTIPLIER_FIELDS:
        value = data.get(name)
        if _blank(value):
            errors.add(name, "policy.required", "请填写倍数（如 1.50）。")
            continue
        try:
            factor = _decimal(value)
        except (InvalidOperation, ValueError):
            errors.add(name, "policy.number_invalid", f"“{value}”不是有效的数字。")
            continue
        if not 1 <= factor <= 5 or factor != factor.quantize(Decimal("0.01")):
            errors.add(name, "policy.number_invalid", "倍数应在1至5之间，最多两位小数。")
        else:
            clean[name] = factor

    for name, (lo, hi) in INT_FIELDS.items():
        value = data.get(name)
        if _blank(value):
            errors.add(name, "policy.required", "请填写。")
            continue
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            errors.add(name, "policy.number_invalid", f"“{value}”不是整数。")
            continue
        if not lo <= number <= hi:
            errors.add(name, "policy.number_invalid", f"应在{lo}至{hi}之间。")
        else:
            clean[name] = number

    for name in BOOL_FIELDS:
        value = data.get(name, False)
        clean[name] = (
            value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "on", "yes")
        )

    if "min_age" in clean:
        for name in ("max_age_male", "max_age_female"):
            if name in clean and clean[name] <= clean["min_age"]:
                errors.add(name, "policy.age_invalid", "最高年龄应大于最低年龄。")
    if "hire_ratio_small" in clean and "hire_ratio_large" in clean:
        if clean["hire_ratio_large"] > clean["hire_ratio_small"]:
            errors.add(
                "hire_ratio_large",
                "policy.hire_ratio_order",
                "超过规定人数企业的占比下限不应高于一般企业的占比下限。",
            )

    known = set(BorrowerCategory.values)
    for name, label in (("eligible_categories", "常设扶持对象"), ("temporary_categories", "阶段性扶持对象")):
        codes = _codes(data.get(name))
        unknown = [c for c in codes if c not in known]
        if unknown:
            errors.add(name, "policy.category_invalid", f"{label}中有未知的类别：{'、'.join(unknown)}。")
        else:
            clean[name] = list(dict.fromkeys(codes))
    if clean.get("eligible_categories") == []:
        errors.add("eligible_categories", "policy.required", "至少选择一类常设扶持对象。")
    if clean.get("temporary_categories"):
        overlap = set(clean["temporary_categories"]) & set(clean.get("eligible_categories") or [])
        if overlap:
            errors.add(
                "temporary_categories",
                "policy.category_invalid",
                "阶段性扶持对象不应与常设扶持对象重复："
                + "、".join(str(BorrowerCategory(c).label) for c in sorted(overlap)),
            )
        if clean.get("temporary_until") is None and "temporary_until" not in {
            i["field"] for i in errors.items
        }:
            errors.add("temporary_until", "policy.required", "设置了阶段性扶持对象，请填写截止日期。")
        elif (
            clean.get("effective_from")
            and clean.get("temporary_until")
            and (clean["temporary_until"] < clean["effective_from"])
        ):
            errors.add("temporary_until", "policy.period_invalid", "阶段性扶持对象截止日期不能早于生效日期。")

    mode = str(data.get("subsidy_mode") or "").strip()
    if mode not in subsidy_modes():
        errors.add("subsidy_mode", "policy.choice_invalid", "请选择贴息方式。")
    else:
        clean["subsidy_mode"] = mode
    payment = str(data.get("subsidy_payment") or "").strip()
    if payment not in SubsidyPayment.values:
        errors.add("subsidy_payment", "policy.choice_invalid", "请选择贴息拨付方式。")
    else:
        clean["subsidy_payment"] = payment

    shares = _shares(data.get("subsidy_share_by_year"))
    share_ok = True
    for text in shares:
        try:
            parse_share(text)
        except InvalidInput as exc:
            errors.add("subsidy_share_by_year", "policy.share_invalid", exc.message)
            share_ok = False
    if len(shares) > 10:
        errors.add("subsidy_share_by_year", "policy.share_invalid", "最多填写10个贷款年度的比例。")
        share_ok = False
    if mode == SubsidyMode.SHARE_BY_YEAR and not shares and share_ok:
        errors.add(
            "subsidy_share_by_year",
            "policy.required",
            "“按贷款年度分担比例贴息”须填写各贷款年度的贴息比例（如 1, 2/3, 1/3）。",
        )
    elif share_ok:
        clean["subsidy_share_by_year"] = shares

    split_in = data.get("fund_split") or {}
    if not isinstance(split_in, dict):
        errors.add("fund_split", "policy.fund_split_invalid", "贴息资金分担应为中央/省/市/县四级比例。")
    else:
        split = {level: str(split_in.get(level) or "0").strip() or "0" for level in FUND_LEVELS}
        unknown_levels = sorted(set(split_in) - set(FUND_LEVELS))
        try:
            if unknown_levels:
                raise InvalidInput("subsidy.fund_split_invalid", f"未知的层级：{'、'.join(unknown_levels)}。")
            fund_weights(split)
        except InvalidInput as exc:
            errors.add("fund_split", "policy.fund_split_invalid", exc.message)
        else:
            clean["fund_split"] = split
    return clean, errors


def policy_current(today: dt.date | None = None) -> LoanPolicy | None:
    """The version in force today, else the latest one."""
    from fanxiang.loans.applications.eligibility import policy_on

    today = today or timezone.localdate()
    return policy_on(today) or LoanPolicy.objects.order_by("-effective_from").first()


@audit.audited
@transaction.atomic
def policy_version_create(*, actor: Any, data: dict[str, Any]) -> LoanPolicy:
    """A new policy version from ``data`` (every field of :data:`POLICY_FIELDS`, typically a copy of the current
    version with some changes). The latest version is closed the day before the new one starts."""
    _ensure_admin(actor)
    clean, errors = _clean_policy(data)
    start = clean.get("effective_from")
    # versions are appended one at a time: concurrent creations queue on the latest version's row
    latest = LoanPolicy.objects.select_for_update().order_by("-effective_from", "-id").first()
    if start is not None and latest is not None:
        if start <= latest.effective_from:
            errors.add(
                "effective_from",
                "policy.effective_from_not_after_latest",
                f"新版本的生效日期须晚于最新版本“{latest.name}”的生效日期 {latest.effective_from}。",
            )
        elif latest.effective_to is not None and start > latest.effective_to + dt.timedelta(days=1):
            errors.add(
                "effective_from",
                "policy.gap",
                f"最新版本“{latest.name}”于 {latest.effective_to} 失效，新版本须不晚于 "
                f"{latest.effective_to + dt.timedelta(days=1)} 生效，否则中间的日期没有适用的政策。",
            )
        else:
            frozen = RepaymentPlan.objects.filter(contract_date__gte=start, policy__effective_from__lt=start)
            count = frozen.count()
            if count:
                errors.add(
                    "effective_from",
                    "policy.effective_from_in_use",
                    f"已有{count}笔合同日期在 {start} 及以后的贷款按原政策生成了还款计划，"
                    "新版本不能早于这些合同日期生效。",
                )
    errors.raise_if_any()
    if latest is not None and (latest.effective_to is None or latest.effective_to >= start):
        latest.effective_to = start - dt.timedelta(days=1)
        latest.save(update_fields=["effective_to", "updated_at"])
    policy = LoanPolicy.objects.create(**clean)
    audit.record_event(
        event=audit.EVENT_CREATE,
        actor=actor,
        obj=policy,
        data={"supersedes": latest.pk if latest else None, "effective_from": start.isoformat()},
    )
    return policy


# --------------------------------------------------------------------------- LPR


def _clean_lpr(
    one_year: Any, five_year: Any, errors: ErrorCollector
) -> tuple[Decimal | None, Decimal | None]:
    values: list[Decimal | None] = []
    for name, value in (("one_year", one_year), ("five_year", five_year)):
        if _blank(value):
            errors.add(name, "lpr.required", "请填写利率（%）。")
            values.append(None)
            continue
        try:
            rate = _decimal(value)
        except (InvalidOperation, ValueError):
            errors.add(name, "lpr.rate_invalid", f"“{value}”不是有效的利率。")
            values.append(None)
            continue
        if not Decimal("0") < rate < Decimal("20") or rate != rate.quantize(Decimal("0.0001")):
            errors.add(name, "lpr.rate_invalid", "利率应在0%至20%之间（如 3.85），最多4位小数。")
            values.append(None)
        else:
            values.append(rate)
    return values[0], values[1]


@audit.audited
@transaction.atomic
def lpr_rate_create(
    *, actor: Any, effective_date: Any, one_year: Any, five_year: Any, confirmed: bool = False
) -> LprRate:
    """Add an LPR announcement (percent per year) published on ``effective_date``."""
    _ensure_admin(actor)
    errors = ErrorCollector()
    day = _date_field(
        {"effective_date": effective_date}, "effective_date", errors, label="公布日期", required=True
    )
    one, five = _clean_lpr(one_year, five_year, errors)
    if day is not None and day > timezone.localdate() + dt.timedelta(days=366):
        errors.add("effective_date", "lpr.date_invalid", "公布日期不能晚于一年以后。")
    if day is not None and LprRate.objects.filter(effective_date=day).exists():
        errors.add("effective_date", "lpr.duplicate_date", f"{day} 的 LPR 已登记，如需更正请编辑该条。")
    errors.raise_if_any()
    return LprRate.objects.create(effective_date=day, one_year=one, five_year=five, confirmed=bool(confirmed))


@audit.audited
@transaction.atomic
def lpr_rate_update(*, actor: Any, rate: LprRate, one_year: Any, five_year: Any, confirmed: bool) -> LprRate:
    """Correct a recorded announcement or mark it confirmed (stored repayment plans keep the value they were
    built with)."""
    _ensure_admin(actor)
    rate = LprRate.objects.select_for_update().get(pk=rate.pk)
    errors = ErrorCollector()
    one, five = _clean_lpr(one_year, five_year, errors)
    errors.raise_if_any()
    rate.one_year, rate.five_year, rate.confirmed = one, five, bool(confirmed)
    rate.save()
    return rate


# --------------------------------------------------------------------------- holiday calendar


@audit.audited
@transaction.atomic
def holiday_add(*, actor: Any, date: Any, is_workday: bool = False, name: str = "") -> Holiday:
    """A calendar exception: a holiday (``is_workday=False``) or an adjusted working weekend day."""
    _ensure_admin(actor)
    errors = ErrorCollector()
    day = _date_field({"date": date}, "date", errors, label="日期", required=True)
    name = (name or "").strip()
    if not name:
        errors.add("name", "calendar.name_required", "请填写名称（如“国庆节”“国庆节调休上班”）。")
    elif len(name) > 40:
        errors.add("name", "calendar.name_too_long", "名称不超过40字。")
    if day is not None:
        if is_workday and day.weekday() < 5:
            errors.add(
                "is_workday",
                "calendar.workday_not_weekend",
                f"{day} 是工作日，只有周六、周日才能设为调休上班日。",
            )
        existing = Holiday.objects.filter(date=day).first()
        if existing is not None:
            errors.add(
                "date",
                "calendar.duplicate_date",
                f"{day} 已登记为“{existing.name}”（{'调休上班' if existing.is_workday else '放假'}），请先删除再添加。",
            )
    errors.raise_if_any()
    return Holiday.objects.create(date=day, is_workday=bool(is_workday), name=name)


@audit.audited
@transaction.atomic
def holiday_remove(*, actor: Any, holiday: Holiday) -> None:
    _ensure_admin(actor)
    deleted, _ = Holiday.objects.filter(pk=holiday.pk).delete()
    if not deleted:
        raise Conflict("calendar.not_found", "该日期已被删除。")
