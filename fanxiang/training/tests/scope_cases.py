"""Region-scope cases of the training app: a county's classes, sessions, enrolments, attendance,
certificates, claims and objections are invisible and unwritable to another county's officer."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from fanxiang.core.testing import ScopeCase
from fanxiang.training.models import (
    Attendance,
    Certificate,
    ClassSession,
    Enrolment,
    Objection,
    SubsidyClaim,
    SubsidyClaimLine,
    TrainingClass,
)
from fanxiang.training.tests.factories import class_data, class_in, enrol, make_class, person

_seq = itertools.count(1)


def make_training_class(county: str) -> TrainingClass:
    return make_class(county, name=f"培训班标记{county}-{next(_seq)}")


def write_training_class(api_client, web_client, other_region: str) -> None:
    data = class_data(other_region)
    data.update(start_date=data["start_date"].isoformat(), end_date=data["end_date"].isoformat())
    response = api_client.post("/api/v1/training/classes/", data)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "scope.region_forbidden"
    other = TrainingClass.objects.filter(region__code=other_region).first()
    for action, body in (("file", {}), ("cancel", {"note": "越权"})):
        response = api_client.post(f"/api/v1/training/classes/{other.pk}/actions/{action}", body)
        assert response.status_code == 404, (action, response.content)
    other.refresh_from_db()
    assert other.status == "draft"


def make_session(county: str) -> ClassSession:
    session = make_class(county).sessions.first()
    session.topic = f"课次标记{county}-{next(_seq)}"
    session.save()
    return session


def write_session(api_client, web_client, other_region: str) -> None:
    other = TrainingClass.objects.filter(region__code=other_region).first()
    response = api_client.post(
        f"/api/v1/training/classes/{other.pk}/sessions",
        {"date": other.start_date.isoformat(), "start_time": "19:00", "end_time": "21:00", "hours": "2"},
    )
    assert response.status_code == 404, response.content


def make_enrolment(county: str) -> Enrolment:
    return enrol(class_in("approved", county), person(county))


def write_enrolment(api_client, web_client, other_region: str) -> None:
    other = TrainingClass.objects.filter(region__code=other_region, status="approved").first()
    response = api_client.post(
        f"/api/v1/training/classes/{other.pk}/enrolments", {"entrepreneur": person("411625").pk}
    )
    assert response.status_code == 404, response.content


def make_attendance(county: str) -> Attendance:
    enrolment = make_enrolment(county)
    session = enrolment.training_class.sessions.first()
    return Attendance.objects.create(
        session=session,
        enrolment=enrolment,
        source="teacher",
        reason=f"签到标记{county}-{next(_seq)}",
        hours=session.hours,
        at=timezone.now(),
    )


def make_certificate(county: str) -> Certificate:
    return Certificate.objects.create(
        enrolment=make_enrolment(county), number=f"ZS{county}{next(_seq):05d}", issued_on=dt.date(2020, 9, 25)
    )


def make_claim(county: str) -> SubsidyClaim:
    return SubsidyClaim.objects.create(training_class=make_class(county), trainees=next(_seq))


def make_claim_line(county: str) -> SubsidyClaimLine:
    enrolment = make_enrolment(county)
    claim = SubsidyClaim.objects.create(training_class=enrolment.training_class)
    return SubsidyClaimLine.objects.create(
        claim=claim, enrolment=enrolment, full_amount=Decimal("1200"), reason=f"明细标记{county}-{next(_seq)}"
    )


def make_objection(county: str) -> Objection:
    return Objection.objects.create(
        claim=make_claim(county), content=f"异议标记{county}-{next(_seq)}", received_on=dt.date(2020, 10, 12)
    )


def write_claim(api_client, web_client, other_region: str) -> None:
    other = SubsidyClaim.objects.filter(training_class__region__code=other_region).first()
    for action in ("submit", "return"):
        response = api_client.post(f"/api/v1/training/claims/{other.pk}/actions/{action}", {"note": "越权"})
        assert response.status_code == 404, (action, response.content)
    assert web_client.post(f"/training/claims/{other.pk}/submit/", {}).status_code == 404
    other.refresh_from_db()
    assert other.status == "draft"


CASES = [
    ScopeCase(
        model=TrainingClass,
        make=make_training_class,
        api_list="/api/v1/training/classes/",
        api_detail=lambda c: f"/api/v1/training/classes/{c.pk}",
        marker=lambda c: c.name,
        write=write_training_class,
    ),
    ScopeCase(model=ClassSession, make=make_session, marker=lambda s: s.topic, write=write_session),
    ScopeCase(
        model=Enrolment,
        make=make_enrolment,
        api_detail=lambda e: f"/api/v1/training/enrolments/{e.pk}",
        marker=lambda e: e.entrepreneur.name,
        write=write_enrolment,
    ),
    # attendance, certificates and claims get their pages and API with their own services (later)
    ScopeCase(model=Attendance, make=make_attendance, marker=lambda a: a.reason),
    ScopeCase(model=Certificate, make=make_certificate, marker=lambda c: c.number),
    ScopeCase(
        model=SubsidyClaim,
        make=make_claim,
        list_url="/training/claims/",
        detail_url=lambda c: f"/training/claims/{c.pk}/",
        export_url="/training/claims/export/",
        api_list="/api/v1/training/claims/",
        api_detail=lambda c: f"/api/v1/training/claims/{c.pk}",
        marker=lambda c: c.training_class.name,
        write=write_claim,
    ),
    ScopeCase(model=SubsidyClaimLine, make=make_claim_line, marker=lambda line: line.reason),
    ScopeCase(model=Objection, make=make_objection, marker=lambda o: o.content),
]
