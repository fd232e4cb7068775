"""Matching people × items at the boundaries, asserting each explanation: age limits by sex, categories,
once-only items already received, regions not covered, expired documents, items not yet effective."""

import datetime as dt

import pytest

from fanxiang.policies import selectors
from fanxiang.policies.models import PolicyItem
from fanxiang.policies.tests.factories import grant, make_business, make_document, make_item, make_person

ON = dt.date(2020, 9, 1)

WORKING_AGE_RULE = {
    "all": [
        {"field": "category", "op": "in", "value": ["returning_migrant_worker", "veteran"]},
        {"field": "age", "op": "gte", "value": 18},
        {"field": "age", "op": "lte", "value": 60, "when": {"field": "sex", "op": "eq", "value": "M"}},
        {"field": "age", "op": "lte", "value": 55, "when": {"field": "sex", "op": "eq", "value": "F"}},
    ]
}


@pytest.fixture
def catalogue(demo):
    doc = make_document(number="测试发〔2020〕1号")
    expired_doc = make_document(number="测试发〔2018〕9号", status="expired")
    ended_doc = make_document(number="测试发〔2019〕3号", effective_to="2020-06-30")
    items = {
        "age": make_item(doc, WORKING_AGE_RULE, code="t-age", title="年龄与类别条款", amount_kind="range",
                         amount_fixed=None, amount_max="200000", amount_min="10000"),
        "once": make_item(doc, {"all": [{"field": "has_business", "op": "eq", "value": True}]},
                          code="t-once", title="一次性补贴", once_only=True),
        "again": make_item(doc, {"all": [{"field": "has_business", "op": "eq", "value": True}]},
                           code="t-again", title="可重复补贴", once_only=False),
        "county": make_item(doc, {"all": [{"field": "category", "op": "eq", "value": "returning_migrant_worker"}]},
                            code="t-county", title="郸城县专项", regions=["411625"]),
        "expired": make_item(expired_doc, {"all": [{"field": "age", "op": "gte", "value": 18}]},
                             code="t-expired", title="失效文件条款"),
        "ended": make_item(ended_doc, {"all": [{"field": "age", "op": "gte", "value": 18}]},
                           code="t-ended", title="过期文件条款"),
        "future": make_item(doc, {"all": [{"field": "age", "op": "gte", "value": 18}]},
                            code="t-future", title="明年起执行", effective_from="2021-01-01"),
        "jobs": make_item(doc, {"all": [{"field": "jobs_created", "op": "gte", "value": 1}]},
                          code="t-jobs", title="按岗位补贴", amount_kind="formula", amount_fixed=None,
                          amount_formula={"terms": [{"field": "jobs_created", "rate": "1000"}], "max": "5000"}),
        "draft": make_item(doc, None, code="t-draft", title="未发布规则"),
    }  # fmt: skip
    return items


def by_code(entries, code):
    return next((e for e in entries if e.item.code == code), None)


def failed_messages(result, code):
    near = by_code(result.near_misses, code)
    assert near is not None, f"{code} is not a near miss"
    return [f["message"] for f in near.failed]


# (birth date, female, category, is the age/category item eligible, its failed messages)
AGE_TABLE = [
    ("19600901", False, "returning_migrant_worker", True, []),  # 60 today: the upper limit itself
    ("19600902", False, "returning_migrant_worker", True, []),  # 59
    ("19590901", False, "returning_migrant_worker", False, ["年龄 61 岁，超过上限 60 岁"]),
    ("19650901", True, "returning_migrant_worker", True, []),  # woman, 55 today
    ("19640901", True, "returning_migrant_worker", False, ["年龄 56 岁，超过上限 55 岁"]),
    ("19620101", False, "veteran", True, []),  # a man of 58 is inside; a woman of 58 is not:
    ("19620101", True, "veteran", False, ["年龄 58 岁，超过上限 55 岁"]),
    ("20020902", False, "returning_migrant_worker", False, ["年龄 17 岁，低于下限 18 岁"]),
    ("20020901", False, "returning_migrant_worker", True, []),  # 18 today
    (
        "19850101",
        False,
        "college_graduate",
        False,
        ["人员类别为高校毕业生，不在适用范围（返乡农民工、退役军人）内"],
    ),
]


