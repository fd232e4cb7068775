"""Registry pages: every page renders for an allowed role, forms refuse bad input with the field error and
its code and write nothing, the live checks return the expected fragments, reveal is logged and refused for
read-only roles, duplicates merge/dismiss, transfers request/approve/reject."""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry

from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.models import (
    Business,
    DuplicateCandidate,
    Entrepreneur,
    JobReport,
    TransferRequest,
)
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data
from fanxiang.regions.models import Region, RegionMonthStat

pytestmark = pytest.mark.django_db

BAD_CHECKSUM_CODE = "91110000600037341A"  # valid shape, wrong check character (should be L)


def person(demo, user="officer_411625", **overrides) -> Entrepreneur:
    return services.entrepreneur_create(actor=demo[user], data=person_data(**overrides))


def form_data(**overrides) -> dict:
    """What the person form posts (the region select's values are region codes)."""
    data = person_data(**overrides)
    return {k: v for k, v in data.items() if v is not None}


def business_form_data(founders, **overrides) -> dict:
    data = business_data(**overrides)
    data["founders"] = [str(f) for f in founders]
    return data


def text(response) -> str:
    return response.content.decode()


def field_error(body: str, field: str) -> str:
    match = re.search(rf'data-testid="error-{field}">(.*?)</ul>', body, re.S)
    return match.group(1) if match else ""


def reveal_count(person_obj) -> int:
    return LogEntry.objects.filter(
        object_id=person_obj.pk, additional_data__event="reveal", content_type__model="entrepreneur"
    ).count()


# --------------------------------------------------------------------------- pages render


def test_every_page_renders_in_chinese_for_a_county_officer(demo, web):
    a = person(demo, name="张三", mobile="13900000001")
    b = person(demo, name="张三", id_number=make_id(birth="19850101"), mobile="13900000002")
    biz = services.business_create(actor=demo["officer_411625"], data=business_data(), founders=[a.pk])
    client = web("officer_411625")
    pages = {
        "/entrepreneurs/": "返乡创业人员",
        "/entrepreneurs/new/": "登记返乡入乡创业人员",
        f"/entrepreneurs/{a.pk}/": "基本信息",
        f"/entrepreneurs/{a.pk}/edit/": "修改人员信息",
        f"/entrepreneurs/{a.pk}/close/": "注销原因",
        "/entrepreneurs/businesses/": "经营主体",
        "/entrepreneurs/businesses/new/": "登记经营主体",
        f"/entrepreneurs/businesses/{biz.pk}/": "填报带动就业",
        f"/entrepreneurs/businesses/{biz.pk}/edit/": "修改经营主体",
        "/entrepreneurs/duplicates/": "疑似重复人员",
        "/entrepreneurs/transfers/": "申请转入",
        "/targets/progress/": "目标完成进度",
    }
    for url, marker in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert marker in text(response), url
    assert b.name in text(client.get("/entrepreneurs/duplicates/"))


def test_read_only_leader_sees_pages_without_write_controls(demo, web):
    a = person(demo)
    biz = services.business_create(actor=demo["officer_411625"], data=business_data(), founders=[a.pk])
    client = web("leader")
    listing = text(client.get("/entrepreneurs/"))
    assert a.name in listing and 'data-testid="create"' not in listing
    detail = text(client.get(f"/entrepreneurs/{a.pk}/"))
    assert 'data-testid="edit"' not in detail and 'data-testid="reveal"' not in detail
    business = text(client.get(f"/entrepreneurs/businesses/{biz.pk}/"))
    assert 'data-testid="jobs-form"' not in business
    assert client.get("/entrepreneurs/new/").status_code == 403
    assert client.get(f"/entrepreneurs/{a.pk}/edit/").status_code == 403
    assert client.get("/entrepreneurs/transfers/").status_code == 200
    assert 'data-testid="transfer-form"' not in text(client.get("/entrepreneurs/transfers/"))


def test_service_clerk_registers_but_does_not_reveal(demo, web):
    a = person(demo)
    client = web("service_clerk")
    assert client.get("/entrepreneurs/new/").status_code == 200
    detail = text(client.get(f"/entrepreneurs/{a.pk}/"))
    assert 'data-testid="edit"' in detail and 'data-testid="reveal"' not in detail
    # the clerk holds no transfer right: the live check names the county without a link
    other = person(demo, user="officer_411628", region="411628101", id_number=make_id(area="411628"))
    body = text(check(client, other.id_number))
    assert "鹿邑县" in body and "/entrepreneurs/transfers/" not in body


