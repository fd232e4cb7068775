"""Staff pages: the request queue with its deadline marks, the request detail with its timeline and the
steps the user may take (a refusal shown with its code, nothing changed), centres, rectifications, and the
to-do inbox's one-stop sources."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fanxiang.core.tasks import tasks_for
from fanxiang.onestop import services
from fanxiang.onestop.tests.factories import centre, clerk, make_request, request_in

pytestmark = pytest.mark.django_db


def test_queue_lists_own_county_and_marks_the_overdue(web):
    late = make_request(today=dt.date(2020, 9, 14), description="逾期工单甲")
    other = make_request("411628", description="鹿邑工单乙")
    body = web("officer_411625").get("/onestop/requests/").content.decode()
    assert late.description[:40] in body and other.description not in body
    assert 'data-code="onestop.overdue"' in body
    body = web("officer_411625").get("/onestop/requests/", {"overdue": "false"}).content.decode()
    assert late.description not in body


def test_detail_shows_the_timeline_and_takes_a_step(web, demo):
    req = request_in("submitted")
    client = web("service_clerk")
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert 'data-testid="timeline"' in page and 'data-action="submit"' in page
    assert 'data-testid="action-accept"' in page and "马上办" in page
    response = client.post(f"/onestop/requests/{req.pk}/", {"action": "accept"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == "accepted"
    response = client.post(f"/onestop/requests/{req.pk}/", {"action": "reject", "reject-reason": ""})
    assert response.status_code == 422
    assert 'data-code="onestop.reason_required"' in response.content.decode()
    req.refresh_from_db()
    assert req.status == "accepted"
    assert web("officer_411628").get(f"/onestop/requests/{req.pk}/").status_code == 404
    assert web("officer_411628").post(f"/onestop/requests/{req.pk}/", {"action": "start"}).status_code == 404


def test_on_the_spot_from_the_page(web):
    req = request_in("submitted")
    web("service_clerk").post(
        f"/onestop/requests/{req.pk}/",
        {"action": "accept", "accept-complete_now": "on", "accept-result": "当场办结"},
    )
    req.refresh_from_db()
    assert (req.status, req.result) == ("completed", "当场办结")


def test_centre_pages(web):
    own, other = centre("411625", name="郸城中心页面"), centre("411628", name="鹿邑中心页面")
    client = web("officer_411625")
    body = client.get("/onestop/centres/").content.decode()
    assert own.name in body and other.name not in body
    assert client.get(f"/onestop/centres/{own.pk}/").status_code == 200
    assert client.get(f"/onestop/centres/{other.pk}/").status_code == 404


def test_rectification_list_for_the_city(web):
    req = request_in("completed")
    services.rating_create(actor=clerk(), service_request=req, level=1, comment="差评页面标记")
    assert "差评页面标记" in web("city_admin").get("/onestop/rectifications/").content.decode()
    assert "差评页面标记" not in web("officer_411628").get("/onestop/rectifications/").content.decode()


def test_the_inbox_counts_the_centre_work(demo):
    today = timezone.localdate()
    make_request(today=today)  # fresh
    make_request(today=today - dt.timedelta(days=60))  # overdue
    request_in("completed", today=today)
    found = {i["kind"]: i for i in tasks_for(clerk(), today)["items"]}
    item = found["onestop.requests"]
    assert (item["count"], item["overdue"]) == (2, 1)
    assert item["url"] == "/onestop/requests/?task=open"
    assert "onestop.requests" not in {i["kind"] for i in tasks_for(clerk("411628"), today)["items"]}
    assert "onestop.requests" not in {i["kind"] for i in tasks_for(demo["leader"], today)["items"]}


# --------------------------------------------------------------------------- one form per step


def post_step(client, req, action: str, **fields):
    data = {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}}
    return client.post(f"/onestop/requests/{req.pk}/", data)


def test_each_step_form_goes_through_its_service(web):
    client = web("service_clerk")
    req = request_in("accepted")
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    for action in ("start", "request_supplement", "complete", "transfer", "reject", "withdraw"):
        assert f'data-testid="form-{action}"' in page
    assert 'data-testid="form-accept"' not in page  # not allowed in this state
    assert post_step(client, req, "start", note="开始").status_code == 302
    assert (
        post_step(client, req, "request_supplement", missing="营业执照\n\n身份证复印件\n").status_code == 302
    )
    req.refresh_from_db()
    assert (req.status, req.missing) == ("supplement_requested", ["营业执照", "身份证复印件"])
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert 'data-testid="paused-days"' in page and 'data-code="onestop.paused"' in page
    assert post_step(client, req, "resubmit", note="材料已补齐").status_code == 302
    assert post_step(client, req, "complete", result="已办结并告知").status_code == 302
    req.refresh_from_db()
    assert (req.status, req.result) == ("completed", "已办结并告知")


@pytest.mark.parametrize(
    ("state", "action", "fields", "code"),
    [
        ("accepted", "request_supplement", {"missing": "  "}, "onestop.missing_required"),
        ("accepted", "complete", {"result": ""}, "onestop.result_required"),
        ("accepted", "transfer", {"reason": "需要转办"}, "onestop.transfer_target_required"),
        ("submitted", "accept", {"complete_now": "on", "result": ""}, "onestop.result_required"),
    ],
)
def test_a_refused_step_shows_its_chinese_reason_beside_its_form(web, state, action, fields, code):
    req = request_in(state)
    response = post_step(web("service_clerk"), req, action, **fields)
    body = response.content.decode()
    assert response.status_code == 422
    assert f'data-code="{code}"' in body and f">{code}<" not in body
    assert f'id="step-{action}" data-testid="step-{action}" open' in body
    req.refresh_from_db()
    assert req.status == state


def test_transfer_offers_the_citys_centres_by_name_and_requires_a_reason(web):
    req = request_in("accepted")
    target = centre("411628", name="鹿邑县转办接收中心")
    client = web("service_clerk")
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert f'<option value="{target.pk}">鹿邑县转办接收中心' in page
    response = post_step(client, req, "transfer", to_centre=target.pk, reason="")
    assert response.status_code == 422 and 'data-code="onestop.reason_required"' in response.content.decode()
    assert (
        post_step(client, req, "transfer", to_centre=target.pk, reason="申请人户籍在鹿邑").status_code == 302
    )
    req.refresh_from_db()
    assert (req.status, req.centre_id) == ("transferred", target.pk)
    # the sending centre still sees it but no longer handles it: no step forms
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert 'data-testid="step-forms"' not in page


def test_reject_and_withdraw_from_the_page(web):
    client = web("service_clerk")
    a, b = request_in("submitted"), request_in("in_progress")
    assert post_step(client, a, "reject", reason="不属于受理范围").status_code == 302
    assert post_step(client, b, "withdraw", note="申请人当面撤回").status_code == 302
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.status, b.status) == ("rejected", "withdrawn")


def test_an_online_request_offers_no_resubmit_or_withdraw_to_the_clerk(web):
    from fanxiang.onestop.tests.factories import applicant, person

    p = person()
    req = make_request(
        actor=applicant(p), channel="online", service_type="policy_consultation", entrepreneur=None
    )
    req = services.service_request_request_supplement(
        actor=clerk(), service_request=req, missing=["身份证"], today=dt.date(2020, 9, 14)
    )
    page = web("service_clerk").get(f"/onestop/requests/{req.pk}/").content.decode()
    assert 'data-testid="form-resubmit"' not in page and 'data-testid="form-withdraw"' not in page


def test_the_rating_pad_records_one_rating_at_the_counter(web):
    req = request_in("completed")
    client = web("service_clerk")
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert 'data-testid="open-rating-pad"' in page
    url = f"/onestop/requests/{req.pk}/rating-pad/"
    assert 'data-testid="level-5"' in client.get(url).content.decode()
    response = client.post(url, {"level": "6"})
    assert response.status_code == 422
    response = client.post(url, {"level": "2", "comment": "等候时间太长"})
    assert 'data-testid="rating-thanks"' in response.content.decode()
    req.refresh_from_db()
    assert (req.rating.level, req.rating.source) == (2, "pad")
    assert req.rectification.status == "open"  # a 差评 opens its rectification
    assert 'data-code="onestop.already_rated"' in client.get(url).content.decode()
    response = client.post(url, {"level": "5"})
    assert response.status_code == 409 and 'data-code="onestop.already_rated"' in response.content.decode()
    assert web("officer_411628").get(url).status_code == 404


# --------------------------------------------------------------------------- the queue


def test_queue_filters_by_centre_region_and_due_soon_and_exports(web):
    today = timezone.localdate()
    own = make_request(today=today, description="本中心今日工单")
    late = make_request(today=today - dt.timedelta(days=60), description="本中心逾期工单")
    client = web("city_admin")
    body = client.get("/onestop/requests/", {"region": "411628"}).content.decode()
    assert own.description not in body
    body = client.get("/onestop/requests/", {"region": "411625", "overdue": "true"}).content.decode()
    assert late.description in body and own.description not in body and "共 " in body
    body = web("service_clerk").get("/onestop/requests/", {"centre": own.centre_id}).content.decode()
    assert own.description in body and 'name="centre"' in body
    other = centre("411628", name="外县中心不在筛选中")
    assert other.name not in body  # the centre dropdown is narrowed to the user's scope
    response = web("officer_411625").get("/onestop/requests/export.xlsx", {"overdue": "true"})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    assert web("service_clerk").get("/onestop/requests/export.xlsx").status_code == 403


# --------------------------------------------------------------------------- centres


def test_centre_create_and_edit_by_the_county_officer(web):
    client = web("officer_411625")
    page = client.get("/onestop/centres/new/").content.decode()
    assert '<option value="411625" selected>' in page and '<option value="411628"' not in page
    response = client.post("/onestop/centres/new/", {"region": "411625", "name": "", "status": "active"})
    assert response.status_code == 422 and 'data-code="onestop.name_required"' in response.content.decode()
    response = client.post(
        "/onestop/centres/new/",
        {
            "region": "411625",
            "name": "郸城县第二服务中心",
            "status": "building",
            "services": ["registration"],
        },
    )
    assert response.status_code == 302
    from fanxiang.onestop.models import Centre

    made = Centre.objects.get(name="郸城县第二服务中心")
    assert [s.code for s in made.services.all()] == ["registration"]
    data = {
        "name": "郸城县第二服务中心",
        "status": "active",
        "hours": "周一至周五 8:30-17:30",
        "phone": "0394-1234567",
    }
    data["services"] = ["registration", "policy_consultation"]
    assert client.post(f"/onestop/centres/{made.pk}/edit/", data).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.hours, made.services.count()) == ("active", "周一至周五 8:30-17:30", 2)
    detail = client.get(f"/onestop/centres/{made.pk}/").content.decode()
    assert 'data-testid="centre-services"' in detail and "在办" in detail
    assert web("officer_411628").get(f"/onestop/centres/{made.pk}/edit/").status_code == 404
    assert web("service_clerk").get("/onestop/centres/new/").status_code == 403


def test_complete_may_name_the_loan_application_it_produced(web):
    from fanxiang.loans import applications as loan_services
    from fanxiang.loans.tests.factories import draft_data
    from fanxiang.onestop.tests.factories import person, staff

    someone, other = person("411625"), person("411625")
    loan = loan_services.application_create(actor=staff("county_officer", "411625"), data=draft_data(someone))
    not_theirs = loan_services.application_create(
        actor=staff("county_officer", "411625"), data=draft_data(other)
    )
    req = request_in("in_progress", entrepreneur=someone.pk)
    client = web("service_clerk")
    page = client.get(f"/onestop/requests/{req.pk}/").content.decode()
    assert f'value="loan_application:{loan.pk}"' in page
    assert f'value="loan_application:{not_theirs.pk}"' not in page  # only the request's person's records
    response = post_step(
        client, req, "complete", result="已受理贷款申请", outcome=f"loan_application:{loan.pk}"
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.outcome == loan
    assert (
        'data-testid="outcome" data-kind="loan_application"'
        in client.get(f"/onestop/requests/{req.pk}/").content.decode()
    )
