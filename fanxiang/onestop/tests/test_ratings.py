"""好差评: one immutable rating per completed request; a rating of 1 or 2 opens a rectification with its
deadline (15 working days by default), called back and rated again."""

from __future__ import annotations

import datetime as dt

import pytest

from fanxiang.core import calendar
from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.onestop import services
from fanxiang.onestop.models import Parameters, Rating, Rectification, RectificationEvent
from fanxiang.onestop.tests.factories import applicant, clerk, request_in
from fanxiang.onestop.workflows import RECTIFICATIONS

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 9, 18)


def test_a_good_rating_opens_nothing(demo):
    req = request_in("completed")
    rating = services.rating_create(actor=clerk(), service_request=req, level=5, comment="很好", today=DAY)
    assert (rating.level, rating.source, rating.recorded_by_id) == (5, "pad", clerk().pk)
    assert not Rectification.objects.filter(request=req).exists()


def test_a_rating_of_two_opens_a_rectification_with_its_deadline(demo):
    req = request_in("completed")
    services.rating_create(actor=clerk(), service_request=req, level=2, comment="等候太久", today=DAY)
    rect = Rectification.objects.get(request=req)
    assert (rect.status, rect.limit_days) == ("open", 15)
    assert rect.due_date == calendar.add_workdays(DAY, 15) == dt.date(2020, 10, 15)  # across National Day
    event = RectificationEvent.objects.get(rectification=rect)
    assert (event.action, event.actor_role, event.data) == ("open", "system", {"rating": 2})


def test_the_rectification_deadline_is_a_parameter(demo):
    Parameters.objects.create(valid_from=dt.date(2020, 9, 1), rectification_days=5)
    req = request_in("completed")
    services.rating_create(actor=clerk(), service_request=req, level=1, today=DAY)
    assert Rectification.objects.get(request=req).due_date == calendar.add_workdays(DAY, 5)


def test_a_second_rating_is_refused_and_the_first_is_immutable(demo):
    req = request_in("completed")
    rating = services.rating_create(actor=clerk(), service_request=req, level=4, today=DAY)
    with pytest.raises(Conflict) as exc:
        services.rating_create(actor=clerk(), service_request=req, level=1, today=DAY)
    assert exc.value.code == "onestop.already_rated"
    rating.level = 1
    with pytest.raises(Conflict) as exc:
        rating.save()
    assert exc.value.code == "onestop.rating_immutable"
    with pytest.raises(Conflict):
        rating.delete()
    assert (
        Rating.objects.get(request=req).level == 4 and not Rectification.objects.filter(request=req).exists()
    )


@pytest.mark.parametrize("level", [0, 6, -1, "5", True, 2.5])
def test_a_level_outside_one_to_five_is_refused(demo, level):
    req = request_in("completed")
    with pytest.raises(InvalidInput) as exc:
        services.rating_create(actor=clerk(), service_request=req, level=level)
    assert exc.value.code == "onestop.level_invalid"
    assert not Rating.objects.filter(request=req).exists()


def test_only_a_completed_request_is_rated_and_only_by_its_county_or_applicant(demo):
    req = request_in("in_progress")
    with pytest.raises(Conflict) as exc:
        services.rating_create(actor=clerk(), service_request=req, level=5)
    assert exc.value.code == "onestop.not_completed"
    done = request_in("completed")
    for outsider in (clerk("411628"), demo["leader"]):
        with pytest.raises(NotFound):
            services.rating_create(actor=outsider, service_request=done, level=1)
    assert not Rating.objects.filter(request__in=[req, done]).exists()


def test_the_applicant_rates_on_the_portal(demo):
    done = request_in("completed")
    me = applicant(done.entrepreneur)
    rating = services.rating_create(actor=me, service_request=done, level=3, source="portal")
    assert (rating.source, rating.recorded_by_id) == ("portal", me.pk)


def test_call_back_and_second_rating_close_the_rectification(demo):
    req = request_in("completed")
    services.rating_create(actor=clerk(), service_request=req, level=1, comment="态度差", today=DAY)
    rect = Rectification.objects.get(request=req)
    with pytest.raises(Conflict) as exc:
        services.rectification_rate_fix(actor=clerk(), rectification=rect, level=5)
    assert exc.value.code == "onestop.wrong_state"
    with pytest.raises(InvalidInput) as exc:
        services.rectification_call_back(actor=clerk(), rectification=rect, note=" ")
    assert exc.value.code == "onestop.note_required"
    with pytest.raises(NotFound):
        services.rectification_call_back(actor=clerk("411628"), rectification=rect, note="越权")
    with pytest.raises(Forbidden) as exc:
        services.rectification_call_back(actor=demo["leader"], rectification=rect, note="越权")
    assert exc.value.code == "onestop.wrong_role"
    rect = services.rectification_call_back(
        actor=clerk(), rectification=rect, note="已电话致歉并说明改进措施", today=DAY
    )
    assert (rect.status, rect.callback_on) == ("called_back", DAY)
    rect = services.rectification_rate_fix(actor=applicant(req.entrepreneur), rectification=rect, level=4)
    assert (rect.status, rect.second_level) == ("closed", 4)
    assert list(rect.events.values_list("action", flat=True)) == ["open", "call_back", "rate_fix"]
    assert RECTIFICATIONS.allowed_actions(rect, clerk()) == []
