"""The service request's steps on the workflow machine: each step by its owner, and refused for the wrong
role (403 ``onestop.wrong_role``), the wrong state (409 ``onestop.wrong_state``) and another county
(404 ``not_found``) — with nothing changed."""

from __future__ import annotations

import pytest

from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.onestop import services
from fanxiang.onestop.models import ServiceRequest, ServiceRequestEvent
from fanxiang.onestop.tests.factories import MONDAY, applicant, centre, clerk, person, request_in, unit
from fanxiang.onestop.workflows import REQUESTS

pytestmark = pytest.mark.django_db

# action, the state it starts from, its body, a state it is refused in, the state it leads to
CASES = [
    ("accept", "submitted", {}, "in_progress", "accepted"),
    ("start", "accepted", {}, "submitted", "in_progress"),
    ("request_supplement", "submitted", {"missing": ["身份证复印件"]}, "completed", "supplement_requested"),
    ("resubmit", "supplement_requested", {}, "submitted", "resubmitted"),
    ("complete", "in_progress", {"result": "已提供创业指导"}, "submitted", "completed"),
    ("transfer", "accepted", {"reason": "转财政部门"}, "completed", "transferred"),
    ("reject", "submitted", {"reason": "不属于受理范围"}, "completed", "rejected"),
    ("withdraw", "submitted", {}, "completed", "withdrawn"),
]
IDS = [c[0] for c in CASES]


def _body(action, kw):
    if action == "transfer":
        return {**kw, "to_unit": unit().pk}
    return kw


def _act(action, actor, req, kw):
    return services.ACTIONS[action](actor=actor, service_request=req, today=MONDAY, **_body(action, kw))


def _unchanged(req, status, events):
    req.refresh_from_db()
    assert req.status == status
    assert ServiceRequestEvent.objects.filter(request=req).count() == events


@pytest.mark.parametrize("action,source,kw,wrong,target", CASES, ids=IDS)
def test_the_owner_takes_the_step(demo, action, source, kw, wrong, target):
    req = request_in(source)
    done = _act(action, clerk("411625"), req, kw)
    assert done.status == target
    event = ServiceRequestEvent.objects.filter(request=req).last()
    assert (event.action, event.from_status, event.to_status, event.actor_role) == (
        action,
        source,
        target,
        "service_clerk",
    )


@pytest.mark.parametrize("action,source,kw,wrong,target", CASES, ids=IDS)
def test_wrong_role_is_refused(demo, action, source, kw, wrong, target):
    req = request_in(source)
    events = ServiceRequestEvent.objects.filter(request=req).count()
    with pytest.raises(Forbidden) as exc:  # the leader reads everything and owns no step
        _act(action, demo["leader"], req, kw)
    assert exc.value.code == "onestop.wrong_role"
    _unchanged(req, source, events)


@pytest.mark.parametrize("action,source,kw,wrong,target", CASES, ids=IDS)
def test_wrong_state_is_refused(demo, action, source, kw, wrong, target):
    req = request_in(wrong)
    events = ServiceRequestEvent.objects.filter(request=req).count()
    with pytest.raises(Conflict) as exc:
        _act(action, clerk("411625"), req, kw)
    assert exc.value.code == "onestop.wrong_state"
    _unchanged(req, wrong, events)


@pytest.mark.parametrize("action,source,kw,wrong,target", CASES, ids=IDS)
def test_other_region_is_refused_as_not_found(demo, action, source, kw, wrong, target):
    req = request_in(source)
    events = ServiceRequestEvent.objects.filter(request=req).count()
    for outsider in (demo["officer_411628"], clerk("411628")):
        with pytest.raises(NotFound) as exc:
            _act(action, outsider, req, kw)
        assert exc.value.code == "not_found"
    _unchanged(req, source, events)


def test_county_officer_owns_the_steps_too(demo):
    req = request_in("submitted")
    done = services.service_request_accept(actor=demo["officer_411625"], service_request=req, today=MONDAY)
    assert done.status == "accepted"
    assert ServiceRequestEvent.objects.filter(request=req).last().actor_role == "county_officer"


def test_on_the_spot_completes_at_acceptance(demo):
    req = request_in("submitted")
    done = services.service_request_accept(
        actor=clerk(), service_request=req, complete_now=True, result="当场办结", today=MONDAY
    )
    assert (done.status, done.result, done.completed_on) == ("completed", "当场办结", MONDAY)
    actions = list(ServiceRequestEvent.objects.filter(request=req).values_list("action", flat=True))
    assert actions == ["submit", "accept", "complete"]


def test_on_the_spot_without_a_result_changes_nothing(demo):
    req = request_in("submitted")
    with pytest.raises(InvalidInput) as exc:
        services.service_request_accept(actor=clerk(), service_request=req, complete_now=True, today=MONDAY)
    assert exc.value.code == "onestop.result_required"
    _unchanged(req, "submitted", 1)


