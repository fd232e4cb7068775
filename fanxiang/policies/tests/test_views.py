"""Pages: the public ones open anonymously (and store nothing), the staff ones need a login; the rule
editor shows errors per condition, tries a rule on a sample person, saves and publishes versions."""

import pytest
from django.test import Client

from fanxiang.policies.models import PolicyDocument, PolicyItem, PolicyRuleVersion
from fanxiang.policies.tests.factories import make_business, make_document, make_item, make_person


@pytest.fixture
def doc_item(demo):
    doc = make_document(number="测试发〔2020〕8号", title="测试场租补贴")
    item = make_item(
        doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, code="t-view", title="测试补贴"
    )
    return doc, item


def test_public_pages_open_without_login(doc_item):
    doc, _item = doc_item
    client = Client()
    seed = PolicyDocument.objects.get(number="财金〔2020〕21号")
    for url, text in [
        ("/policies/public/", "返乡入乡创业政策"),
        ("/policies/public/?type=loan_interest_subsidy", "个人创业担保贷款及财政贴息"),
        ("/policies/public/?q=场租&level=city", "测试补贴"),
        (f"/policies/public/documents/{seed.pk}/", "年龄不超过 60 岁（仅当性别为男）"),
        (f"/policies/public/documents/{doc.pk}/", "测试补贴"),
        ("/policies/public/check/", "我能享受哪些政策"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert text in response.content.decode(), url
        assert "script-src 'self'" in response["Content-Security-Policy"]
    page = client.get(
        f"/policies/public/documents/{PolicyDocument.objects.get(number='周政办〔2019〕59号').pk}/"
    )
    # the verification note stays on staff pages (test_public_pages); the public reads the missing items
    assert "内容待核实" not in page.content.decode() and "条款尚未录入" in page.content.decode()
    assert client.get("/policies/public/documents/999999/").status_code == 404


def test_self_check_explains_and_stores_nothing(doc_item):
    from auditlog.models import LogEntry

    client = Client()
    before = (LogEntry.objects.count(), PolicyItem.objects.count(), PolicyRuleVersion.objects.count())
    response = client.post(
        "/policies/public/check/",
        {"age": "62", "sex": "M", "category": "returning_migrant_worker", "region": "411625",
         "entity_kind": "individual_business", "industry": "F", "jobs_created": "2"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "年龄 62 岁，超过上限 60 岁" in html  # the near miss says exactly why
    assert "阶段性扶持：受疫情影响的个体工商户创业担保贷款" in html
    assert (LogEntry.objects.count(), PolicyItem.objects.count(), PolicyRuleVersion.objects.count()) == before
    bad = client.post("/policies/public/check/", {"age": "abc"})
    assert bad.status_code == 422


def test_staff_pages_need_a_login(doc_item):
    doc, item = doc_item
    client = Client()
    for url in [
        "/policies/documents/",
        f"/policies/documents/{doc.pk}/",
        "/policies/documents/new/",
        f"/policies/items/{item.pk}/",
        f"/policies/items/{item.pk}/rule/",
        "/policies/match/",
        "/policies/outreach/",
        "/policies/outreach/export/",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"], url


def test_staff_pages_for_readers_and_editors(web, doc_item):
    doc, item = doc_item
    officer, admin = web("officer_411625"), web("city_admin")
    for url in ["/policies/documents/", f"/policies/documents/{doc.pk}/", f"/policies/items/{item.pk}/",
                f"/policies/items/{item.pk}/rule/", "/policies/outreach/", "/policies/match/"]:  # fmt: skip
        assert officer.get(url).status_code == 200, url
        assert admin.get(url).status_code == 200, url
    listing = officer.get("/policies/documents/?q=人社部发").content.decode()
    assert "人社部发〔2019〕129号" in listing and "新增政策文件" not in listing
    assert "新增政策文件" in admin.get("/policies/documents/").content.decode()
    assert officer.get("/policies/documents/new/").status_code == 403
    assert officer.get(f"/policies/items/{item.pk}/edit/").status_code == 403
    assert admin.get(f"/policies/items/{item.pk}/edit/").status_code == 200


def test_document_create_and_edit_pages(web, doc_item):
    admin = web("city_admin")
    response = admin.post("/policies/documents/new/", {"number": "", "title": "x", "issuer": "y", "level": "city",
                                                        "status": "in_force"})  # fmt: skip
    assert response.status_code == 422 and "必填" in response.content.decode()
    response = admin.post(
        "/policies/documents/new/",
        {"number": "周人社〔2020〕1号", "title": "新文件", "issuer": "市人社局", "level": "city", "status": "in_force",
         "unconfirmed": "on"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "policy.unconfirmed_note_required" in response.content.decode()
    response = admin.post(
        "/policies/documents/new/",
        {
            "number": "周人社〔2020〕1号",
            "title": "新文件",
            "issuer": "市人社局",
            "level": "city",
            "status": "in_force",
        },
    )
    doc = PolicyDocument.objects.get(number="周人社〔2020〕1号")
    assert response.status_code == 302 and response["Location"] == f"/policies/documents/{doc.pk}/"
    response = admin.post(
        f"/policies/documents/{doc.pk}/items/new/",
        {"code": "zrs-1", "title": "新条款", "benefit_type": "training_subsidy", "amount_kind": "range",
         "amount_max": "1500", "regions": ["411625"], "is_active": "on"},
    )  # fmt: skip
    item = PolicyItem.objects.get(code="zrs-1")
    assert response.status_code == 302 and response["Location"] == f"/policies/items/{item.pk}/rule/"
    assert list(item.regions.values_list("code", flat=True)) == ["411625"]


def rows_post(rows, **extra):
    data = {"combinator": "all", **extra}
    for token, row in rows.items():
        for key, value in row.items():
            data[f"c-{token}-{key}"] = value
    return data


def test_rule_editor_shows_errors_per_condition(web, doc_item):
    _doc, item = doc_item
    admin = web("city_admin")
    response = admin.post(
        f"/policies/items/{item.pk}/rule/",
        rows_post(
            {
                "aaaa1111": {"field": "age", "op": "lte", "value": "六十"},
                "bbbb2222": {"field": "category", "op": "in", "value": ["veteran"]},
                "cccc3333": {"field": "age", "op": "in", "value": "1"},
            },
            action="save",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "policy.rule_type_mismatch" in html and "policy.rule_bad_operator" in html
    assert html.count('data-testid="row-errors"') == 2
    assert "取值：取值应为整数" in html
    assert "运算符：字段“年龄”不支持运算符“in”" in html
    assert PolicyRuleVersion.objects.filter(item=item).count() == 1


def test_rule_editor_try_save_and_publish(web, doc_item, demo):
    _doc, item = doc_item
    admin = web("city_admin")
    person = make_person("19590901", name="王样例")
    make_business(person)
    rows = {
        "aaaa1111": {"field": "age", "op": "lte", "value": "60", "when_field": "sex", "when_value": "M"},
        "bbbb2222": {"field": "has_business", "op": "eq", "value": "true"},
    }
    tried = admin.post(
        f"/policies/items/{item.pk}/rule/",
        rows_post(rows, action="try", sample="person", entrepreneur=str(person.pk), on="2020-09-01"),
    )
    html = tried.content.decode()
    assert tried.status_code == 200
    assert "不符合" in html and "年龄 61 岁，超过上限 60 岁" in html and "有经营主体：是" in html
    assert PolicyRuleVersion.objects.filter(item=item).count() == 1  # trying saves nothing
    typed = admin.post(
        f"/policies/items/{item.pk}/rule/",
        rows_post(rows, action="try", sample="facts", **{"facts-age": "50", "facts-sex": "M",
                                                          "facts-entity_kind": "enterprise"}),
    )  # fmt: skip
    assert "符合" in typed.content.decode() and "年龄 50 岁，不超过 60 岁" in typed.content.decode()
    saved = admin.post(f"/policies/items/{item.pk}/rule/", rows_post(rows, action="save", note="按性别"))
    assert saved.status_code == 302
    version = PolicyRuleVersion.objects.get(item=item, version=2)
    assert version.rule == {"all": [
        {"field": "age", "op": "lte", "value": 60, "when": {"field": "sex", "op": "eq", "value": "M"}},
        {"field": "has_business", "op": "eq", "value": True},
    ]}  # fmt: skip
    page = admin.get(saved["Location"]).content.decode()
    assert "载入 v2" in page and 'data-testid="publish-2"' in page
    saver = version.created_by  # 保存人 by name and Chinese role, not the login name
    for shown in (page, admin.get(f"/policies/items/{item.pk}/").content.decode()):
        assert (
            f"<td>{saver.real_name}（{saver.role_label}）</td>" in shown
            and f"（{saver.username}）" not in shown
        )
    published = admin.post(
        f"/policies/items/{item.pk}/rule/", {"action": "publish", "version_id": version.pk}
    )
    assert published.status_code == 302
    item.refresh_from_db()
    assert item.rule_id == version.pk
    # readers may try but not save or publish
    officer = web("officer_411625")
    assert officer.post(f"/policies/items/{item.pk}/rule/", rows_post(rows, action="save")).status_code == 403
    assert (
        officer.post(
            f"/policies/items/{item.pk}/rule/", {"action": "publish", "version_id": version.pk}
        ).status_code
        == 403
    )


def test_rule_row_fragment_follows_the_field(web, doc_item):
    admin = web("city_admin")
    fresh = admin.get("/policies/rule-row/").content.decode()
    assert 'data-testid="cond-row"' in fresh
    row = admin.get(
        "/policies/rule-row/", {"token": "abcd1234", "c-abcd1234-field": "category", "c-abcd1234-op": "lte"}
    )
    html = row.content.decode()
    assert 'value="eq" selected' in html and "返乡农民工" in html
    row = admin.get(
        "/policies/rule-row/", {"token": "abcd1234", "c-abcd1234-field": "category", "c-abcd1234-op": "in"}
    )
    assert "multiple" in row.content.decode()
    assert admin.get("/policies/rule-row/remove/").content == b""


def test_match_and_outreach_pages(web, doc_item, demo):
    person = make_person("19850101", name="李匹配")
    officer = web("officer_411625")
    page = officer.get(f"/policies/match/{person.pk}/?on=2020-09-01")
    assert page.status_code == 200 and "测试补贴" in page.content.decode()
    other = make_person("19850101", county="411628")
    assert officer.get(f"/policies/match/{other.pk}/").status_code == 404
    outreach = officer.get("/policies/outreach/?on=2020-09-01").content.decode()
    assert "郸城县" in outreach and "测试补贴" in outreach
    people = officer.get("/policies/outreach/t-view/?region=411625&on=2020-09-01").content.decode()
    assert "李匹配" in people
    assert officer.get("/policies/outreach/?region=411628").status_code == 403
    export = officer.get("/policies/outreach/export/?region=411625&item=t-view&on=2020-09-01")
    assert export.status_code == 200
    assert web("officer_411628").get("/policies/outreach/export/?region=411625").status_code == 403
