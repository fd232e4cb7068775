"""Assessment results (point (八), item 6): recorded by whoever may change the class's enrolments, for a
running or finished class, all or nothing, audited, and completion re-decided (hours at the share and passed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.test import Client

from fanxiang.core.errors import DomainError
from fanxiang.training.choices import ClassStatus
from fanxiang.training.completion import EVENT_ASSESSMENT, assessment_record, assessments_record
from fanxiang.training.models import Enrolment, TrainingClass
from fanxiang.training.tests import factories_attendance as f
from fanxiang.training.tests.test_provider_role import ours

pytestmark = pytest.mark.django_db
TODAY = dt.date(2020, 10, 1)


def _class(status: str = ClassStatus.RUNNING, code: str = "411625") -> TrainingClass:
    return f.make_class(code, status=status, hours="70")


def _trainee(klass: TrainingClass, hours: str) -> Enrolment:
    return f.enrol(klass, hours_attended=Decimal(hours))


def _url(klass: TrainingClass) -> str:
    return f"/api/v1/training/classes/{klass.pk}/assessments"


def _events(*enrolments: Enrolment) -> int:
    return LogEntry.objects.filter(
        object_id__in=[e.pk for e in enrolments], additional_data__event=EVENT_ASSESSMENT
    ).count()


def test_records_and_completes_a_trainee_with_enough_hours(api):
    klass = _class()
    enough = _trainee(klass, "56")  # exactly 0.80 × 70
    under = _trainee(klass, "55.9")
    body = {"results": [{"enrolment": enough.pk, "passed": True}, {"enrolment": under.pk, "passed": True}]}
    response = api("officer_411625").post(_url(klass), body)
    assert response.status_code == 200, response.content
    assert response.json() == {"recorded": 2, "completed": 1}
    enough.refresh_from_db()
    under.refresh_from_db()
    assert enough.assessment_passed is True and enough.completed is True and enough.completed_on
    assert enough.completion_reason == "已出勤 56 学时，共 70 学时，需 56 学时；考核已通过"
    # just under the share: passed, still not completed, and the reason says why
    assert under.assessment_passed is True and under.completed is False and under.completed_on is None
    assert "出勤不足，还差 0.1 学时" in under.completion_reason
    assert _events(enough, under) == 2


def test_a_failed_assessment_undoes_completion():
    klass = _class(ClassStatus.FINISHED)
    e = _trainee(klass, "62")
    officer = f.officer()
    assessments_record(actor=officer, training_class=klass, results=[{"enrolment": e.pk, "passed": True}])
    e.refresh_from_db()
    assert e.completed is True
    done = assessments_record(
        actor=officer, training_class=klass, results=[{"enrolment": e.pk, "passed": False}], today=TODAY
    )
    e.refresh_from_db()
    assert (done.recorded, done.completed) == (1, 0)
    assert e.completed is False and "考核未通过" in e.completion_reason


def test_another_countys_officer_gets_404_and_nothing_changes(api):
    klass = _class()
    e = _trainee(klass, "62")
    response = api("officer_411628").post(_url(klass), {"results": [{"enrolment": e.pk, "passed": True}]})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and klass.name not in response.content.decode()
    missing = api("officer_411628").post("/api/v1/training/classes/999999/assessments", {"results": []})
    assert missing.status_code == 404 and missing.json()["message"] == response.json()["message"]
    e.refresh_from_db()
    assert e.assessment_passed is None and e.completed is None


def test_the_institution_records_its_own_class_and_gets_404_for_another(api):
    mine = ours(_class())
    theirs = _class()
    a, b = _trainee(mine, "62"), _trainee(theirs, "62")
    client = api("provider_411625")
    ok = client.post(_url(mine), {"results": [{"enrolment": a.pk, "passed": True}]})
    assert ok.status_code == 200, ok.content
    assert ok.json() == {"recorded": 1, "completed": 1}
    refused = client.post(_url(theirs), {"results": [{"enrolment": b.pk, "passed": True}]})
    assert refused.status_code == 404 and theirs.name not in refused.content.decode()
    b.refresh_from_db()
    assert b.assessment_passed is None


def test_the_classs_teacher_may_record():
    teacher = f.teacher()
    klass = f.make_class(status=ClassStatus.RUNNING, teachers=(teacher,))
    e = _trainee(klass, "62")
    done = assessments_record(
        actor=teacher, training_class=klass, results=[{"enrolment": e.pk, "passed": True}]
    )
    assert done.completed == 1
    with pytest.raises(DomainError) as exc:
        assessments_record(
            actor=f.teacher(), training_class=klass, results=[{"enrolment": e.pk, "passed": False}]
        )
    assert exc.value.status == 404


@pytest.mark.parametrize("status", [ClassStatus.APPROVED, ClassStatus.CLAIMED, ClassStatus.CANCELLED])
def test_a_wrong_state_class_is_refused_and_nothing_changes(api, status):
    klass = _class(status)
    e = _trainee(klass, "62")
    response = api("officer_411625").post(_url(klass), {"results": [{"enrolment": e.pk, "passed": True}]})
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "training.wrong_state"
    assert "开班中或已结业" in response.json()["message"]
    e.refresh_from_db()
    assert e.assessment_passed is None and e.completed is None and _events(e) == 0


def test_an_enrolment_of_another_class_is_refused_and_nothing_is_written(api):
    klass, other = _class(), _class()
    mine, foreign = _trainee(klass, "62"), _trainee(other, "62")
    body = {"results": [{"enrolment": mine.pk, "passed": True}, {"enrolment": foreign.pk, "passed": True}]}
    response = api("officer_411625").post(_url(klass), body)
    assert response.status_code == 422, response.content
    out = response.json()
    assert out["code"] == "training.enrolment_invalid"
    assert out["errors"] == {"results.1.enrolment": ["第2行：该学员未报名本培训班。"]}
    for e in (mine, foreign):
        e.refresh_from_db()
        assert e.assessment_passed is None and e.completed is None
    assert _events(mine, foreign) == 0


def test_a_withdrawn_trainee_and_bad_input_are_refused(api):
    klass = _class()
    gone = f.enrol(klass, hours_attended=Decimal("62"), status="withdrawn")
    client = api("officer_411625")
    response = client.post(_url(klass), {"results": [{"enrolment": gone.pk, "passed": True}]})
    assert response.status_code == 422 and response.json()["code"] == "training.enrolment_invalid"
    response = client.post(_url(klass), {"results": [{"enrolment": gone.pk, "passed": "maybe"}]})
    assert response.status_code == 422 and response.json()["errors"]
    response = client.post(_url(klass), {"results": []})
    assert response.status_code == 422 and response.json()["code"] == "training.results_required"
    gone.refresh_from_db()
    assert gone.assessment_passed is None


def test_single_record_keeps_working_and_is_scoped():
    klass = _class()
    e = _trainee(klass, "62")
    assessment_record(enrolment=e, passed=True, actor=f.officer())
    assert e.assessment_passed is True and e.completed is None  # decided at certificate issue
    with pytest.raises(DomainError) as exc:
        assessment_record(enrolment=e, passed=False, actor=f.officer("411628"))
    assert exc.value.status == 404
    e.refresh_from_db()
    assert e.assessment_passed is True


def test_the_page_form_posts_and_shows_the_result(demo):
    klass = _class()
    passed, failed, pending = _trainee(klass, "62"), _trainee(klass, "62"), _trainee(klass, "62")
    client = Client()
    client.force_login(demo["officer_411625"])
    page = client.get(f"/training/classes/{klass.pk}/").content.decode()
    assert 'data-testid="assessments-form"' in page and "考核结果" in page
    assert f'name="passed_{pending.pk}"' in page and "未考核" in page
    response = client.post(
        f"/training/classes/{klass.pk}/assessments/",
        {f"passed_{passed.pk}": "1", f"passed_{failed.pk}": "0", f"passed_{pending.pk}": ""},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "已登记2名学员的考核结果，其中1人结业。" in html
    assert "考核通过" in html and "考核未通过" in html and "考核已通过" in html
    assert "已结业" in html
    for e, want in ((passed, True), (failed, False), (pending, None)):
        e.refresh_from_db()
        assert e.assessment_passed is want
    # another county's officer sees no form and may not post
    other = Client()
    other.force_login(demo["officer_411628"])
    assert (
        other.post(f"/training/classes/{klass.pk}/assessments/", {f"passed_{pending.pk}": "1"}).status_code
        == 404
    )
    pending.refresh_from_db()
    assert pending.assessment_passed is None


def test_no_form_for_a_class_that_is_not_running(demo):
    klass = _class(ClassStatus.APPROVED)
    _trainee(klass, "62")
    client = Client()
    client.force_login(demo["officer_411625"])
    page = client.get(f"/training/classes/{klass.pk}/").content.decode()
    assert page.count("保存考核结果") == 0 and 'data-testid="assessments-form"' not in page


def test_a_certified_result_is_not_changed_until_the_certificate_is_revoked():
    from fanxiang.training.models import Certificate

    officer = f.officer()
    klass = f.make_class(status=ClassStatus.FINISHED)
    e = _trainee(klass, "70")
    assessments_record(actor=officer, training_class=klass, results=[{"enrolment": e.pk, "passed": True}])
    cert = Certificate.objects.create(enrolment=e, number="T-CERT-1", verify_code="tcert1", issued_on=f.DAY)
    with pytest.raises(DomainError) as exc:
        assessments_record(
            actor=officer, training_class=klass, results=[{"enrolment": e.pk, "passed": False}]
        )
    assert exc.value.code == "training.certificate_issued"
    e.refresh_from_db()
    assert e.assessment_passed is True and e.completed is True
    # the same result again is no change; after revocation the result may change
    assessments_record(actor=officer, training_class=klass, results=[{"enrolment": e.pk, "passed": True}])
    Certificate.objects.filter(pk=cert.pk).update(revoked=True)
    assessments_record(actor=officer, training_class=klass, results=[{"enrolment": e.pk, "passed": False}])
    e.refresh_from_db()
    assert e.assessment_passed is False and e.completed is False


def test_a_teacher_who_left_the_institution_no_longer_records():
    klass = f.make_class(status=ClassStatus.RUNNING)
    teacher = f.teacher(klass)
    e = _trainee(klass, "62")
    from fanxiang.accounts.models import User

    User.objects.filter(pk=teacher.pk).update(organization=f.provider().organization)
    with pytest.raises(DomainError) as exc:
        assessments_record(
            actor=User.objects.get(pk=teacher.pk),
            training_class=klass,
            results=[{"enrolment": e.pk, "passed": True}],
        )
    assert exc.value.code == "not_found"
