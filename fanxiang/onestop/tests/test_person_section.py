"""The one-stop section of a person's page: the person's service requests with status, type, dates and a
link, only those the viewer may see; no section for a user who may not read requests at all."""

from __future__ import annotations

import pytest
from django.test import Client

from fanxiang.core import registry
from fanxiang.onestop import person_section, services
from fanxiang.onestop.tests.factories import centre_of, clerk, person, request_in

pytestmark = pytest.mark.django_db


def _section(user, someone) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/entrepreneurs/{someone.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    if 'data-section="onestop"' not in html:
        return ""
    start = html.index('data-section="onestop"')
    return html[start : html.index("</section>", start)]


def test_registered_after_the_registry_sections():
    keys = [s.key for s in registry.person_sections()]
    assert "onestop" in keys and keys.index("onestop") > keys.index("policies")


def test_the_persons_requests_with_status_dates_and_link(demo):
    someone = person("411625")
    done = request_in("completed", "411625", entrepreneur=someone.pk, service_type="policy_consultation")
    waiting = request_in("supplement_requested", "411625", entrepreneur=someone.pk)
    others = request_in("accepted", "411625")  # another person's request
    html = _section(demo["officer_411625"], someone)
    assert 'data-testid="person-service-requests"' in html
    assert (
        f'href="/onestop/requests/{done.pk}/"' in html and f'href="/onestop/requests/{waiting.pk}/"' in html
    )
    assert f'data-id="{others.pk}"' not in html
    assert "政策咨询" in html and "已办结" in html and "待补正" in html  # Chinese labels, not codes
    assert ">completed<" not in html
    assert done.submitted_on.isoformat() in html and done.completed_on.isoformat() in html


def test_only_what_the_viewer_may_see(demo):
    someone = person("411625")
    own = request_in("accepted", "411625", entrepreneur=someone.pk)
    rows = person_section.person_requests(someone, demo["officer_411628"])
    assert rows == []  # the 411628 officer sees no 411625 request (and the page is a 404 to them anyway)
    assert [r.pk for r in person_section.person_requests(someone, clerk("411625"))] == [own.pk]
    # a request transferred to a 411628 centre stays with the receiving centre and shows at the new one
    moved = request_in("submitted", "411625", entrepreneur=someone.pk)
    services.service_request_transfer(
        actor=clerk("411625"), service_request=moved, to_centre=centre_of("411628").pk, reason="属地办理"
    )
    assert moved.pk in [r.pk for r in person_section.person_requests(someone, demo["officer_411628"])]


def test_no_section_without_the_right_to_read_requests(demo):
    someone = person("411625")
    request_in("accepted", "411625", entrepreneur=someone.pk)
    bank = demo["bank_officer"]
    assert person_section.render(someone, bank) is None
