"""Completion at the share, certificates issued in bulk with unique numbers, the PDF, verification, revocation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from fanxiang.core.errors import DomainError
from fanxiang.training import certificates as certs
from fanxiang.training.choices import ClassStatus, ProgrammeKind
from fanxiang.training.completion import completion_of, enrolments_decide, hours_text
from fanxiang.training.models import Certificate, ProgrammeRule
from fanxiang.training.tests import factories_attendance as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2020, 10, 9)


def _finished(hours: str = "70", kind: str = ProgrammeKind.SYB):
    return f.make_class(status=ClassStatus.FINISHED, hours=hours, kind=kind)


def _trainee(klass, hours: str, passed: bool | None = True):
    return f.enrol(klass, hours_attended=Decimal(hours), assessment_passed=passed)


def test_hours_text():
    assert hours_text(Decimal("56.00")) == "56"
    assert hours_text(Decimal("62.5")) == "62.5"
    assert hours_text(Decimal("0")) == "0"


def test_completion_at_exactly_the_share_and_just_under():
    klass = _finished("70")
    at_share = _trainee(klass, "56")  # 0.80 × 70
    under = _trainee(klass, "55.9")
    done = completion_of(at_share)
    assert done.completed is True
    assert done.reasons[0] == "已出勤 56 学时，共 70 学时，需 56 学时"
    assert "考核已通过" in done.reasons
    short = completion_of(under)
    assert short.completed is False
    assert short.reasons[0] == "已出勤 55.9 学时，共 70 学时，需 56 学时"
    assert "出勤不足，还差 0.1 学时" in short.reasons


def test_completion_needs_the_assessment():
    klass = _finished("70")
    failed = completion_of(_trainee(klass, "62", passed=False))
    pending = completion_of(_trainee(klass, "62", passed=None))
    assert not failed.completed and "考核未通过" in failed.reasons
    assert not pending.completed and "尚未登记考核结果" in pending.reasons
    assert failed.reasons[0] == "已出勤 62 学时，共 70 学时，需 56 学时"


def test_share_read_from_the_rule_in_force_when_the_class_starts():
    klass = _finished("70")
    ProgrammeRule.objects.create(
        programme=klass.programme, valid_from=dt.date(2020, 1, 1), completion_share="0.90"
    )
    ProgrammeRule.objects.create(
        programme=klass.programme, valid_from=klass.start_date + dt.timedelta(days=1)
    )
    e = _trainee(klass, "62")
    result = completion_of(e)
    assert result.share == Decimal("0.90") and not result.completed
    assert result.reasons[0] == "已出勤 62 学时，共 70 学时，需 63 学时"


def test_decide_stores_result_and_reason():
    klass = _finished("70")
    e = _trainee(klass, "62")
    enrolments_decide(training_class=klass, actor=f.officer(), today=TODAY)
    e.refresh_from_db()
    assert e.completed is True and e.completed_on == TODAY
    assert e.completion_reason.startswith("已出勤 62 学时，共 70 学时，需 56 学时")


def test_bulk_issue_numbers_unique_and_refuses_the_others():
    klass = _finished("70")
    good = [_trainee(klass, "70"), _trainee(klass, "56")]
    short = _trainee(klass, "40")
    result = certs.certificates_issue(training_class=klass, actor=f.officer(), today=TODAY)
    numbers = [c.number for c in result.issued]
    assert numbers == ["ZK-SYB-2020-000001", "ZK-SYB-2020-000002"]
    assert {c.enrolment_id for c in result.issued} == {e.pk for e in good}
    assert [r["enrolment"] for r in result.refused] == [short.pk]
    assert result.refused[0]["code"] == "training.not_completed"
    assert "需 56 学时" in result.refused[0]["message"]
    # a second class of the same kind continues the serial; issuing again issues nothing twice
    other = _finished("70")
    _trainee(other, "70")
    again = certs.certificates_issue(training_class=klass, actor=f.officer(), today=TODAY)
    assert again.issued == [] and {r["code"] for r in again.refused} == {
        "training.already_issued",
        "training.not_completed",
    }
    nxt = certs.certificates_issue(training_class=other, actor=f.officer(), today=TODAY)
    assert nxt.issued[0].number == "ZK-SYB-2020-000003"
    iyb = _finished("40", ProgrammeKind.VILLAGE_LEADER)
    _trainee(iyb, "40")
    assert certs.certificates_issue(training_class=iyb, actor=f.officer(), today=TODAY).issued[0].number == (
        "ZK-ZFDT-2020-000001"
    )
    assert Certificate.objects.values("number").distinct().count() == Certificate.objects.count() == 4


def test_issue_refused_before_the_class_finishes():
    klass = f.make_class(status=ClassStatus.RUNNING)
    _trainee(klass, "70")
    with pytest.raises(DomainError) as exc:
        certs.certificates_issue(training_class=klass, actor=f.officer(), today=TODAY)
    assert exc.value.code == "training.class_not_finished"
    assert not Certificate.objects.exists()


def _issued():
    klass = _finished("70")
    e = _trainee(klass, "70")
    return certs.certificates_issue(training_class=klass, actor=f.officer(), today=TODAY).issued[0], e


def test_pdf_opens_with_the_qr_image():
    cert, _ = _issued()
    data = certs.certificate_pdf(cert, verify_url=f"http://testserver/verify/{cert.verify_code}")
    assert data.startswith(b"%PDF")
    assert b"/Subtype /Image" in data
    assert re.search(rb"/Width \d+", data)


def test_verify_page_shows_masked_name():
    cert, e = _issued()
    page = Client().get(f"/verify/{cert.verify_code}")
    html = page.content.decode()
    assert page.status_code == 200
    name = e.entrepreneur.name
    assert name not in html
    assert name[0] + "*" * (len(name) - 1) in html
    assert cert.number in html and e.training_class.programme.name in html
    assert "有效" in html and "已撤销" not in html


def test_revoked_says_so_with_date():
    cert, _ = _issued()
    with pytest.raises(DomainError) as exc:
        certs.certificate_revoke(certificate=cert, reason="  ", actor=f.officer())
    assert exc.value.code == "training.reason_required"
    now = f.at(dt.date(2020, 11, 3), 10)
    certs.certificate_revoke(certificate=cert, reason="出勤记录造假", actor=f.officer(), now=now)
    with pytest.raises(DomainError) as exc:
        certs.certificate_revoke(certificate=cert, reason="再次", actor=f.officer())
    assert exc.value.code == "training.already_revoked"
    html = Client().get(f"/verify/{cert.verify_code}").content.decode()
    assert "已撤销" in html and "2020-11-03" in html
    body = Client().get(f"/api/v1/training/certificates/verify/{cert.verify_code}").json()
    assert body["valid"] is False and body["status"] == "revoked"


def test_unknown_code_is_a_chinese_404_without_hints():
    cert, _ = _issued()
    page = Client().get("/verify/no-such-code")
    html = page.content.decode()
    assert page.status_code == 404
    assert "未找到" in html
    assert cert.number not in html
    api = Client().get("/api/v1/training/certificates/verify/no-such-code")
    assert api.status_code == 404 and api.json()["code"] == "training.certificate_not_found"


def test_verify_api_without_login():
    cert, e = _issued()
    body = Client().get(f"/api/v1/training/certificates/verify/{cert.verify_code}").json()
    assert body["valid"] is True and body["status"] == "valid"
    assert body["programme"] == e.training_class.programme.name
    assert body["class"] == e.training_class.name
    assert body["issued_on"] == TODAY.isoformat()
    assert body["name_masked"].startswith(e.entrepreneur.name[0]) and "*" in body["name_masked"]


# --------------------------------------------------------------------------- API and pages


def _staff(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_api_bulk_issue_and_revoke():
    klass = _finished("70")
    good = _trainee(klass, "60")
    short = _trainee(klass, "10")
    c = _staff(f.officer())
    r = c.post(f"/api/v1/training/classes/{klass.pk}/certificates")
    body = r.json()
    assert r.status_code == 200 and body["issued"] == 1
    assert body["refused"] == [
        {"enrolment": short.pk, "code": "training.not_completed", "message": body["refused"][0]["message"]}
    ]
    assert "已出勤 10 学时，共 70 学时，需 56 学时" in body["refused"][0]["message"]
    cert = Certificate.objects.get(enrolment=good)
    assert body["numbers"] == [cert.number]
    url = f"/api/v1/training/certificates/{cert.pk}/revoke"
    bad = c.post(url, {"reason": ""}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "training.reason_required"
    ok = c.post(url, {"reason": "发现代签"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["revoked"] is True
    assert ok.json()["verify_url"].endswith(f"/verify/{cert.verify_code}")


def test_api_and_pages_refuse_another_county():
    cert, e = _issued()
    other = _staff(f.officer("411602"))
    assert other.post(f"/api/v1/training/classes/{e.training_class_id}/certificates").status_code == 404
    assert (
        other.post(
            f"/api/v1/training/certificates/{cert.pk}/revoke",
            {"reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert other.get(f"/training/certificates/{cert.pk}/pdf/").status_code == 404
    assert other.get(f"/training/classes/{e.training_class_id}/certificates/").status_code == 404


def test_certificate_pages_list_and_pdf():
    cert, e = _issued()
    c = _staff(f.officer())
    page = c.get(f"/training/classes/{e.training_class_id}/certificates/").content.decode()
    assert cert.number in page and "已出勤 70 学时，共 70 学时，需 56 学时" in page
    pdf = c.get(f"/training/certificates/{cert.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"/Subtype /Image" in pdf.content


def test_portal_certificate_only_ones_own():
    from fanxiang.conftest import ApiClient
    from fanxiang.portal.auth import issue_token
    from fanxiang.portal.tests.factories import bound_account, portal_session

    cert, e = _issued()
    mine = portal_session(ApiClient(issue_token(bound_account(e.entrepreneur, "13900139011"))[0]))
    r = mine.get(f"/portal/training/certificates/{cert.pk}/pdf/")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    theirs = portal_session(ApiClient(issue_token(bound_account(f.person(), "13900139012"))[0]))
    assert theirs.get(f"/portal/training/certificates/{cert.pk}/pdf/").status_code == 404
