"""The public 公示 objection form and the top-up payment take malformed input without a server error or a
second payment."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fanxiang.core.errors import Conflict, InvalidInput
from fanxiang.training import claims
from fanxiang.training.tests import factories_attendance as fa
from fanxiang.training.tests.factories_claims import finished_class
from fanxiang.training.tests.test_claims import CODE, _published

pytestmark = pytest.mark.django_db


def test_public_form_with_malformed_ids_is_refused_not_a_server_error(client):
    klass, _ = finished_class()
    claim = _published(klass, today=timezone.localdate())
    for bad in ("abc", "1.5", "-1", "１"):
        response = client.post(
            "/training/public/publicity/",
            {"claim": bad, "content": "此人当时在外地", "contact": "13900001111"},
        )
        assert response.status_code == 302, bad
        response = client.post(
            "/training/public/publicity/",
            {"claim": claim.pk, "line": bad, "content": "此人当时在外地", "contact": "13900001111"},
        )
        assert response.status_code in (302, 422), bad
    assert claim.objections.count() == 0
    with pytest.raises(InvalidInput) as exc:
        claims.objection_record(
            actor=None, claim=claim, data={"content": "异议", "contact": "13900001111", "line": "abc"}
        )
    assert exc.value.code == "training.line_invalid"


def test_top_up_is_paid_only_as_the_follow_up_decided():
    klass, _ = finished_class()
    claim = _published(klass)
    claim.followed_up_on = claim.publicity_end
    claim.amount_top_up_due = 0
    claim.status = "paid"
    claim.save()
    claim.lines.filter(eligible=True).update(top_up_amount=100)
    with pytest.raises(Conflict) as exc:
        claims.claim_pay_top_up(
            actor=fa.officer(CODE),
            claim=claim,
            data={"paid_on": claim.publicity_end.isoformat(), "payment_ref": "BK-1", "amount": "200"},
            today=claim.publicity_end,
        )
    assert exc.value.code == "training.no_top_up_due"
    claim.refresh_from_db()
    assert claim.top_up_paid_on is None


def test_the_institutions_county_filter_lists_the_counties_it_holds(demo):
    from fanxiang.training.filters_claims import claim_counties
    from fanxiang.training.tests.test_provider_role import PROVIDER

    assert claim_counties(demo[PROVIDER]) == [("411625", "郸城县")]
    assert ("411628", "鹿邑县") in claim_counties(demo["city_admin"])
    assert claim_counties(demo["officer_411625"]) == [("411625", "郸城县")]
