"""全程帮办: a service clerk acts for a person at the centre with their consent (a code to their phone, or a
signed form), and every audit record written in the session is marked as assisted."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from fanxiang.accounts.models import Organization
from fanxiang.core.errors import Forbidden, NotFound
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import PDF
from fanxiang.portal import services
from fanxiang.portal.models import AssistSession
from fanxiang.portal.tests.conftest import last_code
from fanxiang.portal.tests.factories import bound_account, registry_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(demo):
    return registry_person(
        demo["officer_411625"], name="吴到场", mobile="13700007001", priority=["poor_household"]
    )


def _consent_by_code(client, session_id: int, mobile: str):
    response = client.post(f"/portal/assist/{session_id}/consent/", {"action": "send"})
    assert response.status_code == 302
    return client.post(
        f"/portal/assist/{session_id}/consent/", {"action": "confirm", "code": last_code(mobile)}
    )


def test_assisted_application_with_sms_consent_is_audited_as_assisted(web, demo, person, outbox):
    clerk = web("service_clerk")
    response = clerk.post("/portal/assist/", {"id_number": person.id_number, "purpose": "创业担保贷款申请"})
    assert response.status_code == 302
    session = AssistSession.objects.get()
    assert session.status == "awaiting_consent" and session.entrepreneur_id == person.pk
    # nothing can be done before consent
    assert clerk.get(f"/portal/assist/{session.pk}/loans/new/").status_code == 302
    wrong = clerk.post(f"/portal/assist/{session.pk}/consent/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 422
    response = _consent_by_code(clerk, session.pk, "13700007001")
    assert response.status_code == 302, response.content.decode()[:2000]
    session.refresh_from_db()
    assert session.status == "active" and session.consent_method == "otp" and session.consent_at
    assert "帮办" in outbox[-1].text  # the person's phone was told what the code is for
    bank = Organization.objects.get(code="DEMO-BANK-PSBC")
    response = clerk.post(
        f"/portal/assist/{session.pk}/loans/new/",
        {
            "amount": "50000",
            "term_months": "24",
            "purpose": "养殖",
            "bank": str(bank.pk),
            "counter_guarantee": "natural_person",
            "counter_guarantee_detail": "王五担保",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    app = LoanApplication.objects.get(entrepreneur=person)
    assert app.created_by.username == "service_clerk"
    response = clerk.post(
        f"/portal/assist/{session.pk}/loans/{app.pk}/upload/",
        {"kind": "id_card", "file": SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")},
    )
    assert response.status_code == 302
    page = clerk.get(f"/portal/assist/{session.pk}/loans/{app.pk}/")
    assert page.status_code == 200 and "全程帮办" in page.content.decode()
    # every audit record written in the session names it
    entries = LogEntry.objects.filter(additional_data__assisted__session=session.pk)
    kinds = {(e.content_type.model, e.action) for e in entries}
    assert ("loanapplication", LogEntry.Action.CREATE) in kinds
    assert ("applicationdocument", LogEntry.Action.CREATE) in kinds
    marker = entries.first().additional_data["assisted"]
    assert (
        marker["entrepreneur"] == person.pk
        and marker["clerk"] == "service_clerk"
        and marker["consent"] == "otp"
    )
    # records written outside a session are not marked
    outside = LogEntry.objects.filter(content_type__model="entrepreneur", object_pk=str(person.pk)).first()
    assert "assisted" not in (outside.additional_data or {})
    # ending the session closes the door
    clerk.post(f"/portal/assist/{session.pk}/end/")
    assert clerk.get(f"/portal/assist/{session.pk}/loans/").status_code == 302


def test_consent_code_goes_to_the_bound_accounts_mobile(demo, person, outbox):
    bound_account(person, "13700007999")
    session = services.assist_start(actor=demo["service_clerk"], id_number=person.id_number)
    sent = services.assist_send_consent_code(actor=demo["service_clerk"], session=session)
    assert sent.mobile == "13700007999" and outbox[-1].to == "13700007999"


def test_signed_form_consent_when_there_is_no_phone(web, demo, outbox):
    nophone = registry_person(demo["officer_411625"], name="吴无机", mobile="")
    clerk = web("service_clerk")
    clerk.post("/portal/assist/", {"id_number": nophone.id_number})
    session = AssistSession.objects.get()
    response = clerk.post(f"/portal/assist/{session.pk}/consent/", {"action": "send"})
    assert response.status_code == 302 and outbox == []
    response = clerk.post(
        f"/portal/assist/{session.pk}/consent/",
        {"action": "upload", "file": SimpleUploadedFile("授权书.txt", b"hello", content_type="text/plain")},
    )
    assert response.status_code == 422 and "portal.consent_file_invalid" in response.content.decode()
    response = clerk.post(
        f"/portal/assist/{session.pk}/consent/",
        {"action": "upload", "file": SimpleUploadedFile("授权书.pdf", PDF, content_type="application/pdf")},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (
        session.status == "active" and session.consent_method == "signed_form" and session.consent_file_sha256
    )
    consent = LogEntry.objects.filter(object_pk=str(session.pk), additional_data__method="signed_form")
    assert consent.exists()


def test_only_clerks_and_only_people_in_their_scope(demo, person):
    with pytest.raises(Forbidden):
        services.assist_start(actor=demo["officer_411625"], id_number=person.id_number)
    elsewhere = registry_person(
        demo["officer_411628"], region="411628101", name="吴外县", mobile="13700007002"
    )
    with pytest.raises(NotFound) as exc:
        services.assist_start(actor=demo["service_clerk"], id_number=elsewhere.id_number)
    assert exc.value.code == "portal.assist_person_not_found"


def test_a_clerk_sees_only_their_own_sessions(web, demo, person):
    from fanxiang.accounts.models import RoleAssignment, User
    from fanxiang.regions.models import Region

    session = services.assist_start(actor=demo["service_clerk"], id_number=person.id_number)
    other = User.objects.create(username="clerk2", real_name="另一窗口")
    RoleAssignment.objects.create(user=other, role="service_clerk", region=Region.objects.get(code="411625"))
    from django.test import Client

    client = Client()
    client.force_login(other)
    assert client.get(f"/portal/assist/{session.pk}/consent/").status_code == 404
    assert client.get(f"/portal/assist/{session.pk}/loans/").status_code == 404
