"""The portal's new-business form asks 经营地 as county → township (regions.cascade): no flat list of every
town, the county's townships loaded for it, and a township of another county refused on the server."""

from __future__ import annotations

import re

import pytest

from fanxiang.portal.models import EditRequest
from fanxiang.portal.tests.factories import portal_session, registry_person
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(portal, demo):
    person = registry_person(demo["officer_411625"], name="李经营地", mobile="13700006101", skills="")
    client = portal("13700006101")
    bound = client.post("/api/v1/portal/bind", {"name": "李经营地", "id_number": person.id_number}).json()
    assert bound["status"] == "bound"
    session = portal_session(client)
    session.person = person
    return session


def _township(county: str) -> Region:
    return Region.objects.filter(parent__code=county, level="township").order_by("code").first()


def _data(**overrides) -> dict:
    data = {"name": "李家电商", "kind": "unregistered", "industry": "F", "county": "411625",
            "region": _township("411625").code}  # fmt: skip
    data.update(overrides)
    return data


def test_business_form_offers_a_county_then_its_townships(me):
    page = me.get("/portal/businesses/new/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="county"' in html and 'hx-get="/regions/townships/?from=county&amp;allow_county=1"' in html
    assert "htmx" in html  # the script the cascade needs
    townships = html.split('name="region"', 1)[1].split("</select>", 1)[0]
    codes = re.findall(r'<option value="(\d+)"', townships)
    county = me.person.region.county
    expected = set(Region.objects.filter(parent=county, level="township").values_list("code", flat=True))
    assert set(codes) - {county.code} == expected  # only the person's county, not ~200 towns
    assert len(codes) < 40


def test_new_business_with_a_township_of_the_county_is_requested(me):
    response = me.post("/portal/businesses/new/", _data())
    assert response.status_code == 302, response.content.decode()[:1500]
    request = EditRequest.objects.get(kind="business_new")
    assert request.changes["region"] == _township("411625").code
    assert "county" not in request.changes


def test_township_of_another_county_is_refused(me):
    response = me.post("/portal/businesses/new/", _data(region=_township("411628").code))
    html = response.content.decode()
    assert response.status_code == 422
    assert "所选乡镇/街道不属于郸城县" in html
    assert not EditRequest.objects.filter(kind="business_new").exists()
    # the re-shown form lists the chosen county's townships
    assert _township("411628").code not in html.split('name="region"', 1)[1].split("</select>", 1)[0]