@pytest.mark.parametrize("birth, female, category, eligible, messages", AGE_TABLE)
def test_age_limits_by_sex_and_category(catalogue, birth, female, category, eligible, messages):
    person = make_person(birth, female=female, category=category)
    result = selectors.match_entrepreneur(person, on=ON)
    hit = by_code(result.eligible, "t-age")
    if eligible:
        assert hit is not None
        assert str(hit.estimated_amount) == "200000.00"
        assert hit.amount_text.startswith("1万元–20万元")
        assert any(r.startswith("人员类别为") for r in hit.reasons)
        assert "适用区域：全市" in hit.reasons
    else:
        assert hit is None
        assert failed_messages(result, "t-age") == messages


def test_once_only_item_already_received_is_not_offered_again(catalogue):
    person = make_person("19850101")
    make_business(person)
    grant(person, catalogue["once"], on=dt.date(2020, 5, 1), amount="5000")
    grant(person, catalogue["again"], on=dt.date(2020, 5, 2), amount="800")
    result = selectors.match_entrepreneur(person, on=ON)
    assert by_code(result.eligible, "t-once") is None
    assert by_code(result.near_misses, "t-once") is None
    received = {r.code: r for r in result.received}
    assert received["t-once"].message == "已于 2020-05-01 享受；该项为一次性政策，不能重复享受"
    assert received["t-once"].once_only is True
    assert str(received["t-once"].total) == "5000.00"
    # a repeatable item already received may be offered again, and says so
    assert by_code(result.eligible, "t-again") is not None
    assert received["t-again"].message == "已于 2020-05-02 享受；该项可按规定再次申请"


def test_revoked_grant_does_not_count_as_received(catalogue):
    person = make_person("19850101")
    make_business(person)
    grant(person, catalogue["once"], revoked=True)
    result = selectors.match_entrepreneur(person, on=ON)
    assert by_code(result.eligible, "t-once") is not None
    assert result.received == []


def test_grant_to_the_persons_business_counts_as_received(catalogue):
    from fanxiang.policies.models import BenefitGrant

    person = make_person("19850101")
    business = make_business(person)
    BenefitGrant.objects.create(
        item=catalogue["once"], business=business, region=business.region, amount="5000", granted_on=ON
    )
    result = selectors.match_entrepreneur(person, on=ON)
    assert by_code(result.eligible, "t-once") is None
    assert [r.code for r in result.received] == ["t-once"]


def test_region_not_covered(catalogue):
    inside = make_person("19850101", county="411625")
    outside = make_person("19850101", county="411628")
    assert by_code(selectors.match_entrepreneur(inside, on=ON).eligible, "t-county") is not None
    result = selectors.match_entrepreneur(outside, on=ON)
    excluded = by_code(result.excluded, "t-county")
    assert excluded.code == "region_not_covered"
    assert excluded.message == f"现居住地{outside.region.name}不在适用区域（郸城县）内"
    assert by_code(result.eligible, "t-county") is None


def test_expired_and_ended_documents_and_unpublished_rules(catalogue):
    result = selectors.match_entrepreneur(make_person("19850101"), on=ON)
    assert by_code(result.excluded, "t-expired").message == "政策文件测试发〔2018〕9号已失效"
    assert (
        by_code(result.excluded, "t-ended").message == "政策文件测试发〔2019〕3号有效期至 2020-06-30，已过期"
    )
    assert by_code(result.excluded, "t-draft").message == "资格条件尚未发布，暂不参与匹配"
    # before its end date the same document applies
    earlier = selectors.match_entrepreneur(make_person("19860101"), on=dt.date(2020, 6, 30))
    assert by_code(earlier.eligible, "t-ended") is not None