@pytest.mark.parametrize("url", ["/entrepreneurs/", "/entrepreneurs/businesses/"])
def test_list_pages_cost_the_same_for_5_or_25_rows(demo, web, django_assert_max_num_queries, url):
    client = web("officer_411625")

    def add(n):
        for _ in range(n):
            p = person(demo, id_number=make_id(), mobile="")
            services.business_create(
                actor=demo["officer_411625"],
                data=business_data(credit_code="", kind="unregistered"),
                founders=[p.pk],
            )

    add(5)
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    add(20)
    with django_assert_max_num_queries(14):
        assert client.get(url, {"page_size": 25}).status_code == 200


def test_anonymous_is_sent_to_login(client):
    for url in ("/entrepreneurs/", "/entrepreneurs/new/", "/entrepreneurs/duplicates/", "/targets/progress/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


# --------------------------------------------------------------------------- list


def test_list_searches_by_name_initials_id_and_mobile(demo, web):
    zhang = person(demo, name="张三", mobile="13911112222")
    li = person(demo, name="李四", id_number=make_id(birth="19900101"), mobile="13933334444")
    client = web("officer_411625")
    for q in ("zs", "张三", zhang.id_number, "139 1111 2222"):
        body = text(client.get("/entrepreneurs/", {"q": q}))
        assert f"/entrepreneurs/{zhang.pk}/" in body, q
        assert f"/entrepreneurs/{li.pk}/" not in body, q
    body = text(client.get("/entrepreneurs/", {"q": "ls"}))
    assert f"/entrepreneurs/{li.pk}/" in body and f"/entrepreneurs/{zhang.pk}/" not in body
    # never the clear ID number on the list
    assert zhang.id_number not in text(client.get("/entrepreneurs/"))


def test_list_sorts_paginates_and_links_export_with_filters(demo, web):
    people = [
        person(demo, name=name, id_number=make_id(birth=f"19{80 + i}0101"), mobile=f"1390000000{i}")
        for i, name in enumerate(["王五", "赵六", "孙七"])
    ]
    client = web("officer_411625")
    body = text(client.get("/entrepreneurs/", {"ordering": "birth_date"}))
    positions = [body.index(f"/entrepreneurs/{p.pk}/") for p in people]
    assert positions == sorted(positions)
    body = text(client.get("/entrepreneurs/", {"ordering": "-birth_date"}))
    positions = [body.index(f"/entrepreneurs/{p.pk}/") for p in people]
    assert positions == sorted(positions, reverse=True)
    assert 'class="sort sort-desc"' in body  # the header shows the current order
    page = text(client.get("/entrepreneurs/", {"ordering": "birth_date", "page_size": 2}))
    assert "第 1 / 2 页" in page and f"/entrepreneurs/{people[2].pk}/" not in page
    page2 = text(client.get("/entrepreneurs/", {"ordering": "birth_date", "page_size": 2, "page": 2}))
    assert f"/entrepreneurs/{people[2].pk}/" in page2
    filtered = text(client.get("/entrepreneurs/", {"category": "returning_migrant_worker"}))
    assert 'href="/entrepreneurs/export/?category=returning_migrant_worker"' in filtered
    assert 'href="/entrepreneurs/new/"' in filtered
    # the region filter offers only the officer's own regions
    assert 'value="411625101"' in filtered and 'value="411628101"' not in filtered


def test_list_bad_filter_shows_the_field_error_not_a_500(demo, web):
    response = web("officer_411625").get("/entrepreneurs/", {"started_from": "2020-13-45"})
    assert response.status_code == 200
    assert "有效" in text(response)  # Django's "输入一个有效的日期。"


# --------------------------------------------------------------------------- create / edit


def test_create_form_registers_the_person(demo, web):
    data = form_data(name="张三", priority_groups=["poor_household"])
    response = web("officer_411625").post("/entrepreneurs/new/", data)
    assert response.status_code == 302
    created = Entrepreneur.objects.get()
    assert response["Location"] == f"/entrepreneurs/{created.pk}/"
    assert created.region.code == "411625101" and created.created_by == demo["officer_411625"]
    assert set(created.priority_groups.values_list("code", flat=True)) == {"poor_household"}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("id_number", "411625198501010010", "id.invalid_checksum"),
        ("id_number", "", "id.required"),
        ("name", "", "name.required"),
        ("mobile", "12345", "mobile.invalid"),
        ("category", "astronaut", "category.invalid"),
        ("category", "", "category.required"),
        ("region", "", "region.required"),
        ("return_date", "2999-01-01", "date.in_future"),
        ("return_date", "2020-13-01", "date.invalid"),
        ("worked_months", "-3", "worked_months.invalid"),
        ("priority_groups", ["vip"], "priority_group.unknown"),
        ("education", "phd", "education.invalid"),
    ],
)
def test_create_form_refuses_bad_input_with_field_error_and_code(demo, web, field, value, code):
    response = web("officer_411625").post("/entrepreneurs/new/", form_data(**{field: value}))
    assert response.status_code == 422
    assert code in field_error(text(response), field)
    assert Entrepreneur.objects.count() == 0
    assert not RegionMonthStat.objects.exists()


