"""Matching a need to products at the boundaries: amount at the ceiling vs one cent above, term limits,
collateral not accepted, region not served, target customers, validity dates, withdrawn products; each
failure's code and the sentence a clerk reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fanxiang.core.errors import InvalidInput
from fanxiang.finance import selectors
from fanxiang.finance.models import yuan_text
from fanxiang.finance.tests.factories import bank, make_business, make_product

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 6, 1)


def match(user, business=None, on=DAY, **need):
    need.setdefault("collateral", ["equipment"])
    return selectors.product_match(user=user, need=selectors.need_of(business=business, on=on, **need))


def failures(result, product) -> list[tuple[str, str]]:
    for fit in result.near_misses:
        if fit.product.pk == product.pk:
            return [(f.code, f.message) for f in fit.failures]
    raise AssertionError(f"{product} is not a near miss: matches={[f.product.name for f in result.matches]}")


def matched(result) -> list[str]:
    return [fit.product.name for fit in result.matches]


@pytest.fixture
def officer(demo):
    return demo["officer_411625"]


@pytest.fixture
def shop(demo):
    """An enterprise in a township of 郸城县 founded by a returning migrant worker."""
    return make_business("411625", kind="enterprise", category="returning_migrant_worker")


def test_amount_at_the_ceiling_matches_one_cent_above_does_not(officer):
    product = make_product(name="设备贷", amount_min="50000", amount_max="3000000")
    assert matched(match(officer, amount="3000000.00", term_months=24)) == ["设备贷"]
    assert matched(match(officer, amount="50000.00", term_months=24)) == ["设备贷"]
    result = match(officer, amount="3000000.01", term_months=24)
    assert result.matches == []
    assert failures(result, product) == [
        ("finance.match_amount_over_max", "需求金额 3,000,000.01 元，超过该产品上限 300 万元")
    ]
    result = match(officer, amount="5000000", term_months=24)
    assert failures(result, product) == [
        ("finance.match_amount_over_max", "需求金额 500 万元，超过该产品上限 300 万元")
    ]
    result = match(officer, amount="49999.99", term_months=24)
    assert failures(result, product) == [
        ("finance.match_amount_under_min", "需求金额 49,999.99 元，低于该产品起贷金额 5 万元")
    ]


def test_term_limits(officer):
    product = make_product(name="短期贷", term_months_min=12, term_months_max=36)
    assert matched(match(officer, amount="100000", term_months=36)) == ["短期贷"]
    assert matched(match(officer, amount="100000", term_months=12)) == ["短期贷"]
    assert failures(match(officer, amount="100000", term_months=37), product) == [
        ("finance.match_term_over_max", "需求期限 37 个月，超过该产品最长期限 36 个月")
    ]
    assert failures(match(officer, amount="100000", term_months=11), product) == [
        ("finance.match_term_under_min", "需求期限 11 个月，短于该产品最短期限 12 个月")
    ]


def test_collateral_not_accepted_and_credit_products(officer):
    equipment = make_product(name="设备贷", collateral=["equipment", "natural_person_guarantee"])
    credit = make_product(name="信用贷", collateral=["credit"], rate_min="5.000", rate_max="6.500")
    result = match(officer, collateral=["forest_rights"])
    assert matched(result) == ["信用贷"]  # a credit product asks for nothing
    assert failures(result, equipment) == [
        (
            "finance.match_collateral_not_accepted",
            "不接受林权抵押（该产品接受：设备抵押、自然人保证）",
        )
    ]
    assert failures(match(officer, collateral=[]), equipment) == [
        ("finance.match_collateral_not_accepted", "须提供抵质押或担保（该产品接受：设备抵押、自然人保证）")
    ]
    # any one accepted kind is enough; the lower rate ranks first
    assert matched(match(officer, collateral=["forest_rights", "natural_person_guarantee"])) == [
        "设备贷",
        "信用贷",
    ]
    assert credit.pk in {f.product.pk for f in match(officer, collateral=[]).matches}


def test_region_served_and_target_customers(officer, shop):
    here = make_product(name="郸城专项", regions_served=["411625"])
    there = make_product(name="鹿邑专项", regions_served=["411628", "411624"])
    cooperatives = make_product(name="合作社贷", target_entity_kinds=["cooperative", "family_farm"])
    graduates = make_product(name="大学生贷", target_categories=["college_graduate", "veteran"])
    result = match(officer, business=shop, amount="100000", term_months=24)
    assert matched(result) == ["郸城专项"]  # the business lies in a township of 郸城县
    assert failures(result, there) == [
        ("finance.match_region_not_served", "该产品不在郸城县开办（服务区域：沈丘县、鹿邑县）")
    ]
    assert failures(result, cooperatives) == [
        ("finance.match_entity_kind", "该产品不面向企业（面向：农民专业合作社、家庭农场）")
    ]
    assert failures(result, graduates) == [
        ("finance.match_category", "该产品面向高校毕业生、退役军人，本主体创办人类别为返乡农民工")
    ]
    # without a business, only the need is matched
    assert set(matched(match(officer, amount="100000", term_months=24))) == {
        here.name,
        there.name,
        cooperatives.name,
        graduates.name,
    }


def test_validity_dates_and_withdrawn_products(officer, demo):
    product = make_product(name="2020专项", valid_from="2020-01-01", valid_to="2020-12-31")
    make_product(name="未上线", valid_from="2021-07-01")
    withdrawn = make_product(name="已下架", status="withdrawn")
    assert matched(match(officer, on=dt.date(2020, 12, 31))) == ["2020专项"]
    result = match(officer, on=dt.date(2021, 1, 1))
    assert matched(result) == []
    assert failures(result, product) == [
        ("finance.match_not_valid", "该产品有效期为 2020-01-01 至 2020-12-31，2021-01-01 不在有效期内")
    ]
    assert withdrawn.pk not in {f.product.pk for f in result.matches + result.near_misses}
    assert matched(match(officer, on=dt.date(2021, 7, 1))) == ["未上线"]


def test_ranking_and_near_miss_cut_off(officer, shop):
    make_product(name="贵", rate_min="5.000", rate_max="7.000")
    make_product(name="便宜", rate_min="3.850", rate_max="7.000")
    make_product(
        name="同价额度高",
        rate_min="3.850",
        rate_max="7.000",
        amount_max="5000000",
        bank=bank("DEMO-BANK-RCB").pk,
    )
    far = make_product(
        name="三项不符",
        amount_max="60000",
        term_months_max=12,
        collateral=["equity"],
    )
    result = match(officer, business=shop, amount="100000", term_months=24)
    assert matched(result) == ["同价额度高", "便宜", "贵"]
    assert far.pk not in {f.product.pk for f in result.near_misses}
    assert result.others == 1


@pytest.mark.parametrize(
    ("need", "field", "code"),
    [
        ({"amount": "0"}, "amount", "finance.match_amount_invalid"),
        ({"amount": "12.345"}, "amount", "finance.match_amount_invalid"),
        ({"term_months": 0}, "term_months", "finance.match_term_invalid"),
        ({"term_months": 361}, "term_months", "finance.match_term_invalid"),
        ({"collateral": ["gold"]}, "collateral", "finance.collateral_invalid"),
    ],
)
def test_bad_need_is_refused(officer, need, field, code):
    with pytest.raises(InvalidInput) as exc:
        selectors.need_of(**need)
    assert exc.value.code == code and field in exc.value.errors


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("5000000", "500 万元"),
        ("3005000", "300.5 万元"),
        ("10000", "1 万元"),
        ("9900", "9,900 元"),
        ("3000000.01", "3,000,000.01 元"),
        ("12345.60", "12,345.60 元"),
    ],
)
def test_amount_sentences(amount, text):
    assert yuan_text(Decimal(amount)) == text
