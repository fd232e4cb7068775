"""点对点对接服务: a staff contact per person — the service (all or nothing, scope of the actor and of the
contact, no hint about another county), the list's batch action, filter and column, the detail page's form,
the API, the one inbox notice per batch, the change log and the demo loader."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry

from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core.errors import DomainError
from fanxiang.core.views import SELECTION_INVALID
from fanxiang.entrepreneurs import demo as registry_demo
from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.contacts import CONTACT_INVALID, contact_assign, contact_candidates
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.notifications.models import Notification
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db

OTHER_COUNTY_WORDS = ("鹿邑", "冯鹿邑", "officer_411628", "411628")


def person(demo, user="officer_411625", **overrides) -> Entrepreneur:
    return services.entrepreneur_create(actor=demo[user], data=person_data(**overrides))


def other_county_person(demo, name="王五") -> Entrepreneur:
    return person(demo, user="officer_411628", name=name, region="411628101", id_number=make_id("411628"))


def contact_of(p: Entrepreneur) -> int | None:
    return Entrepreneur.objects.values_list("contact_id", flat=True).get(pk=p.pk)


def notices(user: User):
    return Notification.objects.filter(recipient_user=user, event="contact_assigned")


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value


# --------------------------------------------------------------------------- service


def test_assign_sets_contact_and_time_and_clear_removes_both(demo):
    a, b = person(demo, name="甲一"), person(demo, name="乙二")
    officer = demo["officer_411625"]
    assert contact_assign(actor=officer, entrepreneurs=[a, b], contact=demo["service_clerk"]) == 2
    a.refresh_from_db()
    assert a.contact_id == demo["service_clerk"].pk and a.contact_assigned_at is not None
    assert contact_of(b) == demo["service_clerk"].pk
    assert contact_assign(actor=officer, entrepreneurs=[a.pk], contact=None) == 1
    a.refresh_from_db()
    assert a.contact_id is None and a.contact_assigned_at is None
    assert contact_of(b) == demo["service_clerk"].pk


def test_assign_is_all_or_nothing(demo):
    a, b = person(demo, name="甲一"), person(demo, name="乙二")
    services.entrepreneur_close(actor=demo["officer_411625"], entrepreneur=b, reason="迁出本市")
    exc = refused(
        lambda: contact_assign(
            actor=demo["officer_411625"], entrepreneurs=[a, b], contact=demo["service_clerk"]
        )
    )
    assert exc.code == "entrepreneur.closed"
    assert contact_of(a) is None and contact_of(b) is None
    # the city admin's batch over two counties: the 郸城 officer cannot see the 鹿邑 person, so no one is assigned
    theirs = other_county_person(demo)
    exc = refused(
        lambda: contact_assign(
            actor=demo["city_admin"], entrepreneurs=[a, theirs], contact=demo["officer_411625"]
        )
    )
    assert exc.code == CONTACT_INVALID and set(exc.errors) == {"contact"}
    assert contact_of(a) is None and contact_of(theirs) is None
    assert not notices(demo["officer_411625"]).exists()


def test_contact_out_of_scope_is_refused_without_a_hint(demo):
    mine = person(demo, name="张三")
    other_county_person(demo, name="王五")
    officer = demo["officer_411625"]
    inactive = User.objects.create(username="left_411625", real_name="离岗人", is_active=False)
    RoleAssignment.objects.create(
        user=inactive, role=Role.COUNTY_OFFICER, region=Region.objects.get(code="411625")
    )
    for contact in (demo["officer_411628"], demo["officer_411628"].pk, inactive, 999_999):
        exc = refused(lambda c=contact: contact_assign(actor=officer, entrepreneurs=[mine], contact=c))
        assert exc.code == CONTACT_INVALID and set(exc.errors) == {"contact"}
        text = exc.message + "".join(exc.errors["contact"])
        assert not any(word in text for word in (*OTHER_COUNTY_WORDS, "王五", "离岗人"))
        assert (
            exc.message
            == refused(lambda: contact_assign(actor=officer, entrepreneurs=[mine], contact=999_999)).message
        )  # the same words whoever was asked for
    assert contact_of(mine) is None


def test_selection_out_of_scope_is_refused_whole(demo):
    mine, theirs = person(demo, name="张三"), other_county_person(demo, name="王五")
    exc = refused(
        lambda: contact_assign(
            actor=demo["officer_411625"], entrepreneurs=[mine.pk, theirs.pk], contact=demo["service_clerk"]
        )
    )
    assert exc.code == SELECTION_INVALID
    assert "王五" not in exc.message and "鹿邑" not in exc.message
    assert contact_of(mine) is None and contact_of(theirs) is None
    # an unknown id is refused the same way
    exc = refused(
        lambda: contact_assign(actor=demo["officer_411625"], entrepreneurs=[mine.pk, 987654], contact=None)
    )
    assert exc.code == SELECTION_INVALID


def test_a_reader_may_not_assign(demo):
    mine = person(demo)
    exc = refused(
        lambda: contact_assign(actor=demo["leader"], entrepreneurs=[mine], contact=demo["service_clerk"])
    )
    assert exc.status == 403
    assert contact_of(mine) is None


def test_candidates_are_active_staff_of_the_actors_county(demo):
    names = set(contact_candidates(demo["officer_411625"]).values_list("username", flat=True))
    assert {"officer_411625", "service_clerk"} <= names
    assert not names & {"officer_411628", "city_admin", "leader", "bank_officer", "provider_411625"}
    assert not contact_candidates(demo["leader"]).exists()  # reads, changes no one
    city = set(contact_candidates(demo["city_admin"]).values_list("username", flat=True))
    assert {"officer_411625", "officer_411628"} <= city and "bank_officer" not in city


def test_one_notice_per_batch_to_the_new_contact(demo):
    people = [person(demo, name=n) for n in ("甲一", "乙二", "丙三")]
    clerk = demo["service_clerk"]
    contact_assign(actor=demo["officer_411625"], entrepreneurs=people, contact=clerk)
    (notice,) = notices(clerk)
    assert notice.title == "您被指派为3名返乡创业人员的对接服务人员"
    assert "郑郸城" in notice.body
    assert notice.link == "/entrepreneurs/?contact=me"
    # the same batch again changes no one: no second notice
    contact_assign(actor=demo["officer_411625"], entrepreneurs=people, contact=clerk)
    assert notices(clerk).count() == 1
    # one more person: one more notice, counting only that person
    contact_assign(
        actor=demo["officer_411625"], entrepreneurs=[*people, person(demo, name="丁四")], contact=clerk
    )
    assert list(notices(clerk).order_by("pk").values_list("title", flat=True))[-1] == (
        "您被指派为1名返乡创业人员的对接服务人员"
    )
    # assigning oneself: no notice to oneself
    contact_assign(actor=demo["officer_411625"], entrepreneurs=people, contact=demo["officer_411625"])
    assert not notices(demo["officer_411625"]).exists()


def test_assignment_is_in_the_change_log(demo):
    mine = person(demo)
    contact_assign(actor=demo["officer_411625"], entrepreneurs=[mine], contact=demo["service_clerk"])
    entry = LogEntry.objects.get_for_object(mine).order_by("-timestamp", "-pk").first()
    assert entry.actor_id == demo["officer_411625"].pk
    assert "contact" in entry.changes_dict and "contact_assigned_at" not in entry.changes_dict


def test_the_timeline_names_the_contact_by_name_and_role(demo, web):
    mine = person(demo)
    contact_assign(actor=demo["officer_411625"], entrepreneurs=[mine], contact=demo["service_clerk"])
    html = web("officer_411625").get(f"/entrepreneurs/{mine.pk}/").content.decode()
    timeline = html.split('data-testid="timeline"', 1)[1]
    assert "<b>对接服务人员</b>" in timeline and "吴窗口（服务中心窗口人员）" in timeline
    assert "service_clerk" not in timeline


# --------------------------------------------------------------------------- pages


def text(response) -> str:
    return response.content.decode()


def select_options(html: str, name: str) -> dict[str, str]:
    match = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {name}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', match.group(1)))


def test_list_offers_batch_assign_with_the_actors_staff(demo, web):
    person(demo)
    html = text(web("officer_411625").get("/entrepreneurs/"))
    assert 'data-testid="batch-assign"' in html and "批量指派对接人" in html
    options = select_options(html, "assign-contact")
    assert options[str(demo["service_clerk"].pk)] == "吴窗口"
    assert options["none"].startswith("取消指派")
    assert str(demo["officer_411628"].pk) not in options
    assert "<th>对接人</th>" in html
    leader = text(web("leader").get("/entrepreneurs/"))
    assert 'data-testid="batch-assign"' not in leader and 'name="assign-contact"' not in leader


def test_batch_assign_on_the_list_then_filter_by_contact(demo, web):
    a, b, c = (person(demo, name=n) for n in ("甲一", "乙二", "丙三"))
    officer = web("officer_411625")
    response = officer.post(
        "/entrepreneurs/batch/",
        {
            "action": "assign",
            "ids": [a.pk, b.pk],
            "assign-contact": demo["officer_411625"].pk,
            "next": "/entrepreneurs/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/entrepreneurs/"
    assert contact_of(a) == contact_of(b) == demo["officer_411625"].pk and contact_of(c) is None
    mine = text(officer.get("/entrepreneurs/", {"contact": "me"}))
    assert re.search(r'data-testid="count">共 2 条<', mine)
    assert "甲一" in mine and "乙二" in mine and "丙三" not in mine
    assert "<td>郑郸城</td>" in mine  # the 对接人 column
    filters = select_options(mine, "contact")
    assert filters["me"] == "我对接的" and filters["none"] == "未指派" and filters[""] == "全部"
    unassigned = text(officer.get("/entrepreneurs/", {"contact": "none"}))
    assert "丙三" in unassigned and "甲一" not in unassigned
    by_id = text(officer.get("/entrepreneurs/", {"contact": demo["officer_411625"].pk}))
    assert "甲一" in by_id and "丙三" not in by_id
    # the clerk sees no one as "mine"
    assert "甲一" not in text(web("service_clerk").get("/entrepreneurs/", {"contact": "me"}))


def test_batch_assign_on_the_list_is_refused_whole(demo, web):
    mine, theirs = person(demo, name="张三"), other_county_person(demo, name="王五")
    officer = web("officer_411625")
    response = officer.post(
        "/entrepreneurs/batch/",
        {"action": "assign", "ids": [mine.pk, theirs.pk], "assign-contact": demo["service_clerk"].pk},
    )
    assert response.status_code == 422
    html = text(response)
    assert f'data-code="{SELECTION_INVALID}"' in html and "王五" not in html and "鹿邑" not in html
    # a contact who is not on offer, and no contact at all
    response = officer.post(
        "/entrepreneurs/batch/",
        {"action": "assign", "ids": [mine.pk], "assign-contact": demo["officer_411628"].pk},
    )
    assert response.status_code == 422 and f'data-code="{CONTACT_INVALID}"' in text(response)
    assert not any(word in text(response) for word in OTHER_COUNTY_WORDS)
    response = officer.post("/entrepreneurs/batch/", {"action": "assign", "ids": [mine.pk]})
    assert response.status_code == 422 and 'data-code="entrepreneurs.contact_required"' in text(response)
    assert contact_of(mine) is None and contact_of(theirs) is None
    # a reader may not post the action at all
    response = web("leader").post(
        "/entrepreneurs/batch/",
        {"action": "assign", "ids": [mine.pk], "assign-contact": demo["service_clerk"].pk},
    )
    assert response.status_code == 403 and contact_of(mine) is None


def test_detail_page_shows_and_changes_the_contact(demo, web):
    mine = person(demo, name="张三")
    officer = web("officer_411625")
    html = text(officer.get(f"/entrepreneurs/{mine.pk}/"))
    assert re.search(r'data-testid="contact">未指派<', html)
    assert 'data-testid="contact-form"' in html and f'action="/entrepreneurs/{mine.pk}/contact/"' in html
    response = officer.post(f"/entrepreneurs/{mine.pk}/contact/", {"contact": demo["service_clerk"].pk})
    assert response.status_code == 302 and response["Location"] == f"/entrepreneurs/{mine.pk}/"
    html = text(officer.get(f"/entrepreneurs/{mine.pk}/"))
    assert re.search(r'data-testid="contact">吴窗口<', html) and "已指派对接服务人员：吴窗口" in html
    assert select_options(html, "contact")  # the form stays to change it
    assert re.search(rf'<option value="{demo["service_clerk"].pk}" selected>', html)
    # a contact who cannot see the person: the page again, the reason beside the form, the code in data-code
    response = officer.post(f"/entrepreneurs/{mine.pk}/contact/", {"contact": demo["officer_411628"].pk})
    assert response.status_code == 422
    form = text(response).split('data-testid="contact-form"', 1)[1].split("</form>", 1)[0]
    assert f'data-code="{CONTACT_INVALID}"' in form and "所选对接服务人员不能指派" in form
    assert CONTACT_INVALID not in form.replace(f'data-code="{CONTACT_INVALID}"', "")  # no code in the text
    assert not any(word in text(response) for word in OTHER_COUNTY_WORDS)
    assert contact_of(mine) == demo["service_clerk"].pk
    # clear
    response = officer.post(f"/entrepreneurs/{mine.pk}/contact/", {"contact": "none"})
    assert response.status_code == 302 and contact_of(mine) is None
    # a reader sees the contact but no form; another county's officer gets 404 for the form
    assert 'data-testid="contact-form"' not in text(web("leader").get(f"/entrepreneurs/{mine.pk}/"))
    response = web("officer_411628").post(f"/entrepreneurs/{mine.pk}/contact/", {"contact": "none"})
    assert response.status_code == 404


# --------------------------------------------------------------------------- API


def test_api_batch_assign_detail_and_filter(demo, api):
    a, b, c = (person(demo, name=n) for n in ("甲一", "乙二", "丙三"))
    client = api("officer_411625")
    response = client.post(
        "/api/v1/entrepreneurs/batch/assign", {"ids": [a.pk, b.pk], "contact": demo["officer_411625"].pk}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"assigned": 2}
    detail = client.get(f"/api/v1/entrepreneurs/{a.pk}").json()
    assert detail["contact"] == {"id": demo["officer_411625"].pk, "name": "郑郸城"}
    assert client.get(f"/api/v1/entrepreneurs/{c.pk}").json()["contact"] is None

    def names(**params):
        response = client.get("/api/v1/entrepreneurs/", params)
        assert response.status_code == 200, response.content
        return {item["name"] for item in response.json()["items"]}

    assert names(contact="me") == {"甲一", "乙二"}
    assert names(contact="none") == {"丙三"}
    assert names(contact=str(demo["officer_411625"].pk)) == {"甲一", "乙二"}
    bad = client.get("/api/v1/entrepreneurs/", {"contact": "everyone"})
    assert (
        bad.status_code == 422
        and bad.json()["code"] == "filter.invalid"
        and "contact" in bad.json()["errors"]
    )
    # null clears
    response = client.post("/api/v1/entrepreneurs/batch/assign", {"ids": [a.pk], "contact": None})
    assert response.status_code == 200 and response.json() == {"assigned": 1} and contact_of(a) is None


def test_api_batch_assign_refusals(demo, api):
    mine, theirs = person(demo, name="张三"), other_county_person(demo, name="王五")
    client = api("officer_411625")
    response = client.post(
        "/api/v1/entrepreneurs/batch/assign",
        {"ids": [mine.pk, theirs.pk], "contact": demo["service_clerk"].pk},
    )
    assert response.status_code == 422 and response.json()["code"] == SELECTION_INVALID
    assert "王五" not in response.content.decode()
    response = client.post(
        "/api/v1/entrepreneurs/batch/assign", {"ids": [mine.pk], "contact": demo["officer_411628"].pk}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == CONTACT_INVALID and list(body["errors"]) == ["contact"]
    assert not any(word in response.content.decode() for word in OTHER_COUNTY_WORDS)
    response = client.post("/api/v1/entrepreneurs/batch/assign", {"ids": [], "contact": None})
    assert response.status_code == 422 and response.json()["code"] == "batch.selection_empty"
    response = api("leader").post(
        "/api/v1/entrepreneurs/batch/assign", {"ids": [mine.pk], "contact": demo["service_clerk"].pk}
    )
    assert response.status_code == 403 and response.json()["code"] == "scope.region_forbidden"
    assert contact_of(mine) is None and contact_of(theirs) is None


# --------------------------------------------------------------------------- demo


def test_demo_loader_assigns_dancheng_people_once(demo):
    people = [person(demo, name=f"演示{i}") for i in range(3)]
    theirs = other_county_person(demo)
    registry_demo.load()
    officer = demo["officer_411625"]
    assert {p.pk for p in people} == set(
        Entrepreneur.objects.filter(contact=officer).values_list("pk", flat=True)
    )
    assert contact_of(theirs) is None
    assert notices(officer).count() == 1
    # an edit stays, and a second run changes nothing
    contact_assign(actor=demo["city_admin"], entrepreneurs=[people[0]], contact=None)
    registry_demo.load()
    assert contact_of(people[0]) is None and notices(officer).count() == 1


# --------------------------------------------------------------------------- review fixes


def transfer_to_luyi(demo, p: Entrepreneur) -> None:
    transfer = services.transfer_request(
        actor=demo["officer_411628"],
        id_number=p.id_number,
        to_region=Region.objects.get(code="411628101"),
        reason="已迁居鹿邑",
    )
    services.transfer_decide(actor=demo["officer_411625"], transfer=transfer, approve=True, note="同意")


def test_a_transfer_drops_the_old_countys_contact_and_keeps_a_city_contact(demo):
    moved, city_followed = person(demo, name="甲一"), person(demo, name="乙二")
    contact_assign(actor=demo["officer_411625"], entrepreneurs=[moved], contact=demo["officer_411625"])
    contact_assign(actor=demo["city_admin"], entrepreneurs=[city_followed], contact=demo["city_admin"])
    transfer_to_luyi(demo, moved)
    transfer_to_luyi(demo, city_followed)
    moved.refresh_from_db()
    assert moved.region.code == "411628101"
    assert moved.contact_id is None and moved.contact_assigned_at is None
    city_followed.refresh_from_db()
    assert city_followed.contact_id == demo["city_admin"].pk and city_followed.contact_assigned_at is not None
    # the move and the dropped contact are one change-log row, by the deciding officer
    entry = LogEntry.objects.get_for_object(moved).order_by("-timestamp", "-pk").first()
    assert {"region", "contact"} <= set(entry.changes_dict)
    assert entry.actor_id == demo["officer_411625"].pk


def test_a_region_edit_drops_a_contact_who_no_longer_sees_the_person(demo):
    moved, stays = person(demo, name="甲一"), person(demo, name="乙二")
    contact_assign(actor=demo["officer_411625"], entrepreneurs=[moved, stays], contact=demo["officer_411625"])
    services.entrepreneur_update(actor=demo["city_admin"], entrepreneur=moved, data={"region": "411628101"})
    moved.refresh_from_db()
    assert moved.region.code == "411628101" and moved.contact_id is None and moved.contact_assigned_at is None
    assert (
        "contact" in LogEntry.objects.get_for_object(moved).order_by("-timestamp", "-pk").first().changes_dict
    )
    # a move inside the contact's county keeps them
    town = Region.objects.filter(code__startswith="411625", level=stays.region.level).exclude(
        pk=stays.region_id
    )
    services.entrepreneur_update(
        actor=demo["officer_411625"], entrepreneur=stays, data={"region": town.first().code}
    )
    assert contact_of(stays) == demo["officer_411625"].pk


def test_only_a_contact_on_offer_is_accepted_and_every_other_id_reads_the_same(demo, api):
    mine = person(demo, name="张三")
    officer = demo["officer_411625"]
    inactive = User.objects.create(username="left_411625", real_name="离岗人", is_active=False)
    RoleAssignment.objects.create(
        user=inactive, role=Role.COUNTY_OFFICER, region=Region.objects.get(code="411625")
    )
    # the city admin and the leader see the person, but the county officer's picker never offers them
    offered = set(contact_candidates(officer).values_list("pk", flat=True))
    assert demo["city_admin"].pk not in offered and demo["leader"].pk not in offered
    client = api("officer_411625")
    bodies = set()
    for contact in (demo["city_admin"], demo["leader"], demo["officer_411628"], inactive, 999_999):
        exc = refused(lambda c=contact: contact_assign(actor=officer, entrepreneurs=[mine], contact=c))
        assert (exc.code, set(exc.errors)) == (CONTACT_INVALID, {"contact"})
        response = client.post(
            "/api/v1/entrepreneurs/batch/assign",
            {"ids": [mine.pk], "contact": contact.pk if contact != 999_999 else contact},
        )
        assert response.status_code == 422
        bodies.add(response.content)
    assert len(bodies) == 1  # no id answers differently
    assert contact_of(mine) is None


def test_a_huge_or_odd_id_is_refused_as_a_selection_not_a_500(demo, web, api):
    mine = person(demo, name="张三")
    officer = web("officer_411625")
    for bad in ("99999999999999999999", str(2**63), "0", "-1", "1_0", "١٢", "+1"):
        response = officer.post(
            "/entrepreneurs/batch/",
            {"action": "assign", "ids": [mine.pk, bad], "assign-contact": demo["service_clerk"].pk},
        )
        assert response.status_code == 422, bad
        assert f'data-code="{SELECTION_INVALID}"' in text(response), bad
    assert contact_of(mine) is None
    # the largest possible id is a valid input that names no record
    response = officer.post(
        "/entrepreneurs/batch/",
        {"action": "assign", "ids": [str(2**63 - 1)], "assign-contact": demo["service_clerk"].pk},
    )
    assert response.status_code == 422 and f'data-code="{SELECTION_INVALID}"' in text(response)
    client = api("officer_411625")
    for body in (
        {"ids": [99999999999999999999], "contact": demo["service_clerk"].pk},
        {"ids": [mine.pk], "contact": 99999999999999999999},
        {"ids": [2**63], "contact": None},
    ):
        response = client.post("/api/v1/entrepreneurs/batch/assign", body)
        assert response.status_code == 422, response.content
    response = client.post("/api/v1/entrepreneurs/batch/assign", {"ids": [2**63 - 1], "contact": None})
    assert response.status_code == 422 and response.json()["code"] == SELECTION_INVALID
    for bad in (2**63, 0, True):
        exc = refused(
            lambda b=bad: contact_assign(actor=demo["officer_411625"], entrepreneurs=[b], contact=None)
        )
        assert exc.code == SELECTION_INVALID


def test_get_on_the_contact_form_address_goes_to_the_detail_page(demo, web):
    mine = person(demo)
    response = web("officer_411625").get(f"/entrepreneurs/{mine.pk}/contact/")
    assert response.status_code == 302 and response["Location"] == f"/entrepreneurs/{mine.pk}/"


def test_demo_loader_runs_once_even_after_every_contact_was_cleared(demo):
    people = [person(demo, name=f"演示{i}") for i in range(3)]
    registry_demo.load()
    assert all(contact_of(p) == demo["officer_411625"].pk for p in people)
    contact_assign(actor=demo["city_admin"], entrepreneurs=people, contact=None)
    registry_demo.load()
    assert all(contact_of(p) is None for p in people)
