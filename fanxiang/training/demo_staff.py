"""Demo data of the training institution's accounts (``manage.py load_demo``, after ``training.demo``): the
teacher ``teacher_411625`` on the demo classes in 郸城县 that the teacher's institution runs (the demo app
defines the users ``provider_411625`` and ``teacher_411625`` of that institution). Idempotent."""

from __future__ import annotations

from fanxiang.accounts.models import User
from fanxiang.training.choices import ClassStatus
from fanxiang.training.models import TrainingClass

COUNTY = "411625"
TEACHER = f"teacher_{COUNTY}"


def load() -> list[str]:
    teacher = User.objects.filter(username=TEACHER, organization__isnull=False).first()
    if teacher is None:
        return []
    classes = TrainingClass.objects.filter(
        region__code=COUNTY, provider__organization_id=teacher.organization_id
    ).exclude(status=ClassStatus.CANCELLED)
    linked = 0
    for klass in classes:
        if not klass.teachers.filter(pk=teacher.pk).exists():
            klass.teachers.add(teacher)
            linked += 1
    return [f"training.staff: {TEACHER} on {linked} classes"] if linked else []
