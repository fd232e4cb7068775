"""The enrolment import's cost per row: the class, its rule and seats are read once per file and the people
and their enrolments once per chunk, so an extra row of registry people costs its savepoint, its insert and
its audit rows — not the dozen lookups of a single enrolment. The rules still apply row by row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fanxiang.training import services
from fanxiang.training.models import Enrolment
from fanxiang.training.tests.factories import MONDAY, class_in, officer, person
from fanxiang.training.tests.test_imports import _plain_id, run

pytestmark = pytest.mark.django_db
PER_ROW_BUDGET = 5  # savepoint and release, insert, audit rows: measured 3.9


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: MONDAY)


def _queries(rows: list[list]) -> tuple[int, object]:
    klass = class_in("approved")
    with CaptureQueriesContext(connection) as ctx:
        report = run(klass, rows, "partial")
    return len(ctx.captured_queries), report


def test_an_extra_row_of_registry_people_costs_a_few_queries():
    people = [person() for _ in range(16)]
    rows = [[p.name, _plain_id(p), "", "", ""] for p in people]
    small, small_report = _queries(rows[:4])
    large, large_report = _queries(rows[4:])
    assert (small_report.created, large_report.created) == (4, 12)
    per_row = (large - small) / 8
    assert per_row <= PER_ROW_BUDGET, (small, large, per_row)


def test_prefetched_rules_refuse_as_the_single_enrolment_does():
    klass = class_in("approved")
    other = class_in("approved")  # same dates: overlapping
    enrolled, overlapping, completed, fine = person(), person(), person(), person()
    services.enrolment_create(actor=officer(), training_class=klass, data={"entrepreneur": enrolled.pk})
    for who in (overlapping, completed):
        services.enrolment_create(actor=officer(), training_class=other, data={"entrepreneur": who.pk})
    Enrolment.objects.filter(entrepreneur=completed).update(completed=True)  # same programme kind
    rows = [[p.name, _plain_id(p), "", "", ""] for p in (enrolled, overlapping, completed, fine)]
    report = run(klass, rows, "partial")
    assert [(e["row"], e["code"]) for e in report.errors] == [
        (2, "training.already_enrolled"),
        (3, "training.overlapping_class"),
        (4, "training.already_completed"),
    ]
    assert report.created == 1
