"""The county's decisions on portal requests, declared on the platform's workflow machine.

:data:`REGISTRATIONS`: a self-registration waits (``pending``) for the county of the person's current
residence, which confirms it (a new registry record, ``confirmed``), merges it into an existing record
(``merged``) or rejects it with a reason sent back to the person (``rejected``).

:data:`EDIT_REQUESTS`: an edit request waits for the county of the registry person, which approves it (the
change is applied through the registry's services, ``approved``) or rejects it with a reason (``rejected``).

The deciding roles are those that may change these records today: the county officer (granted in
``PortalConfig.ready``) and the city administrator (every model). Neither request carries a deadline in
the policy, so ``pending`` waits for the county without one. The registration's action codes are the ones
its audit trail has always recorded (the decided status). Every status change goes through
``<WORKFLOW>.transition(...)`` from :mod:`fanxiang.portal.services_registration` /
:mod:`fanxiang.portal.services_edits`; the effect does the registry work.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fanxiang.accounts.roles import ROLE_LABELS, Role
from fanxiang.core.errors import Conflict, InvalidInput
from fanxiang.core.workflow import Effect, Workflow, step, waiting
from fanxiang.portal.models import (
    EditRequest,
    EditRequestEvent,
    Registration,
    RegistrationEvent,
    RequestStatus,
)

S = RequestStatus
REVIEWERS = (Role.COUNTY_OFFICER.value, Role.CITY_ADMIN.value)

REGISTRATIONS = Workflow(
    name="portal_registration",
    code="portal",
    model=Registration,
    noun="登记申请",
    steps=(
        step("confirmed", [S.PENDING], S.CONFIRMED, REVIEWERS, "确认登记"),
        step("merged", [S.PENDING], S.MERGED, REVIEWERS, "合并到已有记录"),
        step("rejected", [S.PENDING], S.REJECTED, REVIEWERS, "不予登记", requires=("reason",)),
    ),
    waiting={S.PENDING: waiting(REVIEWERS)},
    event_model=RegistrationEvent,
    event_fk="registration",
    role_labels=ROLE_LABELS,
    status_labels=S,
)

EDIT_REQUESTS = Workflow(
    name="portal_edit_request",
    code="portal",
    model=EditRequest,
    noun="变更申请",
    steps=(
        step("approve", [S.PENDING], S.APPROVED, REVIEWERS, "同意变更"),
        step("reject", [S.PENDING], S.REJECTED, REVIEWERS, "不同意变更", requires=("reason",)),
    ),
    waiting={S.PENDING: waiting(REVIEWERS)},
    event_model=EditRequestEvent,
    event_fk="edit_request",
    role_labels=ROLE_LABELS,
    status_labels=S,
)

# what the review pages post (``action``) → the workflow's action
REGISTRATION_ACTIONS = {"confirm": "confirmed", "merge": "merged", "reject": "rejected"}


def decide(
    workflow: Workflow,
    obj: Any,
    action: str,
    actor: Any,
    *,
    reason: str | None = None,
    reason_message: str = "",
    effect: Effect | None = None,
    today: dt.date | None = None,
) -> Any:
    """Take ``action`` on a pending request through the machine, with the portal's own refusals: a request
    already decided is ``portal.already_decided`` (409) and a missing reason names what the person is told."""
    data = None if reason is None else {"reason": reason.strip()[:200]}
    try:
        note = (reason or "").strip()
        return workflow.transition(obj, action, actor, note=note, data=data, effect=effect, today=today)
    except Conflict as exc:
        if exc.code != f"{workflow.code}.wrong_state":
            raise
        status = workflow.status_label(exc.details.get("status", ""))
        raise Conflict("portal.already_decided", f"该申请已处理（{status}）。") from None
    except InvalidInput as exc:
        if exc.code != f"{workflow.code}.reason_required" or not reason_message:
            raise
        raise InvalidInput.field("reason", exc.code, reason_message) from None
