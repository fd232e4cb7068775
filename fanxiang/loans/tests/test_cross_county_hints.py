"""Cross-county hints (issue 10, defect 7): another county's recommender id is refused exactly like an id
that does not exist, so recommender names cannot be enumerated by id."""

from __future__ import annotations

import pytest
from django.utils import timezone

from fanxiang.credit.models import Recommender
from fanxiang.loans.tests.factories import draft_data, make_person
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db
BASE = "/api/v1/loans/applications/"


def test_patch_with_another_countys_recommender_is_refused_like_a_missing_id(api, demo):
    officer = api("officer_411625")
    person = make_person(demo["officer_411625"])
    created = officer.post(BASE, draft_data(person))
    assert created.status_code == 201, created.content
    app_id = created.json()["id"]
    today = timezone.localdate()
    luyi = Region.objects.get(code="411628")
    current = Recommender.objects.create(
        kind="credit_village",
        name="鹿邑测试信用村",
        region=luyi,
        valid_from=today.replace(year=today.year - 1),
    )
    expired = Recommender.objects.create(
        kind="credit_park", name="鹿邑过期信用园区", region=luyi,
        valid_from=today.replace(year=today.year - 3), valid_to=today.replace(year=today.year - 1),
    )  # fmt: skip
    missing_id = max(current.pk, expired.pk) + 1000
    waiver = {"counter_guarantee": "waiver", "counter_guarantee_detail": ""}

    def patch(rec_id: int) -> tuple[int, dict]:
        response = officer.patch(f"{BASE}{app_id}", {**waiver, "recommender": rec_id})
        return response.status_code, response.json()

    status, missing = patch(missing_id)
    assert status == 422 and missing["code"] == "loan.recommender_invalid"
    for rec in (current, expired):
        assert patch(rec.pk) == (status, missing), rec.name
    text = str(patch(current.pk)) + str(patch(expired.pk))
    assert "鹿邑" not in text and "411628" not in text
