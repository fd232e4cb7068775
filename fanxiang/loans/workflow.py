"""The review chain of a guaranteed start-up loan, as data, and the one function that moves it.

``STEPS`` lists every action: the states it may start from, the state it leads to, the roles that own it
and the review mode it applies in (sequential or merged review, 多审合一). ``WAITING`` says, for each state,
which role the application waits for and how many working days that role has (policy fields, counted
with :func:`fanxiang.loans.calendar.add_workdays` from the day the state is entered).

:func:`transition` is the only place a status changes. Inside one transaction it locks the application
row, refuses a caller who cannot see it (404), a caller without the owning role there (``loan.wrong_role``,
403) and an action the current state does not allow (``loan.wrong_state``, 409), runs the action's
effect (supplied by the service), sets the new state and its deadline, and writes a typed
:class:`LoanEvent` and an audit record. Any refusal rolls everything back.

Roles are those of ``accounts.roles.Role`` plus ``entrepreneur`` (the applicant on the portal, once users
are linked to registry records) and ``system`` (scheduled jobs, ``actor=None``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import CHANGE, VIEW, ensure_in_scope, resolve
from fanxiang.loans.choices import AppStatus as S
from fanxiang.loans.models import LoanApplication, LoanEvent, LoanPolicy

COUNTY = "county_officer"
CLERK = "service_clerk"
GUARANTEE = "guarantee_officer"
BANK = "bank_officer"
APPLICANT = "entrepreneur"
SYSTEM = "system"
APPLICANT_SIDE = frozenset({COUNTY, CLERK, APPLICANT})

ANY = "any"
SEQUENTIAL = "sequential"
MERGED = "merged"

# target markers
STAY = "=stay"  # the status does not change (override)
ALL_APPROVED = "=all_approved"  # merged review: bank_approved once the HR, guarantee and bank flags are set

ROLE_LABELS = {
    COUNTY: "县区人社经办人员",
    CLERK: "服务中心窗口人员",
    GUARANTEE: "担保机构人员",
    BANK: "经办银行人员",
    APPLICANT: "申请人",
    SYSTEM: "系统",
}


@dataclass(frozen=True)
class Step:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str
    mode: str = ANY
    flag: str | None = None  # the approval flag the step sets (hr_ok / guarantee_ok / bank_ok)


def _step(action, sources, target, roles, label, mode=ANY, flag=None) -> Step:
    return Step(action, frozenset(sources), target, frozenset(roles), label, mode, flag)


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
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(s.action for s in STEPS))
ACTION_LABELS: dict[str, str] = {s.action: s.label for s in STEPS}


@dataclass(frozen=True)
class Waiting:
    """Who the application waits for in a state, and the policy fields giving their working days (the
    longest counts). ``keep`` carries the deadline over from the previous state (the bank's days run from
    its acceptance to disbursement)."""

    roles: frozenset[str]
    days: tuple[str, ...] = ()
    merged_roles: frozenset[str] | None = None
    merged_days: tuple[str, ...] | None = None
    keep: bool = False

    def roles_for(self, merged: bool) -> frozenset[str]:
        return self.merged_roles if merged and self.merged_roles is not None else self.roles

    def days_for(self, merged: bool) -> tuple[str, ...]:
        return self.merged_days if merged and self.merged_days is not None else self.days


WAITING: dict[str, Waiting] = {
    # drafts and returns wait for the applicant (on the portal, or at the service centre's window)
    S.DRAFT: Waiting(frozenset({CLERK, APPLICANT})),
    S.RETURNED: Waiting(frozenset({CLERK, APPLICANT})),
    S.SUBMITTED: Waiting(
        frozenset({COUNTY}),
        ("hr_review_days",),
        merged_roles=frozenset({COUNTY, GUARANTEE, BANK}),
        merged_days=("hr_review_days", "guarantee_review_days", "bank_review_days"),
    ),
    S.HR_APPROVED: Waiting(frozenset({GUARANTEE}), ("guarantee_review_days",)),
    S.GUARANTEE_APPROVED: Waiting(frozenset({BANK}), ("bank_review_days",)),
    S.BANK_APPROVED: Waiting(frozenset({BANK}), keep=True),
    S.CONTRACTED: Waiting(frozenset({BANK}), keep=True),
}
FLAG_OF_ROLE = {COUNTY: "hr_ok", GUARANTEE: "guarantee_ok", BANK: "bank_ok"}


def mode_of(application: LoanApplication) -> str:
    return MERGED if application.merged_review else SEQUENTIAL


def steps_for(action: str) -> list[Step]:
    return [s for s in STEPS if s.action == action]


def waiting_roles(application: LoanApplication) -> list[str]:
    """The roles the application waits for now (merged review: those whose approval is still missing)."""
    waiting = WAITING.get(application.status)
    if waiting is None:
        return []
    roles = waiting.roles_for(application.merged_review)
    if application.status == S.SUBMITTED and application.merged_review:
        roles = frozenset(r for r in roles if not getattr(application, FLAG_OF_ROLE[r]))
    return sorted(roles)


# --------------------------------------------------------------------------- who is acting


def is_applicant(actor: Any, application: LoanApplication) -> bool:
    """The applicant acting on the portal (users are linked to registry records by the portal issue)."""
    entrepreneur_id = getattr(actor, "entrepreneur_id", None)
    return entrepreneur_id is not None and entrepreneur_id == application.entrepreneur_id


def actor_roles(actor: Any, application: LoanApplication) -> set[str]:
    """The roles ``actor`` holds *for this application*: an assignment whose region covers the
    application's region and, for banks and guarantee institutions, whose organization the application is
    routed to."""
    if actor is None:
        return {SYSTEM}
    roles: set[str] = set()
    if is_applicant(actor, application):
        roles.add(APPLICANT)
    if not getattr(actor, "is_authenticated", False) or not hasattr(actor, "assignments"):
        return roles
    paths = application.scope_tree_paths()
    assignments = actor.assignments()
    active = getattr(actor, "active_region_path", None)
    if active:  # the region switcher narrows what the user works on, as it does for reads
        assignments = [a for a in assignments if a.region.tree_path == active] or assignments
    org_fields = LoanApplication.scope_organization
    for a in assignments:
        if not any(p.startswith(a.region.tree_path) for p in paths):
            continue
        org_field = org_fields.get(a.role)
        if org_field is not None:
            org_id = getattr(actor, "organization_id", None)
            if org_id is None or getattr(application, f"{org_field}_id") != org_id:
                continue
        roles.add(a.role)
    return roles


def _label(roles: Iterable[str]) -> str:
    return "、".join(ROLE_LABELS.get(r, r) for r in sorted(roles))


STATUS_VALUES = frozenset(S.values)
STEPS_BY_ACTION: dict[str, tuple[Step, ...]] = {a: tuple(s for s in STEPS if s.action == a) for a in ACTIONS}
ROLES_BY_ACTION: dict[str, frozenset[str]] = {
    a: frozenset().union(*(s.roles for s in steps)) for a, steps in STEPS_BY_ACTION.items()
}


def status_label(status: str) -> str:
    """The Chinese label of a status (cheaper than ``get_status_display()`` in lists)."""
    return str(S(status).label) if status in STATUS_VALUES else status


def match(application: LoanApplication, action: str, roles: set[str]) -> tuple[Step | None, str]:
    """The step ``action`` takes for a caller holding ``roles``, or why not: ``unknown_action``,
    ``wrong_state``, ``wrong_role``, ``already_done``. Never raises (used to list allowed actions)."""
    candidates = STEPS_BY_ACTION.get(action)
    if not candidates:
        return None, "unknown_action"
    mode = mode_of(application)
    from_here = [s for s in candidates if s.mode in (ANY, mode) and application.status in s.sources]
    if not from_here:
        return None, "wrong_state" if roles & ROLES_BY_ACTION[action] else "wrong_role"
    mine = [s for s in from_here if s.roles & roles]
    if not mine:
        return None, "wrong_role"
    step = mine[0]
    if step.flag and getattr(application, step.flag):
        return None, "already_done"
    return step, ""


def authorize(application: LoanApplication, action: str, roles: set[str]) -> Step:
    """The step ``action`` takes from the application's state for a caller holding ``roles``, or the
    refusal: unknown action (404), wrong role (403), wrong state (409)."""
    step, refusal = match(application, action, roles)
    if step is not None:
        return step
    if refusal == "unknown_action":
        raise NotFound("loan.unknown_action", f"未知的操作：{action}。")
    label = ACTION_LABELS[action]
    status = application.status
    if refusal == "already_done":
        raise Conflict(
            "loan.wrong_state",
            f"“{label}”已办理，不能重复办理。",
            details={"status": status, "action": action},
        )
    if refusal == "wrong_state":
        raise Conflict(
            "loan.wrong_state",
            f"申请当前状态为“{status_label(status)}”，不能{label}。",
            details={"status": status, "action": action},
        )
    mode = mode_of(application)
    here = [s for s in STEPS_BY_ACTION[action] if s.mode in (ANY, mode) and status in s.sources]
    owners = set().union(*(s.roles for s in here)) if here else set(ROLES_BY_ACTION[action])
    where = "当前环节的" if here else ""
    raise Forbidden(
        "loan.wrong_role",
        f"{where}“{label}”由{_label(owners)}办理。",
        details={"action": action, "roles": sorted(owners)},
    )


def allowed_actions(application: LoanApplication, actor: Any) -> list[str]:
    """The actions ``actor`` may take on the application now (for the UI and the API detail)."""
    roles = actor_roles(actor, application)
    if not roles:
        return []
    return [a for a in ACTIONS if match(application, a, roles)[0] is not None]


def current_priority(application: LoanApplication) -> bool:
    """Priority group (point (十三)) of the applicant in the registry, or hit by the epidemic."""
    from fanxiang.entrepreneurs.models import Entrepreneur

    if application.epidemic_affected:
        return True
    through = Entrepreneur.priority_groups.through
    return through.objects.filter(
        entrepreneur_id=application.entrepreneur_id, prioritygroup__is_active=True
    ).exists()


# --------------------------------------------------------------------------- deadlines


def policy_on(day: dt.date) -> LoanPolicy | None:
    from fanxiang.loans.eligibility import policy_on as _policy_on

    return _policy_on(day)


def due_date(application: LoanApplication, status: str, day: dt.date) -> dt.date | None:
    """The deadline of the step the application waits for on entering ``status`` on ``day``."""
    from fanxiang.loans.calendar import add_workdays

    waiting = WAITING.get(status)
    if waiting is None:
        return None
    if waiting.keep:
        return application.step_due
    fields = waiting.days_for(application.merged_review)
    if not fields:
        return None
    policy = policy_on(day)
    if policy is None:
        return None
    return add_workdays(day, max(getattr(policy, f) for f in fields))


# --------------------------------------------------------------------------- the one transition


@dataclass
class Context:
    """What an effect sees: the locked application, the step being taken and who takes it."""

    application: LoanApplication
    step: Step
    actor: Any
    roles: set[str]
    today: dt.date
    note: str
    data: dict = field(default_factory=dict)  # goes into the event (and the audit record)

    @property
    def acting_role(self) -> str:
        owned = sorted(self.step.roles & self.roles)
        return owned[0] if owned else ""


Effect = Callable[[Context], None]


def lock(application: LoanApplication | int) -> LoanApplication:
    pk = application if isinstance(application, int) else application.pk
    found = LoanApplication.objects.select_for_update().filter(pk=pk).first()
    if found is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return found


def ensure_visible(actor: Any, application: LoanApplication) -> None:
    """404 for a caller who may not see the application (another county, another bank …)."""
    if actor is None or is_applicant(actor, application):
        return
    if not resolve(actor, LoanApplication, VIEW).covers(application):
        raise NotFound("not_found", "记录不存在或无权访问。")


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "系统"
    return (getattr(actor, "real_name", "") or getattr(actor, "username", ""))[:64]


def record(
    *,
    application: LoanApplication,
    action: str,
    from_status: str,
    to_status: str,
    actor: Any,
    role: str,
    note: str = "",
    data: dict | None = None,
    request: Any = None,
) -> LoanEvent:
    """The typed event and the audit record of one step, in the caller's transaction."""
    user = actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None
    event = LoanEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=user,
        actor_name=_actor_name(actor),
        actor_role=role,
        note=note,
        data=data or {},
    )
    audit.record_transition(
        obj=application,
        actor=user,
        transition=action,
        from_state=from_status,
        to_state=to_status,
        request=request,
        data={"role": role, "note": note[:500], **_jsonable(data or {})},
    )
    # the applicant hears of the step once it is committed (a notification problem never undoes the step)
    from fanxiang.notifications.loan_events import loan_event_committed

    transaction.on_commit(lambda pk=event.pk: loan_event_committed(pk))
    return event


