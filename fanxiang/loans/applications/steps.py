"""Page logic of loan applications, shared by the staff pages and the entrepreneur portal.

* the steps of the application form (borrower → loan → counter-guarantee → documents → review): which
  form each step binds, what it saves (always through ``services.application_create`` /
  ``application_update``, so a draft is stored at every step) and which steps still lack something;
* the review before submission: every eligibility rule with its Chinese reason (the eligibility engine via
  ``services.run_eligibility``) and everything still missing (``services.missing_for_submission``);
* the workflow actions a page can take, each bound to its form and its service;
* the pickers' reads (applicants, businesses, banks, recommenders) inside the user's scope;
* the timeline rows of a detail page.

Nothing here decides a business rule: the services and the workflow do; this only routes page input to them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from fanxiang.accounts.models import Organization, OrganizationKind
from fanxiang.core.scope import VIEW
from fanxiang.credit.models import Recommender
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Business, Entrepreneur
from fanxiang.loans import applications as services
from fanxiang.loans.applications import eligibility, workflow
from fanxiang.loans.applications import forms as f
from fanxiang.loans.applications.eligibility import Check
from fanxiang.loans.choices import BorrowerType, DocumentKind
from fanxiang.loans.models import LoanApplication, LoanEvent

# --------------------------------------------------------------------------- the steps

BORROWER, LOAN, GUARANTEE, DOCUMENTS, REVIEW = "borrower", "loan", "guarantee", "documents", "review"


@dataclass(frozen=True)
class WizardStep:
    key: str
    label: str
    form_class: type[f.ApplicationForm] | None = None  # None: documents and review have their own forms

    @property
    def number(self) -> int:
        return STEP_KEYS.index(self.key) + 1


STEPS: tuple[WizardStep, ...] = (
    WizardStep(BORROWER, "借款人", f.BorrowerStepForm),
    WizardStep(LOAN, "贷款信息", f.LoanStepForm),
    WizardStep(GUARANTEE, "反担保或免反担保", f.GuaranteeStepForm),
    WizardStep(DOCUMENTS, "申请材料"),
    WizardStep(REVIEW, "资格检查与提交"),
)
STEP_KEYS: tuple[str, ...] = tuple(s.key for s in STEPS)
STEPS_BY_KEY = {s.key: s for s in STEPS}

# which step a missing item of ``services.missing_for_submission`` belongs to
FIELD_STEP = {
    "business": BORROWER,
    "staff_count": BORROWER,
    "new_eligible_hires": BORROWER,
    "purpose": LOAN,
    "bank": LOAN,
    "guarantee_org": LOAN,
    "counter_guarantee": GUARANTEE,
    "counter_guarantee_detail": GUARANTEE,
    "recommender": GUARANTEE,
    "documents": DOCUMENTS,
}


def get_step(key: str) -> WizardStep | None:
    return STEPS_BY_KEY.get(key)


def step_before(key: str) -> str | None:
    i = STEP_KEYS.index(key)
    return STEP_KEYS[i - 1] if i > 0 else None


def step_after(key: str) -> str | None:
    i = STEP_KEYS.index(key)
    return STEP_KEYS[i + 1] if i + 1 < len(STEP_KEYS) else None


def bind(
    step: WizardStep,
    *,
    user: Any,
    application: LoanApplication | None = None,
    applicant: Entrepreneur | None = None,
    data: Any = None,
    options: Any = None,
    today: dt.date | None = None,
) -> f.ApplicationForm:
    """The step's form, filled from the draft (or from ``data`` when posted)."""
    assert step.form_class is not None
    return step.form_class(
        data, user=user, application=application, applicant=applicant, options=options, today=today
    )


def opening_terms(borrower_type: str, day: dt.date) -> dict[str, Any]:
    """The amount and term a draft opens with at step 1 (the service requires both): the policy maximum of
    the borrower type, replaced at step 2 by the applicant's own figures (see ``LoanStepForm``)."""
    policy = workflow.policy_on(day)
    if policy is None:
        return {"amount": "1.00", "term_months": 1}
    if borrower_type == BorrowerType.ENTERPRISE:
        return {"amount": policy.enterprise_max_amount, "term_months": policy.enterprise_max_term_months}
    return {"amount": policy.individual_max_amount, "term_months": policy.individual_max_term_months}


