"""The county's registration review page names nothing of another county (DESIGN: not even a hint): an ID
number that a record of another county holds is flagged generically, never with that record's name or its
county (issue 11, scope fixes)."""

from __future__ import annotations

import pytest

from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.portal.tests.factories import registration_data

pytestmark = pytest.mark.django_db

GENERIC = "该身份证号码已在其他县区登记"


def _submit(client, **overrides) -> int:
    response = client.post("/api/v1/portal/registrations", registration_data(**overrides))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_officer_cannot_learn_another_countys_person_from_the_review_page(portal, web, demo):
    held = make_id(area="411628", birth="19870707")
    registry.entrepreneur_create(
        actor=demo["officer_411628"], data=person_data(id_number=held, region="411628101", name="鹿邑人")
    )
    reg_id = _submit(portal("13700004090"), id_number=held, business={})
    page = web("officer_411625").get(f"/portal/review/registrations/{reg_id}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert GENERIC in text
    for leak in ("鹿邑人", "鹿邑"):
        assert leak not in text, leak


def test_an_id_number_held_in_ones_own_county_is_not_flagged_as_elsewhere(portal, web, demo):
    held = make_id(area="411625", birth="19870708")
    registry.entrepreneur_create(
        actor=demo["officer_411625"], data=person_data(id_number=held, region="411625101", name="本县人")
    )
    reg_id = _submit(portal("13700004091"), id_number=held, business={})
    text = web("officer_411625").get(f"/portal/review/registrations/{reg_id}/").content.decode()
    assert GENERIC not in text
    assert "本县人" in text  # offered as the record to merge into
