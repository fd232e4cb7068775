"""The training demo year (``make run``): classes of the past twelve months with real attendance rows,
completion and certificates, a claim through the 公示 to payment and the follow-up's top-ups as policy
grants, and — on the day it loads — an approved class open for enrolment with a session today in every
demo county; everything dated on its business day, and loaded only once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone

from fanxiang.core import calendar
from fanxiang.demo import generator
from fanxiang.policies.models import BenefitGrant, BenefitType
from fanxiang.training import attendance, claims
from fanxiang.training import demo as training_demo
from fanxiang.training.choices import ClaimStatus, ClassStatus, EnrolmentStatus, ObjectionStatus
from fanxiang.training.models import (
    Attendance,
    Certificate,
    Enrolment,
    SubsidyClaim,
    SubsidyClaimEvent,
    TrainingClass,
    TrainingClassEvent,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 13)  # a Saturday: today's session is the one class day off the working calendar


def test_the_demo_year_on_the_day_it_loads(demo):
    """One load (about 15 s) checked from every side, then loaded again."""
    generator.generate(n=1500, seed=2020)
    made = training_demo.load(today=TODAY)
    assert made and made[0].startswith("training: 3 counties")
    classes = TrainingClass.objects.filter(name__endswith=training_demo.MARK)
    _year_of_classes(classes)
    _claim_through_publicity_to_payment(classes)
    _today_and_the_coming_weeks(classes)
    _dated_on_business_days_and_loaded_once(classes)


def test_nothing_without_registry_people(demo):
    assert training_demo.load(today=TODAY) == []
    assert not TrainingClass.objects.filter(name__endswith=training_demo.MARK).exists()


def _year_of_classes(classes) -> None:
    past = classes.filter(status__in=(ClassStatus.FINISHED, ClassStatus.CLAIMED))
    # a year of finished classes, several per county, the oldest about ten months back
    per_county = dict(past.values_list("region__code").annotate(n=Count("id")))
    assert set(per_county) == set(training_demo.COUNTIES) and min(per_county.values()) >= 3
    assert min(past.values_list("start_date", flat=True)) < TODAY - dt.timedelta(days=270)

    # attendance: rows for every session of a finished class, and hours_attended is their sum
    enrolments = Enrolment.objects.filter(training_class__in=classes, status=EnrolmentStatus.ENROLLED)
    sums = dict(
        Attendance.objects.filter(enrolment__in=enrolments).values_list("enrolment").annotate(s=Sum("hours"))
    )
    assert len(sums) > 100
    for e in enrolments:
        assert e.hours_attended == sums.get(e.pk, Decimal("0")), e.pk
    finished = enrolments.filter(training_class__in=past)
    sessions = Count("training_class__sessions", distinct=True)
    marks = Count("attendance", distinct=True)
    assert all(row["s"] == row["m"] for row in finished.annotate(s=sessions, m=marks).values("s", "m"))
    sources = set(Attendance.objects.filter(enrolment__in=finished).values_list("source", flat=True))
    assert sources == {"qr", "teacher"}
    # every mark is in the change log and has its typed audit event, the set-wise QR rows too
    scanned = Attendance.objects.filter(enrolment__in=finished, source="qr").first()
    logged = LogEntry.objects.get_for_object(scanned)
    assert logged.filter(action=LogEntry.Action.CREATE).exists()
    assert logged.filter(additional_data__event=attendance.EVENT_MARK).exists()
    absent = Attendance.objects.filter(enrolment__in=finished, hours=0)
    assert absent.exists() and not absent.filter(reason="").exists()

    # completion by the completion service: some short of hours, with the reason; one at exactly the share
    short = finished.filter(completed=False, completion_reason__contains="出勤不足")
    assert (
        short.exists()
        and "需 16 学时" in short.filter(training_class__programme__code="gyb").first().completion_reason
    )
    assert finished.filter(
        completed=True, completion_reason__startswith="已出勤 16 学时，共 20 学时，需 16 学时"
    ).exists()

    # certificates for exactly those who completed, numbered per kind and year, verified publicly
    certs = Certificate.objects.filter(enrolment__in=finished)
    assert certs.count() == finished.filter(completed=True).count() > 50
    assert not finished.filter(completed=False, certificate__isnull=False).exists()
    client = Client()
    for cert in certs.order_by("?")[:3]:
        body = client.get(f"/api/v1/training/certificates/verify/{cert.verify_code}").json()
        assert body["valid"] is True and body["status"] == "valid" and "*" in body["name_masked"]
        assert client.get(f"/verify/{cert.verify_code}").status_code == 200

    # the village-leader class: village and post per trainee
    leaders = enrolments.filter(training_class__programme__code="village_leader")
    assert leaders.filter(training_class__in=past).exists()
    assert not leaders.filter(village_name="").exists() and not leaders.filter(post="").exists()


def _claim_through_publicity_to_payment(classes) -> None:
    demo_claims = SubsidyClaim.objects.filter(training_class__in=classes)
    paid = demo_claims.filter(
        status=ClaimStatus.PAID, followed_up_on__isnull=False, top_up_paid_on__isnull=False
    )
    claim = paid.get(training_class__region__code="411625")
    steps = list(
        SubsidyClaimEvent.objects.filter(claim=claim).order_by("at", "id").values_list("action", flat=True)
    )
    order = [
        "create",
        "submit",
        "review",
        "publish",
        "object",
        "handle",
        "approve",
        "pay",
        "follow_up",
        "pay_top_up",
    ]
    assert steps == order
    # the 公示 ran its working days; approval came after it, the objection upheld removed its trainee
    assert calendar.workdays_between(claim.publicity_start, claim.publicity_end) + 1 >= 5
    approved = SubsidyClaimEvent.objects.get(claim=claim, action="approve").at.date()
    assert approved > claim.publicity_end
    objection = claim.objections.get()
    assert objection.status == ObjectionStatus.UPHELD
    removed = claim.lines.get(enrolment=objection.enrolment)
    assert not removed.eligible and removed.grant is None and removed.reason.startswith("公示异议成立")
    # payment: each eligible line a training_subsidy policy grant of its base amount; top-ups a second one
    lines = claim.lines.filter(eligible=True)
    assert lines.count() >= 5 and not lines.filter(grant__isnull=True).exists()
    for line in lines.select_related("grant__item", "top_up_grant"):
        assert line.grant.item.benefit_type == BenefitType.TRAINING_SUBSIDY
        assert line.grant.amount == line.base_amount > 0
        assert line.grant.entrepreneur_id == line.enrolment.entrepreneur_id
        assert (line.top_up_grant is not None) == (line.top_up_amount > 0) == bool(line.started_business)
    topped = lines.filter(top_up_amount__gt=0)
    assert topped.exists() and lines.filter(started_business=False).exists()
    assert claim.amount_paid == sum(line.base_amount + line.top_up_amount for line in lines)
    grants = BenefitGrant.objects.filter(item__benefit_type=BenefitType.TRAINING_SUBSIDY)
    assert grants.count() == sum(
        c.lines.filter(grant__isnull=False).count() + c.lines.filter(top_up_grant__isnull=False).count()
        for c in demo_claims
    )
    # other claims: a 公示 running on the day (the public list), one waiting for review, one approved
    assert list(
        claims.public_claims(TODAY).filter(training_class__in=classes).values_list("status", flat=True)
    )
    assert demo_claims.filter(status=ClaimStatus.SUBMITTED).exists()
    assert demo_claims.filter(status=ClaimStatus.APPROVED).exists()


def _today_and_the_coming_weeks(classes) -> None:
    for code in training_demo.COUNTIES:
        county = classes.filter(region__code=code)
        open_today = county.filter(status=ClassStatus.APPROVED, sessions__date=TODAY).distinct()
        assert open_today.count() >= 1, code
        assert open_today.first().capacity > open_today.first().enrolments.count()
        assert county.filter(status=ClassStatus.RUNNING).exists()
        assert (
            county.filter(status=ClassStatus.FILED).exists()
            and county.filter(status=ClassStatus.DRAFT).exists()
        )
    # the running class has its past sessions' attendance and nothing after today
    running = classes.filter(status=ClassStatus.RUNNING)
    assert Attendance.objects.filter(session__training_class__in=running, session__date__lt=TODAY).exists()
    assert not Attendance.objects.filter(
        session__training_class__in=classes, session__date__gte=TODAY
    ).exists()
    assert classes.filter(programme__code="village_leader", status=ClassStatus.APPROVED).exists()


def _dated_on_business_days_and_loaded_once(classes) -> None:
    events = TrainingClassEvent.objects.filter(training_class__in=classes)
    days = set(events.dates("at", "day")) | set(SubsidyClaimEvent.objects.dates("at", "day"))
    assert len(days) >= 30 and max(days) <= TODAY
    assert all(calendar.is_workday(d) for d in days)
    filed = events.filter(action="file").select_related("training_class")
    assert all(timezone.localdate(e.at) == e.training_class.filed_on for e in filed)
    counts = (TrainingClass.objects.count(), Attendance.objects.count(), Certificate.objects.count())
    assert training_demo.load(today=TODAY) == []
    assert (TrainingClass.objects.count(), Attendance.objects.count(), Certificate.objects.count()) == counts
