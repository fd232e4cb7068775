"""Test data for subsidy claims: a finished class whose trainees attended, passed and hold certificates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fanxiang.training.certificates import certificates_issue
from fanxiang.training.choices import ClassStatus, ProgrammeKind
from fanxiang.training.models import Enrolment, ProgrammeRule, TrainingClass
from fanxiang.training.tests import factories_attendance as fa

DAY = dt.date(2020, 9, 7)  # Monday: the class runs 7–16 September 2020, ends on ``END``
END = DAY + dt.timedelta(days=9)
PER_TRAINEE = Decimal("1200.00")


def finished_class(
    code: str = "411625",
    *,
    hours: list[str] = ("70", "70", "56"),
    passed: list[bool] | None = None,
    kind: str = ProgrammeKind.SYB,
    per_trainee: Decimal = PER_TRAINEE,
    share_not_started: str = "0.50",
) -> tuple[TrainingClass, list[Enrolment]]:
    """A finished class of a 70-hour programme (subsidy ``per_trainee``, completion 80 %, subsidy 80 %),
    one trainee per entry of ``hours``, each assessed (``passed``), certificates issued to completers."""
    klass = fa.make_class(code, status=ClassStatus.FINISHED, hours="70", kind=kind, day=DAY)
    ProgrammeRule.objects.create(
        programme=klass.programme,
        valid_from=dt.date(2020, 1, 1),
        subsidy_per_trainee=per_trainee,
        share_if_not_started=Decimal(share_not_started),
    )
    passed = passed if passed is not None else [True] * len(hours)
    enrolments = [
        fa.enrol(klass, hours_attended=Decimal(h), assessment_passed=ok)
        for h, ok in zip(hours, passed, strict=True)
    ]
    certificates_issue(training_class=klass, actor=fa.officer(code), today=END)
    for e in enrolments:
        e.refresh_from_db()
    klass.refresh_from_db()
    return klass, enrolments