def _jsonable(data: dict) -> dict:
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


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
    """Take ``action`` on the application for ``actor`` (None: the system). See the module docstring."""
    note = (note or "").strip()
    if len(note) > 2000:
        raise InvalidInput.field("note", "loan.note_too_long", "意见/说明不能超过2000字。")
    today = today or timezone.localdate()
    with transaction.atomic(), audit.acting_as(actor):
        app = lock(application)
        ensure_visible(actor, app)
        roles = actor_roles(actor, app)
        step = authorize(app, action, roles)
        from_status = app.status
        ctx = Context(app, step, actor, roles, today, note)
        if effect is not None:
            effect(ctx)
        if step.flag:
            setattr(app, step.flag, True)
        if step.target == STAY:
            to_status = from_status
        elif step.target == ALL_APPROVED:
            all_set = app.hr_ok and app.guarantee_ok and app.bank_ok
            to_status = S.BANK_APPROVED if all_set else from_status
        else:
            to_status = step.target
        if to_status != from_status:
            app.step_due = due_date(app, to_status, today)
            app.status = to_status
        app.priority = current_priority(app)
        app.save()
        record(
            application=app,
            action=action,
            from_status=from_status,
            to_status=to_status,
            actor=actor,
            role=ctx.acting_role,
            note=note,
            data=ctx.data,
            request=request,
        )
        if actor is not None and not is_applicant(actor, app):
            ensure_in_scope(actor, app, CHANGE)
        return app
