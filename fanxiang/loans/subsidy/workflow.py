"""The quarterly subsidy claim batch, declared on the platform's workflow machine.

The handling bank submits its claim (draft → submitted); the finance bureau — its unit liaisons, bound to
the batch's ``finance_org`` by ``SubsidyBatch.scope_organization`` — or a city admin approves it or returns
it with a reason (a returned batch frees its periods for a new claim). A draft may also be discarded by
whoever may submit it: that deletes the batch, so it is not a step. Batches carry no deadline: no state
waits on a clock.

:data:`BATCHES` is the only place a batch's status changes (:func:`fanxiang.loans.subsidy.services.batch_transition`
supplies the effects). Refusals keep the batch's own codes, checked by :func:`refuse` on the machine's
verdict (:meth:`~fanxiang.core.workflow.Workflow.match`) before the step is taken:
``subsidy.action_invalid`` (422), ``subsidy.action_forbidden`` (403), ``subsidy.invalid_state`` (409) and
``subsidy.return_reason_required`` (422, on ``reason``).

Roles are those of ``accounts.roles``; a system administrator acts as the city admin (the programme's
office) on every batch.
"""

from __future__ import annotations

from typing import Any

from fanxiang.accounts.roles import ROLE_LABELS, Role
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.core.workflow import Workflow, step
from fanxiang.loans.choices import BatchStatus as B
from fanxiang.loans.models import SubsidyBatch, SubsidyBatchEvent

BANK = Role.BANK_OFFICER.value
LIAISON = Role.UNIT_LIAISON.value
CITY = Role.CITY_ADMIN.value
FINANCE_SIDE = "财政部门（市财政局联络员）或市级管理员"


class BatchWorkflow(Workflow):
    def actor_roles(self, actor: Any, obj: Any) -> set[str]:
        roles = super().actor_roles(actor, obj)
        if getattr(actor, "is_superuser", False):
            roles.add(CITY)
        return roles


BATCHES = BatchWorkflow(
    name="subsidy_batch",
    code="subsidy",
    model=SubsidyBatch,
    noun="批次",
    steps=(
        step("submit", [B.DRAFT], B.SUBMITTED, [BANK, CITY], "提交财政审核"),
        step("approve", [B.SUBMITTED], B.APPROVED, [LIAISON, CITY], "审核通过"),
        step("return", [B.SUBMITTED], B.RETURNED, [LIAISON, CITY], "退回", requires=("note",)),
    ),
    event_model=SubsidyBatchEvent,
    event_fk="batch",
    role_labels=ROLE_LABELS,
    status_labels=B,
)
# discarding a draft (the batch and its lines are deleted): the roles that submit it
DELETE_ROLES = BATCHES.roles_by_action["submit"]
WHO = {"submit": "经办银行", "approve": FINANCE_SIDE, "return": FINANCE_SIDE}


def refuse(batch: SubsidyBatch, action: str, actor: Any, reason: str = "") -> None:
    """Refuse, in the batch's codes, a step the machine would not take: unknown action, a caller without
    the owning role for this batch (its bank, its finance bureau, in its region), the wrong state, a return
    without a reason. Called on the locked row, in the order the service always checked."""
    if action not in BATCHES.actions:
        raise InvalidInput(
            "subsidy.action_invalid", f"不支持的操作“{action}”：应为 submit、approve 或 return。"
        )
    found, why = BATCHES.match(batch, action, BATCHES.actor_roles(actor, batch))
    if why == "wrong_role":
        raise Forbidden("subsidy.action_forbidden", f"该操作只能由{WHO[action]}办理。")
    if found is None:
        raise Conflict(
            "subsidy.invalid_state",
            f"批次当前状态为“{batch.get_status_display()}”，不能执行该操作。",
            details={"status": batch.status},
        )
    if "note" in found.requires and not (reason or "").strip():
        raise InvalidInput.field(
            "reason", "subsidy.return_reason_required", "退回时请写明原因，便于银行修改后重报。"
        )


def may_delete(batch: SubsidyBatch, actor: Any) -> bool:
    return bool(DELETE_ROLES & BATCHES.actor_roles(actor, batch))


def allowed_actions(batch: SubsidyBatch, actor: Any) -> list[str]:
    """The actions ``actor`` may take on the batch now (the machine's steps, then ``delete`` on a draft)."""
    if not getattr(actor, "is_authenticated", False):
        return []
    actions = BATCHES.allowed_actions(batch, actor)
    if batch.status == B.DRAFT and may_delete(batch, actor):
        actions.append("delete")
    return actions


def acting_role(batch: SubsidyBatch, actor: Any, roles: frozenset[str] = DELETE_ROLES) -> str:
    owned = sorted(roles & BATCHES.actor_roles(actor, batch))
    return owned[0] if owned else ""
