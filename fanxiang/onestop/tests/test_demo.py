"""The demo year: a centre in every county, requests driven through the services, an overdue one and an
open rectification; nothing on a database without registry people, and only once."""

from __future__ import annotations

import datetime as dt

import pytest

from fanxiang.onestop import demo as onestop_demo
from fanxiang.onestop import selectors
from fanxiang.onestop.models import Centre, Rectification, ServiceRequest
from fanxiang.onestop.tests.factories import person
from fanxiang.regions.models import Region, RegionLevel

pytestmark = pytest.mark.django_db


def test_nothing_without_registry_people(demo):
    from fanxiang.entrepreneurs.models import Entrepreneur

    if Entrepreneur.objects.exists():
        pytest.skip("registry people present")
    assert demo_loader() == [] and not Centre.objects.filter(staff_note__contains=onestop_demo.MARK).exists()


def demo_loader(**kw):
    return onestop_demo.load_onestop_demo(**kw)


def test_a_demo_year(demo, monkeypatch):
    monkeypatch.setattr(onestop_demo, "REQUESTS_PER_COUNTY", 25)
    for code in ("411625", "411628", "411602"):
        person(code)
    today = dt.date(2021, 6, 30)
    demo_loader(today=today)
    counties = Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="4116").count()
    assert Centre.objects.filter(staff_note__contains=onestop_demo.MARK).count() == counties
    made = ServiceRequest.objects.filter(description__contains=onestop_demo.MARK)
    assert made.count() > 30
    assert made.filter(status="completed").exists()
    assert (
        selectors.requests_for_user(demo["city_admin"], overdue=True, today=today)
        .filter(description__contains="超期演示")
        .exists()
    )
    assert Rectification.objects.filter(status="open").exists()
    before = ServiceRequest.objects.count()
    demo_loader(today=today)  # once only
    assert ServiceRequest.objects.count() == before