def test_reasons_and_results_are_required(demo):
    req = request_in("in_progress")
    with pytest.raises(InvalidInput) as exc:
        services.service_request_reject(actor=clerk(), service_request=req, reason="  ")
    assert exc.value.code == "onestop.reason_required"
    with pytest.raises(InvalidInput) as exc:
        services.service_request_complete(actor=clerk(), service_request=req, result="")
    assert exc.value.code == "onestop.result_required"
    with pytest.raises(InvalidInput) as exc:
        services.service_request_transfer(actor=clerk(), service_request=req, reason="", to_unit=unit().pk)
    assert exc.value.code == "onestop.reason_required"
    with pytest.raises(InvalidInput) as exc:
        services.service_request_request_supplement(actor=clerk(), service_request=req, missing=[" "])
    assert exc.value.code == "onestop.missing_required"
    _unchanged(req, "in_progress", 3)


def test_the_applicant_resubmits_and_withdraws_an_online_request_the_clerk_cannot(demo):
    who = person()
    me = applicant(who)
    req = services.service_request_create(
        actor=me, service_type="policy_enjoyment", channel="online", centre=centre().pk, today=MONDAY
    )
    assert (req.status, req.entrepreneur_id, req.created_by_id) == ("submitted", who.pk, None)
    with pytest.raises(Forbidden) as exc:
        services.service_request_accept(actor=me, service_request=req)
    assert exc.value.code == "onestop.wrong_role"
    services.service_request_request_supplement(
        actor=clerk(), service_request=req, missing=["申请表"], today=MONDAY
    )
    with pytest.raises(Forbidden) as exc:
        services.service_request_resubmit(actor=clerk(), service_request=req, today=MONDAY)
    assert exc.value.code == "onestop.applicant_only"
    assert (
        services.service_request_resubmit(actor=me, service_request=req, today=MONDAY).status == "resubmitted"
    )
    event = ServiceRequestEvent.objects.filter(request=req).last()
    assert event.actor_role == "entrepreneur" and event.data["missing"] == ["申请表"]
    other = applicant(person())
    with pytest.raises(NotFound):  # another person's request: as if it did not exist
        services.service_request_withdraw(actor=other, service_request=req)
    assert services.service_request_withdraw(actor=me, service_request=req).status == "withdrawn"


def test_a_transfer_to_another_county_moves_the_holder(demo):
    req = request_in("accepted")
    there = centre("411628")
    done = services.service_request_transfer(
        actor=clerk(), service_request=req, to_centre=there.pk, reason="申请人经营地在鹿邑县", today=MONDAY
    )
    assert (done.status, done.centre_id, done.origin_centre_id) == (
        "transferred",
        there.pk,
        req.origin_centre_id,
    )
    # the transferring county still sees it, and may no longer act on it
    assert ServiceRequest.objects.for_user(demo["officer_411625"]).filter(pk=req.pk).exists()
    with pytest.raises(Forbidden) as exc:
        services.service_request_accept(actor=clerk(), service_request=req)
    assert exc.value.code == "onestop.not_holder"
    accepted = services.service_request_accept(
        actor=demo["officer_411628"], service_request=req, today=MONDAY
    )
    assert accepted.status == "accepted" and accepted.due_date == req.due_date  # the clock ran on


def test_intake_refusals(demo):
    c = centre()
    cases = [
        ({"service_type": "nope"}, "onestop.service_type_unknown"),
        ({"channel": "fax"}, "onestop.channel_invalid"),
        ({"service_type": "social_insurance_transfer", "channel": "online"}, "onestop.mode_not_allowed"),
        ({"entrepreneur": None}, "onestop.applicant_required"),
        ({"entrepreneur": None, "visitor_id_number": "411625198501011234"}, "id.invalid_checksum"),
        ({"centre": centre("411628").pk}, "onestop.centre_unknown"),
    ]
    before = ServiceRequest.objects.count()
    for change, code in cases:
        data = {
            "service_type": "startup_guidance",
            "channel": "window",
            "centre": c.pk,
            "entrepreneur": person().pk,
            **change,
        }
        with pytest.raises(InvalidInput) as exc:
            services.service_request_create(actor=clerk(), **data)
        assert exc.value.code == code, change
    assert ServiceRequest.objects.count() == before


def test_a_visitor_by_id_number_is_stored_sealed(demo):
    from fanxiang.core import pii
    from fanxiang.entrepreneurs.tests.factories import make_id

    number = make_id(area="411625", birth="19900202")
    req = services.service_request_create(
        actor=clerk(),
        service_type="policy_consultation",
        channel="window",
        centre=centre().pk,
        visitor_id_number=number,
        today=MONDAY,
    )
    assert req.entrepreneur_id is None and req.visitor_id_number == number
    assert req.visitor_id_hash == pii.index(number) and number not in req.visitor_id_enc
    assert req.visitor_id_masked == number[:4] + "*" * 10 + number[-4:]


def test_every_step_is_declared_on_the_machine():
    assert set(REQUESTS.actions) == {"submit", *services.ACTIONS}
