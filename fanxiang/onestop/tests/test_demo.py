"""The demo year: a centre in every county, requests driven through the services on business days, exactly
one overdue request, rectifications open and closed; nothing on a database without registry people, and
only once."""

from __future__ import annotations

import datetime as dt

import pytest

from fanxiang.core import calendar
from fanxiang.onestop import demo as onestop_demo
from fanxiang.onestop import selectors
from fanxiang.onestop.choices import OPEN_STATUSES
from fanxiang.onestop.models import Centre, Rectification, ServiceRequest, ServiceRequestEvent
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
    # exactly one overdue request in the whole demo: every other open one is still within its time
    overdue = selectors.requests_for_user(demo["city_admin"], overdue=True, today=today)
    assert overdue.count() == 1 and "超期演示" in overdue.get().description
    still_open = made.filter(status__in=OPEN_STATUSES).exclude(pk=overdue.get().pk)
    assert still_open.exists()
    assert all(r.status == "supplement_requested" or r.due_date >= today for r in still_open)
    # rectifications: one still open, one closed after the call-back and the second rating
    assert Rectification.objects.filter(status="open", due_date__gte=today).exists()
    closed = Rectification.objects.filter(status="closed").first()
    assert closed is not None and closed.callback_on is not None and closed.second_level is not None
    # each step's rows are dated on its business day, never after today
    events = ServiceRequestEvent.objects.filter(request__in=made)
    assert events.filter(at__date__gt=today).count() == 0
    assert events.dates("at", "day").count() > 20
    assert all(calendar.is_workday(d) for d in events.dates("at", "day"))
    before = ServiceRequest.objects.count()
    demo_loader(today=today)  # once only
    assert ServiceRequest.objects.count() == before
