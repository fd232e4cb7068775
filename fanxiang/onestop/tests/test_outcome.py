"""A request links to what it produced: ``complete`` takes an optional ``outcome`` reference, resolved within the
actor's scope (another county's loan is refused exactly like one that does not exist, nothing changes), and
the request detail shows it as ``outcome`` ``{kind, id, label, url}`` — only kind to a viewer who may not
read the record. Kinds: loan application, policy grant, training enrolment."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from fanxiang.accounts.models import User
from fanxiang.loans import applications as loan_services
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import draft_data
from fanxiang.onestop import outcomes
from fanxiang.onestop.models import ServiceRequest
from fanxiang.onestop.tests.factories import person, request_in, staff
from fanxiang.policies.tests.factories import grant, make_document, make_item
from fanxiang.training.tests import factories as training

pytestmark = pytest.mark.django_db
BASE = "/api/v1/onestop"


def loan_of(someone) -> LoanApplication:
    county = someone.region.code[:6]
    return loan_services.application_create(actor=staff("county_officer", county), data=draft_data(someone))


def started(someone):
    return request_in("in_progress", "411625", entrepreneur=someone.pk)


def complete(client, req, outcome):
    return client.post(f"{BASE}/requests/{req.pk}/actions/complete", {"result": "已办结", "outcome": outcome})


def test_complete_links_the_loan_and_the_detail_shows_it(api):
    someone = person("411625")
    req, loan = started(someone), loan_of(someone)
    done = complete(api("service_clerk"), req, {"kind": "loan_application", "id": loan.pk})
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["status"] == "completed"
    assert body["outcome"] == {
        "kind": "loan_application",
        "id": loan.pk,
        "label": f"创业担保贷款申请 {loan.number}",
        "url": f"/loans/applications/{loan.pk}/",
    }
    req.refresh_from_db()
    assert req.outcome == loan
    assert api("officer_411625").get(f"{BASE}/requests/{req.pk}").json()["outcome"]["id"] == loan.pk
    assert body["events"][-1]["data"]["outcome"] == {"type": "loans.loanapplication", "id": loan.pk}


def test_without_outcome_the_detail_says_null(api):
    req = started(person("411625"))
    done = api("service_clerk").post(f"{BASE}/requests/{req.pk}/actions/complete", {"result": "已解答"})
    assert done.status_code == 200 and done.json()["outcome"] is None


def test_a_grant_is_an_outcome_too(api):
    someone = person("411625")
    req = started(someone)
    benefit = grant(someone, make_item(make_document()))
    body = complete(api("service_clerk"), req, {"kind": "grant", "id": benefit.pk}).json()
    assert body["outcome"]["kind"] == "grant" and body["outcome"]["id"] == benefit.pk
    assert body["outcome"]["url"] == f"/policies/grants/{benefit.pk}/"
    assert benefit.item.title in body["outcome"]["label"]


def test_another_countys_loan_is_refused_like_a_missing_one_and_nothing_changes(api):
    req = started(person("411625"))
    elsewhere = loan_of(person("411628"))
    clerk = api("service_clerk")
    other = complete(clerk, req, {"kind": "loan_application", "id": elsewhere.pk})
    missing = complete(clerk, req, {"kind": "loan_application", "id": elsewhere.pk + 10_000})
    assert other.status_code == missing.status_code == 422
    assert other.json()["code"] == missing.json()["code"] == "onestop.outcome_not_found"
    assert other.json()["message"] == missing.json()["message"]
    req.refresh_from_db()
    assert req.status == "in_progress" and req.outcome_id is None and req.result == ""


def test_unknown_kind_and_another_persons_record_are_refused(api):
    someone = person("411625")
    req = started(someone)
    clerk = api("service_clerk")
    unknown = complete(clerk, req, {"kind": "lottery_ticket", "id": 1})
    assert unknown.status_code == 422 and unknown.json()["code"] == "onestop.outcome_kind_unknown"
    neighbour = loan_of(person("411625"))
    wrong = complete(clerk, req, {"kind": "loan_application", "id": neighbour.pk})
    assert wrong.status_code == 422 and wrong.json()["code"] == "onestop.outcome_other_person"
    req.refresh_from_db()
    assert req.status == "in_progress" and req.outcome_id is None


def test_a_viewer_who_may_not_read_the_record_sees_only_its_kind(api):
    req = request_in("completed", "411625")
    elsewhere = loan_of(person("411628"))  # linked by someone who could see it (set here directly)
    ServiceRequest.objects.filter(pk=req.pk).update(
        outcome_type=ContentType.objects.get_for_model(LoanApplication), outcome_id=elsewhere.pk
    )
    shown = api("service_clerk").get(f"{BASE}/requests/{req.pk}").json()["outcome"]
    assert shown == {"kind": "loan_application", "id": None, "label": "创业担保贷款申请", "url": None}
    assert elsewhere.number not in str(shown)
    admin = User.objects.get(username="city_admin")
    assert outcomes.outcome_out(ServiceRequest.objects.get(pk=req.pk), admin)["id"] == elsewhere.pk


def test_a_training_enrolment_is_an_outcome_too(api):
    klass = training.class_in("approved", "411625")
    trainee = training.person("411625")
    enrolment = training.enrol(klass, trainee)
    req = started(trainee)
    body = complete(api("service_clerk"), req, {"kind": "training_enrolment", "id": enrolment.pk}).json()
    assert body["outcome"]["kind"] == "training_enrolment" and body["outcome"]["id"] == enrolment.pk
    assert klass.name in body["outcome"]["label"]
