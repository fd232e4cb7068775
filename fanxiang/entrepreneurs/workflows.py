"""Registry transfers on the platform's workflow machine.

A county asks to take over a person another county holds (``request``, which creates the
:class:`~fanxiang.entrepreneurs.models.TransferRequest` in ``pending``); the *holding* county — or the city —
approves (the person and their counts move to the asking region) or rejects with a reason.

Who decides is not "a county officer of the transfer's region": the transfer is visible to both counties,
but only the holding side may decide. :class:`TransferWorkflow` therefore works out the caller's roles
from the registry's change right over the region the person is moved *from* (``from_region``), exactly
the check the service made before it ran on the machine. Refusals keep their registry codes:
``transfer.not_pending`` (422) for a decided request, whoever asks; ``transfer.decide_forbidden`` (403)
for anyone but the holding side.
"""

from __future__ import annotations

from typing import Any

from fanxiang.accounts.roles import ROLE_LABELS, SYSTEM, Role, allows
from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, can
from fanxiang.core.workflow import Step, Workflow, step
from fanxiang.entrepreneurs.choices import TransferStatus as S
from fanxiang.entrepreneurs.models import Entrepreneur, TransferEvent, TransferRequest

COUNTY = Role.COUNTY_OFFICER.value
CLERK = Role.SERVICE_CLERK.value
CITY = Role.CITY_ADMIN.value
# the asking side needs the right to register people in the target region (roles that hold it)
REQUESTERS = (COUNTY, CLERK, CITY)
# the holding side: the county the person is registered in, or the city
DECIDERS = (COUNTY, CITY)
DECISIONS = ("approve", "reject")
PERSON = Entrepreneur._meta.label_lower

STEPS: tuple[Step, ...] = (
    # creates the request: recorded with TRANSFERS.record (no state to start from)
    step("request", [], S.PENDING, REQUESTERS, "申请转入"),
    step("approve", [S.PENDING], S.APPROVED, DECIDERS, "同意转移"),
    step("reject", [S.PENDING], S.REJECTED, DECIDERS, "拒绝转移"),
)


def roles_over(actor: Any, tree_path: str, action: str) -> set[str]:
    """The roles through which ``actor`` holds ``action`` on people at ``tree_path`` (the scope rule's
    own answer, :func:`fanxiang.core.scope.can`, decides; this names the roles it came from)."""
    if not tree_path or not can(actor, Entrepreneur, action, tree_path):
        return set()
    assignments = actor.assignments() if hasattr(actor, "assignments") else []
    active = getattr(actor, "active_region_path", None)
    if active:  # the region switcher narrows the assignments, as the scope resolver does
        assignments = [a for a in assignments if a.region.tree_path == active] or assignments
    roles = {
        a.role
        for a in assignments
        if allows(a.role, PERSON, action) and tree_path.startswith(a.region.tree_path)
    }
    return roles or {CITY}  # a superuser holds every region, as the city does


class TransferWorkflow(Workflow):
    """The machine with the registry's authorisation: the deciding roles are those held over the
    holding region, and refusals keep the registry's codes and messages."""

    def actor_roles(self, actor: Any, obj: TransferRequest) -> set[str]:
        if actor is None:
            return {SYSTEM}
        if not getattr(actor, "is_authenticated", False):
            return set()
        return roles_over(actor, obj.from_region.tree_path, CHANGE)

    def authorize(self, obj: TransferRequest, action: str, roles: set[str]) -> Step:
        if action in DECISIONS:
            if obj.status != S.PENDING:
                raise InvalidInput("transfer.not_pending", "该申请已处理。")
            found, _refusal = self.match(obj, action, roles)
            if found is None:
                raise Forbidden("transfer.decide_forbidden", "只有转出地或市级可以审批转移申请。")
            return found
        return super().authorize(obj, action, roles)

    def requester_role(self, actor: Any, transfer: TransferRequest) -> str:
        """The role in which ``actor`` asked for the transfer (for the event row)."""
        owned = sorted(roles_over(actor, transfer.to_region.tree_path, ADD) & set(REQUESTERS))
        return owned[0] if owned else ""


TRANSFERS = TransferWorkflow(
    name="registry_transfer",
    code="transfer",
    model=TransferRequest,
    noun="转移申请",
    steps=STEPS,
    event_model=TransferEvent,
    event_fk="transfer",
    role_labels=ROLE_LABELS,
    status_labels=S,
)