def save(
    step: WizardStep,
    form: f.ApplicationForm,
    *,
    actor: Any,
    application: LoanApplication | None = None,
    today: dt.date | None = None,
) -> LoanApplication:
    """Store the step: open the draft (step 1 of a new application) or update it. Raises the services'
    ``DomainError`` (put it on the form with ``forms.add_service_error``)."""
    data = form.service_data()
    if application is None:
        if step.key != BORROWER:
            raise ValueError("a new application starts at the borrower step")
        if data.get("borrower_type") in BorrowerType.values:
            data.update(opening_terms(data["borrower_type"], today or form.today))
        else:
            data.update(amount="1.00", term_months=1)  # refused on the borrower type anyway
        return services.application_create(actor=actor, data=data, today=today)
    return services.application_update(actor=actor, application=application, data=data, today=today)


# --------------------------------------------------------------------------- each step's own rules

# the field of a step form a failing rule is shown under (the others go above the form)
RULE_FIELDS = {
    "amount_limit": "amount",
    "term_limit": "term_months",
    "borrower_category": "borrower_categories",
    "partner_category": "partners",
    "partnership_members": "partners",
    "enterprise_business": "business",
    "hire_ratio": "new_eligible_hires",
}


class StepRefused(Exception):
    """A step's own hard eligibility rules fail with the values just entered (nothing is stored)."""

    def __init__(self, checks: list[Check]) -> None:
        super().__init__("; ".join(c.code for c in checks))
        self.checks = checks


def step_failures(step: WizardStep, application: LoanApplication, day: dt.date) -> list[Check]:
    """The hard failures among the eligibility rules that ``step`` collects (``eligibility.RULE_STEPS``):
    the amount and term limits of the borrower's kind at step 2, who borrows (categories of applicant and
    partners, age, history, blacklist, enterprise figures) at step 1. The review (step 5) shows them all."""
    if step.key not in (BORROWER, LOAN):
        return []
    result = services.run_eligibility(application, day)
    return [c for c in result.hard_failures if eligibility.rule_step(c.rule) == step.key]


def save_checked(
    step: WizardStep,
    form: f.ApplicationForm,
    *,
    actor: Any,
    application: LoanApplication | None = None,
    today: dt.date | None = None,
) -> LoanApplication:
    """:func:`save`, then the step's own rules on what was entered: when one fails the save is rolled back
    and :class:`StepRefused` raised (put it on the form with :func:`add_step_errors`)."""
    from django.db import transaction

    day = today or form.today
    with transaction.atomic():
        app = save(step, form, actor=actor, application=application, today=today)
        failures = step_failures(step, app, day)
        if failures:
            raise StepRefused(failures)
    return app


def add_step_errors(form: f.ApplicationForm, checks: list[Check]) -> None:
    """Each failing rule under its field (or above the form), with its code."""
    for c in checks:
        field = RULE_FIELDS.get(c.rule.split(":", 1)[0])
        form.add_error(field if field in form.fields else None, f"{c.message}（{c.code}）")
    form.error_code = checks[0].code if checks else form.error_code


def can_edit(user: Any, application: LoanApplication) -> bool:
    """Whether ``user`` may fill in the application form now (applicant side, draft or returned)."""
    return application.status in services.EDITABLE and bool(
        workflow.actor_roles(user, application) & workflow.APPLICANT_SIDE
    )


def may_open(user: Any) -> bool:
    """Whether ``user`` may open a new application on an entrepreneur's behalf."""
    return bool(getattr(user, "is_authenticated", False) and user.roles() & {workflow.COUNTY, workflow.CLERK})


# --------------------------------------------------------------------------- review before submission


