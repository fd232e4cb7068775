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
from fanxiang.core.errors import InvalidInput
from fanxiang.training.choices import EnrolmentStatus
from fanxiang.training.models import Enrolment, TrainingClass


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


def assessment_record(*, enrolment: Enrolment, passed: bool, actor: Any) -> Enrolment:
    """Record the assessment result of a trainee (the class's county)."""
    if not isinstance(passed, bool):
        raise InvalidInput.field("passed", "training.assessment_invalid", "考核结果须为通过或未通过。")
    with transaction.atomic(), audit.acting_as(actor):
        enrolment.assessment_passed = passed
        enrolment.save(update_fields=["assessment_passed", "updated_at"])
    return enrolment


def enrolments_decide(
    *, training_class: TrainingClass, actor: Any, today: dt.date | None = None
) -> list[tuple[Enrolment, Completion]]:
    """Decide completion for every active enrolment of the class and store the result and reason."""
    today = today or timezone.localdate()
    decided = []
    enrolments = (
        Enrolment.objects.filter(training_class=training_class, status=EnrolmentStatus.ENROLLED)
        .select_related("training_class__programme")
        .prefetch_related("training_class__programme__rules")
        .order_by("id")
    )
    with transaction.atomic(), audit.acting_as(actor):
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
