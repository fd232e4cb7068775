"""Subsidy claims: roster, review, 公示 in working days, objections, approval, payment as policy grants,
the follow-up top-up, and the refusals (wrong role, other county, wrong state) that change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from fanxiang.entrepreneurs.models import Business, BusinessFounder
from fanxiang.policies import grants
from fanxiang.policies.models import BenefitGrant
from fanxiang.training import claims
from fanxiang.training.certificates import certificates_issue
from fanxiang.training.choices import ClassStatus, ObjectionStatus
from fanxiang.training.models import SubsidyClaim, SubsidyClaimEvent
from fanxiang.training.tests import factories_attendance as fa
from fanxiang.training.tests.factories_claims import END, PER_TRAINEE, finished_class

pytestmark = pytest.mark.django_db
CODE = "411625"
OTHER = "411602"
MON = dt.date(2020, 9, 21)


def _published(klass, today=MON):
    officer = fa.officer(CODE)
    claim = claims.claim_create(actor=officer, training_class=klass, today=today)
    for action in ("submit", "review", "publish"):
        claim = claims.claim_action(actor=officer, claim=claim, action=action, today=today)
    return claim


def _code(exc) -> str:
    return exc.value.code


def test_roster_lines_are_computed_and_add_up():
    # 70 h → completes; 56 h = exactly 80 % → completes; 55 h passes assessment but falls short
    klass, (a, b, c) = finished_class(hours=["70", "56", "55"])
    claim = claims.claim_create(actor=fa.officer(CODE), training_class=klass, today=MON)
    lines = {line.enrolment_id: line for line in claims.claim_lines(claim)}
    assert lines[a.pk].eligible and lines[b.pk].eligible
    assert not lines[c.pk].eligible and "不予补贴" in lines[c.pk].reason
    assert claims.certificate_of(lines[a.pk]) == a.certificate.number
    assert claims.certificate_of(lines[c.pk]) == ""
    assert lines[a.pk].full_amount == PER_TRAINEE and lines[c.pk].full_amount == Decimal("0.00")
    assert lines[a.pk].base_amount == Decimal("600.00")
    assert isinstance(claim.amount_claimed, Decimal)
    assert claim.amount_claimed == sum(line.full_amount for line in lines.values()) == Decimal("2400.00")
    assert claim.trainees == 2
    klass.refresh_from_db()
    assert klass.status == ClassStatus.CLAIMED
    assert SubsidyClaimEvent.objects.filter(claim=claim, action="create").exists()


def test_publicity_runs_five_working_days_across_the_national_day_holiday():
    klass, _ = finished_class()
    # published Tue 29 Sept 2020: working days 29, 30 Sept, then 9 (Fri, holiday week), 10 (Sat, a make-up
    # working day), 12 Oct → the 公示 ends Mon 12 October
    claim = _published(klass, today=dt.date(2020, 9, 29))
    assert claim.publicity_end == dt.date(2020, 10, 12)
    with pytest.raises(Conflict) as exc:
        claims.claim_action(
            actor=fa.officer(CODE), claim=claim, action="approve", today=dt.date(2020, 10, 12)
        )
    assert _code(exc) == "training.publicity_running"
    claim.refresh_from_db()
    assert claim.status == "publicised"
    approved = claims.claim_action(
        actor=fa.officer(CODE), claim=claim, action="approve", today=dt.date(2020, 10, 13)
    )
    assert approved.status == "approved" and approved.amount_approved == Decimal("3600.00")


def test_public_objection_blocks_approval_until_upheld_and_the_line_is_removed():
    klass, (_a, b, _c) = finished_class()
    claim = _published(klass)
    line = claim.lines.get(enrolment=b)
    with pytest.raises(InvalidInput) as exc:
        claims.objection_record(
            actor=None, claim=claim, data={"content": "此人未参训", "line": line.pk}, today=MON
        )
    assert _code(exc) == "training.contact_required"
    objection = claims.objection_record(
        actor=None,
        claim=claim,
        data={"content": "此人未参训", "line": line.pk, "contact": "13800001234"},
        today=MON,
    )
    assert objection.contact_masked == "138****1234"
    after = claim.publicity_end + dt.timedelta(days=1)
    with pytest.raises(Conflict) as exc:
        claims.claim_action(actor=fa.officer(CODE), claim=claim, action="approve", today=after)
    assert _code(exc) == "training.objections_open"
    with pytest.raises(InvalidInput):
        claims.objection_handle(actor=fa.officer(CODE), objection=objection, upheld=True, note="", today=MON)
    claims.objection_handle(
        actor=fa.officer(CODE), objection=objection, upheld=True, note="经核实冒名参训", today=MON
    )
    line.refresh_from_db()
    assert not line.eligible and line.full_amount == 0 and "经核实冒名参训" in line.reason
    claim = claims.claim_action(actor=fa.officer(CODE), claim=claim, action="approve", today=after)
    assert claim.amount_approved == Decimal("2400.00")


def test_dismissed_objection_keeps_the_line_and_public_form_only_during_publicity():
    klass, (_a, *_rest) = finished_class()
    claim = _published(klass)
    objection = claims.objection_record(
        actor=fa.officer(CODE), claim=claim, data={"content": "电话反映", "raised_by": "群众"}, today=MON
    )
    claims.objection_handle(
        actor=fa.officer(CODE), objection=objection, upheld=False, note="查无实据", today=MON
    )
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DISMISSED
    assert claim.lines.filter(eligible=True).count() == 3
    late = claim.publicity_end + dt.timedelta(days=1)
    with pytest.raises(Conflict) as exc:
        claims.objection_record(
            actor=None, claim=claim, data={"content": "x", "contact": "13800001234"}, today=late
        )
    assert _code(exc) == "training.publicity_closed"


def _paid(klass, paid_on=dt.date(2020, 10, 20)):
    claim = _published(klass)
    claim = claims.claim_action(
        actor=fa.officer(CODE), claim=claim, action="approve", today=dt.date(2020, 10, 13)
    )
    due = sum(line.base_amount for line in claim.lines.filter(eligible=True))
    return claims.claim_pay(
        actor=fa.officer(CODE),
        claim=claim,
        data={"paid_on": paid_on.isoformat(), "amount": str(due), "payment_ref": "ZK-2020-0099"},
        today=paid_on,
    )


def test_payment_becomes_policy_grants_and_the_amount_must_match():
    klass, (a, _b, _c) = finished_class()
    claim = _published(klass)
    claim = claims.claim_action(
        actor=fa.officer(CODE), claim=claim, action="approve", today=dt.date(2020, 10, 13)
    )
    with pytest.raises(InvalidInput) as exc:
        claims.claim_pay(
            actor=fa.officer(CODE),
            claim=claim,
            data={"paid_on": "2020-10-20", "amount": "3600", "payment_ref": "V1"},
            today=dt.date(2020, 10, 20),
        )
    assert _code(exc) == "training.payment_amount_mismatch"
    assert not BenefitGrant.objects.filter(entrepreneur=a.entrepreneur).exists()
    claim = _paid_existing(claim)
    assert claim.status == "paid" and claim.amount_paid == Decimal("1800.00")
    grant = BenefitGrant.objects.get(entrepreneur=a.entrepreneur)
    assert grant.item.benefit_type == "training_subsidy" and grant.amount == Decimal("600.00")
    assert claim.lines.get(enrolment=a).grant_id == grant.pk
    assert claim.follow_up_due == dt.date(2021, 3, 16)


def _paid_existing(claim):
    return claims.claim_pay(
        actor=fa.officer(CODE),
        claim=claim,
        data={"paid_on": "2020-10-20", "amount": "1800.00", "payment_ref": "ZK-2020-0099"},
        today=dt.date(2020, 10, 20),
    )


def test_follow_up_tops_up_the_trainee_who_started_a_business_only():
    klass, (a, b, c) = finished_class()
    claim = _paid(klass)
    a.completed_on = b.completed_on = c.completed_on = END
    for e in (a, b, c):
        e.save(update_fields=["completed_on"])
    founded = Business.objects.create(
        kind="individual_business", name="王记农家乐", region=a.entrepreneur.region, industry="H",
        registered_on=dt.date(2021, 1, 5),
    )  # fmt: skip
    BusinessFounder.objects.create(business=founded, entrepreneur=a.entrepreneur, is_primary=True)
    late = Business.objects.create(
        kind="individual_business", name="迟开小店", region=b.entrepreneur.region, industry="F",
        registered_on=dt.date(2021, 4, 1),
    )  # fmt: skip
    BusinessFounder.objects.create(business=late, entrepreneur=b.entrepreneur, is_primary=True)
    with pytest.raises(Conflict) as exc:
        claims.claim_follow_up(actor=fa.officer(CODE), claim=claim, today=dt.date(2021, 3, 15))
    assert _code(exc) == "training.follow_up_not_due"
    claim = claims.claim_follow_up(actor=fa.officer(CODE), claim=claim, today=dt.date(2021, 3, 16))
    la, lb = claim.lines.get(enrolment=a), claim.lines.get(enrolment=b)
    assert (
        la.started_business is True
        and la.top_up_amount == Decimal("600.00")
        and "应补拨600.00元" in la.reason
    )
    assert lb.started_business is False and lb.top_up_amount == 0 and "不予补拨" in lb.reason
    # the follow-up decides; the top-up is paid (and becomes a grant) only with its own payment record
    assert claim.amount_top_up_due == Decimal("600.00") and claim.amount_paid == Decimal("1800.00")
    assert sum(g.amount for g in BenefitGrant.objects.filter(entrepreneur=a.entrepreneur)) == Decimal(
        "600.00"
    )
    with pytest.raises(Conflict):
        claims.claim_follow_up(actor=fa.officer(CODE), claim=claim, today=dt.date(2021, 3, 17))
    claim = claims.claim_pay_top_up(
        actor=fa.officer(CODE),
        claim=claim,
        data={"paid_on": "2021-03-18", "amount": "600.00", "payment_ref": "ZK-2021-0012"},
        today=dt.date(2021, 3, 18),
    )
    assert claim.amount_paid == Decimal("2400.00") and claim.amount_topped_up == Decimal("600.00")
    assert claim.top_up_paid_on == dt.date(2021, 3, 18) and claim.top_up_payment_ref == "ZK-2021-0012"
    assert sum(g.amount for g in BenefitGrant.objects.filter(entrepreneur=a.entrepreneur)) == PER_TRAINEE
    top_up = claim.lines.get(enrolment=a).top_up_grant
    assert top_up.amount == Decimal("600.00") and top_up.granted_on == dt.date(2021, 3, 18)
    assert top_up.batch == "ZK-2021-0012"
    assert not BenefitGrant.objects.filter(
        entrepreneur=b.entrepreneur, amount=Decimal("600.00"), batch="ZK-2021-0012"
    ).exists()


def test_once_only_refused_by_the_policies_rule():
    klass, (a, _b, _c) = finished_class()
    _paid(klass)
    # the same person in a second SYB class: the line is refused with the policies' own reason
    klass2, _ = finished_class(hours=["70"])
    again = fa.enrol(klass2, who=a.entrepreneur, hours_attended=Decimal("70"), assessment_passed=True)
    certificates_issue(training_class=klass2, actor=fa.officer(CODE), today=END)
    claim2 = claims.claim_create(actor=fa.officer(CODE), training_class=klass2, today=MON)
    line = claim2.lines.get(enrolment=again)
    assert not line.eligible and "一次性政策" in line.reason and line.full_amount == 0
    # and at payment the policies' grant service itself refuses a grant recorded in between
    other = claim2.lines.exclude(enrolment=again).get()
    first_grant = BenefitGrant.objects.filter(entrepreneur=a.entrepreneur).first()
    with pytest.raises(DomainError) as exc:
        grants.grant_create(
            actor=fa.officer(CODE),
            data={
                "item": first_grant.item_id,
                "entrepreneur": a.entrepreneur_id,
                "amount": "600",
                "granted_on": "2020-10-21",
            },
        )
    assert _code(exc) == "policy.grant_once_only"
    assert other.eligible


@pytest.mark.parametrize(
    ("who", "code"),
    [("clerk", "training.forbidden"), ("other", "not_found")],
)
def test_claim_create_wrong_role_or_county_refused_and_nothing_changed(who, code):
    klass, _ = finished_class()
    if who == "clerk":
        actor = User.objects.create(username="claim-clerk")
        RoleAssignment.objects.create(user=actor, role=Role.SERVICE_CLERK, region=fa.county(CODE))
        actor = User.objects.get(pk=actor.pk)
    else:
        actor = fa.officer(OTHER)
    with pytest.raises((Forbidden, NotFound)) as exc:
        claims.claim_create(actor=actor, training_class=klass, today=MON)
    assert _code(exc) == code
    klass.refresh_from_db()
    assert (
        klass.status == ClassStatus.FINISHED
        and not SubsidyClaim.objects.filter(training_class=klass).exists()
    )


def test_wrong_state_and_other_county_steps_refused_and_nothing_changed():
    klass, _ = finished_class()
    claim = claims.claim_create(actor=fa.officer(CODE), training_class=klass, today=MON)
    with pytest.raises(Conflict) as exc:
        claims.claim_action(actor=fa.officer(CODE), claim=claim, action="publish", today=MON)
    assert _code(exc) == "training.wrong_state"
    with pytest.raises(NotFound):
        claims.claim_action(actor=fa.officer(OTHER), claim=claim, action="submit", today=MON)
    claim.refresh_from_db()
    assert claim.status == "draft" and claim.publicity_start is None
    running = fa.make_class(CODE, status=ClassStatus.RUNNING)
    with pytest.raises(Conflict) as exc:
        claims.claim_create(actor=fa.officer(CODE), training_class=running, today=MON)
    assert _code(exc) == "training.class_not_finished"
    with pytest.raises(Conflict) as exc:
        claims.claim_create(actor=fa.officer(CODE), training_class=klass, today=MON)
    assert _code(exc) == "training.claim_exists"


def test_return_clears_the_publicity_and_resubmit_recomputes():
    klass, (a, *_rest) = finished_class()
    claim = _published(klass)
    with pytest.raises(InvalidInput):
        claims.claim_action(actor=fa.officer(CODE), claim=claim, action="return", today=MON)
    claim = claims.claim_action(
        actor=fa.officer(CODE), claim=claim, action="return", note="证书有误", today=MON
    )
    assert claim.status == "returned" and claim.publicity_end is None
    a.certificate.revoked = True
    a.certificate.save()
    claim = claims.claim_action(actor=fa.officer(CODE), claim=claim, action="submit", today=MON)
    line = claim.lines.get(enrolment=a)
    assert not line.eligible and "证书已撤销" in line.reason
    assert claim.amount_claimed == Decimal("2400.00")


# --------------------------------------------------------------------------- API


def test_api_chain_until_publicity_blocks_approval(api):
    klass, (a, *_rest) = finished_class()
    client = api(f"officer_{CODE}")
    response = client.post("/api/v1/training/claims/", {"class": klass.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and Decimal(body["amount_claimed"]) == Decimal("3600.00")
    assert len(body["lines"]) == 3 and "id_number" not in json_text(body)
    assert body["lines"][0]["name_masked"].endswith("*") and body["lines"][0]["certificate_number"]
    assert a.entrepreneur.name not in json_text(body)
    cid = body["id"]
    for action in ("submit", "review", "publish"):
        response = client.post(f"/api/v1/training/claims/{cid}/actions/{action}", {})
        assert response.status_code == 200, (action, response.content)
    response = client.post(f"/api/v1/training/claims/{cid}/actions/approve", {})
    assert response.status_code == 409 and response.json()["code"] == "training.publicity_running"
    line = response_line = client.get(f"/api/v1/training/claims/{cid}").json()["lines"][1]
    response = client.post(
        f"/api/v1/training/claims/{cid}/actions/object", {"content": "电话反映未到课", "line": line["id"]}
    )
    assert response.status_code == 200 and response.json()["objections"][0]["status"] == "open"
    oid = response.json()["objections"][0]["id"]
    response = client.post(f"/api/v1/training/claims/objections/{oid}/handle", {"upheld": True, "note": ""})
    assert response.status_code == 422
    response = client.post(
        f"/api/v1/training/claims/objections/{oid}/handle", {"upheld": True, "note": "属实"}
    )
    assert response.status_code == 200
    assert next(x for x in response.json()["lines"] if x["id"] == response_line["id"])["eligible"] is False
    assert Decimal(response.json()["amount_claimed"]) == Decimal("2400.00")


def test_api_other_county_and_wrong_role_refused(api):
    klass, _ = finished_class()
    response = api(f"officer_{OTHER}").post("/api/v1/training/claims/", {"class": klass.pk})
    assert response.status_code == 404
    claim = claims.claim_create(actor=fa.officer(CODE), training_class=klass, today=MON)
    other = api(f"officer_{OTHER}")
    assert other.get(f"/api/v1/training/claims/{claim.pk}").status_code == 404
    assert other.post(f"/api/v1/training/claims/{claim.pk}/actions/submit", {}).status_code == 404
    assert claim.pk not in [c["id"] for c in other.get("/api/v1/training/claims/").json()["items"]]
    claim.refresh_from_db()
    assert claim.status == "draft"


def json_text(body) -> str:
    import json

    return json.dumps(body, ensure_ascii=False)


# --------------------------------------------------------------------------- pages


def test_public_publicity_page_shows_masked_names_only_and_takes_objections(client):
    from django.utils import timezone

    klass, (a, b, _c) = finished_class()
    claim = _published(klass, today=timezone.localdate())
    draft_class, _ = finished_class()
    claims.claim_create(actor=fa.officer(CODE), training_class=draft_class, today=MON)  # not publicised
    page = client.get("/training/public/publicity/")
    assert page.status_code == 200
    html = page.content.decode()
    assert klass.name in html and draft_class.name not in html
    assert a.entrepreneur.name not in html and a.entrepreneur.name[0] + "*" in html
    assert a.entrepreneur.id_number not in html
    assert a.certificate.number in html
    line = claim.lines.get(enrolment=b)
    response = client.post(
        "/training/public/publicity/",
        {"claim": claim.pk, "line": line.pk, "content": "此人当时在外地", "contact": "13900001111"},
    )
    assert response.status_code == 302
    objection = claim.objections.get()
    assert objection.enrolment_id == b.pk and objection.contact_masked == "139****1111"
    assert objection.recorded_by is None
    # a claim not in its 公示 takes no public objection
    client.post(
        "/training/public/publicity/", {"claim": claim.pk + 999, "content": "x", "contact": "13900001111"}
    )
    assert claim.objections.count() == 1


def test_staff_claim_page_in_scope_only(web):
    klass, (a, *_rest) = finished_class()
    claim = claims.claim_create(actor=fa.officer(CODE), training_class=klass, today=MON)
    page = web(f"officer_{CODE}").get(f"/training/claims/{claim.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert a.certificate.number in html and a.entrepreneur.name not in html
    assert 'data-action="submit"' in html
    other = web(f"officer_{OTHER}")
    assert other.get(f"/training/claims/{claim.pk}/").status_code == 404
    assert other.post(f"/training/claims/{claim.pk}/submit/", {}).status_code == 404
    response = web(f"officer_{CODE}").post(f"/training/claims/{claim.pk}/submit/", {})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "submitted"


def test_payment_refused_by_the_once_only_rule_changes_nothing():
    klass, (a, *_rest) = finished_class()
    claim = _published(klass)
    claim = claims.claim_action(
        actor=fa.officer(CODE), claim=claim, action="approve", today=dt.date(2020, 10, 13)
    )
    # the trainee received the kind's subsidy elsewhere after the claim was filed
    item = claims._item(klass.programme.kind)
    grants.grant_create(
        actor=fa.officer(CODE),
        data={
            "item": item.pk,
            "entrepreneur": a.entrepreneur_id,
            "amount": "500",
            "granted_on": "2020-10-14",
        },
    )
    with pytest.raises(Conflict) as exc:
        _paid_existing(claim)
    assert _code(exc) == "policy.grant_once_only"
    claim.refresh_from_db()
    assert claim.status == "approved" and claim.paid_on is None and claim.amount_paid == 0
    assert BenefitGrant.objects.filter(item=item).count() == 1
    assert not claim.lines.exclude(grant=None).exists()


def test_the_class_page_files_the_claim_and_then_links_it(client):
    klass, _ = finished_class()
    client.force_login(fa.officer(CODE))
    page = client.get(f"/training/classes/{klass.pk}/").content.decode()
    assert 'data-testid="claim-file"' in page and 'data-testid="claim"' not in page
    response = client.post(f"/training/classes/{klass.pk}/claim/")
    claim = SubsidyClaim.objects.get(training_class=klass)
    assert response.status_code == 302 and response["Location"] == f"/training/claims/{claim.pk}/"
    page = client.get(f"/training/classes/{klass.pk}/").content.decode()
    assert f'href="/training/claims/{claim.pk}/" data-testid="claim"' in page
    assert 'data-testid="claim-file"' not in page
    client.force_login(fa.officer(OTHER))  # another county: neither the page nor the claim
    assert client.post(f"/training/classes/{klass.pk}/claim/").status_code == 404
    assert SubsidyClaim.objects.filter(training_class=klass).count() == 1


# --------------------------------------------------------------------------- the follow-up's founder rule


def _business(person, name, registered_on, *, founder=True):
    biz = Business.objects.create(
        kind="individual_business", name=name, region=person.region, industry="H", registered_on=registered_on
    )
    if founder:
        BusinessFounder.objects.create(business=biz, entrepreneur=person, is_primary=True)
    return biz


def test_follow_up_counts_only_a_business_the_trainee_founded_within_the_window():
    from fanxiang.credit.models import CreditEntry

    klass, (a, b, c) = finished_class()
    claim = _paid(klass)
    for e in (a, b, c):
        e.completed_on = END  # 2020-09-16: the window runs to 2021-03-16, both days included
        e.save(update_fields=["completed_on"])
    # a: works at a business someone else founded in the window, and the registry links a to it (a credit
    # entry naming the business) — linked, not its founder: no top-up
    employer = fa.person(CODE)
    shop = _business(employer, "李记超市", dt.date(2020, 12, 1))
    CreditEntry.objects.create(
        entrepreneur=a.entrepreneur, business=shop, event="repaid_on_time", date=dt.date(2021, 1, 4)
    )
    # b: founded one the day before completion (too early); c: founded one on the last day of the window
    _business(b.entrepreneur, "早开小店", dt.date(2020, 9, 15))
    _business(c.entrepreneur, "准时农家乐", dt.date(2021, 3, 16))
    claim = claims.claim_follow_up(actor=fa.officer(CODE), claim=claim, today=dt.date(2021, 3, 16))
    la, lb, lc = (claim.lines.get(enrolment=e) for e in (a, b, c))
    assert la.started_business is False and la.top_up_amount == 0 and "未登记本人创办的经营主体" in la.reason
    assert lb.started_business is False and lb.top_up_amount == 0
    assert lc.started_business is True and lc.top_up_amount == Decimal("600.00")
    assert claim.amount_top_up_due == Decimal("600.00")


# --------------------------------------------------------------------------- the top-up payment


def _followed_up(klass, a):
    claim = _paid(klass)
    _business(a.entrepreneur, "王记农家乐", dt.date(2021, 1, 5))
    return claims.claim_follow_up(actor=fa.officer(CODE), claim=claim, today=dt.date(2021, 3, 16))


def _top_up(claim, today=dt.date(2021, 3, 18), **data):
    data = {"paid_on": "2021-03-18", "amount": "600.00", "payment_ref": "ZK-2021-0012", **data}
    return claims.claim_pay_top_up(actor=fa.officer(CODE), claim=claim, data=data, today=today)


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"amount": "500"}, "amount", "training.payment_amount_mismatch"),
        ({"amount": "六百"}, "amount", "training.amount_invalid"),
        ({"amount": "-600"}, "amount", "training.amount_invalid"),
        ({"amount": "NaN"}, "amount", "training.amount_invalid"),
        ({"amount": "1e30"}, "amount", "training.amount_invalid"),
        ({"paid_on": "2021-02-30"}, "paid_on", "training.paid_on_invalid"),
        ({"paid_on": "2021-03-19"}, "paid_on", "training.paid_on_invalid"),  # after today
        ({"paid_on": "2021-03-15"}, "paid_on", "training.paid_on_invalid"),  # before the follow-up
        ({"payment_ref": " "}, "payment_ref", "training.payment_ref_required"),
    ],
)
def test_top_up_payment_bad_input_names_the_field_and_changes_nothing(data, field, code):
    klass, (a, *_rest) = finished_class()
    claim = _followed_up(klass, a)
    grants_before = BenefitGrant.objects.count()
    with pytest.raises(InvalidInput) as exc:
        _top_up(claim, **data)
    assert _code(exc) == code and field in exc.value.errors
    claim.refresh_from_db()
    assert (
        claim.top_up_paid_on is None
        and claim.amount_topped_up == 0
        and claim.amount_paid == Decimal("1800.00")
    )
    assert BenefitGrant.objects.count() == grants_before
    assert not claim.lines.exclude(top_up_grant=None).exists()
    assert not SubsidyClaimEvent.objects.filter(claim=claim, action="pay_top_up").exists()


def test_top_up_payment_only_after_the_follow_up_once_and_when_due():
    klass, (a, *_rest) = finished_class()
    claim = _paid(klass)
    with pytest.raises(Conflict) as exc:
        _top_up(claim)
    assert _code(exc) == "training.follow_up_pending"
    _business(a.entrepreneur, "王记农家乐", dt.date(2021, 1, 5))
    claim = claims.claim_follow_up(actor=fa.officer(CODE), claim=claim, today=dt.date(2021, 3, 16))
    with pytest.raises(NotFound):  # another county's officer cannot record it (nor learn it exists)
        claims.claim_pay_top_up(
            actor=fa.officer(OTHER),
            claim=claim,
            data={"paid_on": "2021-03-18", "amount": "600", "payment_ref": "X"},
            today=dt.date(2021, 3, 18),
        )
    claim = _top_up(claim)
    assert SubsidyClaimEvent.objects.filter(claim=claim, action="pay_top_up").count() == 1
    with pytest.raises(Conflict) as exc:
        _top_up(claim, payment_ref="ZK-2021-0013")
    assert _code(exc) == "training.top_up_already_paid"
    assert BenefitGrant.objects.filter(batch="ZK-2021-0013").count() == 0
    # a claim whose follow-up found nobody to top up has nothing to pay
    other, _ = finished_class()
    nothing = claims.claim_follow_up(actor=fa.officer(CODE), claim=_paid(other), today=dt.date(2021, 3, 16))
    assert nothing.amount_top_up_due == 0
    with pytest.raises(Conflict) as exc:
        _top_up(nothing)
    assert _code(exc) == "training.no_top_up_due"


def test_api_and_page_record_the_top_up(api, web):
    klass, (a, *_rest) = finished_class()
    claim = _followed_up(klass, a)
    page = web(f"officer_{CODE}").get(f"/training/claims/{claim.pk}/").content.decode()
    assert 'data-action="pay_top_up"' in page and 'data-action="follow_up"' not in page
    assert "待登记补拨 600.00 元" in page
    client = api(f"officer_{CODE}")
    url = f"/api/v1/training/claims/{claim.pk}/actions/pay_top_up"
    response = client.post(url, {"paid_on": "2021-03-18", "amount": "599.99", "payment_ref": "ZK-7"})
    assert response.status_code == 422 and response.json()["code"] == "training.payment_amount_mismatch"
    assert "amount" in response.json()["errors"]
    response = client.post(url, {"paid_on": _local_today(), "amount": "600", "payment_ref": "ZK-7"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["top_up_payment_ref"] == "ZK-7" and Decimal(body["amount_topped_up"]) == Decimal("600.00")
    assert Decimal(body["amount_paid"]) == Decimal("2400.00")
    page = web(f"officer_{CODE}").get(f"/training/claims/{claim.pk}/").content.decode()
    assert "凭证号 ZK-7" in page and 'data-action="pay_top_up"' not in page


def _local_today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


# --------------------------------------------------------------------------- the objector's contact


@pytest.mark.parametrize(
    ("contact", "code"),
    [("", "training.contact_required"), ("1380000123", "training.contact_invalid"),
     ("0394-8210000", "training.contact_invalid"), ("abc", "training.contact_invalid")],
)  # fmt: skip
def test_public_objection_contact_must_be_a_mobile_number(contact, code):
    klass, _ = finished_class()
    claim = _published(klass)
    with pytest.raises(InvalidInput) as exc:
        claims.objection_record(actor=None, claim=claim, data={"content": "x", "contact": contact}, today=MON)
    assert _code(exc) == code and list(exc.value.errors) == ["contact"]
    assert not claim.objections.exists()


def test_objection_contact_is_encrypted_masked_and_revealed_with_a_log_entry():
    from auditlog.models import LogEntry

    from fanxiang.core import pii

    klass, _ = finished_class()
    claim = _published(klass)
    objection = claims.objection_record(
        actor=None, claim=claim, data={"content": "未到课", "contact": "+86 139-0000-1111"}, today=MON
    )
    objection.refresh_from_db()
    assert objection.contact_masked == "139****1111"
    assert "13900001111" not in objection.contact_enc and pii.decrypt(objection.contact_enc) == "13900001111"
    # staff recording a phone call: the contact is optional, a bad one refused
    silent = claims.objection_record(actor=fa.officer(CODE), claim=claim, data={"content": "电话"}, today=MON)
    assert silent.contact_enc == "" and silent.contact_masked == ""
    with pytest.raises(InvalidInput) as exc:
        claims.objection_record(
            actor=fa.officer(CODE), claim=claim, data={"content": "电话", "contact": "12345"}, today=MON
        )
    assert _code(exc) == "training.contact_invalid"
    officer = fa.officer(CODE)
    assert claims.objection_contact_reveal(actor=officer, objection=objection) == "13900001111"
    entry = LogEntry.objects.filter(object_pk=str(objection.pk), additional_data__event="reveal").get()
    assert entry.actor_id == officer.pk and entry.additional_data["field"] == "contact"
    with pytest.raises(Forbidden) as exc:
        claims.objection_contact_reveal(actor=fa.officer(OTHER), objection=objection)
    assert _code(exc) == "training.reveal_forbidden"
    with pytest.raises(Conflict) as exc:
        claims.objection_contact_reveal(actor=officer, objection=silent)
    assert _code(exc) == "training.contact_missing"
    assert LogEntry.objects.filter(additional_data__event="reveal").count() == 1
    # the change log never holds the clear number nor the ciphertext
    texts = [str(e.changes) for e in LogEntry.objects.filter(object_pk=str(objection.pk))]
    assert not any("13900001111" in t or objection.contact_enc in t for t in texts)


def test_contact_reveal_page_and_api_in_scope_only(web, api):
    from auditlog.models import LogEntry

    klass, _ = finished_class()
    claim = _published(klass)
    objection = claims.objection_record(
        actor=fa.officer(CODE), claim=claim, data={"content": "电话", "contact": "13700002222"}, today=MON
    )
    page = web(f"officer_{CODE}").get(f"/training/claims/{claim.pk}/").content.decode()
    assert "137****2222" in page and "13700002222" not in page and 'data-testid="contact-reveal"' in page
    url = f"/training/claims/{claim.pk}/objections/{objection.pk}/reveal/"
    assert web(f"officer_{CODE}").get(url).status_code == 405
    response = web(f"officer_{CODE}").post(url)
    assert response.status_code == 200 and "13700002222" in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert web(f"officer_{OTHER}").post(url).status_code == 404
    api_url = f"/api/v1/training/claims/objections/{objection.pk}/reveal-contact"
    assert api(f"officer_{OTHER}").post(api_url, {}).status_code == 404
    response = api(f"officer_{CODE}").post(api_url, {})
    assert response.status_code == 200 and response.json() == {"contact": "13700002222"}
    assert LogEntry.objects.filter(object_pk=str(objection.pk), additional_data__event="reveal").count() == 2
    detail = api(f"officer_{CODE}").get(f"/api/v1/training/claims/{claim.pk}").json()
    assert detail["objections"][0]["contact_masked"] == "137****2222" and "13700002222" not in json_text(
        detail
    )


# --------------------------------------------------------------------------- the list, export, API, inbox


def _two_counties():
    mine, _ = finished_class()
    claim = claims.claim_create(actor=fa.officer(CODE), training_class=mine, today=MON)
    claim = claims.claim_action(actor=fa.officer(CODE), claim=claim, action="submit", today=MON)
    draft_class, _ = finished_class()
    draft = claims.claim_create(actor=fa.officer(CODE), training_class=draft_class, today=MON)
    theirs_class, _ = finished_class(OTHER)
    theirs = claims.claim_create(actor=fa.officer(OTHER), training_class=theirs_class, today=MON)
    return claim, draft, theirs


def test_claim_list_is_scoped_filtered_and_exported(web):
    from io import BytesIO

    from openpyxl import load_workbook

    claim, draft, theirs = _two_counties()
    client = web(f"officer_{CODE}")
    html = client.get("/training/claims/").content.decode()
    assert claim.training_class.name in html and draft.training_class.name in html
    assert theirs.training_class.name not in html
    assert "已提交" in html and "3600.00" in html and 'data-status="submitted"' in html
    # the county dropdown lists the user's county only
    assert 'value="411625"' in html and 'value="411602"' not in html
    html = client.get("/training/claims/?status=submitted").content.decode()
    assert claim.training_class.name in html and draft.training_class.name not in html
    assert "共 1 条" in html
    html = client.get("/training/claims/?region=411602").content.decode()  # not offered: no filtering
    assert theirs.training_class.name not in html
    # navigation links the list
    assert 'href="/training/claims/"' in client.get("/training/classes/").content.decode()
    response = client.get("/training/claims/export/?status=submitted")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("培训班", "县（市、区）", "申领人数")
    assert [r[0] for r in rows[1:]] == [claim.training_class.name]
    assert rows[1][3] == 3600 and rows[1][-1] == "已提交"
    other = web(f"officer_{OTHER}").get("/training/claims/export/").content
    names = [r[0] for r in list(load_workbook(BytesIO(other)).active.iter_rows(values_only=True))[1:]]
    assert names == [theirs.training_class.name]
    assert web("service_clerk").get("/training/claims/").status_code == 403


def test_api_claim_list_filters_status_and_region_and_refuses_bad_values(api):
    claim, draft, theirs = _two_counties()
    client = api(f"officer_{CODE}")
    ids = [c["id"] for c in client.get("/api/v1/training/claims/").json()["items"]]
    assert set(ids) == {claim.pk, draft.pk}
    ids = [c["id"] for c in client.get("/api/v1/training/claims/?status=draft").json()["items"]]
    assert ids == [draft.pk]
    assert client.get("/api/v1/training/claims/?region=411602").json()["items"] == []
    city = api("city_admin")
    ids = [c["id"] for c in city.get("/api/v1/training/claims/?region=411602").json()["items"]]
    assert ids == [theirs.pk]
    response = client.get("/api/v1/training/claims/?status=closed")
    assert response.status_code == 422 and response.json()["code"] == "training.status_invalid"
    assert "status" in response.json()["errors"]
    response = client.get("/api/v1/training/claims/?region=999999")
    assert response.status_code == 422 and response.json()["code"] == "training.region_invalid"


def test_inbox_lists_claims_waiting_for_the_county(web):
    from fanxiang.core.tasks import tasks_for

    claim, draft, _theirs = _two_counties()
    mine = {i["kind"]: i for i in tasks_for(fa.officer(CODE), on=MON)["items"]}
    assert mine["training.claim_review"]["count"] == 1
    assert mine["training.claim_review"]["url"] == "/training/claims/?task=review"
    assert "training.claim_pay" not in mine and "training.claim_follow_up" not in mine
    others = {i["kind"]: i for i in tasks_for(fa.officer(OTHER), on=MON)["items"]}
    assert "training.claim_review" not in others  # their claim is a draft; ours is not theirs
    html = web(f"officer_{CODE}").get("/training/claims/?task=review").content.decode()
    assert claim.training_class.name in html and draft.training_class.name not in html
    # a paid claim's follow-up: on its day due soon, after it overdue
    klass, _ = finished_class()
    paid = _paid(klass)
    due = {i["kind"]: i for i in tasks_for(fa.officer(CODE), on=paid.follow_up_due)["items"]}
    assert due["training.claim_follow_up"]["count"] == 1 and due["training.claim_follow_up"]["due_soon"] == 1
    later = paid.follow_up_due + dt.timedelta(days=1)
    late = {i["kind"]: i for i in tasks_for(fa.officer(CODE), on=later)["items"]}
    assert late["training.claim_follow_up"]["overdue"] == 1
    early = {
        i["kind"]: i
        for i in tasks_for(fa.officer(CODE), on=paid.follow_up_due - dt.timedelta(days=1))["items"]
    }
    assert "training.claim_follow_up" not in early
