"""The loans app's sources of the to-do inbox (:mod:`fanxiang.core.tasks`, registered in ``LoansConfig.ready``).

One kind per waiting step of the application workflow (:data:`~fanxiang.loans.applications.workflow.LOANS`):
the states and roles come from its ``WAITING`` table (in merged review, 多审合一, a ``submitted`` application
waits for each reviewer whose approval is still missing), and each kind counts, where the user holds the
role — their assignment's region subtree, and for bank and guarantee officers their own organisation
(:func:`~fanxiang.loans.applications.selectors.role_grants`, checked against the scope rule) — the
applications waiting, those past their step's deadline (``step_due``) and those due within one working day.
Drafts are left out: they are the applicant's (or the clerk's) unfinished form, not work handed to anyone.

Plus the quarterly subsidy claim batches: those submitted to the finance bureau (its liaisons, or a city
admin) and the handling bank's drafts not yet submitted. Batches carry no deadline.

Each ``url`` opens a queue filtered to exactly the records counted: ``/loans/queue/?task=<kind>`` (the
reviewer queue narrowed by :func:`task_queryset`) and ``/loans/subsidy-batches/?status=…``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse

from fanxiang.accounts.roles import Role
from fanxiang.core.tasks import TaskCount, deadline_counts, register_task_source
from fanxiang.loans.applications.selectors import DEADLINE_STATES, role_grants
from fanxiang.loans.applications.workflow import BANK, CLERK, COUNTY, FLAG_OF_ROLE, GUARANTEE, WAITING
from fanxiang.loans.choices import AppStatus as S
from fanxiang.loans.choices import BatchStatus
from fanxiang.loans.models import LoanApplication

# kind -> inbox title
TITLES = {
    "loan.hr_review": "待县级初审的贷款申请",
    "loan.guarantee_review": "待担保审核的贷款申请",
    "loan.bank_review": "待银行审批的贷款申请",
    "loan.sign_contract": "待签订借款合同的贷款",
    "loan.disburse": "待放款的贷款",
    "loan.supplement": "退回待补正的贷款申请",
}
# (waiting state, role) -> kind: every staff role of the WAITING table but the drafts' (see above)
KIND_OF = {
    (S.SUBMITTED, COUNTY): "loan.hr_review",
    (S.SUBMITTED, GUARANTEE): "loan.guarantee_review",  # merged review
    (S.SUBMITTED, BANK): "loan.bank_review",  # merged review
    (S.HR_APPROVED, GUARANTEE): "loan.guarantee_review",
    (S.GUARANTEE_APPROVED, BANK): "loan.bank_review",
    (S.BANK_APPROVED, BANK): "loan.sign_contract",
    (S.CONTRACTED, BANK): "loan.disburse",
    (S.RETURNED, CLERK): "loan.supplement",
}
UNLISTED = {S.DRAFT}


def kind_conditions(kind: str) -> dict[str, Q]:
    """role -> the applications of ``kind`` waiting for that role (no scope yet), from the WAITING table."""
    found: dict[str, Q] = {}

    def add(role: str, cond: Q) -> None:
        found[role] = found[role] | cond if role in found else cond

    for status, waiting in WAITING.items():
        for role in waiting.roles:
            if KIND_OF.get((status, role)) == kind:
                mode = Q(merged_review=False) if waiting.merged_roles is not None else Q()
                add(role, Q(status=status) & mode)
        for role in waiting.merged_roles or ():
            if KIND_OF.get((status, role)) == kind:
                cond = Q(status=status, merged_review=True)
                if role in FLAG_OF_ROLE:
                    cond &= Q(**{FLAG_OF_ROLE[role]: False})
                add(role, cond)
    return found


def task_queryset(user: Any, kind: str) -> QuerySet[LoanApplication]:
    """The applications of ``kind`` waiting for ``user``: where they hold the waiting role."""
    q = Q(pk__in=[])
    for role, cond in kind_conditions(kind).items():
        for grant in role_grants(user, role):
            q |= cond & grant
    return LoanApplication.objects.filter(q)


def _loan_source(kind: str):
    def count(user: Any, day: dt.date) -> TaskCount | None:
        if not hasattr(user, "roles") or not set(kind_conditions(kind)) & user.roles():
            return None
        total, overdue, soon = deadline_counts(
            task_queryset(user, kind), day, due_field="step_due", deadline=Q(status__in=DEADLINE_STATES)
        )
        return TaskCount(total, f"{reverse('loans:queue')}?task={kind}", overdue, soon)

    return count


def _batch_source(status: str, roles: set[str]):
    def count(user: Any, day: dt.date) -> TaskCount | None:
        from fanxiang.loans.subsidy.selectors import batches_for_user

        holds = getattr(user, "is_superuser", False) and Role.CITY_ADMIN in roles
        if not holds and not (hasattr(user, "roles") and user.roles() & roles):
            return None
        total = batches_for_user(user).filter(status=status).count()
        return TaskCount(total, f"{reverse('loans:batch_list')}?status={status}")

    return count


def register() -> None:
    for i, (kind, title) in enumerate(TITLES.items()):
        register_task_source(kind, title, _loan_source(kind), order=10 + i)
    register_task_source(
        "loan.subsidy_review",
        "待财政审核的贴息申报批次",
        _batch_source(BatchStatus.SUBMITTED, {Role.UNIT_LIAISON.value, Role.CITY_ADMIN.value}),
        order=20,
    )
    register_task_source(
        "loan.subsidy_submit",
        "未提交的贴息申报批次",
        _batch_source(BatchStatus.DRAFT, {Role.BANK_OFFICER.value}),
        order=21,
    )
