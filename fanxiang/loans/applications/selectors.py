"""Loan application reads. Every query starts from ``LoanApplication.objects.for_user(user, action)``, except
the reviewer queue, which builds the same grants per role from the user's assignments — each checked against
the scope resolver — so that its branches run on the covering queue indexes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from fanxiang.core.errors import NotFound
from fanxiang.core.scope import VIEW, resolve
from fanxiang.entrepreneurs.models import PriorityGroup
from fanxiang.loans.applications.people import loans_of_person
from fanxiang.loans.applications.workflow import FLAG_OF_ROLE, WAITING, waiting_roles
from fanxiang.loans.choices import AppStatus
from fanxiang.loans.models import LoanApplication
from fanxiang.regions.models import Region

EPIDEMIC_REASON = "受疫情影响"
# states whose step has a deadline: overdue when it passed
DEADLINE_STATES = [s for s, w in WAITING.items() if w.days or w.keep or w.merged_days]


def applications_for_user(user: Any, action: str = VIEW) -> QuerySet[LoanApplication]:
    return LoanApplication.objects.for_user(user, action).select_related(
        "entrepreneur", "region", "bank", "guarantee_org"
    )


def ledger_loans(user: Any, *, entrepreneur: Any = None, business: Any = None) -> list[LoanApplication]:
    """The loans of a credit-ledger page (hook ``credit.ledger_loans``): of the person (as lead borrower or
    partner), or of the business, that ``user`` may see (a bank sees its own), newest first. A loan the
    person is a partner on carries ``person_role`` "合伙人" (else "借款人")."""
    qs = LoanApplication.objects.for_user(user)
    if business is not None:
        return list(qs.filter(business=business).order_by("-created_at"))
    loans = list(loans_of_person(entrepreneur, qs).order_by("-created_at"))
    pk = getattr(entrepreneur, "pk", entrepreneur)
    for loan in loans:
        loan.person_role = "借款人" if loan.entrepreneur_id == pk else "合伙人"
    return loans


def _active_groups() -> Prefetch:
    return Prefetch(
        "entrepreneur__priority_groups",
        queryset=PriorityGroup.objects.filter(is_active=True).order_by("sort_order", "code"),
        to_attr="active_priority_groups",
    )


def priority_reasons(app: LoanApplication) -> list[str]:
    groups = getattr(app.entrepreneur, "active_priority_groups", None)
    if groups is None:
        groups = list(app.entrepreneur.priority_groups.filter(is_active=True).order_by("sort_order", "code"))
    reasons = [g.name for g in groups]
    if app.epidemic_affected:
        reasons.append(EPIDEMIC_REASON)
    return reasons


def is_overdue(app: LoanApplication, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return bool(app.step_due and app.status in DEADLINE_STATES and app.step_due < today)


def application_detail(user: Any, pk: int) -> LoanApplication:
    app = (
        applications_for_user(user)
        .select_related("business", "recommender", "entrepreneur__region")
        .prefetch_related(
            "partners",
            "events",
            "documents",
            "disbursements",
            _active_groups(),
        )
        .filter(pk=pk)
        .first()
    )
    if app is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return app


# --------------------------------------------------------------------------- reviewer queues


def waiting_conditions(role: str) -> list[Q]:
    """The applications waiting for ``role``, from the workflow's WAITING table (one condition per state and
    review mode, so each can use the (status, …) indexes)."""
    conditions = []
    plain = []  # states waiting for the role in both modes: one ``status IN (…)``
    for status, waiting in WAITING.items():
        if role in waiting.roles:
            if waiting.merged_roles is None:
                plain.append(status)
            else:
                conditions.append(Q(status=status, merged_review=False))
        if waiting.merged_roles is not None and role in waiting.merged_roles:
            cond = Q(status=status, merged_review=True)
            if status == AppStatus.SUBMITTED and role in FLAG_OF_ROLE:
                cond &= Q(**{FLAG_OF_ROLE[role]: False})
            conditions.append(cond)
    if plain:
        conditions.insert(0, Q(status__in=plain))
    return conditions


def role_grants(user: Any, role: str) -> list[Q]:
    """Where ``user`` holds ``role`` — one condition per assignment, each checked to lie inside what the
    scope resolver grants the user on applications (so the queue never reaches past ``for_user()``).
    Regions match by id within the subtree (an indexed ``IN``), banks and guarantee institutions by their
    organization."""
    scope = resolve(user, LoanApplication, VIEW)
    if scope.empty:
        return []
    assignments = [a for a in user.assignments() if a.role == role]
    active = getattr(user, "active_region_path", None)
    if active:
        assignments = [a for a in assignments if a.region.tree_path == active] or assignments
    org_field = LoanApplication.scope_organization.get(role)
    org_id = getattr(user, "organization_id", None)
    grants = []
    for a in assignments:
        path = a.region.tree_path
        if org_field is None:
            inside = scope.covers_path(path)
        else:
            inside = org_id is not None and (
                scope.all
                or any(
                    g.field == org_field and g.org_id == org_id and path.startswith(g.region_path)
                    for g in scope.org_grants
                )
            )
        if not inside:
            continue
        cond = Q(region__in=Region.objects.filter(tree_path__startswith=path).values("id"))
        if org_field is not None:
            cond &= Q(**{f"{org_field}_id": org_id})
        grants.append(cond)
    return grants


def review_queue(user: Any) -> QuerySet[LoanApplication]:
    """What waits for the caller's role(s): priority first, then by deadline. Each (state, assignment) pair
    is one branch served by a covering queue index; fetch a page with :func:`queue_rows`."""
    roles = user.roles() if hasattr(user, "roles") else set()
    q = Q(pk__in=[])
    for role in sorted(roles):
        conditions = waiting_conditions(role)
        for grant in role_grants(user, role) if conditions else []:
            for cond in conditions:
                q |= cond & grant
    return LoanApplication.objects.filter(q).order_by(
        F("priority").desc(), F("step_due").asc(nulls_last=True), "id"
    )


# what a queue row shows and what deciding its allowed actions needs
QUEUE_FIELDS = (
    "number", "status", "borrower_type", "amount", "applied_on", "step_due", "priority", "epidemic_affected",
    "merged_review", "hr_ok", "guarantee_ok", "bank_ok", "entrepreneur__name", "region__code", "region__name",
    "region__tree_path", "bank__code", "bank__name", "bank__short_name", "guarantee_org__code",
    "guarantee_org__name", "guarantee_org__short_name",
)  # fmt: skip


def queue_rows(queue: QuerySet[LoanApplication], offset: int, limit: int) -> list[LoanApplication]:
    """One page of a queue: the ids from the index, then those rows with what they show."""
    ids = list(queue.values_list("id", flat=True)[offset : offset + limit])
    rows = (
        LoanApplication.objects.select_related("entrepreneur", "region", "bank", "guarantee_org")
        .only(*QUEUE_FIELDS)
        .prefetch_related(_active_groups())
        .in_bulk(ids)
    )
    return [rows[i] for i in ids]


def queue_item(app: LoanApplication, user: Any, today: dt.date) -> dict:
    from fanxiang.loans.applications.workflow import allowed_actions

    return {
        "app": app,
        "priority": app.priority,
        "priority_reasons": priority_reasons(app),
        "due": app.step_due,
        "overdue": is_overdue(app, today),
        "waiting_for": waiting_roles(app),
        "actions": allowed_actions(app, user),
    }
