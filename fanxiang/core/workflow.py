"""The one workflow machine: states and steps as data, one :meth:`Workflow.transition` that moves an object.

An app declares its workflow once, at module level::

    BATCHES = Workflow(
        name="subsidy_batch", code="subsidy", model=SubsidyBatch, noun="批次",
        steps=(
            step("submit", [DRAFT], SUBMITTED, [COUNTY], "提交"),
            step("return", [SUBMITTED], RETURNED, [CITY], "退回", requires=("note",), pause=True),
            ...
        ),
        waiting={SUBMITTED: Waiting([CITY], days=5)},
        event_model=SubsidyBatchEvent, event_fk="batch",
        role_labels=ROLE_LABELS, status_labels=BatchStatus,
    )

and every status change goes through ``BATCHES.transition(obj, "submit", actor, note=…, effect=…)``, which in
one transaction

1. locks the row (``select_for_update``) and refuses a caller who may not see it (404 ``not_found``),
2. works out the roles the caller holds *for this object* — a role assignment whose region covers the
   object's region and, for roles bound to an organisation (``model.scope_organization``: banks,
   guarantee institutions), whose organisation the object is routed to — plus the applicant (the portal
   user linked to the object's person) and ``system`` for ``actor=None``,
3. picks the step (``<code>.unknown_action`` 404, ``<code>.wrong_role`` 403, ``<code>.wrong_state`` 409),
4. checks the step's required fields (``<code>.reason_required`` 422 on the field),
5. runs the effect the service supplies (it sees a :class:`Context` and may add to ``ctx.data``),
6. sets the new state, the step's clock and deadline (working days on :mod:`fanxiang.core.calendar`,
   paused and resumed where the step says so), saves,
7. writes the typed event row (subclass of :class:`fanxiang.core.models.WorkflowEvent`) and the audit
   record, re-checks the caller's scope on the changed object, and
8. schedules the subscribers (notifications) with ``transaction.on_commit``: a failing notice never undoes
   a step.

:meth:`Workflow.allowed_actions` / :meth:`Workflow.allowed_steps` serve pages and the API alike.
Role codes and labels come from :mod:`fanxiang.accounts.roles` (passed in as ``role_labels`` by the app:
core knows no roles).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from fanxiang.core import audit, calendar
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.core.scope import CHANGE, VIEW, ensure_in_scope, org_id_of, region_paths_of, resolve

ANY = "any"
MERGED = "merged"  # the parallel-review mode (flags instead of a sequence)
SYSTEM = "system"
APPLICANT = "entrepreneur"
STAY = "=stay"  # the state does not change (an action recorded on the timeline)
NOT_FOUND_MESSAGE = "记录不存在或无权访问。"


@dataclass(frozen=True)
class Step:
    """One action: the states it starts from, the state it leads to, the roles that own it.

    ``mode``: the step applies only when :attr:`Workflow.mode_of` gives that mode (e.g. merged review).
    ``flag``: a boolean field the step sets (parallel approvals); taking it twice is refused.
    ``requires``: data keys that must be non-empty (``"note"`` = the reason).
    ``pause`` / ``resume``: entering the target pauses the clock (waiting for the applicant) / resumes it.
    """

    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]
    label: str
    mode: str = ANY
    flag: str | None = None
    requires: tuple[str, ...] = ()
    pause: bool = False
    resume: bool = False


def step(action, sources, target, roles, label, mode=ANY, flag=None, **options) -> Step:
    return Step(action, frozenset(sources), target, frozenset(roles), label, mode, flag, **options)


@dataclass(frozen=True)
class Waiting:
    """Who an object waits for in a state and how many working days they have.

    ``days``: a number, or a callable ``(obj, day) -> int | None`` (policy data read on the day the state
    is entered). ``keep`` carries the previous state's deadline over. ``merged_*`` apply in the ``merged``
    mode (parallel review)."""

    roles: frozenset[str]
    days: int | Callable[[Any, dt.date], int | None] | None = None
    keep: bool = False
    merged_roles: frozenset[str] | None = None
    merged_days: int | Callable[[Any, dt.date], int | None] | None = None

    def roles_for(self, mode: str) -> frozenset[str]:
        return self.merged_roles if mode == MERGED and self.merged_roles is not None else self.roles

    def days_for(self, mode: str):
        return self.merged_days if mode == MERGED and self.merged_days is not None else self.days


def waiting(roles: Iterable[str], days=None, **options) -> Waiting:
    merged = options.pop("merged_roles", None)
    return Waiting(frozenset(roles), days, merged_roles=frozenset(merged) if merged else None, **options)


@dataclass
class Context:
    """What an effect sees: the locked object, the step being taken and who takes it."""

    obj: Any
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

    @property
    def application(self) -> Any:  # the loan services' name for the object
        return self.obj


Effect = Callable[[Context], None]


def jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def actor_name(actor: Any) -> str:
    if actor is None:
        return "系统"
    return (getattr(actor, "real_name", "") or getattr(actor, "username", ""))[:64]


class Workflow:
    """A declared workflow over one model. See the module docstring."""

    def __init__(
        self,
        *,
        name: str,
        model: type[models.Model],
        steps: Iterable[Step],
        code: str | None = None,
        noun: str = "记录",
        status_field: str = "status",
        waiting: Mapping[str, Waiting] | None = None,
        event_model: type[models.Model] | None = None,
        event_fk: str | None = None,
        role_labels: Mapping[str, str] | None = None,
        status_labels: Any = None,
        mode_of: Callable[[Any], str] | None = None,
        applicant_of: Callable[[Any], Any] | None = None,
        due_field: str | None = None,
        clock: bool = False,
        resolve_target: Callable[[Any, Step, str], str] | None = None,
        before_save: Callable[[Context], None] | None = None,
        note_max: int = 2000,
        lock_related: tuple[str, ...] = (),
    ) -> None:
        self.name = name
        self.code = code or name
        self.model = model
        self.noun = noun
        self.status_field = status_field
        self.steps: tuple[Step, ...] = tuple(steps)
        self.waiting: dict[str, Waiting] = dict(waiting or {})
        self.event_model = event_model
        self.event_fk = event_fk
        self.role_labels = dict(role_labels or {})
        self._status_labels = status_labels
        self._mode_of = mode_of
        self._applicant_of = applicant_of
        self.due_field = due_field
        self.clock = clock
        self._resolve_target = resolve_target
        self._before_save = before_save
        self.note_max = note_max
        # foreign keys every step reads (the record's name in the audit log): read with the locked row
        self.lock_related = tuple(lock_related)
        self._subscribers: list[Callable[[int], None]] = []
        self.actions: tuple[str, ...] = tuple(dict.fromkeys(s.action for s in self.steps))
        self.action_labels: dict[str, str] = {s.action: s.label for s in self.steps}
        self.steps_by_action = {a: tuple(s for s in self.steps if s.action == a) for a in self.actions}
        self.roles_by_action = {
            a: frozenset().union(*(s.roles for s in found)) for a, found in self.steps_by_action.items()
        }
        REGISTRY[name] = self

    # ------------------------------------------------------------------ labels and modes

    def status_of(self, obj: Any) -> str:
        return getattr(obj, self.status_field)

    def status_label(self, status: str) -> str:
        labels = self._status_labels
        if labels is None:
            return status
        if isinstance(labels, Mapping):
            return str(labels.get(status, status))
        return str(labels(status).label) if status in labels.values else status

    def role_label(self, role: str) -> str:
        return str(self.role_labels.get(role, role))

    def roles_label(self, roles: Iterable[str]) -> str:
        return "、".join(self.role_label(r) for r in sorted(roles))

    def mode_of(self, obj: Any) -> str:
        return self._mode_of(obj) if self._mode_of else ANY

    def steps_for(self, action: str) -> list[Step]:
        return list(self.steps_by_action.get(action, ()))

    def subscribe(self, callback: Callable[[int], None]) -> None:
        """``callback(event_pk)`` runs after every committed step (apps above register in ``ready()``)."""
        if callback not in self._subscribers:
            self._subscribers.append(callback)

    # ------------------------------------------------------------------ who is acting

    def is_applicant(self, actor: Any, obj: Any) -> bool:
        if self._applicant_of is None:
            return False
        person = getattr(actor, "entrepreneur_id", None)
        return person is not None and person == self._applicant_of(obj)

    def actor_roles(self, actor: Any, obj: Any) -> set[str]:
        """The roles ``actor`` holds *for this object*: an assignment whose region covers the object's
        region and, for organisation-bound roles, whose organisation the object is routed to."""
        if actor is None:
            return {SYSTEM}
        roles: set[str] = set()
        if self.is_applicant(actor, obj):
            roles.add(APPLICANT)
        if not getattr(actor, "is_authenticated", False) or not hasattr(actor, "assignments"):
            return roles
        paths = [p for p in obj.scope_tree_paths() if p]
        assignments = actor.assignments()
        active = getattr(actor, "active_region_path", None)
        if active:  # the region switcher narrows what the user works on, as it does for reads
            assignments = [a for a in assignments if a.region.tree_path == active] or assignments
        org_fields = getattr(type(obj), "scope_organization", None) or {}
        for a in assignments:
            if not any(p.startswith(a.region.tree_path) for p in paths):
                continue
            org_field = org_fields.get(a.role)
            if org_field is not None:
                org_id = getattr(actor, "organization_id", None)
                if org_id is None or org_id_of(obj, org_field) != org_id:
                    continue
            roles.add(a.role)
        return roles

    # ------------------------------------------------------------------ which step

    def match(self, obj: Any, action: str, roles: set[str]) -> tuple[Step | None, str]:
        """The step ``action`` takes for a caller holding ``roles``, or why not: ``unknown_action``,
        ``wrong_state``, ``wrong_role``, ``already_done``. Never raises (used to list allowed actions)."""
        candidates = self.steps_by_action.get(action)
        if not candidates:
            return None, "unknown_action"
        mode, status = self.mode_of(obj), self.status_of(obj)
        here = [s for s in candidates if s.mode in (ANY, mode) and status in s.sources]
        if not here:
            return None, "wrong_state" if roles & self.roles_by_action[action] else "wrong_role"
        mine = [s for s in here if s.roles & roles]
        if not mine:
            return None, "wrong_role"
        found = mine[0]
        if found.flag and getattr(obj, found.flag):
            return None, "already_done"
        return found, ""

    def authorize(self, obj: Any, action: str, roles: set[str]) -> Step:
        """The step, or the refusal: unknown action (404), wrong role (403), wrong state (409)."""
        found, refusal = self.match(obj, action, roles)
        if found is not None:
            return found
        if refusal == "unknown_action":
            raise NotFound(f"{self.code}.unknown_action", f"未知的操作：{action}。")
        label, status = self.action_labels[action], self.status_of(obj)
        details = {"status": status, "action": action}
        if refusal == "already_done":
            raise Conflict(f"{self.code}.wrong_state", f"“{label}”已办理，不能重复办理。", details=details)
        if refusal == "wrong_state":
            raise Conflict(
                f"{self.code}.wrong_state",
                f"{self.noun}当前状态为“{self.status_label(status)}”，不能{label}。",
                details=details,
            )
        mode = self.mode_of(obj)
        here = [s for s in self.steps_by_action[action] if s.mode in (ANY, mode) and status in s.sources]
        owners = set().union(*(s.roles for s in here)) if here else set(self.roles_by_action[action])
        where = "当前环节的" if here else ""
        raise Forbidden(
            f"{self.code}.wrong_role",
            f"{where}“{label}”由{self.roles_label(owners)}办理。",
            details={"action": action, "roles": sorted(owners)},
        )

    def allowed_steps(self, obj: Any, actor: Any) -> list[Step]:
        """The steps ``actor`` may take on ``obj`` now (one per action)."""
        roles = self.actor_roles(actor, obj)
        if not roles:
            return []
        found = (self.match(obj, a, roles)[0] for a in self.actions)
        return [s for s in found if s is not None]

    def allowed_actions(self, obj: Any, actor: Any) -> list[str]:
        return [s.action for s in self.allowed_steps(obj, actor)]

    def waiting_roles(self, obj: Any) -> list[str]:
        """The roles the object waits for now (parallel review: those whose flag is still unset)."""
        w = self.waiting.get(self.status_of(obj))
        if w is None:
            return []
        roles = w.roles_for(self.mode_of(obj))
        flags = {
            r: s.flag for s in self.steps if s.flag and self.status_of(obj) in s.sources for r in s.roles
        }
        if self.mode_of(obj) == MERGED and flags:
            roles = frozenset(r for r in roles if not (flags.get(r) and getattr(obj, flags[r])))
        return sorted(roles)

    # ------------------------------------------------------------------ deadlines

    def limit_days(self, obj: Any, status: str, day: dt.date) -> int | None:
        w = self.waiting.get(status)
        if w is None or w.keep:
            return None
        days = w.days_for(self.mode_of(obj))
        return days(obj, day) if callable(days) else days

    def due_date(self, obj: Any, status: str, day: dt.date) -> dt.date | None:
        """The deadline of the step the object waits for on entering ``status`` on ``day``."""
        w = self.waiting.get(status)
        if w is None:
            return None
        if w.keep:
            return getattr(obj, self.due_field) if self.due_field else None
        days = self.limit_days(obj, status, day)
        return calendar.add_workdays(day, days) if days is not None else None

    def clock_of(self, obj: Any):
        from django.contrib.contenttypes.models import ContentType

        from fanxiang.core.models import WorkflowClock

        ct = ContentType.objects.get_for_model(type(obj))
        return WorkflowClock.objects.filter(content_type=ct, object_id=obj.pk).first()

    def working_days_left(self, obj: Any, today: dt.date | None = None) -> int | None:
        due = getattr(obj, self.due_field) if self.due_field else None
        if due is None and self.clock:
            clock = self.clock_of(obj)
            due = clock.due_date if clock else None
        return calendar.working_days_left(due, today or timezone.localdate())

    def _run_clock(self, obj: Any, found: Step, from_status: str, to_status: str, today: dt.date) -> None:
        """Start, pause or resume the object's clock and put the due date on the object."""
        from django.contrib.contenttypes.models import ContentType

        from fanxiang.core.models import WorkflowClock, WorkflowPause

        ct = ContentType.objects.get_for_model(type(obj))
        clock = WorkflowClock.objects.select_for_update().filter(content_type=ct, object_id=obj.pk).first()
        if found.pause and clock is not None:
            if clock.paused_since is None:
                WorkflowPause.objects.create(clock=clock, paused_on=today, reason=found.label[:200])
                clock.paused_since = today
            clock.state = to_status
            clock.save(update_fields=["paused_since", "state"])
            return
        if found.resume and clock is not None and clock.paused_since is not None:
            clock.pauses.filter(resumed_on__isnull=True).update(resumed_on=today)
            pauses = list(clock.pauses.values_list("paused_on", "resumed_on"))
            clock.paused_since = None
            clock.state = to_status
            if clock.limit_days is not None:
                clock.due_date = calendar.due_with_pauses(clock.started_on, clock.limit_days, pauses, today)
            clock.save(update_fields=["paused_since", "state", "due_date"])
            if self.due_field:
                setattr(obj, self.due_field, clock.due_date)
            return
        if to_status == from_status:
            return
        w = self.waiting.get(to_status)
        if w is not None and w.keep and clock is not None:
            clock.state = to_status
            clock.save(update_fields=["state"])
            return
        limit = self.limit_days(obj, to_status, today)
        due = calendar.add_workdays(today, limit) if limit is not None else None
        if clock is None:
            clock = WorkflowClock(content_type=ct, object_id=obj.pk, workflow=self.name)
        else:
            clock.pauses.all().delete()
        clock.state, clock.started_on, clock.limit_days, clock.due_date = to_status, today, limit, due
        clock.paused_since = None
        clock.save()
        if self.due_field:
            setattr(obj, self.due_field, due)

    # ------------------------------------------------------------------ the one transition

    def lock(self, obj: Any) -> Any:
        """The object's row, locked, read with the rows on its paths to its regions (the scope checks of
        the step read them: one query instead of one per hop) and ``lock_related``. Only the object's own
        row is locked."""
        pk = obj if isinstance(obj, int) else obj.pk
        query = self.model.objects.filter(pk=pk)
        related = (*_scope_relations(self.model), *self.lock_related)
        if related:
            query = query.select_related(*related).select_for_update(of=("self",))
        else:
            query = query.select_for_update()
        found = query.first()
        if found is None:
            raise NotFound("not_found", NOT_FOUND_MESSAGE)
        return found

    def ensure_visible(self, actor: Any, obj: Any) -> None:
        """404 for a caller who may not see the object (another county, another bank …)."""
        if actor is None or self.is_applicant(actor, obj):
            return
        if not resolve(actor, type(obj), VIEW).covers(obj):
            raise NotFound("not_found", NOT_FOUND_MESSAGE)

    def record(
        self,
        *,
        obj: Any,
        action: str,
        from_status: str,
        to_status: str,
        actor: Any,
        role: str,
        note: str = "",
        data: dict | None = None,
        request: Any = None,
    ) -> Any:
        """The typed event and the audit record of one step, in the caller's transaction."""
        user = actor if getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) else None
        event = None
        if self.event_model is not None:
            event = self.event_model.objects.create(
                **{self.event_fk: obj},
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor=user,
                actor_name=actor_name(actor),
                actor_role=role,
                note=note,
                data=data or {},
            )
        audit.record_transition(
            obj=obj,
            actor=user,
            transition=action,
            from_state=from_status,
            to_state=to_status,
            request=request,
            data={"role": role, "note": note[:500], **jsonable(data or {})},
        )
        if event is not None:
            for callback in self._subscribers:
                transaction.on_commit(lambda pk=event.pk, cb=callback: cb(pk))
        return event

    def transition(
        self,
        obj: Any,
        action: str,
        actor: Any,
        *,
        note: str = "",
        today: dt.date | None = None,
        effect: Effect | None = None,
        request: Any = None,
        data: dict | None = None,
    ) -> Any:
        """Take ``action`` on ``obj`` for ``actor`` (None: the system). See the module docstring."""
        note = (note or "").strip()
        if len(note) > self.note_max:
            raise InvalidInput.field(
                "note", f"{self.code}.note_too_long", f"意见/说明不能超过{self.note_max}字。"
            )
        today = today or timezone.localdate()
        with transaction.atomic(), audit.acting_as(actor):
            locked = self.lock(obj)
            self.ensure_visible(actor, locked)
            roles = self.actor_roles(actor, locked)
            found = self.authorize(locked, action, roles)
            given = {"note": note, **(data or {})}
            for key in found.requires:
                if not str(given.get(key) or "").strip():
                    raise InvalidInput.field(
                        key, f"{self.code}.reason_required", f"请填写{found.label}的原因。"
                    )
            from_status = self.status_of(locked)
            ctx = Context(locked, found, actor, roles, today, note, dict(data or {}))
            if effect is not None:
                effect(ctx)
            if found.flag:
                setattr(locked, found.flag, True)
            if found.target == STAY:
                to_status = from_status
            elif self._resolve_target is not None and found.target.startswith("="):
                to_status = self._resolve_target(locked, found, from_status)
            else:
                to_status = found.target
            if self.clock:
                self._run_clock(locked, found, from_status, to_status, today)
            elif to_status != from_status and self.due_field:
                setattr(locked, self.due_field, self.due_date(locked, to_status, today))
            setattr(locked, self.status_field, to_status)
            if self._before_save is not None:
                self._before_save(ctx)
            locked.save()
            self.record(
                obj=locked,
                action=action,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                role=ctx.acting_role,
                note=note,
                data=ctx.data,
                request=request,
            )
            if (
                actor is not None
                and not self.is_applicant(actor, locked)
                and hasattr(locked, "scope_tree_paths")
            ):
                ensure_in_scope(actor, locked, CHANGE)
            return locked


@cache
def _scope_relations(model: type[models.Model]) -> tuple[str, ...]:
    """The model's paths to its regions (``scope_region``) that ``select_related`` can follow: chains of
    forward foreign keys (``centre__region``)."""
    out = []
    for path in region_paths_of(model) if getattr(model, "scope_region", None) else ():
        current, ok = model, bool(path)
        for part in path.split("__") if path else ():
            try:
                f = current._meta.get_field(part)
            except FieldDoesNotExist:
                ok = False
                break
            if not (f.is_relation and (f.many_to_one or f.one_to_one) and f.concrete):
                ok = False
                break
            current = f.related_model
        if ok:
            out.append(path)
    return tuple(out)


REGISTRY: dict[str, Workflow] = {}


def workflows() -> list[Workflow]:
    """Every declared workflow (for the to-do inbox, dashboards and the checks that no app hand-rolls one)."""
    return list(REGISTRY.values())
