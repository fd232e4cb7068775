"""The public policy pages as the public reads them: no staff verification notes, no internal footer; an
ended policy (its end date before today, Asia/Shanghai) listed apart under 已失效 and never offered by the
self-check."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from fanxiang.policies.models import PolicyDocument, PolicyItem
from fanxiang.policies.tests.factories import make_document, make_item

INTERNAL = ("待核实", "全文未取得", "内部办公", "未能取得")
ENDED_TITLE = "阶段性扶持：受疫情影响的个体工商户创业担保贷款"  # seeded: ended 2020-12-31


def _public_urls() -> list[str]:
    seeded = PolicyDocument.objects.get(number="财金〔2020〕21号")
    unconfirmed = PolicyDocument.objects.filter(unconfirmed=True).first()
    return [
        "/policies/public/",
        "/policies/public/?status=ended",
        "/policies/public/?type=startup_subsidy",
        f"/policies/public/documents/{seeded.pk}/",
        f"/policies/public/documents/{unconfirmed.pk}/",
        "/policies/public/check/",
        "/portal/",
        "/portal/login/",
    ]


def _section(html: str, testid: str) -> str:
    """The markup from a ``data-testid`` block to the next heading (or the end of the page)."""
    start = html.index(f'data-testid="{testid}"')
    rest = html[start:]
    ends = [i for i in (rest.find("<h2"), rest.find("<details"), rest.find("<footer")) if i > 0]
    return rest[: min(ends)] if ends else rest


@pytest.mark.parametrize("logged_in", [False, True])
def test_public_pages_show_no_internal_notes_and_a_public_footer(demo, logged_in):
    client = Client()
    if logged_in:  # staff reading the public pages see what the public sees
        client.force_login(demo["city_admin"])
    assert PolicyItem.objects.filter(unconfirmed=True).exists()  # there are notes to hide
    for url in _public_urls():
        if logged_in and url.startswith("/portal/"):
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for word in INTERNAL:
            assert word not in html, (url, word)
        assert 'data-testid="public-footer"' in html, url
        assert "主办单位：周口市推进农民工返乡创业工作领导小组办公室" in html, url
        assert "咨询电话：" in html, url


def test_self_check_result_shows_no_internal_notes(demo):
    response = Client().post(
        "/policies/public/check/",
        {"category": "returning_migrant_worker", "region": "411625", "entity_kind": "individual_business",
         "industry": "F", "jobs_created": "2", "age": "35", "sex": "M"},
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="eligible"' in html
    for word in INTERNAL:
        assert word not in html, word


def test_staff_pages_keep_the_verification_notes(demo):
    client = Client()
    client.force_login(demo["city_admin"])
    item = PolicyItem.objects.filter(unconfirmed=True).first()
    html = client.get(f"/policies/items/{item.pk}/").content.decode()
    assert "待核实" in html
    assert "内部办公" in html


def test_footer_is_configurable(demo, settings):
    settings.FANXIANG_PUBLIC_SITE = {"name": "测试平台", "host": "测试主办", "phone": "0394-0000000"}
    html = Client().get("/policies/public/").content.decode()
    assert "测试平台 · 主办单位：测试主办 · 咨询电话：0394-0000000" in html


def test_ended_policy_is_listed_apart_under_ended(demo):
    today = timezone.localdate()
    doc = make_document(title="测试到期文件")
    ended = make_item(doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, title="测试昨日到期补贴",
                      effective_to=today - dt.timedelta(days=1))  # fmt: skip
    current = make_item(doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, title="测试今日截止补贴",
                        effective_to=today)  # fmt: skip
    client = Client()
    html = client.get("/policies/public/").content.decode()
    now = _section(html, "public-items")
    assert current.title in now
    assert ended.title not in html and ENDED_TITLE not in html
    assert "已失效政策" in html  # the tab to the ended ones
    html = client.get("/policies/public/?status=ended").content.decode()
    gone = _section(html, "ended-items")
    assert ended.title in gone and ENDED_TITLE in gone
    assert current.title not in html
    assert "已失效" in gone and 'data-testid="public-items"' not in html
    # the document page marks the ended item
    html = client.get(f"/policies/public/documents/{doc.pk}/").content.decode()
    block = html.split(ended.title, 1)[1].split("</h3>", 1)[0]
    assert "已失效" in block
    assert "已失效" not in html.split(current.title, 1)[1].split("</h3>", 1)[0]


def test_ended_document_moves_its_items_and_itself_to_ended(demo):
    today = timezone.localdate()
    doc = make_document(title="测试已到期的文件", effective_to=today - dt.timedelta(days=1))
    item = make_item(doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, title="测试随文件失效补贴")
    client = Client()
    html = client.get("/policies/public/").content.decode()
    assert item.title not in html and doc.title not in html
    html = client.get("/policies/public/?status=ended").content.decode()
    assert item.title in html and doc.title in html
    html = client.get(f"/policies/public/documents/{doc.pk}/").content.decode()
    assert 'data-testid="document-ended"' in html


def test_self_check_does_not_offer_an_ended_policy(demo):
    today = timezone.localdate()
    doc = make_document()
    ended = make_item(doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, title="测试已截止的补贴",
                      effective_to=today - dt.timedelta(days=1))  # fmt: skip
    live = make_item(doc, {"all": [{"field": "age", "op": "lte", "value": 60}]}, title="测试仍有效的补贴")
    response = Client().post(
        "/policies/public/check/",
        {"age": "35", "sex": "M", "category": "returning_migrant_worker", "region": "411625",
         "entity_kind": "individual_business", "industry": "F"},
    )  # fmt: skip
    html = response.content.decode()
    offered = _section(html, "eligible") + _section(html, "near-misses")
    assert live.title in offered
    assert ended.title not in offered
    assert ENDED_TITLE not in offered