def test_create_form_refuses_a_region_of_another_county(demo, web):
    response = web("officer_411625").post("/entrepreneurs/new/", form_data(region="411628101"))
    assert response.status_code == 422
    assert "scope.region_forbidden" in field_error(text(response), "region")
    assert Entrepreneur.objects.count() == 0


def test_create_form_shows_every_error_at_once(demo, web):
    response = web("officer_411625").post("/entrepreneurs/new/", form_data(name="", mobile="1", category="x"))
    body = text(response)
    assert "name.required" in field_error(body, "name")
    assert "mobile.invalid" in field_error(body, "mobile")
    assert "category.invalid" in field_error(body, "category")
    assert "有3处输入有误" in body


def test_duplicate_id_on_save_links_to_the_record_in_scope(demo, web):
    existing = person(demo)
    response = web("officer_411625").post(
        "/entrepreneurs/new/", form_data(id_number=existing.id_number, name="张叁")
    )
    body = text(response)
    assert response.status_code == 422
    assert "entrepreneur.duplicate_id_number" in field_error(body, "id_number")
    assert f'href="/entrepreneurs/{existing.pk}/" data-testid="conflict-link"' in body
    assert Entrepreneur.objects.count() == 1


def test_duplicate_id_of_another_county_names_no_county_and_points_to_a_transfer(demo, web):
    existing = person(demo)
    response = web("officer_411628").post(
        "/entrepreneurs/new/",
        form_data(id_number=existing.id_number, region="411628101"),
    )
    body = text(response)
    assert response.status_code == 422
    # issue 10: the other county is not named (no cross-county hint); the code stays for tests
    assert "entrepreneur.duplicate_id_number" in body and "已在其他县区登记" in body
    assert "郸城县" not in body.split('data-testid="form-errors"')[1].split("</div>")[0]
    assert f"/entrepreneurs/{existing.pk}/" not in body
    assert 'href="/entrepreneurs/transfers/"' in body
    assert existing.name not in body.split('data-testid="form-errors"')[1].split("</div>")[0]
    assert Entrepreneur.objects.count() == 1


def test_region_select_offers_only_regions_in_scope(demo, web):
    body = text(web("officer_411625").get("/entrepreneurs/new/"))
    assert 'value="411625101"' in body and 'value="411628101"' not in body
    assert 'hx-post="/entrepreneurs/check-id/"' in body


def test_edit_form_updates_and_keeps_the_id_number_when_left_blank(demo, web):
    p = person(demo, name="张三")
    id_number = p.id_number
    client = web("officer_411625")
    page = text(client.get(f"/entrepreneurs/{p.pk}/edit/"))
    assert 'value="张三"' in page and p.id_number_masked in page and id_number not in page
    assert f'hx-post="/entrepreneurs/check-id/?exclude={p.pk}"' in page
    data = form_data(name="张三丰", id_number="", mobile="", skills="电商运营")
    response = client.post(f"/entrepreneurs/{p.pk}/edit/", data)
    assert response.status_code == 302, text(response)
    p.refresh_from_db()
    assert p.name == "张三丰" and p.name_initials == "zsf" and p.skills == "电商运营"
    assert p.id_number == id_number and p.mobile == "13800138000"


def test_edit_form_refuses_bad_input_and_changes_nothing(demo, web):
    p = person(demo, name="张三")
    response = web("officer_411625").post(
        f"/entrepreneurs/{p.pk}/edit/", form_data(name="", id_number="4116251985")
    )
    assert response.status_code == 422
    body = text(response)
    assert "name.required" in field_error(body, "name")
    assert "id.invalid_length" in field_error(body, "id_number")
    p.refresh_from_db()
    assert p.name == "张三"


