"""The review chain of a guaranteed start-up loan, declared on the platform's workflow machine.

``STEPS`` lists every action: the states it may start from, the state it leads to, the roles that own it
and the review mode it applies in (sequential or merged review, 多审合一). ``WAITING`` says, for each state,
which role the application waits for and how many working days that role has (policy fields, counted
with :func:`fanxiang.core.calendar.add_workdays` from the day the state is entered).

:data:`LOANS` (a :class:`fanxiang.core.workflow.Workflow`) is the only place a status changes: it locks the
row, refuses a caller who cannot see it (404), a caller without the owning role there (``loan.wrong_role``,
403) and an action the current state does not allow (``loan.wrong_state``, 409), runs the action's effect
(supplied by the service), sets the new state and its deadline, and writes a typed :class:`LoanEvent` and
an audit record. Any refusal rolls everything back. The names below are this app's view of it.

Deadlines: a return for supplement (退回补正) does not pause the reviewer's clock but ends it — the
application waits for the applicant without a deadline, and the review period runs afresh from the day the
complete application is resubmitted (the policy counts review days from receipt of complete materials).

Roles are those of ``accounts.roles`` (codes and labels), with ``entrepreneur`` (the applicant on the
portal) and ``system`` (scheduled jobs, ``actor=None``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fanxiang.accounts.roles import APPLICANT, ROLE_LABELS, SYSTEM, Role
from fanxiang.core import workflow as machine
from fanxiang.core.workflow import ANY, STAY, Context, Effect, Step
from fanxiang.core.workflow import step as _step
from fanxiang.loans.choices import AppStatus as S
from fanxiang.loans.models import LoanApplication, LoanEvent, LoanPolicy

COUNTY = Role.COUNTY_OFFICER.value
CLERK = Role.SERVICE_CLERK.value
GUARANTEE = Role.GUARANTEE_OFFICER.value
BANK = Role.BANK_OFFICER.value
APPLICANT_SIDE = frozenset({COUNTY, CLERK, APPLICANT})

SEQUENTIAL = "sequential"
MERGED = machine.MERGED
ALL_APPROVED = "=all_approved"  # merged review: bank_approved once the HR, guarantee and bank flags are set

__all__ = ["ANY", "APPLICANT", "ROLE_LABELS", "STAY", "SYSTEM", "Context", "Effect", "Step"]


REVIEW = (S.SUBMITTED, S.HR_APPROVED, S.GUARANTEE_APPROVED, S.BANK_APPROVED)
# fmt: off
STEPS: tuple[Step, ...] = (
    _step("submit", [S.DRAFT, S.RETURNED], S.SUBMITTED, APPLICANT_SIDE, "提交申请"),
    _step("override", [S.DRAFT, S.RETURNED, S.SUBMITTED], STAY, [COUNTY], "人工认定"),
    # sequential review: HR → guarantee → bank
    _step("hr_approve", [S.SUBMITTED], S.HR_APPROVED, [COUNTY], "人社资格审核通过", SEQUENTIAL, "hr_ok"),
    _step("guarantee_approve", [S.HR_APPROVED], S.GUARANTEE_APPROVED, [GUARANTEE], "担保审核通过",
          SEQUENTIAL, "guarantee_ok"),
    _step("bank_approve", [S.GUARANTEE_APPROVED], S.BANK_APPROVED, [BANK], "银行审批通过", SEQUENTIAL, "bank_ok"),
    # merged review (多审合一): the three approvals in parallel from ``submitted``
    _step("hr_approve", [S.SUBMITTED], ALL_APPROVED, [COUNTY], "人社资格审核通过", MERGED, "hr_ok"),
    _step("guarantee_approve", [S.SUBMITTED], ALL_APPROVED, [GUARANTEE], "担保审核通过", MERGED, "guarantee_ok"),
    _step("bank_approve", [S.SUBMITTED], ALL_APPROVED, [BANK], "银行审批通过", MERGED, "bank_ok"),
    _step("sign_contract", [S.BANK_APPROVED], S.CONTRACTED, [BANK], "签订借款合同"),
    _step("disburse", [S.CONTRACTED, S.DISBURSED], S.DISBURSED, [BANK], "放款"),
    # a further tranche once repayment has started: the status stays, the schedule is rebuilt (repayment.py)
    _step("disburse", [S.REPAYING, S.EXTENDED], STAY, [BANK], "放款"),
    # 补正: whoever holds the step returns it, listing everything missing at once
    _step("return", [S.SUBMITTED], S.RETURNED, [COUNTY], "退回补正", SEQUENTIAL),
    _step("return", [S.HR_APPROVED], S.RETURNED, [GUARANTEE], "退回补正", SEQUENTIAL),
    _step("return", [S.GUARANTEE_APPROVED], S.RETURNED, [BANK], "退回补正", SEQUENTIAL),
    _step("return", [S.SUBMITTED], S.RETURNED, [COUNTY, GUARANTEE, BANK], "退回补正", MERGED),
    _step("reject", [S.SUBMITTED], S.REJECTED, [COUNTY], "不予通过", SEQUENTIAL),
    _step("reject", [S.HR_APPROVED], S.REJECTED, [GUARANTEE], "不予通过", SEQUENTIAL),
    _step("reject", [S.GUARANTEE_APPROVED, S.BANK_APPROVED], S.REJECTED, [BANK], "不予通过", SEQUENTIAL),
    _step("reject", [S.SUBMITTED], S.REJECTED, [COUNTY, GUARANTEE, BANK], "不予通过", MERGED),
    _step("reject", [S.BANK_APPROVED], S.REJECTED, [BANK], "不予通过", MERGED),
    _step("withdraw", [S.DRAFT, S.RETURNED, *REVIEW], S.WITHDRAWN, APPLICANT_SIDE, "撤回申请"),
    # after disbursement (effects live with repayment / compensation)
    _step("extend", [S.DISBURSED, S.REPAYING, S.OVERDUE], S.EXTENDED, [BANK], "展期"),
    _step("start_repaying", [S.DISBURSED], S.REPAYING, [BANK, SYSTEM], "进入还款期"),
    _step("mark_overdue", [S.DISBURSED, S.REPAYING, S.EXTENDED], S.OVERDUE, [BANK, SYSTEM], "逾期"),
    _step("cure", [S.OVERDUE], S.REPAYING, [BANK, SYSTEM], "逾期已还清"),
    _step("settle", [S.DISBURSED, S.REPAYING, S.EXTENDED, S.OVERDUE], S.SETTLED, [BANK, SYSTEM], "结清"),
    # the repayment that settled the loan was reversed (冲正)
    _step("reopen", [S.SETTLED], S.REPAYING, [SYSTEM], "冲正后恢复还款"),
    _step("compensate", [S.OVERDUE], S.COMPENSATED, [GUARANTEE, SYSTEM], "担保代偿"),
    _step("recover", [S.COMPENSATED], S.RECOVERED, [GUARANTEE], "代偿追回"),
    _step("write_off", [S.COMPENSATED], S.WRITTEN_OFF, [GUARANTEE], "代偿核销"),
)
# fmt: on


def _policy_days(*fields: str):
    def days(application: LoanApplication, day: dt.date) -> int | None:
        policy = policy_on(day)
        return None if policy is None else max(getattr(policy, f) for f in fields)

    return days


Waiting = machine.Waiting
WAITING: dict[str, machine.Waiting] = {
    # drafts and returns wait for the applicant (on the portal, or at the service centre's window)
    S.DRAFT: machine.waiting({CLERK, APPLICANT}),
    S.RETURNED: machine.waiting({CLERK, APPLICANT}),
    S.SUBMITTED: machine.waiting(
        {COUNTY},
        _policy_days("hr_review_days"),
        merged_roles={COUNTY, GUARANTEE, BANK},
        merged_days=_policy_days("hr_review_days", "guarantee_review_days", "bank_review_days"),
    ),
    S.HR_APPROVED: machine.waiting({GUARANTEE}, _policy_days("guarantee_review_days")),
    S.GUARANTEE_APPROVED: machine.waiting({BANK}, _policy_days("bank_review_days")),
    S.BANK_APPROVED: machine.waiting({BANK}, keep=True),
    S.CONTRACTED: machine.waiting({BANK}, keep=True),
}
FLAG_OF_ROLE = {COUNTY: "hr_ok", GUARANTEE: "guarantee_ok", BANK: "bank_ok"}


def mode_of(application: LoanApplication) -> str:
    return MERGED if application.merged_review else SEQUENTIAL


def _all_approved(application: LoanApplication, step: Step, from_status: str) -> str:
    all_set = application.hr_ok and application.guarantee_ok and application.bank_ok
    return S.BANK_APPROVED if all_set else from_status


def current_priority(application: LoanApplication) -> bool:
    """Priority group (point (十三)) of the applicant in the registry, or hit by the epidemic."""
    from fanxiang.entrepreneurs.models import Entrepreneur

    if application.epidemic_affected:
        return True
    through = Entrepreneur.priority_groups.through
    return through.objects.filter(
        entrepreneur_id=application.entrepreneur_id, prioritygroup__is_active=True
    ).exists()


def _refresh_priority(ctx: Context) -> None:
    ctx.obj.priority = current_priority(ctx.obj)


LOANS = machine.Workflow(
    name="loan_application",
    code="loan",
    model=LoanApplication,
    noun="申请",
    steps=STEPS,
    waiting=WAITING,
    event_model=LoanEvent,
    event_fk="application",
    role_labels=ROLE_LABELS,
    status_labels=S,
    mode_of=mode_of,
    applicant_of=lambda application: application.entrepreneur_id,
    due_field="step_due",
    resolve_target=_all_approved,
    before_save=_refresh_priority,
)
ACTIONS = LOANS.actions
ACTION_LABELS = LOANS.action_labels
STEPS_BY_ACTION = LOANS.steps_by_action
ROLES_BY_ACTION = LOANS.roles_by_action


def steps_for(action: str) -> list[Step]:
    return LOANS.steps_for(action)


def waiting_roles(application: LoanApplication) -> list[str]:
    """The roles the application waits for now (merged review: those whose approval is still missing)."""
    return LOANS.waiting_roles(application)


def is_applicant(actor: Any, application: LoanApplication) -> bool:
    """The applicant acting on the portal (the portal user linked to the application's person)."""
    return LOANS.is_applicant(actor, application)


def actor_roles(actor: Any, application: LoanApplication) -> set[str]:
    return LOANS.actor_roles(actor, application)


def status_label(status: str) -> str:
    """The Chinese label of a loan status: the one vocabulary (``status_labels`` of :data:`LOANS`) of every
    page, tab, export, notice and API ``status_label`` that names a loan's state."""
    return LOANS.status_label(status)


def fully_disbursed(application: LoanApplication) -> bool:
    """Every yuan approved is out: no further tranche (放款) is offered or accepted."""
    approved = application.approved_amount
    return approved is not None and application.disbursed_total >= approved


def match(application: LoanApplication, action: str, roles: set[str]) -> tuple[Step | None, str]:
    return LOANS.match(application, action, roles)


def authorize(application: LoanApplication, action: str, roles: set[str]) -> Step:
    return LOANS.authorize(application, action, roles)


def allowed_actions(application: LoanApplication, actor: Any) -> list[str]:
    """The actions ``actor`` may take on the application now (for the UI and the API detail); a fully
    disbursed loan offers no further 放款."""
    actions = LOANS.allowed_actions(application, actor)
    return [a for a in actions if a != "disburse"] if fully_disbursed(application) else actions


def policy_on(day: dt.date) -> LoanPolicy | None:
    from fanxiang.loans.applications.eligibility import policy_on as _policy_on

    return _policy_on(day)


def due_date(application: LoanApplication, status: str, day: dt.date) -> dt.date | None:
    """The deadline of the step the application waits for on entering ``status`` on ``day``."""
    return LOANS.due_date(application, status, day)


def lock(application: LoanApplication | int) -> LoanApplication:
    return LOANS.lock(application)


def ensure_visible(actor: Any, application: LoanApplication) -> None:
    LOANS.ensure_visible(actor, application)


def record(*, application: LoanApplication, **fields: Any) -> LoanEvent:
    """The typed event and the audit record of a step, in the caller's transaction."""
    return LOANS.record(obj=application, **fields)


def transition(
    *,
    application: LoanApplication | int,
    action: str,
    actor: Any,
    note: str = "",
    today: dt.date | None = None,
    effect: Effect | None = None,
    request: Any = None,
) -> LoanApplication:
    """Take ``action`` on the application for ``actor`` (None: the system)."""
    return LOANS.transition(
        application, action, actor, note=note, today=today, effect=effect, request=request
    )
