"""The training section of a person's page (``core.registry.register_person_section``, from
``TrainingConfig``): the person's enrolments the viewer may see (``Enrolment.objects.for_user``: the class's
county or the person's), newest first — programme, class, dates, hours, completed, certificate number."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from fanxiang.core.scope import VIEW, resolve
from fanxiang.training.models import Certificate, Enrolment, TrainingClass

LIMIT = 50


def render(person: Any, user: Any) -> str | None:
    if resolve(user, Enrolment, VIEW).empty:
        return None
    enrolments = list(
        Enrolment.objects.for_user(user, VIEW)
        .filter(entrepreneur=person)
        .select_related("training_class__programme", "training_class__region")
        .order_by("-training_class__start_date", "-id")[:LIMIT]
    )
    certs = {c.enrolment_id: c for c in Certificate.objects.filter(enrolment__in=[e.pk for e in enrolments])}
    visible = set(
        TrainingClass.objects.for_user(user, VIEW)
        .filter(pk__in={e.training_class_id for e in enrolments})
        .values_list("pk", flat=True)
    )
    rows = [
        {"e": e, "certificate": certs.get(e.pk), "may_open": e.training_class_id in visible}
        for e in enrolments
    ]
    return render_to_string("training/_person_section.html", {"rows": rows, "person": person})