def test_edit_and_close_of_another_county_are_404(demo, web):
    p = person(demo)
    client = web("officer_411628")
    assert client.get(f"/entrepreneurs/{p.pk}/edit/").status_code == 404
    assert client.post(f"/entrepreneurs/{p.pk}/close/", {"reason": "x"}).status_code == 404
    p.refresh_from_db()
    assert p.status == "active"


def test_close_needs_a_reason_and_keeps_the_record(demo, web):
    p = person(demo)
    client = web("officer_411625")
    response = client.post(f"/entrepreneurs/{p.pk}/close/", {"reason": " "})
    assert response.status_code == 422
    assert "entrepreneur.close_reason_required" in field_error(text(response), "reason")
    p.refresh_from_db()
    assert p.status == "active"
    response = client.post(f"/entrepreneurs/{p.pk}/close/", {"reason": "已外出务工"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "closed" and p.closed_reason == "已外出务工"
    detail = text(client.get(f"/entrepreneurs/{p.pk}/"))
    assert "已注销" in detail and 'data-testid="edit"' not in detail


# --------------------------------------------------------------------------- live ID check


def check(client, id_number, exclude=None):
    url = "/entrepreneurs/check-id/" + (f"?exclude={exclude}" if exclude else "")
    return client.post(url, {"id_number": id_number}, HTTP_HX_REQUEST="true")


def test_live_id_check_fragments(demo, web):
    client = web("officer_411625")
    bad = text(check(client, "411625198501010010"))
    assert 'data-testid="id-check-error"' in bad and "id.invalid_checksum" in bad
    assert "<html" not in bad  # a fragment, not a page
    short = text(check(client, "41162519850"))
    assert "id.invalid_length" in short
    new_id = make_id(birth="19850316", female=True)
    fresh = text(check(client, new_id))
    assert 'data-testid="id-check-new"' in fresh
    assert "女" in fresh and "1985-03-16" in fresh and "郸城县" in fresh
    assert text(check(client, "")).strip() == ""


def test_live_id_check_links_a_record_in_scope(demo, web):
    p = person(demo)
    body = text(check(web("officer_411625"), p.id_number))
    assert 'data-testid="id-check-registered"' in body
    assert f'href="/entrepreneurs/{p.pk}/"' in body and "entrepreneur.duplicate_id_number" in body
    # editing that same record: its own number is not a duplicate
    own = text(check(web("officer_411625"), p.id_number, exclude=p.pk))
    assert 'data-testid="id-check-new"' in own


def test_live_id_check_names_only_the_county_for_another_countys_record(demo, web):
    p = person(demo, name="张三")
    body = text(check(web("officer_411628"), p.id_number))
    assert 'data-testid="id-check-elsewhere"' in body
    assert "郸城县" in body and 'href="/entrepreneurs/transfers/"' in body
    assert f"/entrepreneurs/{p.pk}/" not in body and "张三" not in body


def test_live_id_check_needs_the_right_to_register(demo, web):
    assert check(web("leader"), make_id()).status_code == 403
    assert web("officer_411625").get("/entrepreneurs/check-id/").status_code == 405


# --------------------------------------------------------------------------- detail, reveal, timeline


def test_detail_shows_person_businesses_duplicates_transfers_and_timeline(demo, web):
    officer = demo["officer_411625"]
    a = person(demo, name="王五", mobile="13900000001", priority_groups=["poor_household"])
    b = person(demo, name="王五", id_number=make_id(birth="19850101"), mobile="13900000009")
    biz = services.business_create(
        actor=officer, data=business_data(jobs_created=5), founders=[a.pk], report_date=None
    )
    services.entrepreneur_update(actor=officer, entrepreneur=a, data={"skills": "电商运营"})
    body = text(web("officer_411625").get(f"/entrepreneurs/{a.pk}/"))
    assert a.id_number_masked in body and a.id_number not in body
    assert "贫困家庭/建档立卡" in body
    businesses = body.split('data-testid="businesses"')[1].split("</table>")[0]
    assert biz.name in businesses and ">5<" in businesses
    duplicates = body.split('data-testid="duplicates"')[1].split("</table>")[0]
    assert f"/entrepreneurs/{b.pk}/" in duplicates and "姓名与出生日期相同" in duplicates
    timeline = body.split('data-testid="timeline"')[1].split("</table>")[0]
    assert "技能特长" in timeline and "电商运营" in timeline
    assert biz.name in timeline  # the business's change log joins the person's
    # newest first: the skills change comes before the person's creation
    assert timeline.index("电商运营") < timeline.rindex("新增")


def test_reveal_is_logged_and_shows_the_clear_values_once(demo, web):
    p = person(demo)
    client = web("officer_411625")
    detail = text(client.get(f"/entrepreneurs/{p.pk}/"))
    assert 'data-testid="reveal"' in detail and p.id_number not in detail
    response = client.post(f"/entrepreneurs/{p.pk}/reveal/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = text(response)
    assert p.id_number in body and "13800138000" in body and "<html" not in body
    assert response["Cache-Control"] == "no-store"
    assert reveal_count(p) == 1
    # without HTMX: a page of its own, logged again
    page = client.post(f"/entrepreneurs/{p.pk}/reveal/")
    assert p.id_number in text(page) and "<html" in text(page)
    assert reveal_count(p) == 2
    assert client.get(f"/entrepreneurs/{p.pk}/reveal/").status_code == 405
    assert p.id_number not in text(client.get(f"/entrepreneurs/{p.pk}/"))


def test_reveal_refused_for_read_only_roles_and_other_counties(demo, web):
    p = person(demo)
    response = web("leader").post(f"/entrepreneurs/{p.pk}/reveal/")
    assert response.status_code == 403
    assert p.id_number not in text(response)
    assert web("officer_411628").post(f"/entrepreneurs/{p.pk}/reveal/").status_code == 404
    assert web("service_clerk").post(f"/entrepreneurs/{p.pk}/reveal/").status_code == 403
    assert reveal_count(p) == 0


# --------------------------------------------------------------------------- businesses


def test_business_form_prefills_the_founder_and_creates_with_jobs(demo, web):
    a = person(demo, name="张三")
    client = web("officer_411625")
    page = text(client.get(f"/entrepreneurs/businesses/new/?founder={a.pk}"))
    assert f'<option value="{a.pk}" selected>' in page
    response = client.post(
        "/entrepreneurs/businesses/new/",
        business_form_data([a.pk], jobs_created="8", poor_workers_employed="2"),
    )
    assert response.status_code == 302, text(response)
    biz = Business.objects.get()
    assert list(biz.founders.all()) == [a] and biz.jobs_created == 8
    assert set(biz.tags.values_list("code", flat=True)) == {"eco_planting"}
    report = JobReport.objects.get(business=biz)
    assert report.jobs_created == 8 and str(report.report_date) == "2020-05-10"


def test_business_form_checksum_mismatch_needs_a_reason(demo, web):
    a = person(demo)
    client = web("officer_411625")
    data = business_form_data([a.pk], credit_code=BAD_CHECKSUM_CODE)
    response = client.post("/entrepreneurs/businesses/new/", data)
    assert response.status_code == 422
    body = text(response)
    assert "uscc.checksum_mismatch" in field_error(body, "credit_code")
    assert 'data-testid="override-reason"' in body  # the reason field appears
    assert Business.objects.count() == 0
    response = client.post(
        "/entrepreneurs/businesses/new/", data | {"credit_code_override_reason": "与营业执照核对一致"}
    )
    assert response.status_code == 302, text(response)
    biz = Business.objects.get()
    assert biz.credit_code == BAD_CHECKSUM_CODE
    assert biz.credit_code_override_reason == "与营业执照核对一致"


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": ""}, "name", "name.required"),
        ({"kind": ""}, "kind", "kind.required"),
        ({"industry": "Z"}, "industry", "industry.invalid"),
        ({"credit_code": "123"}, "credit_code", "uscc.invalid_length"),
        ({"credit_code": ""}, "credit_code", "uscc.required"),
        ({"registered_capital": "-5"}, "registered_capital", "money.invalid"),
        ({"employees": "2.5"}, "employees", "count.invalid"),
        ({"tags": ["moon_base"]}, "tags", "industry_tag.unknown"),
        ({"started_on": "2999-01-01"}, "started_on", "date.in_future"),
        (
            {"jobs_created": "1", "poor_workers_employed": "3"},
            "poor_workers_employed",
            "poor_workers.exceeds_jobs",
        ),
    ],
)
def test_business_form_refuses_bad_input(demo, web, overrides, field, code):
    a = person(demo)
    response = web("officer_411625").post(
        "/entrepreneurs/businesses/new/", business_form_data([a.pk], **overrides)
    )
    assert response.status_code == 422
    assert code in field_error(text(response), field)
    assert Business.objects.count() == 0


def test_business_form_refuses_missing_and_foreign_founders(demo, web):
    foreign = person(demo, user="officer_411628", region="411628101")
    client = web("officer_411625")
    response = client.post("/entrepreneurs/businesses/new/", business_form_data([]))
    assert "business.founder_required" in field_error(text(response), "founders")
    response = client.post("/entrepreneurs/businesses/new/", business_form_data([foreign.pk]))
    assert response.status_code == 422
    assert "business.founder_unknown" in field_error(text(response), "founders")
    page = text(client.get("/entrepreneurs/businesses/new/"))
    assert f'value="{foreign.pk}"' not in page
    assert Business.objects.count() == 0


def test_founder_search_and_credit_code_check_fragments(demo, web):
    zhang = person(demo, name="张三")
    li = person(demo, name="李四", id_number=make_id(birth="19900101"), mobile="13911112222")
    foreign = person(demo, user="officer_411628", name="张四", region="411628101",
                     id_number=make_id(area="411628", birth="19900101"), mobile="13911113333")  # fmt: skip
    client = web("officer_411625")
    options = text(client.get("/entrepreneurs/businesses/founder-options/", {"founder_q": "zs"}))
    assert f'value="{zhang.pk}"' in options
    assert f'value="{li.pk}"' not in options and f'value="{foreign.pk}"' not in options
    kept = text(
        client.get("/entrepreneurs/businesses/founder-options/", {"founder_q": "zs", "founders": li.pk})
    )
    assert f'<option value="{li.pk}" selected>' in kept
    ok = text(
        client.post("/entrepreneurs/businesses/check-credit-code/", {"credit_code": "91110000600037341L"})
    )
    assert "统一社会信用代码有效" in ok and "override-reason" not in ok
    warn = text(
        client.post("/entrepreneurs/businesses/check-credit-code/", {"credit_code": BAD_CHECKSUM_CODE})
    )
    assert "uscc.checksum_mismatch" in warn and 'data-testid="override-reason"' in warn
    bad = text(client.post("/entrepreneurs/businesses/check-credit-code/", {"credit_code": "12"}))
    assert "uscc.invalid_length" in bad and "override-reason" not in bad
    assert (
        web("leader").post("/entrepreneurs/businesses/check-credit-code/", {"credit_code": "1"}).status_code
        == 403
    )


def test_business_edit_form_updates_founders_and_tags(demo, web):
    a = person(demo, name="张三")
    b = person(demo, name="李四", id_number=make_id(birth="19900101"), mobile="13911112222")
    biz = services.business_create(actor=demo["officer_411625"], data=business_data(), founders=[a.pk])
    data = business_form_data([b.pk, a.pk], name="郸城县新名称农业有限公司", tags=["rural_ecommerce"])
    data.pop("jobs_created", None)
    response = web("officer_411625").post(f"/entrepreneurs/businesses/{biz.pk}/edit/", data)
    assert response.status_code == 302, text(response)
    biz.refresh_from_db()
    assert biz.name == "郸城县新名称农业有限公司"
    assert set(biz.tags.values_list("code", flat=True)) == {"rural_ecommerce"}
    primary = biz.founder_links.get(is_primary=True)
    assert primary.entrepreneur == b and biz.founder_links.count() == 2


def test_jobs_report_form_counts_the_month_and_refuses_bad_input(demo, web):
    a = person(demo)
    biz = services.business_create(actor=demo["officer_411625"], data=business_data(), founders=[a.pk])
    client = web("officer_411625")
    url = f"/entrepreneurs/businesses/{biz.pk}/"
    for data, field, code in [
        ({"report_date": "2020-06-30", "jobs_created": "-1"}, "jobs_created", "count.invalid"),
        ({"report_date": "2020-06-30", "jobs_created": ""}, "jobs_created", "jobs_created.required"),
        ({"report_date": "2999-01-01", "jobs_created": "3"}, "report_date", "date.in_future"),
        ({"report_date": "2020-02-30", "jobs_created": "3"}, "report_date", "date.invalid"),
        (
            {"report_date": "2020-06-30", "jobs_created": "3", "poor_workers_employed": "4"},
            "poor_workers_employed",
            "poor_workers.exceeds_jobs",
        ),
    ]:
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert code in field_error(text(response), field), data
    assert not JobReport.objects.exists()
    response = client.post(
        url, {"report_date": "2020-06-30", "jobs_created": "7", "poor_workers_employed": "1"}
    )
    assert response.status_code == 302
    response = client.post(url, {"report_date": "2020-08-01", "jobs_created": "4"})
    history = text(client.get(url)).split('data-testid="job-reports"')[1]
    assert "2020-06-30" in history and "+7" in history and "-3" in history
    june = RegionMonthStat.objects.get(region__code="411625101", indicator="jobs_created", year=2020, month=6)
    august = RegionMonthStat.objects.get(
        region__code="411625101", indicator="jobs_created", year=2020, month=8
    )
    assert (june.value, august.value) == (7, -3)
    assert web("leader").post(url, {"report_date": "2020-06-30", "jobs_created": "9"}).status_code == 403
    assert (
        web("officer_411628").post(url, {"report_date": "2020-06-30", "jobs_created": "9"}).status_code == 404
    )
    assert JobReport.objects.count() == 2


# --------------------------------------------------------------------------- duplicates


def make_pair(demo):
    a = person(demo, name="王五", mobile="13900000001")
    b = person(demo, name="王五", id_number=make_id(birth="19850101"), mobile="13900000002")
    return a, b, DuplicateCandidate.objects.get(reason="same_name_birth")


def test_duplicate_queue_shows_pairs_side_by_side_masked(demo, web):
    a, b, candidate = make_pair(demo)
    body = text(web("officer_411625").get("/entrepreneurs/duplicates/"))
    card = body.split(f'data-testid="duplicate-{candidate.pk}"')[1]
    assert a.id_number_masked in card and b.id_number_masked in card
    assert a.id_number not in body and b.id_number not in body
    assert f'action="/entrepreneurs/duplicates/{candidate.pk}/resolve/"' in card
    assert "duplicate-" not in text(web("officer_411628").get("/entrepreneurs/duplicates/"))
    leader = text(web("leader").get("/entrepreneurs/duplicates/"))
    assert f'data-testid="duplicate-{candidate.pk}"' in leader and "/resolve/" not in leader


def test_duplicate_merge_keeps_the_chosen_record(demo, web):
    a, b, candidate = make_pair(demo)
    biz = services.business_create(actor=demo["officer_411625"], data=business_data(), founders=[b.pk])
    client = web("officer_411625")
    response = client.post(
        f"/entrepreneurs/duplicates/{candidate.pk}/resolve/",
        {"action": "merge", "keep": a.pk, "note": "核对身份证原件"},
        follow=True,
    )
    assert "已合并" in text(response)
    candidate.refresh_from_db()
    b.refresh_from_db()
    assert candidate.status == "merged" and candidate.note == "核对身份证原件"
    assert b.status == "closed" and list(biz.founders.all()) == [a]
    again = client.post(
        f"/entrepreneurs/duplicates/{candidate.pk}/resolve/", {"action": "dismiss"}, follow=True
    )
    assert "duplicate.not_open" in text(again)


def test_duplicate_dismiss_and_bad_requests(demo, web):
    a, b, candidate = make_pair(demo)
    client = web("officer_411625")
    bad = client.post(f"/entrepreneurs/duplicates/{candidate.pk}/resolve/", {"action": "merge"}, follow=True)
    assert "duplicate.keep_required" in text(bad)
    bad = client.post(
        f"/entrepreneurs/duplicates/{candidate.pk}/resolve/", {"action": "explode"}, follow=True
    )
    assert "duplicate.invalid_action" in text(bad)
    candidate.refresh_from_db()
    assert candidate.status == "open"
    assert (
        web("officer_411628")
        .post(f"/entrepreneurs/duplicates/{candidate.pk}/resolve/", {"action": "dismiss"})
        .status_code
        == 404
    )
    assert (
        web("leader")
        .post(f"/entrepreneurs/duplicates/{candidate.pk}/resolve/", {"action": "dismiss"})
        .status_code
        == 404
    )
    response = client.post(
        f"/entrepreneurs/duplicates/{candidate.pk}/resolve/",
        {"action": "dismiss", "note": "不同人"},
        follow=True,
    )
    assert "已标记为非重复" in text(response)
    candidate.refresh_from_db()
    a.refresh_from_db()
    b.refresh_from_db()
    assert candidate.status == "dismissed" and a.status == b.status == "active"
    assert f'data-testid="duplicate-{candidate.pk}"' in text(
        client.get("/entrepreneurs/duplicates/?status=dismissed")
    )


# --------------------------------------------------------------------------- transfers


def test_transfer_request_approve_and_reject(demo, web):
    p = person(demo, name="张三")
    asker, holder = web("officer_411628"), web("officer_411625")
    to_region = Region.objects.get(code="411628101")
    response = asker.post(
        "/entrepreneurs/transfers/",
        {"id_number": p.id_number, "to_region": to_region.code, "reason": "已迁居鹿邑"},
    )
    assert response.status_code == 302, text(response)
    transfer = TransferRequest.objects.get()
    mine = text(asker.get("/entrepreneurs/transfers/"))
    row = mine.split(f'data-testid="transfer-{transfer.pk}"')[1].split("</tr>")[0]
    assert "张三" in row and p.id_number_masked in row and "待转出地审批" in row
    assert f"/entrepreneurs/{p.pk}/" not in row and "/decide/" not in row
    theirs = text(holder.get("/entrepreneurs/transfers/"))
    assert f'action="/entrepreneurs/transfers/{transfer.pk}/decide/"' in theirs
    # the asking county cannot decide its own request
    denied = asker.post(
        f"/entrepreneurs/transfers/{transfer.pk}/decide/", {"decision": "approve"}, follow=True
    )
    assert "transfer.decide_forbidden" in text(denied)
    # rejecting needs a reason
    bad = holder.post(f"/entrepreneurs/transfers/{transfer.pk}/decide/", {"decision": "reject"}, follow=True)
    assert "transfer.reject_reason_required" in text(bad)
    transfer.refresh_from_db()
    assert transfer.status == "pending"
    ok = holder.post(
        f"/entrepreneurs/transfers/{transfer.pk}/decide/",
        {"decision": "approve", "note": "同意"},
        follow=True,
    )
    assert "已同意转移" in text(ok)
    p.refresh_from_db()
    assert p.region == to_region
    assert asker.get(f"/entrepreneurs/{p.pk}/").status_code == 200
    assert holder.get(f"/entrepreneurs/{p.pk}/").status_code == 404
    # a second request, rejected with a note
    second = services.transfer_request(
        actor=demo["officer_411625"],
        id_number=p.id_number,
        to_region=Region.objects.get(code="411625101"),
        reason="又迁回郸城",
    )
    asker.post(f"/entrepreneurs/transfers/{second.pk}/decide/", {"decision": "reject", "note": "未迁回"})
    second.refresh_from_db()
    assert second.status == "rejected" and second.decision_note == "未迁回"


@pytest.mark.parametrize(
    ("data", "field", "code"),
    [
        ({"id_number": "UNKNOWN", "reason": "迁居"}, None, "transfer.person_not_found"),
        ({"reason": ""}, "reason", "transfer.reason_required"),
        ({"to_region": ""}, "to_region", "transfer.to_region_required"),
        ({"to_region": "OTHER"}, "to_region", "scope.region_forbidden"),
        ({"id_number": "OWN"}, None, "transfer.already_in_scope"),
    ],
)
def test_transfer_request_refuses_bad_input(demo, web, data, field, code):
    p = person(demo)
    own = person(demo, user="officer_411628", region="411628101",
                 id_number=make_id(area="411628", birth="19900101"), mobile="13911113333")  # fmt: skip
    post = {"id_number": p.id_number, "to_region": "411628101", "reason": "迁居"}
    post.update(data)
    if post["id_number"] == "UNKNOWN":
        post["id_number"] = make_id(birth="19700101")
    if post["id_number"] == "OWN":
        post["id_number"] = own.id_number
    if post["to_region"] == "OTHER":
        post["to_region"] = "411625101"
    response = web("officer_411628").post("/entrepreneurs/transfers/", post)
    assert response.status_code == 422
    body = text(response)
    assert code in (field_error(body, field) if field else body.split('data-testid="form-errors"')[1])
    assert TransferRequest.objects.count() == 0


def test_transfer_page_for_read_only_and_other_counties(demo, web):
    p = person(demo)
    transfer = services.transfer_request(
        actor=demo["officer_411628"],
        id_number=p.id_number,
        to_region=Region.objects.get(code="411628101"),
        reason="迁居",
    )
    assert f'data-testid="transfer-{transfer.pk}"' not in text(
        web("officer_411602").get("/entrepreneurs/transfers/")
    )
    assert (
        web("officer_411602")
        .post(f"/entrepreneurs/transfers/{transfer.pk}/decide/", {"decision": "approve"})
        .status_code
        == 404
    )
    assert web("leader").post("/entrepreneurs/transfers/", {"id_number": p.id_number}).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == "pending"
