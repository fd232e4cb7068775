"""点对点对接服务: each returnee entrepreneur gets a staff member (``Entrepreneur.contact``) who follows them up.

- :func:`contact_candidates` (read): the staff a user may pick as a contact — active staff holding a role
  that reads the registry, assigned inside the region subtrees where the user may change people.
- :func:`contact_assign` (write): one contact for a selection of people, all or nothing in one transaction.
  The actor must be allowed to change each person (the edit rule: ``for_user(actor, CHANGE)``, active
  records only); a selection with an id outside that scope is refused whole (``batch.selection_invalid``,
  without saying which). The contact must be one the picker offers the actor (:func:`contact_candidates`)
  and see every one of the people (:func:`contact_sees`), else ``entrepreneurs.contact_invalid`` on
  ``contact`` — one code and one message for any id (unknown, inactive, not on offer, not seeing everyone),
  naming no county and no person, so the refusal reveals nothing about the id. ``contact=None`` clears.
- :func:`contact_drop_if_unseen`: a person who moves (an approved transfer, a region edit) loses a contact
  who no longer sees them (the same :func:`contact_sees`), in the save that moves them.
- The new contact gets one inbox notice per batch (event :data:`CONTACT_EVENT`, registered in
  ``EntrepreneursConfig.ready``). This app sits below notifications and never imports it: the notice goes
  through the hook point ``"notifications.notify"`` (:func:`fanxiang.core.registry.hooks`), which the
  notifications app answers with its ``notify()``; it runs in this transaction, so a refused batch leaves
  no notice either.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from fanxiang.accounts.models import RoleAssignment
from fanxiang.accounts.roles import Role, allows
from fanxiang.accounts.selectors import staff_users
from fanxiang.core import audit
from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.core.registry import NotificationEvent, hooks
from fanxiang.core.scope import CHANGE, VIEW, resolve, scope_q
from fanxiang.core.views import checked_ids, is_record_id, selected_in_scope
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.models import Entrepreneur

CONTACT_INVALID = "entrepreneurs.contact_invalid"
CONTACT_INVALID_MESSAGE = (
    "所选对接服务人员不能指派：须为在岗的工作人员，且其负责范围覆盖所选的全部人员。请从下拉列表中重新选择。"
)
NOTIFY_HOOK = "notifications.notify"
CONTACT_EVENT = "contact_assigned"
CONTACT_EVENTS = (
    NotificationEvent(
        CONTACT_EVENT,
        "指派对接服务人员",
        ("count", "actor"),
        "您被指派为{count}名返乡创业人员的对接服务人员",
        "{actor}指派您为{count}名返乡创业人员的对接服务人员（点对点对接服务），"
        "请在“返乡创业人员”列表中按对接人“我对接的”查看，并及时联系跟进。",
        sample=(("count", "12"), ("actor", "郑郸城（县区人社经办人员）")),
    ),
)
_MODEL_LABEL = "entrepreneurs.entrepreneur"


def contact_candidates(user: Any) -> QuerySet:
    """Staff ``user`` may pick as a contact: active staff accounts holding a role that reads the registry,
    assigned to a region inside the subtrees where ``user`` may change people; by name."""
    scope = resolve(user, Entrepreneur, CHANGE)
    users = staff_users().filter(is_active=True)
    if scope.empty:
        return users.none()
    roles = [role for role in Role.values if allows(role, _MODEL_LABEL, VIEW)]
    assignments = RoleAssignment.objects.filter(role__in=roles)
    if not scope.all:
        assignments = assignments.filter(scope_q(RoleAssignment, scope))
    return users.filter(pk__in=assignments.values("user_id")).order_by("real_name", "username")


def contact_label(user: Any) -> str:
    """How a contact reads on pages and in the API: the name (the login when there is none)."""
    return user.display_name if user is not None else ""


def _as_ids(entrepreneurs: Iterable[Any]) -> list[int]:
    return checked_ids(
        list(dict.fromkeys(getattr(e, "pk", e) for e in entrepreneurs)), "请先勾选要指派对接人的人员。"
    )


def contact_sees(contact: Any, people: Iterable[Entrepreneur]) -> bool:
    """Whether ``contact`` sees every one of ``people`` under the one scope rule (what
    ``Entrepreneur.objects.for_user(contact)`` returns), judged on the records as they stand in memory, so a
    move not saved yet counts. ``contact`` should come fresh from the database (no request's narrowed
    working region); an inactive account sees no one."""
    scope = resolve(contact, Entrepreneur, VIEW)
    return all(scope.covers(person) for person in people)


def contact_drop_if_unseen(person: Entrepreneur) -> bool:
    """After ``person`` moved (region set, not saved yet): clear the contact and its time when the contact
    no longer sees them (:func:`contact_sees`). The caller's save writes it, in the same change-log row as
    the move. Whether it cleared."""
    if person.contact_id is None or contact_sees(person.contact, [person]):
        return False
    person.contact = None
    person.contact_assigned_at = None
    return True


def _valid_contact(actor: Any, contact: Any, people: list[Entrepreneur]) -> Any:
    """The contact as a fresh staff user, if the picker offers it to ``actor`` and it sees all ``people``;
    any other id (unknown, inactive, not on offer, not seeing everyone) the same ``contact_invalid``."""
    pk = getattr(contact, "pk", contact)
    if not isinstance(pk, int) or not is_record_id(pk):
        pk = None
    user = contact_candidates(actor).filter(pk=pk).first() if pk is not None else None
    if user is None or not contact_sees(user, people):
        raise InvalidInput.field("contact", CONTACT_INVALID, CONTACT_INVALID_MESSAGE)
    return user


@audit.audited
@transaction.atomic
def contact_assign(*, actor: Any, entrepreneurs: Iterable[Any], contact: Any) -> int:
    """Make ``contact`` (a staff user or its id; ``None`` clears) the 对接服务人员 of every one of
    ``entrepreneurs`` (records or ids). All or nothing; returns how many people the batch covers."""
    if resolve(actor, Entrepreneur, CHANGE).empty:
        raise Forbidden("scope.region_forbidden", "您的角色无权指派对接服务人员。")
    ids = _as_ids(entrepreneurs)
    selected_in_scope(Entrepreneur.objects.for_user(actor, CHANGE), ids)  # refused whole, no hint which
    people = list(
        Entrepreneur.objects.select_for_update(of=("self",))
        .select_related("region")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    closed = [p.name for p in people if p.status != RecordStatus.ACTIVE]
    if closed:
        raise InvalidInput(
            "entrepreneur.closed",
            f"所选人员中有{len(closed)}人的记录已注销（{'、'.join(closed[:10])}），不能指派对接人，未执行任何操作。",
        )
    user = None if contact is None else _valid_contact(actor, contact, people)
    now = timezone.now()
    changed = 0
    for person in people:
        if person.contact_id == (user.pk if user else None):
            continue
        person.contact = user
        person.contact_assigned_at = now if user else None
        person.save(update_fields=["contact", "contact_assigned_at", "updated_at"])
        changed += 1
    if user is not None and changed and user.pk != getattr(actor, "pk", None):
        _notify(actor, user, changed)
    return len(people)


def _notify(actor: Any, contact: Any, count: int) -> None:
    """One inbox notice to the new contact for the batch (nothing when notifications are not installed)."""
    from fanxiang.core.history import actor_label

    link = f"{reverse('entrepreneurs:list')}?contact=me"
    for send in hooks(NOTIFY_HOOK):
        send(
            event=CONTACT_EVENT,
            recipient_user=contact,
            context={"count": count, "actor": actor_label(actor) if getattr(actor, "pk", None) else "系统"},
            link=link,
            sms=False,
        )


def contact_filter_q(value: str, user: Any) -> Q | None:
    """The 对接人 filter (pages and API): ``me`` (the user's own people), ``none`` (not assigned) or a user
    id; ``None`` for no filter."""
    value = (value or "").strip()
    if not value:
        return None
    if value == "me":
        return Q(contact_id=getattr(user, "pk", None) or 0)
    if value == "none":
        return Q(contact__isnull=True)
    return Q(contact_id=int(value))