@dataclass
class Review:
    checks: list[Check]
    eligible: bool
    max_amount: Any
    max_term_months: int | None
    policy: str | None
    missing: list[dict[str, str]]
    pending_overrides: list[Check]
    overrides: list[dict]

    @property
    def hard_failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed and c.severity == "hard"]

    @property
    def can_submit(self) -> bool:
        return self.eligible and not self.missing and not self.pending_overrides

    @property
    def missing_by_step(self) -> dict[str, list[dict[str, str]]]:
        grouped: dict[str, list[dict[str, str]]] = {}
        for item in self.missing:
            grouped.setdefault(FIELD_STEP.get(item["field"], REVIEW), []).append(item)
        return grouped


def review(application: LoanApplication, day: dt.date) -> Review:
    """Every eligibility rule (pass or fail, with its reason), what is still missing, and the soft failures
    that wait for an officer's override."""
    result = services.run_eligibility(application, day)
    overridden = {o.get("rule") for o in application.overrides or []}
    return Review(
        checks=result.checks,
        eligible=result.eligible,
        max_amount=result.max_amount,
        max_term_months=result.max_term_months,
        policy=result.policy.name if result.policy else None,
        missing=services.missing_for_submission(application, day),
        pending_overrides=[c for c in result.soft_failures if c.rule not in overridden],
        overrides=list(application.overrides or []),
    )


def progress(application: LoanApplication | None, day: dt.date) -> dict[str, bool]:
    """Per step: True when nothing the step collects is missing for submission."""
    if application is None:
        return dict.fromkeys(STEP_KEYS, False)
    lacking = {FIELD_STEP.get(i["field"]) for i in services.missing_for_submission(application, day)}
    done = {key: key not in lacking for key in STEP_KEYS}
    done[LOAN] = done[LOAN] and bool(application.purpose)
    done[REVIEW] = False
    return done


def required_documents(application: LoanApplication) -> list[tuple[str, str, bool]]:
    """(kind, label, on file) of the documents the submission needs, in order."""
    from fanxiang.loans.choices import REQUIRED_DOCUMENTS, CounterGuarantee

    kinds = [*REQUIRED_DOCUMENTS["all"], *REQUIRED_DOCUMENTS.get(application.borrower_type, [])]
    if application.counter_guarantee == CounterGuarantee.WAIVER:
        kinds += REQUIRED_DOCUMENTS["waiver"]
    on_file = {d.kind for d in application.documents.all()}
    return [(k, str(DocumentKind(k).label), k in on_file) for k in dict.fromkeys(kinds)]


# --------------------------------------------------------------------------- pickers


_ID_TAIL = re.compile(r"^\d{3}[\dXx]$")


class StaffOptions:
    """What the application form offers a staff user: people, businesses and recommenders inside their
    scope (the services check the same scope again on saving). The portal supplies its own provider with
    the same methods."""

    limit = 50

    def __init__(self, user: Any, q: str = "") -> None:
        self.user = user
        self.q = q

    def people(self, selected: list[int] | None = None) -> list[Entrepreneur]:
        return applicant_options(self.user, q=self.q, selected=selected or [], limit=self.limit)

    def businesses(self, owners: list[int], selected: list[int] | None = None) -> list[Business]:
        return business_options(self.user, owners=owners, selected=selected or [])

    def banks(self) -> QuerySet[Organization]:
        return Organization.objects.filter(kind=OrganizationKind.BANK, is_active=True).order_by("code")

    def guarantee_orgs(self) -> QuerySet[Organization]:
        return Organization.objects.filter(kind=OrganizationKind.GUARANTEE, is_active=True).order_by("code")

    def recommenders(self, applicant: Any, day: dt.date, chosen: Any = None) -> list[Recommender]:
        return recommender_options(self.user, applicant=applicant, day=day, chosen=chosen)


def applicant_options(
    user: Any, *, q: str = "", selected: list[int] | None = None, limit: int = 50
) -> list[Entrepreneur]:
    """Active people in the user's scope matching ``q`` — the registry's search (name, pinyin initials,
    full ID number, mobile) or the last 4 characters of the ID number — plus those already chosen."""
    from fanxiang.entrepreneurs.filtersets import EntrepreneurFilter

    base = (
        Entrepreneur.objects.for_user(user, VIEW).filter(status=RecordStatus.ACTIVE).select_related("region")
    )
    q = (q or "").strip()
    if not q:
        found = base
    elif _ID_TAIL.match(q):
        found = base.filter(id_number_masked__endswith=q.upper())
    else:
        found = EntrepreneurFilter({"q": q}, queryset=base).qs
    people = list(found.order_by("-created_at", "-id")[:limit])
    seen = {p.pk for p in people}
    extra = [pk for pk in selected or [] if pk not in seen]
    if extra:
        people = list(base.filter(pk__in=extra)) + people
    return people


