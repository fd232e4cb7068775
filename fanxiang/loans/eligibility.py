"""The eligibility engine for guaranteed start-up loans.

Every rule runs and reports pass/fail with a stable code and a Chinese reason a clerk can read out.
``hard`` failures block submission; ``soft`` ones need an officer's override with a reason. The rules
and numbers come from the loan policy in force on the application date (effective-dated data).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from fanxiang.core.errors import InvalidInput
from fanxiang.loans.choices import REGISTRY_TO_BORROWER, BorrowerCategory, BorrowerType
from fanxiang.loans.models import LoanApplication, LoanPolicy

ISSUED = (
    "disbursed",
    "repaying",
    "settled",
    "overdue",
    "compensated",
    "recovered",
    "written_off",
    "extended",
)
ACTIVE = ("disbursed", "repaying", "overdue", "extended")
IN_PROGRESS = ("submitted", "hr_approved", "guarantee_approved", "bank_approved", "contracted", "returned")
BAD = ("overdue", "compensated", "written_off")
CENT = Decimal("0.01")


@dataclass
class Check:
    rule: str
    passed: bool
    code: str
    message: str
    severity: str = "hard"  # hard blocks; soft needs an officer's override


@dataclass
class Result:
    eligible: bool
    max_amount: Decimal | None
    max_term_months: int | None
    checks: list[Check] = field(default_factory=list)
    policy: LoanPolicy | None = None

    @property
    def hard_failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed and c.severity == "hard"]

    @property
    def soft_failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed and c.severity == "soft"]

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "max_amount": str(self.max_amount) if self.max_amount is not None else None,
            "max_term_months": self.max_term_months,
            "policy": self.policy.name if self.policy else None,
            "checks": [asdict(c) for c in self.checks],
        }


def policy_on(day: dt.date) -> LoanPolicy | None:
    for policy in LoanPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from"):
        if policy.covers(day):
            return policy
    return None


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}元"


def default_categories(entrepreneur: Any) -> list[str]:
    mapped = REGISTRY_TO_BORROWER.get(getattr(entrepreneur, "category", ""), "")
    cats = [mapped] if mapped else []
    if entrepreneur is not None and entrepreneur.priority_groups.filter(code="poor_household").exists():
        cats.append("poor_household")
    return cats


def check(
    *,
    borrower_type: str,
    entrepreneur: Any,
    amount: Decimal,
    term_months: int,
    apply_date: dt.date,
    borrower_categories: list[str] | None = None,
    partners: list[Any] | None = None,
    business: Any = None,
    staff_count: int | None = None,
    new_eligible_hires: int | None = None,
    declared_other_debts: bool = False,
    exclude_application_id: int | None = None,
) -> Result:
    partners = partners or []
    checks: list[Check] = []

    def add(rule: str, passed: bool, code: str, message: str, severity: str = "hard") -> None:
        checks.append(Check(rule, passed, code if not passed else "ok", message, severity))

    if borrower_type not in BorrowerType.values:
        raise InvalidInput.field(
            "borrower_type",
            "loan.borrower_type_invalid",
            "借款人类型应为 individual、partnership 或 enterprise。",
        )
    policy = policy_on(apply_date)
    if policy is None:
        add(
            "policy",
            False,
            "loan.policy_missing",
            f"{apply_date} 没有生效的创业担保贷款政策，请联系市级管理员配置。",
        )
        return Result(False, None, None, checks)

    # limits
    if borrower_type == BorrowerType.ENTERPRISE:
        max_amount, max_term = policy.enterprise_max_amount, policy.enterprise_max_term_months
    elif borrower_type == BorrowerType.PARTNERSHIP:
        members = 1 + len(partners)
        max_amount = (
            policy.individual_max_amount * members * (1 + policy.partnership_uplift_ratio)
        ).quantize(CENT, ROUND_DOWN)
        max_term = policy.individual_max_term_months
        add(
            "partnership_members",
            members >= 2,
            "loan.partnership_needs_partners",
            f"合伙创业须至少2名合伙人（当前{members}人）。"
            if members < 2
            else f"合伙人共{members}人，额度上限 {_yuan(max_amount)}。",
        )
    else:
        max_amount, max_term = policy.individual_max_amount, policy.individual_max_term_months

    add(
        "amount_positive",
        amount > 0,
        "loan.amount_invalid",
        "申请金额须大于0。" if amount <= 0 else "申请金额有效。",
    )
    add(
        "amount_limit",
        amount <= max_amount,
        "loan.amount_over_limit",
        f"申请金额 {_yuan(amount)} 超过上限 {_yuan(max_amount)}。"
        if amount > max_amount
        else f"申请金额未超过上限 {_yuan(max_amount)}。",
    )
    add(
        "term_positive",
        term_months >= 1,
        "loan.term_invalid",
        "贷款期限至少1个月。" if term_months < 1 else "期限有效。",
    )
    add(
        "term_limit",
        term_months <= max_term,
        "loan.term_over_limit",
        f"贷款期限 {term_months} 个月超过上限 {max_term} 个月。"
        if term_months > max_term
        else f"期限未超过 {max_term} 个月。",
    )

    # who may borrow
    if borrower_type == BorrowerType.ENTERPRISE:
        is_enterprise = business is not None and business.kind == "enterprise" and business.status == "active"
        add(
            "enterprise_business",
            is_enterprise,
            "loan.business_not_enterprise",
            "小微企业贷款须选择本人创办、在册的企业。"
            if not is_enterprise
            else f"借款企业：{business.name}。",
        )
        if not staff_count or staff_count <= 0:
            add("hire_ratio", False, "loan.staff_count_required", "请填写企业现有职工人数（大于0）。")
        else:
            hires = new_eligible_hires or 0
            large = staff_count > policy.large_staff_threshold
            needed = policy.hire_ratio_large if large else policy.hire_ratio_small
            ratio = Decimal(hires) / Decimal(staff_count)
            add(
                "hire_ratio",
                ratio >= needed,
                "loan.hire_ratio_too_low",
                (
                    f"当年新招用符合条件人员 {hires} 人，占现有职工 {staff_count} 人的 {ratio:.2%}，"
                    f"{'低于' if ratio < needed else '达到'}{'超过' + str(policy.large_staff_threshold) + '人企业' if large else ''}要求的 {needed:.0%}。"
                ),
            )
    else:
        cats = list(borrower_categories) if borrower_categories else default_categories(entrepreneur)
        allowed = set(policy.eligible_categories)
        if policy.temporary_until and apply_date <= policy.temporary_until:
            allowed |= set(policy.temporary_categories)
        matched = [c for c in cats if c in allowed]
        labels = "、".join(str(BorrowerCategory(c).label) for c in matched if c in BorrowerCategory.values)
        add(
            "borrower_category",
            bool(matched),
            "loan.category_not_eligible",
            f"属于扶持对象：{labels}。"
            if matched
            else "申请人不属于创业担保贷款扶持对象（请选择符合的人员类别）。",
        )
        for person in [entrepreneur, *partners]:
            if person is None:
                continue
            age = age_on(person.birth_date, apply_date)
            top = policy.max_age_male if person.sex == "M" else policy.max_age_female
            ok = policy.min_age <= age <= top
            add(
                f"age:{person.pk}",
                ok,
                "loan.age_out_of_range",
                f"{person.name}申请时{age}周岁，{'不在' if not ok else '在'}{'男' if person.sex == 'M' else '女'}性{policy.min_age}–{top}周岁范围内。",
            )

    # history and credit
    people = [p for p in [entrepreneur, *partners] if p is not None]
    for person in people:
        loans = LoanApplication.objects.filter(entrepreneur=person)
        if exclude_application_id:
            loans = loans.exclude(pk=exclude_application_id)
        statuses = list(loans.values_list("status", flat=True))
        issued = sum(1 for s in statuses if s in ISSUED)
        add(
            f"repeat_limit:{person.pk}",
            issued < policy.max_subsidised_loans,
            "loan.repeat_limit",
            f"{person.name}已享受贴息贷款 {issued} 次，{'已达' if issued >= policy.max_subsidised_loans else '未超过'}上限 {policy.max_subsidised_loans} 次。",
        )
        active = [s for s in statuses if s in ACTIVE]
        add(
            f"active_loan:{person.pk}",
            not active,
            "loan.active_loan_exists",
            f"{person.name}有未结清的创业担保贷款。" if active else "无未结清贷款。",
        )
        bad = [s for s in statuses if s in BAD]
        add(
            f"credit_history:{person.pk}",
            not bad,
            "loan.bad_credit_history",
            f"{person.name}有逾期或代偿未追回的贷款。" if bad else "无不良还款记录。",
        )
        pending = [s for s in statuses if s in IN_PROGRESS]
        add(
            f"pending:{person.pk}",
            not pending,
            "loan.pending_application_exists",
            f"{person.name}已有办理中的贷款申请。" if pending else "无办理中的申请。",
        )
        blacklisted = _blacklisted(person, apply_date)
        add(
            f"blacklist:{person.pk}",
            not blacklisted,
            "loan.blacklisted",
            f"{person.name}在失信名单期限内。" if blacklisted else "未列入失信名单。",
        )
    if policy.existing_debt_exclusion:
        add(
            "existing_debt",
            not declared_other_debts,
            "loan.existing_debt",
            "申请人或配偶申报有其他未结清贷款：除助学、扶贫、住房、购车及5万元以下小额消费贷款（含信用卡）外不得有其他贷款，请经办人核实征信后认定。"
            if declared_other_debts
            else "未申报其他贷款。",
            severity="soft",
        )
    eligible = not any(not c.passed and c.severity == "hard" for c in checks)
    return Result(eligible, max_amount, max_term, checks, policy)


def _blacklisted(person: Any, day: dt.date) -> bool:
    from fanxiang.credit.models import CreditEntry, CreditEvent

    last = (
        CreditEntry.objects.filter(
            entrepreneur=person,
            event__in=[CreditEvent.BLACKLISTED, CreditEvent.BLACKLIST_LIFTED],
            date__lte=day,
        )
        .order_by("-date", "-id")
        .first()
    )
    return bool(last and last.event == CreditEvent.BLACKLISTED and (last.until is None or last.until >= day))
