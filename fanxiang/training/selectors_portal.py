"""What the portal's 我的培训 reads: the signed-in person's own records (their enrolments, certificates and
today's attendance marks) and the classes of their county open for enrolment. The portal's scope is the
person, not a region grant, so these read by the person and the county, never by a staff user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fanxiang.training import services
from fanxiang.training.models import Attendance, Certificate, Enrolment, TrainingClass


def open_classes(person: Any, today: dt.date) -> list[TrainingClass]:
    """Classes of the person's county taking enrolments that have not ended."""
    county = person.region.county if person.region_id else None
    if county is None:
        return []
    return list(
        TrainingClass.objects.filter(region=county, status__in=services.ENROLLING, end_date__gte=today)
        .select_related("programme", "provider__organization", "region")
        .prefetch_related("programme__rules")
        .order_by("start_date", "id")[:50]
    )


def own_class(person: Any, pk: int) -> TrainingClass | None:
    """A class the person may see: one of their county's open classes, or one they are enrolled in."""
    klass = (
        TrainingClass.objects.select_related("programme", "provider__organization", "region")
        .prefetch_related("sessions", "programme__rules")
        .filter(pk=pk)
        .first()
    )
    if klass is None:
        return None
    if klass.enrolments.filter(entrepreneur_id=person.pk).exists():
        return klass
    county = person.region.county if person.region_id else None
    if county is not None and klass.region_id == county.pk and klass.status in services.ENROLLING:
        return klass
    return None


def my_training(person_id: int, today: dt.date) -> tuple[list[Enrolment], dict, dict]:
    """The person's enrolments (newest class first), their certificates in force by enrolment, and today's
    marks by (enrolment, session): present or not."""
    enrolments = list(
        Enrolment.objects.filter(entrepreneur_id=person_id)
        .select_related("training_class__programme", "training_class__region")
        .prefetch_related("training_class__sessions", "training_class__programme__rules")
        .order_by("-training_class__start_date", "-id")
    )
    ids = [e.pk for e in enrolments]
    certs = {c.enrolment_id: c for c in Certificate.objects.filter(enrolment__in=ids, revoked=False)}
    marks = {
        (enrolment_id, session_id): hours > 0
        for enrolment_id, session_id, hours in Attendance.objects.filter(
            enrolment__in=ids, session__date=today
        ).values_list("enrolment_id", "session_id", "hours")
    }
    return enrolments, certs, marks
