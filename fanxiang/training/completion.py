"""Completion of an enrolment (point (八), item 6): ``hours_attended ≥ share × hours_required`` and the
assessment passed → completed, with the reason shown either way in Chinese
("已出勤 62 学时，共 70 学时，需 56 学时").

The share is the programme rule's ``completion_share`` in force on the day the class starts
(:meth:`Programme.rule_on`): trainees finish under the terms they enrolled on. The comparison is exact
(Decimal): at exactly the share the trainee completes, 0.1 hour under does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Conflict, ErrorCollector, InvalidInput, NotFound
from fanxiang.core.scope import CHANGE, can
from fanxiang.training.choices import ClassStatus, EnrolmentStatus
from fanxiang.training.models import Certificate, Enrolment, TrainingClass
from fanxiang.training.teachers import teaches


def hours_text(value: Decimal) -> str:
    """62 / 62.5 / 56 — no trailing zeros, never an exponent."""
    value = Decimal(value).quantize(Decimal("0.01")).normalize()
    return format(value, "f")


@dataclass(frozen=True)
class Completion:
    completed: bool
    hours_attended: Decimal
    hours_required: Decimal
    hours_needed: Decimal
    share: Decimal
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)

    @property
    def attendance_share(self) -> Decimal:
        if not self.hours_required:
            return Decimal("0")
        return (self.hours_attended / self.hours_required).quantize(Decimal("0.0001"))


def completion_of(enrolment: Enrolment) -> Completion:
    """Whether the enrolment meets the completion rule now, and why (never writes)."""
    klass = enrolment.training_class
    programme = klass.programme
    share = Decimal(programme.rule_on(klass.start_date).completion_share)
    required = Decimal(programme.hours_required)
    needed = share * required
    attended = Decimal(enrolment.hours_attended)
    hours_ok = attended >= needed
    reasons = [
        f"已出勤 {hours_text(attended)} 学时，共 {hours_text(required)} 学时，需 {hours_text(needed)} 学时"
    ]
    if not hours_ok:
        reasons.append(f"出勤不足，还差 {hours_text(needed - attended)} 学时")
    if enrolment.assessment_passed is True:
        reasons.append("考核已通过")
    elif enrolment.assessment_passed is False:
        reasons.append("考核未通过")
    else:
        reasons.append("尚未登记考核结果")
    return Completion(
        completed=hours_ok and enrolment.assessment_passed is True,
        hours_attended=attended,
        hours_required=required,
        hours_needed=needed,
        share=share,
        reasons=reasons,
    )


ASSESSMENT_STATES = (ClassStatus.RUNNING, ClassStatus.FINISHED)
EVENT_ASSESSMENT = "assessment_record"  # the typed event of every recorded result
NOT_FOUND = "培训班不存在或无权访问。"


def may_record_assessments(user: Any, training_class: TrainingClass) -> bool:
    """The class's teachers, and whoever may change the class (its county's officer, its training
    institution's staff through the organization grant) — the one scope rule, as for issuing certificates.
    Not ``Enrolment`` CHANGE: the institution holds no such grant (it would let it withdraw trainees)."""
    if not getattr(user, "pk", None):
        return False
    if teaches(user, training_class):
        return True
    return can(
        user,
        TrainingClass,
        CHANGE,
        training_class.region.tree_path,
        organization_id=training_class.provider.organization_id,
    )


def class_for_assessments(user: Any, class_id: int) -> TrainingClass:
    """The class for a user who may record its assessment results, else 404 whether or not it exists."""
    klass = (
        TrainingClass.objects.select_related("region", "provider", "programme").filter(pk=class_id).first()
    )
    if klass is None or not may_record_assessments(user, klass):
        raise NotFound("not_found", NOT_FOUND)
    return klass


@dataclass(frozen=True)
class AssessmentsRecorded:
    recorded: int
    completed: int
    decided: list[tuple[Enrolment, Completion]]


def _parse_results(results: Any) -> list[tuple[int, bool]]:
    """``[{"enrolment": id, "passed": bool}]`` → pairs; every bad row named by its number."""
    if not isinstance(results, (list, tuple)) or not results:
        raise InvalidInput.field("results", "training.results_required", "请至少登记一名学员的考核结果。")
    errors = ErrorCollector()
    pairs: list[tuple[int, bool]] = []
    seen: set[int] = set()
    for i, row in enumerate(results):
        n = i + 1
        enrolment = row.get("enrolment") if isinstance(row, dict) else None
        passed = row.get("passed") if isinstance(row, dict) else None
        if not isinstance(enrolment, int) or isinstance(enrolment, bool):
            errors.add(f"results.{i}.enrolment", "training.enrolment_invalid", f"第{n}行：请指明学员。")
            continue
        if not isinstance(passed, bool):
            errors.add(
                f"results.{i}.passed", "training.assessment_invalid", f"第{n}行：考核结果须为通过或未通过。"
            )
            continue
        if enrolment in seen:
            errors.add(f"results.{i}.enrolment", "training.enrolment_duplicate", f"第{n}行：该学员重复登记。")
            continue
        seen.add(enrolment)
        pairs.append((enrolment, passed))
    errors.raise_if_any()
    return pairs


def assessments_record(
    *,
    actor: Any,
    training_class: TrainingClass,
    results: list[dict],
    today: dt.date | None = None,
    request: Any = None,
    decide: bool = True,
) -> AssessmentsRecorded:
    """Record the assessment results of trainees of a running or finished class, all or nothing, then
    re-decide their completion. Out of the actor's reach: 404; another state: 409 ``training.wrong_state``;
    a row that is not an enrolled trainee of this class: 422 ``training.enrolment_invalid`` naming the row.
    ``decide=False`` records only (completion is then decided when the certificates are issued)."""
    today = today or timezone.localdate()
    if not may_record_assessments(actor, training_class):
        raise NotFound("not_found", NOT_FOUND)
    pairs = _parse_results(results)
    with transaction.atomic(), audit.acting_as(actor):
        klass = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if klass.status not in ASSESSMENT_STATES:
            raise Conflict("training.wrong_state", "只有开班中或已结业的培训班可以登记考核结果。")
        found = {
            e.pk: e
            for e in Enrolment.objects.select_for_update()
            .filter(pk__in=[pk for pk, _ in pairs], training_class=klass, status=EnrolmentStatus.ENROLLED)
            .order_by("id")
        }
        errors = ErrorCollector()
        for i, (pk, _) in enumerate(pairs):
            if pk not in found:
                errors.add(
                    f"results.{i}.enrolment",
                    "training.enrolment_invalid",
                    f"第{i + 1}行：该学员未报名本培训班。",
                )
        errors.raise_if_any()
        # a certificate in force stands for the result it was issued on: revoke it first to change that
        certified = set(
            Certificate.objects.filter(enrolment_id__in=list(found), revoked=False).values_list(
                "enrolment_id", flat=True
            )
        )
        for i, (pk, passed) in enumerate(pairs):
            if pk in certified and found[pk].assessment_passed != passed:
                errors.add(
                    f"results.{i}.passed",
                    "training.certificate_issued",
                    f"第{i + 1}行：该学员已发结业证书，须先撤销证书再更改考核结果。",
                )
        errors.raise_if_any()
        for pk, passed in pairs:
            e = found[pk]
            before = e.assessment_passed
            if before != passed:
                e.assessment_passed = passed
                e.save(update_fields=["assessment_passed", "updated_at"])
            audit.record_event(
                event=EVENT_ASSESSMENT,
                actor=actor,
                obj=e,
                request=request,
                changes={"assessment_passed": [before, passed]} if before != passed else {},
                data={"training_class": klass.pk, "enrolment": e.pk, "passed": passed},
            )
        enrolments = (
            Enrolment.objects.filter(pk__in=list(found))
            .select_related("training_class__programme")
            .prefetch_related("training_class__programme__rules")
            .order_by("id")
        )
        decided = _decide(enrolments, today) if decide else []
    return AssessmentsRecorded(
        recorded=len(pairs), completed=sum(1 for _, r in decided if r.completed), decided=decided
    )


def assessment_record(*, enrolment: Enrolment, passed: bool, actor: Any) -> Enrolment:
    """Record the assessment result of one trainee, with the same scope and state checks as
    :func:`assessments_record`; completion is left to be decided when the certificates are issued (the
    demo year relies on that day as ``completed_on``)."""
    if not isinstance(passed, bool):
        raise InvalidInput.field("passed", "training.assessment_invalid", "考核结果须为通过或未通过。")
    assessments_record(
        actor=actor,
        training_class=enrolment.training_class,
        results=[{"enrolment": enrolment.pk, "passed": passed}],
        decide=False,
    )
    enrolment.refresh_from_db()
    return enrolment


def _decide(enrolments: Any, today: dt.date) -> list[tuple[Enrolment, Completion]]:
    """Store the completion decision and reason of each enrolment (inside the caller's transaction)."""
    decided = []
    for e in enrolments:
        result = completion_of(e)
        changed = e.completed != result.completed or e.completion_reason != result.reason[:300]
        if changed:
            e.completed = result.completed
            e.completion_reason = result.reason[:300]
            e.completed_on = (e.completed_on or today) if result.completed else None
            e.save(update_fields=["completed", "completion_reason", "completed_on", "updated_at"])
        decided.append((e, result))
    return decided


def enrolments_decide(
    *, training_class: TrainingClass, actor: Any, today: dt.date | None = None
) -> list[tuple[Enrolment, Completion]]:
    """Decide completion for every active enrolment of the class and store the result and reason."""
    today = today or timezone.localdate()
    enrolments = (
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
        .select_related("training_class__programme")
        .prefetch_related("training_class__programme__rules")
        .order_by("id")
    )
    with transaction.atomic(), audit.acting_as(actor):
        return _decide(enrolments, today)
