"""Work arriving at a step notifies its holders once, after commit: the county officer of the region when an
application is submitted (by a clerk or by the applicant on the portal), the guarantee officer and the bank
officer of the organisations it is routed to as it moves on, the finance liaison for a submitted subsidy
batch, the holding county for a transfer — and nobody twice, nobody in another county, nothing per page view."""

from __future__ import annotations

import pytest
from django.test import Client

from fanxiang.loans import applications as loans
from fanxiang.loans.tests.factories import advance, make_person, ready_draft
from fanxiang.notifications.models import Notification
from fanxiang.notifications.task_events import EVENT

pytestmark = pytest.mark.django_db


def _notices(user):
    return Notification.objects.filter(event=EVENT, recipient_user=user)


def test_submission_notifies_the_county_officer_once(demo, django_capture_on_commit_callbacks):
    officer, clerk = demo["officer_411625"], demo["service_clerk"]
    app = ready_draft(clerk, make_person(officer))
    with django_capture_on_commit_callbacks(execute=True):
        loans.application_submit(actor=clerk, application=app)
    notice = _notices(officer).get()
    assert app.number in notice.title and "待人社资格审核" in notice.body
    assert notice.link == f"/loans/applications/{app.pk}/"
    assert not _notices(demo["officer_411628"]).exists()  # another county hears nothing
    assert not _notices(demo["city_admin"]).exists()  # the city oversees, it does not hold the step
    # page views create nothing: the inbox, the home page, the queue
    client = Client()
    client.force_login(officer)
    for url in ("/notifications/", "/", "/loans/queue/", "/notifications/"):
        assert client.get(url).status_code == 200
    assert _notices(officer).count() == 1
    page = client.get("/notifications/").content.decode()
    assert app.number in page and "暂无消息" not in page


def test_portal_applicants_submission_notifies_the_county_officer(demo, django_capture_on_commit_callbacks):
    from fanxiang.portal.services import portal_actor
    from fanxiang.portal.tests.factories import bound_account

    officer = demo["officer_411625"]
    person = make_person(officer)
    account = bound_account(person, "13700007001")
    app = ready_draft(officer, person)
    with django_capture_on_commit_callbacks(execute=True):
        app = loans.application_submit(actor=portal_actor(account), application=app)
    assert app.events.get(action="submit").actor_role == "entrepreneur"
    assert _notices(officer).count() == 1
    assert not _notices(account.user).exists()  # the applicant gets their own loan notice, not a to-do


def test_the_next_holders_hear_as_the_application_moves_on(demo, django_capture_on_commit_callbacks):
    officer, guarantee, bank = demo["officer_411625"], demo["guarantee_officer"], demo["bank_officer"]
    with django_capture_on_commit_callbacks(execute=True):
        app = advance(ready_draft(officer), demo, "submitted")
    assert not _notices(officer).exists()  # he submitted it himself
    with django_capture_on_commit_callbacks(execute=True):
        app = advance(app, demo, "hr_approved")
    assert _notices(guarantee).count() == 1 and not _notices(bank).exists()
    with django_capture_on_commit_callbacks(execute=True):
        advance(app, demo, "guarantee_approved")
    assert _notices(bank).count() == 1 and _notices(guarantee).count() == 1  # nothing repeated
    # steps run back to back in one commit: only the state reached is announced
    with django_capture_on_commit_callbacks(execute=True):
        advance(ready_draft(officer), demo, "hr_approved")
    assert _notices(guarantee).count() == 2 and _notices(bank).count() == 1


def test_a_bank_not_routed_the_application_hears_nothing(demo, django_capture_on_commit_callbacks):
    from fanxiang.accounts.models import Organization, RoleAssignment, User
    from fanxiang.regions.models import Region

    other_bank = Organization.objects.get(code="DEMO-BANK-RCB")
    stranger = User.objects.create(username="rcb_officer", real_name="别行", organization=other_bank)
    RoleAssignment.objects.create(
        user=stranger, role="bank_officer", region=Region.objects.get(code="411600")
    )
    officer = demo["officer_411625"]
    with django_capture_on_commit_callbacks(execute=True):
        advance(ready_draft(officer), demo, "guarantee_approved")
    assert _notices(demo["bank_officer"]).count() == 1
    assert not _notices(stranger).exists()


def test_merged_review_tells_all_three_reviewers_at_once(demo, django_capture_on_commit_callbacks):
    from fanxiang.loans.models import LoanPolicy

    LoanPolicy.objects.update(merged_review=True)
    officer, clerk = demo["officer_411625"], demo["service_clerk"]
    app = ready_draft(clerk, make_person(officer))
    with django_capture_on_commit_callbacks(execute=True):
        app = loans.application_submit(actor=clerk, application=app)
    assert app.merged_review
    for user in (officer, demo["guarantee_officer"], demo["bank_officer"]):
        assert _notices(user).count() == 1, user.username
    with django_capture_on_commit_callbacks(execute=True):
        loans.application_hr_approve(actor=officer, application=app)  # still submitted: no new arrival
    assert Notification.objects.filter(event=EVENT).count() == 3


def test_submitted_subsidy_batch_notifies_the_finance_liaison(demo, django_capture_on_commit_callbacks):
    from fanxiang.loans.subsidy import services as sub
    from fanxiang.loans.tests.test_todos import paid_batch

    batch = paid_batch(demo)
    with django_capture_on_commit_callbacks(execute=True):
        sub.batch_transition(actor=demo["bank_officer"], batch=batch, action="submit")
    notice = _notices(demo["unit_liaison"]).get()
    assert "贴息申报批次" in notice.title and notice.link == f"/loans/subsidy-batches/{batch.pk}/"
    assert not _notices(demo["bank_officer"]).exists()


def test_transfer_request_notifies_the_holding_county_only(demo, django_capture_on_commit_callbacks):
    from fanxiang.entrepreneurs import services as registry
    from fanxiang.regions.models import Region

    person = make_person(demo["officer_411625"])
    with django_capture_on_commit_callbacks(execute=True):
        registry.transfer_request(
            actor=demo["officer_411628"],
            id_number=person.id_number,
            to_region=Region.objects.get(code="411628100"),
            reason="回鹿邑经营",
        )
    assert _notices(demo["officer_411625"]).count() == 1
    assert not _notices(demo["officer_411628"]).exists()
