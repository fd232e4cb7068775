"""The one-time rating link / QR at the window: no login, one use, a masked name only; forged, expired and
reused links refused with their codes; the staff include shows the QR only when it may be used."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from fanxiang.core.validators import mask_name
from fanxiang.onestop import rating_link
from fanxiang.onestop.models import Rating, Rectification
from fanxiang.onestop.tests.factories import clerk, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def _url(req, issuer=None) -> str:
    return f"/portal/rate/{rating_link.make_token(service_request=req, issuer=issuer or clerk())}/"


def _include(req, user) -> str:
    request = RequestFactory().get(f"/onestop/requests/{req.pk}/")
    request.user = user
    return render_to_string("onestop/_rating_link.html", {"req": req}, request=request)


def test_rate_once_through_the_link(demo):
    req = request_in("completed")
    url = _url(req)
    visitor = Client()  # nobody signed in
    page = visitor.get(url)
    text = page.content.decode()
    assert page.status_code == 200 and req.service_type.name in text and "非常不满意" in text
    name = req.entrepreneur.name
    assert name not in text and mask_name(name) in text  # a masked name only
    done = visitor.post(url, {"level": "2", "comment": "排队太久"})
    assert done.status_code == 200 and 'data-code="onestop.rated"' in done.content.decode()
    rating = Rating.objects.get(request=req)
    assert (rating.level, rating.source, rating.recorded_by_id) == (2, "link", clerk().pk)
    assert Rectification.objects.filter(request=req).exists()  # a 差评 opens its rectification
    for again in (visitor.get(url), visitor.post(url, {"level": "5"})):
        assert again.status_code == 409
        assert (
            'data-code="onestop.already_rated"' in again.content.decode()
            and "已评价" in again.content.decode()
        )
    assert Rating.objects.filter(request=req).count() == 1 and Rating.objects.get(request=req).level == 2


def test_a_level_is_required(demo):
    req = request_in("completed")
    response = Client().post(_url(req), {"comment": "好"})
    assert response.status_code == 422 and 'data-code="onestop.level_invalid"' in response.content.decode()
    assert not Rating.objects.filter(request=req).exists()


def test_forged_and_altered_links_are_refused(demo):
    req = request_in("completed")
    token = rating_link.make_token(service_request=req, issuer=clerk())
    other_salt = signing.dumps({"r": req.pk, "u": clerk().pk}, salt="another.salt")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), other_salt, "nonsense"):
        response = Client().post(f"/portal/rate/{bad}/", {"level": "5"})
        assert response.status_code == 404
        assert 'data-code="onestop.link_invalid"' in response.content.decode()
    assert not Rating.objects.filter(request=req).exists()


def test_a_link_of_a_clerk_without_the_county_is_refused(demo):
    req = request_in("completed")
    response = Client().get(_url(req, issuer=clerk("411628")))  # another county's clerk
    assert response.status_code == 404 and 'data-code="onestop.link_invalid"' in response.content.decode()


def test_an_expired_link_is_refused(demo, monkeypatch):
    req = request_in("completed")
    issued = int(time.time()) - (rating_link.link_days() * 86400 + 60)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued))
    url = _url(req)
    monkeypatch.undo()
    response = Client().post(url, {"level": "5"})
    assert response.status_code == 410 and 'data-code="onestop.link_expired"' in response.content.decode()
    assert not Rating.objects.filter(request=req).exists()


def test_a_request_not_completed_cannot_be_rated(demo):
    req = request_in("in_progress")
    response = Client().post(_url(req), {"level": "5"})
    assert response.status_code == 409 and 'data-code="onestop.not_completed"' in response.content.decode()


def test_the_page_is_rate_limited(demo, settings):
    settings.ONESTOP_RATING_LINK_RATE = "2/600"
    url = _url(request_in("completed"))
    client = Client(REMOTE_ADDR="10.9.9.9")
    assert [client.get(url).status_code for _ in range(2)] == [200, 200]
    third = client.get(url)
    assert third.status_code == 429 and 'data-code="onestop.rate_limited"' in third.content.decode()
    assert Client(REMOTE_ADDR="10.9.9.10").get(url).status_code == 200  # per address


def test_the_staff_include_shows_the_qr_only_when_usable(demo):
    req = request_in("completed")
    html = _include(req, clerk())
    assert 'data-testid="rating-qr"' in html and "<svg" in html and "/portal/rate/" in html
    assert _include(req, clerk("411628")).strip() == ""  # another county's clerk
    assert _include(request_in("in_progress"), clerk()).strip() == ""
    Client().post(html.split('href="', 1)[1].split('"', 1)[0], {"level": "5"})
    assert Rating.objects.filter(request=req).exists()
    assert _include(req, clerk()).strip() == ""  # rated: no link any more
