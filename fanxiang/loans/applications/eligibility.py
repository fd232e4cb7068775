"""The eligibility engine for guaranteed start-up loans.

Every rule runs and reports pass/fail with a stable code and a Chinese reason a clerk can read out.
``hard`` failures block submission; ``soft`` ones need an officer's override with a reason. The rules
and numbers come from the loan policy in force on the application date (effective-dated data).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from fanxiang.core.errors import InvalidInput
from fanxiang.loans.choices import REGISTRY_TO_BORROWER, BorrowerCategory, BorrowerType
from fanxiang.loans.models import LoanPolicy

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
POOR_HOUSEHOLD = "poor_household"  # the registry's priority group and the borrower category alike


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


# The advisory pre-check (``POST /api/v1/loans/eligibility-check``) reads the policy per date from a small
# in-process cache: a wide row, fetched and built on every call, is a tenth of the request. An edit clears it
# in the editing process at once (signals below, again on commit); other processes see it within
# ``FANXIANG_POLICY_CACHE_SECONDS`` (default 60; 0 turns the cache off). Inside a transaction — which may
# hold uncommitted policy edits — the cache is bypassed, and every write path (submission, approval, the
# schedule and subsidy) reads with :func:`policy_on`, never from the cache.
_POLICY_CACHE: dict[dt.date, tuple[float, LoanPolicy | None]] = {}


def policy_on_cached(day: dt.date) -> LoanPolicy | None:
    ttl = float(getattr(settings, "FANXIANG_POLICY_CACHE_SECONDS", 60) or 0)
    if ttl <= 0 or connection.in_atomic_block:
        return policy_on(day)
    now = time.monotonic()
    hit = _POLICY_CACHE.get(day)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    policy = policy_on(day)
    if len(_POLICY_CACHE) >= 1024:
        _POLICY_CACHE.clear()
    _POLICY_CACHE[day] = (now, policy)
    return policy


def clear_policy_cache(**_kwargs: Any) -> None:
    _POLICY_CACHE.clear()


def _policy_changed(**_kwargs: Any) -> None:
    clear_policy_cache()
    transaction.on_commit(clear_policy_cache)


post_save.connect(_policy_changed, sender=LoanPolicy, dispatch_uid="loans.policy_cache.save")
post_delete.connect(_policy_changed, sender=LoanPolicy, dispatch_uid="loans.policy_cache.delete")


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _yuan(value: Decimal) -> str:
    return f"{value:,.2f}元"


def default_categories(entrepreneur: Any) -> list[str]:
    """The borrower categories a person's registry record implies (registry category, poor household)."""
    if entrepreneur is None:
        return []
    return registry_categories([entrepreneur])[entrepreneur.pk]


def registry_categories(people: list[Any], poor: set[int] | None = None) -> dict[int, list[str]]:
    """Per person, the borrower categories the registry record implies (registry category; poor household
    from the priority groups — ``poor``: the ids known to be in it, else one query for all of them)."""
    from fanxiang.entrepreneurs.models import Entrepreneur

    people = [p for p in people if p is not None]
    if poor is None:
        poor = (
            set(
                Entrepreneur.priority_groups.through.objects.filter(
                    entrepreneur_id__in=[p.pk for p in people], prioritygroup__code=POOR_HOUSEHOLD
                ).values_list("entrepreneur_id", flat=True)
            )
            if people
            else set()
        )
    out: dict[int, list[str]] = {}
    for person in people:
        mapped = REGISTRY_TO_BORROWER.get(getattr(person, "category", ""), "")
        out[person.pk] = [mapped] if mapped else []
        if person.pk in poor:
            out[person.pk].append(POOR_HOUSEHOLD)
    return out


def join_messages(prefix: str, messages: list[str]) -> str:
    """``prefix`` and the messages joined by "；", ending in one "。" (each message's own closing
    punctuation dropped, so never "。；")."""
    parts = [m.strip().rstrip("。；;.") for m in messages if m and m.strip()]
    return prefix + "；".join(parts) + "。" if parts else prefix.rstrip("：:") + "。"


def _labels(codes: list[str]) -> str:
    return "、".join(str(BorrowerCategory(c).label) for c in codes if c in BorrowerCategory.values)


