"""The applicant's view of a loan application's review chain: each step, done / current / to come, who holds
the current step and its deadline (from the workflow's WAITING table and the application's ``step_due``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from fanxiang.loans.applications.workflow import ROLE_LABELS, waiting_roles
from fanxiang.loans.choices import AppStatus as S
from fanxiang.loans.models import LoanApplication

# (label, the action that completes it, the states in which it is the current step)
CHAIN = (
    ("提交申请", "submit", (S.DRAFT, S.RETURNED)),
    ("县区人社资格审核", "hr_approve", (S.SUBMITTED,)),
    ("担保机构审核", "guarantee_approve", (S.HR_APPROVED,)),
    ("经办银行审批", "bank_approve", (S.GUARANTEE_APPROVED,)),
    ("签订借款合同", "sign_contract", (S.BANK_APPROVED,)),
    ("银行放款", "disburse", (S.CONTRACTED,)),
)
AFTER = {S.DISBURSED, S.REPAYING, S.SETTLED, S.OVERDUE, S.EXTENDED, S.COMPENSATED, S.RECOVERED, S.WRITTEN_OFF}
ORDER = [S.DRAFT, S.SUBMITTED, S.HR_APPROVED, S.GUARANTEE_APPROVED, S.BANK_APPROVED, S.CONTRACTED]
APPLICANT_LABEL = "您本人（或服务中心帮办）"


@dataclass
class Step:
    label: str
    state: str  # "done" | "current" | "todo" | "stopped"
    holder: str = ""
    due: dt.date | None = None
    overdue: bool = False
    done_at: dt.datetime | None = None


def _holder(roles: list[str]) -> str:
    labels = []
    for role in roles:
        if role in ("entrepreneur", "service_clerk"):
            if APPLICANT_LABEL not in labels:
                labels.append(APPLICANT_LABEL)
        else:
            labels.append(ROLE_LABELS.get(role, role))
    return "、".join(labels)


def steps(app: LoanApplication, today: dt.date | None = None) -> list[Step]:
    today = today or timezone.localdate()
    done_at: dict[str, dt.datetime] = {}
    for event in app.events.all():
        done_at[event.action] = event.at
    status = app.status
    current_index = None
    for i, (_label, _action, states) in enumerate(CHAIN):
        if status in states:
            current_index = i
    if app.merged_review and status == S.SUBMITTED:
        current_index = 1  # the three reviews run in parallel: shown on their own rows below
    out: list[Step] = []
    stopped = status in (S.REJECTED, S.WITHDRAWN)
    for i, (label, action, _states) in enumerate(CHAIN):
        step = Step(label=label, state="todo")
        if status in AFTER:
            step.state = "done"
        elif current_index is not None:
            if i < current_index:
                step.state = "done"
            elif i == current_index or (app.merged_review and status == S.SUBMITTED and 1 <= i <= 3):
                flag = {1: app.hr_ok, 2: app.guarantee_ok, 3: app.bank_ok}.get(i)
                if app.merged_review and status == S.SUBMITTED and flag:
                    step.state = "done"
                else:
                    step.state = "current"
                    step.holder = (
                        _holder(waiting_roles(app))
                        if not app.merged_review
                        else _holder(
                            [{1: "county_officer", 2: "guarantee_officer", 3: "bank_officer"}.get(i, "")]
                        )
                    )
                    step.due = app.step_due
                    step.overdue = bool(app.step_due and app.step_due < today and i > 0)
        elif stopped and action in done_at:
            step.state = "done"
        if step.state == "done":
            step.done_at = done_at.get(action)
        out.append(step)
    if stopped:
        for step in out:
            if step.state in ("todo", "current"):
                step.state = "stopped"
                step.holder = ""
                step.due = None
    if status == S.RETURNED:
        out[0].label = "补正后重新提交"
    return out
