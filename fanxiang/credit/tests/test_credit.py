"""Credit ledger (诚信台账): blacklist with reason and period, lift, the per-person ledger view and list API,
the effect on eligibility, and the recommender register (credit villages / parks) with validity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.credit import services
from fanxiang.credit.models import CreditEntry, Recommender
from fanxiang.loans import repayment as svc
from fanxiang.loans.applications import eligibility
from fanxiang.loans.tests.repayment_factories import loan, person

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 6, 1)


@pytest.fixture
def someone(demo):
    return person(demo["officer_411625"])


def eligible(p, day=DAY) -> bool:
    result = eligibility.check(
        borrower_type="individual",
        entrepreneur=p,
        amount=Decimal("100000.00"),
        term_months=24,
        apply_date=day,
        borrower_categories=["returning_migrant_worker"],
    )
    return "loan.blacklisted" not in {c.code for c in result.checks if not c.passed}


def test_blacklist_with_period_blocks_eligibility_until_lifted(someone, demo):
    officer = demo["officer_411625"]
    entry = services.blacklist_add(
        actor=officer,
        entrepreneur=someone,
        reason="骗取贴息",
        start=dt.date(2021, 1, 1),
        until=dt.date(2022, 12, 31),
    )
    assert (entry.event, entry.until) == ("blacklisted", dt.date(2022, 12, 31))
    assert not eligible(someone)
    assert eligible(someone, dt.date(2023, 1, 1))  # the period has ended
    with pytest.raises(Conflict) as exc:
        services.blacklist_add(actor=officer, entrepreneur=someone, reason="重复", start=DAY)
    assert exc.value.code == "credit.already_blacklisted"
    services.blacklist_lift(actor=demo["city_admin"], entrepreneur=someone, reason="已退回贴息", date=DAY)
    assert eligible(someone)
    with pytest.raises(Conflict) as exc:
        services.blacklist_lift(actor=officer, entrepreneur=someone, reason="x", date=DAY)
    assert exc.value.code == "credit.not_blacklisted"


def test_blacklist_refusals(someone, demo):
    officer = demo["officer_411625"]
    with pytest.raises(InvalidInput) as exc:
        services.blacklist_add(actor=officer, entrepreneur=someone, reason=" ")
    assert exc.value.code == "credit.reason_required"
    with pytest.raises(InvalidInput) as exc:
        services.blacklist_add(
            actor=officer,
            entrepreneur=someone,
            reason="x",
            start=dt.date(2021, 5, 1),
            until=dt.date(2021, 4, 1),
        )
    assert exc.value.code == "credit.period_invalid"
    for user in ("officer_411628", "guarantee_officer", "bank_officer"):
        with pytest.raises(Forbidden) as exc:
            services.blacklist_add(actor=demo[user], entrepreneur=someone, reason="x")
        assert exc.value.code == "credit.blacklist_forbidden"
    assert not CreditEntry.objects.exists()


def test_ledger_view_per_person(someone, demo, api):
    """An overdue episode and a settlement appear on the person's ledger; the bank sees the ledger with only
    its own loans; another county's officer gets 404."""
    bank = demo["bank_officer"]
    ours = loan(someone, amount="10000.00", term=3)
    loan(someone, bank="DEMO-BANK-RCB", status="settled")
    svc.overdue_update(as_of=dt.date(2021, 4, 20))
    for day, amount in (("2021-04-25", "36.25"), ("2021-05-15", "19.58"), ("2021-06-15", "10019.58")):
        svc.repayment_record(actor=bank, loan=ours, date=dt.date.fromisoformat(day), amount=amount)
    services.blacklist_add(
        actor=demo["officer_411625"], entrepreneur=someone, reason="提供虚假材料", start=DAY
    )
    response = api("officer_411625").get("/api/v1/credit/ledger", {"entrepreneur": someone.pk})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["blacklisted"] is True and body["blacklist"]["reason"] == "提供虚假材料"
    assert body["counts"]["overdue"] == 1 and body["counts"]["repaid_on_time"] == 0  # paid late: not on time
    assert [e["event"] for e in body["entries"]] == ["blacklisted", "overdue"]
    assert len(body["loans"]) == 2
    bank_view = api("bank_officer").get("/api/v1/credit/ledger", {"entrepreneur": someone.pk}).json()
    assert [item["number"] for item in bank_view["loans"]] == [ours.number]
    assert api("officer_411628").get("/api/v1/credit/ledger", {"entrepreneur": someone.pk}).status_code == 404
    missing = api("officer_411625").get("/api/v1/credit/ledger")
    assert missing.status_code == 422 and missing.json()["code"] == "credit.subject_required"