# Which step of the application form collects what each rule checks (the rule name before any ":").
# The form checks a step's own rules when the step is saved; the review (step 5) shows them all.
RULE_STEPS = {
    "policy": "loan",
    "partnership_members": "borrower",
    "amount_limit": "loan",
    "term_limit": "loan",
    "enterprise_business": "borrower",
    "hire_ratio": "borrower",
    "borrower_category": "borrower",
    "partner_category": "borrower",
    "age": "borrower",
    "repeat_limit": "borrower",
    "active_loan": "borrower",
    "credit_history": "borrower",
    "pending": "borrower",
    "blacklist": "borrower",
    "existing_debt": "borrower",
}


def rule_step(rule: str) -> str:
    return RULE_STEPS.get(rule.split(":", 1)[0], "review")


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
    cached_policy: bool = False,
) -> Result:
    """Every rule, each with its outcome. ``cached_policy``: read the policy through the in-process cache
    (the advisory API pre-check only; see :func:`policy_on_cached`)."""
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
    policy = policy_on_cached(apply_date) if cached_policy else policy_on(apply_date)
    if policy is None:
        add(
            "policy",
            False,
            "loan.policy_missing",
            f"{apply_date} 没有生效的创业担保贷款政策，请联系市级管理员配置。",
        )
        return Result(False, None, None, checks)

    # history, credit and poor households: one round trip for the applicant and all partners together
    people = [p for p in [entrepreneur, *partners] if p is not None]
    history, on_blacklist, poor = _history([p.pk for p in people], apply_date, exclude_application_id)

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

    # one check per subject: the amount (positive and within the limit), the term (likewise)
    if amount <= 0:
        add("amount_limit", False, "loan.amount_invalid", "申请金额须大于0。")
    else:
        add(
            "amount_limit",
            amount <= max_amount,
            "loan.amount_over_limit",
            f"申请金额 {_yuan(amount)} 超过上限 {_yuan(max_amount)}。"
            if amount > max_amount
            else f"申请金额 {_yuan(amount)}，未超过上限 {_yuan(max_amount)}。",
        )
    if term_months < 1:
        add("term_limit", False, "loan.term_invalid", "贷款期限至少1个月。")
    else:
        add(
            "term_limit",
            term_months <= max_term,
            "loan.term_over_limit",
            f"贷款期限 {term_months} 个月超过上限 {max_term} 个月。"
            if term_months > max_term
            else f"贷款期限 {term_months} 个月，未超过上限 {max_term} 个月。",
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
        allowed = set(policy.eligible_categories)
        if policy.temporary_until and apply_date <= policy.temporary_until:
            allowed |= set(policy.temporary_categories)
        # the registry's categories of everyone whose categories are not declared (no query: the poor
        # households come with the history below)
        implied = registry_categories([*([] if borrower_categories else [entrepreneur]), *partners], poor)
        cats = (
            list(borrower_categories)
            if borrower_categories
            else implied.get(getattr(entrepreneur, "pk", None), [])
        )
        matched = [c for c in cats if c in allowed]
        add(
            "borrower_category",
            bool(matched),
            "loan.category_not_eligible",
            f"属于扶持对象：{_labels(matched)}。"
            if matched
            else "申请人不属于创业担保贷款扶持对象（请选择符合的人员类别）。",
        )
        # each partner must belong to an eligible group too (the same rule, from the partner's record)
        for partner in partners:
            ok_cats = [c for c in implied.get(partner.pk, []) if c in allowed]
            add(
                f"partner_category:{partner.pk}",
                bool(ok_cats),
                "loan.partner_category_ineligible",
                f"合伙人{partner.name}属于扶持对象：{_labels(ok_cats)}。"
                if ok_cats
                else f"合伙人{partner.name}不属于创业担保贷款扶持对象（人员登记类别不在扶持范围内），"
                "请核实其人员类别或更换合伙人。",
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

    # history and credit (read above)
    for person in people:
        statuses = history[person.pk]
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
        blacklisted = person.pk in on_blacklist
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


def _history(
    ids: list[int], day: dt.date, exclude_application_id: int | None = None
) -> tuple[dict[int, list[str]], set[int], set[int]]:
    """Per person, the statuses of the loan applications they are on — as lead borrower or as partner
    (``people.person_loan_links_sql``) —, who is on the blacklist on ``day`` (the latest blacklist/lift
    line on or before the day is a blacklisting whose period covers it) and who is in the poor-household
    priority group (a borrower category): all from one ``UNION ALL`` query. Written as SQL from the models' metadata (identifiers quoted, values as parameters):
    on this hot path the ORM's compilation cost more than the query."""
    from fanxiang.credit.models import CreditEntry, CreditEvent
    from fanxiang.entrepreneurs.models import Entrepreneur, PriorityGroup
    from fanxiang.loans.applications.people import person_loan_links_sql

    statuses: dict[int, list[str]] = {pk: [] for pk in ids}
    if not ids:
        return statuses, set(), set()
    qn = connection.ops.quote_name
    entries = CreditEntry._meta
    groups, in_group = PriorityGroup._meta, Entrepreneur.priority_groups.through._meta

    def col(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    marks = ", ".join(["%s"] * len(ids))
    links, link_params = person_loan_links_sql(ids, exclude_application_id)
    sql = (
        f"SELECT links.person_id, 0, links.status, NULL, links.loan_id, NULL FROM ({links}) links "  # noqa: S608
        f"UNION ALL SELECT {col(entries, 'entrepreneur')}, 1, {col(entries, 'event')}, {col(entries, 'date')}, "
        f"{col(entries, 'id')}, {col(entries, 'until')} FROM {qn(entries.db_table)} "
        f"WHERE {col(entries, 'entrepreneur')} IN ({marks}) AND {col(entries, 'event')} IN (%s, %s) "
        f"AND {col(entries, 'date')} <= %s "
        f"UNION ALL SELECT g.{col(in_group, 'entrepreneur')}, 2, NULL, NULL, NULL, NULL FROM {qn(in_group.db_table)} g "
        f"JOIN {qn(groups.db_table)} pg ON pg.{col(groups, 'id')} = g.{col(in_group, 'prioritygroup')} "
        f"WHERE g.{col(in_group, 'entrepreneur')} IN ({marks}) AND pg.{col(groups, 'code')} = %s"
    )
    params = [*link_params, *ids, CreditEvent.BLACKLISTED, CreditEvent.BLACKLIST_LIFTED, day, *ids]
    params.append(POOR_HOUSEHOLD)
    poor: set[int] = set()
    latest: dict[int, tuple[dt.date, int, str, dt.date | None]] = {}
    seen: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for person_id, kind, value, when, pk, until in cursor.fetchall():
            if kind == 2:
                poor.add(person_id)
                continue
            if kind == 0:
                if (person_id, pk) not in seen:  # one loan counts once per person
                    seen.add((person_id, pk))
                    statuses[person_id].append(value)
                continue
            when, until = _as_date(when), _as_date(until)  # SQLite hands dates back as text
            if person_id not in latest or (when, pk) > latest[person_id][:2]:
                latest[person_id] = (when, pk, value, until)
    blacklisted = {
        person_id
        for person_id, (_when, _pk, event, until) in latest.items()
        if event == CreditEvent.BLACKLISTED and (until is None or until >= day)
    }
    return statuses, blacklisted, poor


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _blacklisted_ids(ids: list[int], day: dt.date) -> set[int]:
    """Of these people, those on the blacklist on ``day`` (per person, the latest blacklist/lift line on or
    before the day is a blacklisting whose period covers it) — one query."""
    from fanxiang.credit.models import CreditEntry, CreditEvent

    latest: dict[int, tuple[str, dt.date | None]] = {}
    rows = (
        CreditEntry.objects.filter(
            entrepreneur_id__in=ids,
            event__in=[CreditEvent.BLACKLISTED, CreditEvent.BLACKLIST_LIFTED],
            date__lte=day,
        )
        .order_by("entrepreneur_id", "-date", "-id")
        .values_list("entrepreneur_id", "event", "until")
    )
    for person_id, event, until in rows:
        latest.setdefault(person_id, (event, until))
    return {
        pk
        for pk, (event, until) in latest.items()
        if event == CreditEvent.BLACKLISTED and (until is None or until >= day)
    }


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
