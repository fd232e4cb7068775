"""The service request (工单) and the rectification (整改) of a 差评, declared on the platform's workflow machine.

:data:`REQUESTS`: a request is taken (``submit``: the intake step, from the internal ``draft``) and waits for
the centre: ``submitted → accepted → in_progress → completed``; ``request_supplement`` asks the applicant for
everything missing at once and **pauses** the clock (``supplement_requested``), ``resubmit`` resumes it
(``resubmitted``) and the due date moves back by the working days the pause covered (the machine's
``WorkflowPause`` rows); ``transfer`` hands it to another centre or unit (reason required; the clock runs
on); ``reject`` (reason required); ``withdraw`` by the applicant. 马上办: ``accept`` may complete the request at
once (two steps in one transaction, see :func:`fanxiang.onestop.services.service_request_accept`).

One clock per request: it starts at ``submit`` with the service type's time limit in force that day (stored
on the request as ``time_limit_days``) and every later state keeps it (``keep=True``), terminal ones
included, so the paused intervals stay on record after completion.

Roles: the service clerk and the county officer of the county of the centre holding the request own the
centre's steps; the applicant (the portal user linked to the registry person) resubmits and withdraws — the
clerk does so for a request taken at the window or with assistance (checked by the services).

:data:`RECTIFICATIONS`: ``open`` (by the system, when a rating of 1 or 2 is recorded) with a deadline of
``Parameters.rectification_days`` working days, ``call_back`` (the call-back record, required) and
``rate_fix`` (the applicant's second rating, recorded by the applicant or the clerk).
"""

from __future__ import annotations

import datetime as dt

from fanxiang.accounts.roles import APPLICANT, ROLE_LABELS, SYSTEM, Role
from fanxiang.core import calendar
from fanxiang.core.workflow import Context, Workflow, step, waiting
from fanxiang.onestop.choices import RectificationStatus, RequestStatus
from fanxiang.onestop.models import (
    Parameters,
    Rectification,
    RectificationEvent,
    ServiceRequest,
    ServiceRequestEvent,
)

S = RequestStatus
R = RectificationStatus
CLERK = Role.SERVICE_CLERK.value
COUNTY = Role.COUNTY_OFFICER.value
STAFF = (CLERK, COUNTY)
HANDLING = (S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.RESUBMITTED, S.TRANSFERRED)

# fmt: off
REQUESTS = Workflow(
    name="onestop_request",
    code="onestop",
    model=ServiceRequest,
    noun="工单",
    steps=(
        step("submit", [S.DRAFT], S.SUBMITTED, [*STAFF, APPLICANT], "提交"),
        step("accept", [S.SUBMITTED, S.RESUBMITTED, S.TRANSFERRED], S.ACCEPTED, STAFF, "受理"),
        step("start", [S.ACCEPTED], S.IN_PROGRESS, STAFF, "开始办理"),
        step("request_supplement", [S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.TRANSFERRED],
             S.SUPPLEMENT_REQUESTED, STAFF, "一次性告知补正", pause=True),
        step("resubmit", [S.SUPPLEMENT_REQUESTED], S.RESUBMITTED, [*STAFF, APPLICANT], "补正后重新提交",
             resume=True),
        step("complete", [S.ACCEPTED, S.IN_PROGRESS, S.RESUBMITTED, S.TRANSFERRED], S.COMPLETED, STAFF, "办结"),
        step("transfer", [S.SUBMITTED, S.ACCEPTED, S.IN_PROGRESS, S.RESUBMITTED], S.TRANSFERRED, STAFF, "转办",
             requires=("reason",)),
        step("reject", HANDLING, S.REJECTED, STAFF, "不予办理", requires=("reason",)),
        step("withdraw", [*HANDLING, S.SUPPLEMENT_REQUESTED], S.WITHDRAWN, [CLERK, APPLICANT], "撤回",
             resume=True),  # a withdrawal while paused closes the pause
    ),
    waiting={
        S.SUBMITTED: waiting(STAFF, lambda req, day: req.time_limit_days),
        S.ACCEPTED: waiting(STAFF, keep=True),
        S.IN_PROGRESS: waiting(STAFF, keep=True),
        S.SUPPLEMENT_REQUESTED: waiting([APPLICANT, CLERK], keep=True),
        S.RESUBMITTED: waiting(STAFF, keep=True),
        S.TRANSFERRED: waiting(STAFF, keep=True),
        # terminal: keep the clock (and its pauses) as it stood
        S.COMPLETED: waiting([], keep=True),
        S.REJECTED: waiting([], keep=True),
        S.WITHDRAWN: waiting([], keep=True),
    },
    event_model=ServiceRequestEvent,
    event_fk="request",
    role_labels=ROLE_LABELS,
    status_labels=S,
    applicant_of=lambda req: req.entrepreneur_id,
    due_field="due_date",
    clock=True,
    before_save=lambda ctx: set_due_soon(ctx),
    lock_related=("service_type",),  # the request's name (audit log) is its service type's
)

RECTIFICATIONS = Workflow(
    name="onestop_rectification",
    code="onestop",
    model=Rectification,
    noun="整改",
    steps=(
        step("open", [R.DRAFT], R.OPEN, [SYSTEM], "开启整改"),
        step("call_back", [R.OPEN], R.CALLED_BACK, STAFF, "整改回访", requires=("note",)),
        step("rate_fix", [R.CALLED_BACK], R.CLOSED, [*STAFF, APPLICANT], "整改评价"),
    ),
    waiting={
        R.OPEN: waiting(STAFF, lambda rect, day: rect.limit_days),
        R.CALLED_BACK: waiting([APPLICANT, CLERK], keep=True),
        R.CLOSED: waiting([], keep=True),
    },
    event_model=RectificationEvent,
    event_fk="rectification",
    role_labels=ROLE_LABELS,
    status_labels=R,
    applicant_of=lambda rect: rect.request.entrepreneur_id,
    due_field="due_date",
    clock=True,
)
# fmt: on


def due_soon_days(limit: int, percent: int) -> int:
    """Working days used at which a request shows as due soon: ``percent`` % of its limit, rounded up."""
    return -(-limit * percent // 100)


def clock_figures(req: ServiceRequest, today: dt.date) -> dict:
    """``paused_days`` (working days the clock stood still, an open pause up to today), ``paused`` and the
    ``due`` date in effect today (a paused clock keeps moving its due date until it resumes)."""
    clock = REQUESTS.clock_of(req) if req.pk else None
    if clock is None or clock.limit_days is None:
        return {"paused": False, "paused_days": 0, "due": req.due_date, "started_on": None}
    pauses = list(clock.pauses.values_list("paused_on", "resumed_on"))
    return {
        "paused": clock.is_paused,
        "paused_days": calendar.paused_workdays(pauses, today),
        "due": calendar.due_with_pauses(clock.started_on, clock.limit_days, pauses, today)
        if clock.is_paused
        else req.due_date,
        "started_on": clock.started_on,
        "pauses": pauses,
    }


def set_due_soon(ctx: Context) -> None:
    """After the clock moved: the day from which the request shows as due soon (stored, so queues filter on
    it without arithmetic per row)."""
    req = ctx.obj
    if ctx.step.action not in ("submit", "resubmit") or not req.time_limit_days:
        return
    clock = REQUESTS.clock_of(req)
    pauses = list(clock.pauses.values_list("paused_on", "resumed_on"))
    used = due_soon_days(req.time_limit_days, Parameters.on(clock.started_on).due_soon_percent)
    req.due_soon_on = calendar.due_with_pauses(clock.started_on, used, pauses, ctx.today)