def test_item_not_yet_effective_is_a_near_miss_with_its_start_date(catalogue):
    result = selectors.match_entrepreneur(make_person("19850101"), on=ON)
    assert failed_messages(result, "t-future") == ["该条款自 2021-01-01 起执行，尚未生效"]
    later = selectors.match_entrepreneur(make_person("19860101"), on=dt.date(2021, 1, 1))
    assert by_code(later.eligible, "t-future") is not None


def test_formula_amount_and_missing_business(catalogue):
    person = make_person("19850101")
    result = selectors.match_entrepreneur(person, on=ON)
    assert failed_messages(result, "t-jobs") == ["带动就业 0 人，低于下限 1 人"]
    assert failed_messages(result, "t-once") == ["有经营主体：否，要求为“是”"]
    make_business(person, jobs=3)
    result = selectors.match_entrepreneur(person, on=ON)
    hit = by_code(result.eligible, "t-jobs")
    assert str(hit.estimated_amount) == "3000.00"
    assert hit.amount_text == "按公式计算：1000元 × 带动就业，最高 5000 元"
    make_business(person, jobs=9)
    assert (
        str(by_code(selectors.match_entrepreneur(person, on=ON).eligible, "t-jobs").estimated_amount)
        == "5000.00"
    )


def test_near_miss_limit_is_configurable(catalogue, settings):
    person = make_person("19590901", category="college_graduate")  # fails category and age
    result = selectors.match_entrepreneur(person, on=ON)
    assert by_code(result.near_misses, "t-age") is None
    assert result.not_matched >= 1
    result = selectors.match_entrepreneur(person, on=ON, max_failed=2)
    assert failed_messages(result, "t-age") == [
        "人员类别为高校毕业生，不在适用范围（返乡农民工、退役军人）内",
        "年龄 61 岁，超过上限 60 岁",
    ]
    settings.FANXIANG_POLICY_NEAR_MISS_MAX = 2
    assert by_code(selectors.match_entrepreneur(person, on=ON).near_misses, "t-age") is not None


def test_published_rule_change_applies_at_once(catalogue):
    from fanxiang.policies import services
    from fanxiang.policies.tests.factories import admin

    person = make_person("19590901")
    assert by_code(selectors.match_entrepreneur(person, on=ON).eligible, "t-age") is None
    item = PolicyItem.objects.get(code="t-age")
    rule = {"all": [{"field": "age", "op": "lte", "value": 65}]}
    version = services.rule_save(actor=admin(), item=item, rule=rule)
    services.rule_publish(actor=admin(), version=version)
    assert by_code(selectors.match_entrepreneur(person, on=ON).eligible, "t-age") is not None


def test_outreach_lists_eligible_people_not_yet_received(catalogue, demo):
    from fanxiang.regions.models import Region

    officer = demo["officer_411625"]
    a = make_person("19850101")
    make_business(a, jobs=2)
    b = make_person("19860101")
    make_business(b)
    grant(b, catalogue["once"])
    old = make_person("19500101")
    other_county = make_person("19850101", county="411628")
    make_business(other_county, jobs=5)
    region = Region.objects.get(code="411625")
    result = selectors.outreach(user=officer, region=region, on=ON)
    rows = {r.item.code: set(r.person_ids) for r in result.rows}
    assert rows["t-once"] == {a.pk}  # b already received it
    assert rows["t-jobs"] == {a.pk}
    assert {a.pk, b.pk} <= rows["t-age"] and old.pk not in rows["t-age"]
    assert other_county.pk not in set().union(*rows.values())
    skipped = {i.code: why for i, why in result.skipped}
    assert skipped["t-expired"] == "政策文件测试发〔2018〕9号已失效"
    assert skipped["t-future"] == "该条款自 2021-01-01 起执行，尚未生效"
    assert skipped["t-draft"] == "资格条件尚未发布"
    # the bulk evaluation agrees with matching each person one by one
    for person in (a, b, old):
        single = {e.item.code for e in selectors.match_entrepreneur(person, on=ON).eligible}
        received = {r.code for r in selectors.match_entrepreneur(person, on=ON).received}
        bulk = {code for code, ids in rows.items() if person.pk in ids}
        assert bulk == single - received