def test_ledger_list_api_and_blacklist_api(someone, api):
    client = api("officer_411625")
    created = client.post(
        "/api/v1/credit/blacklist",
        {"entrepreneur": someone.pk, "reason": "恶意逃废债务", "start": "2021-06-01", "until": "2023-05-31"},
    )
    assert created.status_code == 201, created.content
    assert created.json()["until"] == "2023-05-31"
    listed = client.get("/api/v1/credit/entries/", {"event": "blacklisted"}).json()
    assert listed["count"] == 1 and listed["items"][0]["entrepreneur"] == someone.pk
    assert api("officer_411628").get("/api/v1/credit/entries/").json()["count"] == 0
    guarantee = api("guarantee_officer").post(
        "/api/v1/credit/blacklist/lift", {"entrepreneur": someone.pk, "reason": "x"}
    )
    assert guarantee.status_code == 404  # guarantee officers do not reach the registry record
    lifted = client.post(
        "/api/v1/credit/blacklist/lift",
        {"entrepreneur": someone.pk, "reason": "已履行", "date": "2021-07-01"},
    )
    assert lifted.status_code == 201 and lifted.json()["event"] == "blacklist_lifted"


def test_recommender_register(demo, api, someone):
    client = api("officer_411625")
    created = client.post(
        "/api/v1/credit/recommenders/",
        {
            "kind": "credit_village",
            "name": "郸城县吴台镇信用村",
            "region": "411625101",
            "valid_from": "2020-01-01",
            "valid_to": "2022-12-31",
            "certificate": "郸信用〔2020〕1号",
        },
    )
    assert created.status_code == 201, created.content
    rec = created.json()
    assert rec["kind_label"] == "信用乡村" and rec["valid_today"] is False  # expired by now
    bad = client.post(
        "/api/v1/credit/recommenders/",
        {
            "kind": "credit_village",
            "name": "x",
            "region": "411625101",
            "valid_from": "2021-01-01",
            "valid_to": "2020-01-01",
        },
    )
    assert bad.status_code == 422 and bad.json()["code"] == "recommender.validity_invalid"
    bad_kind = client.post(
        "/api/v1/credit/recommenders/",
        {"kind": "bank", "name": "x", "region": "411625101", "valid_from": "2021-01-01"},
    )
    assert bad_kind.json()["code"] == "recommender.kind_invalid"
    valid = client.get("/api/v1/credit/recommenders/", {"valid_on": "2021-06-01"}).json()
    assert [r["id"] for r in valid["items"]] == [rec["id"]]
    assert client.get("/api/v1/credit/recommenders/", {"valid_on": "2023-01-01"}).json()["count"] == 0
    patched = client.patch(f"/api/v1/credit/recommenders/{rec['id']}", {"valid_to": "2025-12-31"})
    assert patched.status_code == 200 and patched.json()["valid_to"] == "2025-12-31"
    moved = client.patch(f"/api/v1/credit/recommenders/{rec['id']}", {"region": "411628100"})
    assert moved.status_code == 403  # cannot move a record out of one's own county
    assert Recommender.objects.get().region.code == "411625101"
    # a recommender cited by an application cannot be deleted
    a_loan = loan(someone)
    a_loan.recommender_id = rec["id"]
    a_loan.save()
    refused = client.delete(f"/api/v1/credit/recommenders/{rec['id']}")
    assert refused.status_code == 409 and refused.json()["code"] == "recommender.in_use"
    a_loan.recommender = None
    a_loan.save()
    assert client.delete(f"/api/v1/credit/recommenders/{rec['id']}").status_code == 204
    assert not Recommender.objects.exists()