def business_options(user: Any, *, owners: list[int], selected: list[int] | None = None) -> list[Business]:
    """Businesses in the user's scope founded by one of ``owners`` (applicant and partners)."""
    ids = [pk for pk in owners if pk]
    if not ids and not selected:
        return []
    qs = Business.objects.for_user(user, VIEW).filter(status=RecordStatus.ACTIVE)
    cond = Q(founder_links__entrepreneur_id__in=ids)
    if selected:
        cond |= Q(pk__in=selected)
    return list(qs.filter(cond).distinct().order_by("name", "id")[:100])


def recommender_options(user: Any, *, applicant: Any, day: dt.date, chosen: Any = None) -> list[Recommender]:
    """Recommenders valid on ``day`` in the applicant's county (or above it), inside the user's scope; the
    one already chosen stays listed so the page shows it (the service refuses it if no longer valid)."""
    from fanxiang.credit.selectors import recommenders_for_user

    qs = recommenders_for_user(user, valid_on=day)
    county = getattr(getattr(applicant, "region", None), "county", None)
    if county is not None:
        parts = county.tree_path.strip("/").split("/")
        ancestors = ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]
        qs = qs.filter(Q(region__tree_path__startswith=county.tree_path) | Q(region__tree_path__in=ancestors))
    found = list(qs[:200])
    if chosen and str(chosen).isdigit() and all(r.pk != int(chosen) for r in found):
        extra = Recommender.objects.filter(pk=int(chosen)).select_related("region").first()
        if extra is not None:
            found.insert(0, extra)
    return found


# --------------------------------------------------------------------------- workflow actions


@dataclass(frozen=True)
class PageAction:
    action: str
    form_class: type[f.ActionForm]
    service: Callable[..., LoanApplication]
    button: str
    style: str = ""  # "", "secondary" or "danger"


PAGE_ACTIONS: dict[str, PageAction] = {
    a.action: a
    for a in (
        PageAction("submit", f.SubmitForm, services.application_submit, "提交申请"),
        PageAction("hr_approve", f.NoteForm, services.application_hr_approve, "资格审核通过"),
        PageAction("guarantee_approve", f.NoteForm, services.application_guarantee_approve, "担保审核通过"),
        PageAction("bank_approve", f.BankApproveForm, services.application_bank_approve, "审批通过"),
        PageAction("sign_contract", f.ContractForm, services.application_sign_contract, "确认签订合同"),
        PageAction("disburse", f.DisburseForm, services.application_disburse, "确认放款"),
        PageAction("override", f.OverrideForm, services.application_override, "人工认定", "secondary"),
        PageAction("return", f.ReturnForm, services.application_return, "退回补正", "secondary"),
        PageAction("extend", f.ExtendForm, services.application_extend, "办理展期", "secondary"),
        PageAction("reject", f.RejectForm, services.application_reject, "不予通过", "danger"),
        PageAction("withdraw", f.NoteForm, services.application_withdraw, "撤回申请", "danger"),
    )
}


def page_actions(application: LoanApplication, user: Any) -> tuple[list[str], list[str]]:
    """The actions ``user`` may take now (``workflow.allowed_actions``): those the detail page offers a
    form for, and the others (repayment side: offered by the bank workbench)."""
    allowed = workflow.allowed_actions(application, user)
    order = list(PAGE_ACTIONS)
    mine = sorted((a for a in allowed if a in PAGE_ACTIONS), key=order.index)
    return mine, [a for a in allowed if a not in PAGE_ACTIONS]


def action_extra(action: str, application: LoanApplication, day: dt.date) -> dict[str, Any]:
    """What an action's form shows beside its fields: the rate cap in force, the soft failures to accept."""
    if action in ("bank_approve", "disburse", "sign_contract"):
        try:
            return {"rate_cap": services.check_rate_cap(services.CENT, day)}
        except Exception:  # no policy or LPR: the service says so on submitting
            return {}
    if action == "override":
        return {"soft_checks": review(application, application.applied_on or day).pending_overrides}
    return {}


def bind_action(
    action: str, *, application: LoanApplication, data: Any = None, today: dt.date | None = None
) -> f.ActionForm:
    spec = PAGE_ACTIONS[action]
    from django.utils import timezone

    day = today or timezone.localdate()
    return spec.form_class(
        data,
        application=application,
        today=day,
        extra=action_extra(action, application, day),
        auto_id=f"id_{action}_%s",  # several action forms share a page
    )


def perform(
    action: str, form: f.ActionForm, *, actor: Any, application: LoanApplication, request: Any = None
) -> LoanApplication:
    """Take the action through its service (raises the service's ``DomainError``)."""
    spec = PAGE_ACTIONS[action]
    return spec.service(actor=actor, application=application, request=request, **form.service_kwargs())


# --------------------------------------------------------------------------- timeline

EVENT_LABELS = {
    **workflow.ACTION_LABELS,
    "create": "创建申请",
    "upload": "上传材料",
    "remove_document": "删除材料",
}


def _event_details(e: LoanEvent) -> list[str]:
    d = e.data or {}
    lines: list[str] = []
    if d.get("missing_items"):
        lines += [f"补正：{item}" for item in d["missing_items"]]
    if d.get("reasons"):
        lines += [f"理由：{item}" for item in d["reasons"]]
    if e.action == "bank_approve" and d.get("approved_amount"):
        lines.append(f"批准金额 {_yuan(d['approved_amount'])}，年利率 {d.get('annual_rate')}%")
    if e.action == "sign_contract" and d.get("contract_date"):
        number = f"合同编号 {d['contract_no']}，" if d.get("contract_no") else ""
        lines.append(f"{number}合同日期 {d['contract_date']}，年利率 {d.get('annual_rate')}%")
    if e.action == "disburse" and d.get("amount"):
        lines.append(
            f"第{d.get('seq')}笔 {_yuan(d['amount'])}（{d.get('date')}，年利率 {d.get('annual_rate')}%"
            f"{'，借据号 ' + d['loan_note_no'] if d.get('loan_note_no') else ''}），"
            f"累计 {_yuan(d.get('disbursed_total'))}"
        )
    if e.action == "override" and d.get("rule"):
        lines.append(f"认定事项：{d['rule']}（{d.get('code', '')}）")
    if e.action == "extend" and d.get("months"):
        lines.append(f"展期 {d['months']} 个月")
    if e.action in ("upload", "remove_document") and (d.get("name") or d.get("kind")):
        kind = d.get("kind")
        label = str(DocumentKind(kind).label) if kind in DocumentKind.values else kind
        lines.append(f"{label}{'：' + d['name'] if d.get('name') else ''}")
    if e.action == "create" and d.get("number"):
        lines.append(f"申请编号 {d['number']}")
    if e.action == "submit" and d.get("resubmission"):
        lines.append("补正后重新提交")
    return lines


def _yuan(value: Any) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(str(value)):,.2f}元"
    except (InvalidOperation, ValueError):
        return str(value)


def timeline(application: LoanApplication) -> list[dict[str, Any]]:
    """The typed events, oldest first, as the page shows them."""
    rows = []
    for e in application.events.all():
        rows.append(
            {
                "at": e.at,
                "actor": e.actor_name or "系统",
                "role": workflow.ROLE_LABELS.get(e.actor_role, e.actor_role),
                "action": e.action,
                "label": EVENT_LABELS.get(e.action, e.action),
                "from_status": workflow.status_label(e.from_status) if e.from_status else "",
                "to_status": workflow.status_label(e.to_status),
                "changed": e.from_status != e.to_status,
                "note": e.note,
                "details": _event_details(e),
            }
        )
    return rows


def role_labels(roles: list[str]) -> list[str]:
    return [workflow.ROLE_LABELS.get(r, r) for r in roles]
