"""Policy-enjoyment records: validation with stable codes, once-only refusal naming the earlier grant,
revocation, wrong-region refusal, and totals by region, benefit type and month against hand-summed
figures (and against the records themselves)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.db.models import Count, Sum

from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import business_data
from fanxiang.entrepreneurs.tests.scope_cases import credit_code
from fanxiang.policies import grants
from fanxiang.policies.models import BenefitGrant
from fanxiang.policies.tests.scope_cases import admin, grant_document, grant_item, grant_person, township
from fanxiang.regions.models import Region, RegionMonthStat

pytestmark = pytest.mark.django_db
DAY = dt.date(2021, 6, 1)


def give(actor, item, day=DAY, amount="1000.00", **beneficiary):
    return grants.grant_create(
        actor=actor, data={"item": item, "amount": amount, "granted_on": day, **beneficiary}
    )


def refused(exc_class, actor, item, **kwargs) -> tuple[str, dict]:
    with pytest.raises(exc_class) as exc:
        give(actor, item, **kwargs)
    return exc.value.code, exc.value.errors


@pytest.fixture
def officer(demo):
    return demo["officer_411625"]


@pytest.fixture
def person(demo):
    return grant_person("411625", name="李返乡")


def test_a_grant_is_recorded_counted_and_logged(officer, person):
    item = grant_item(benefit_type="startup_subsidy")
    grant = give(officer, item, amount="5000", id_number=None, entrepreneur=person.pk, batch="2021年第1批")
    assert (grant.region, grant.amount, grant.batch) == (person.region, Decimal("5000.00"), "2021年第1批")
    assert grant.granting_unit_name == "周口市人力资源和社会保障局"  # the officer's organization by default
    assert grant.created_by == officer and grant.source == "system"
    stats = dict(
        RegionMonthStat.objects.filter(region=person.region, year=2021, month=6).values_list(
            "indicator", "value"
        )
    )
    assert stats == {
        "grant_amount:startup_subsidy": Decimal("5000.00"),
        "grant_count:startup_subsidy": Decimal(1),
    }
    assert LogEntry.objects.get_for_object(grant).get().actor == officer


def test_once_only_item_cannot_be_granted_twice(officer, person):
    item = grant_item(
        title="一次性创业补贴（测试）", once_only=True, amount_kind="fixed", amount_fixed=Decimal("5000")
    )
    first = give(officer, item, amount="5000", entrepreneur=person, granting_unit_name="郸城县人社局")
    with pytest.raises(Conflict) as exc:
        give(officer, item, day=dt.date(2021, 9, 1), amount="5000", id_number=person.id_number)
    assert exc.value.code == "policy.grant_once_only"
    assert exc.value.message == (
        f"李返乡已于 2021-06-01 享受过“一次性创业补贴（测试）”（享受记录 #{first.pk}，郸城县人社局发放，"
        "金额 5,000.00元）。该项为一次性政策，不能重复享受；如原记录有误，请先撤销原记录。"
    )
    assert BenefitGrant.objects.count() == 1
    # once revoked, the earlier grant no longer blocks the item
    grants.grant_revoke(actor=officer, grant=first, reason="登记有误")
    again = give(officer, item, day=dt.date(2021, 9, 1), amount="5000", entrepreneur=person)
    assert again.pk != first.pk


def test_once_only_per_business_and_founder_check(officer, person):
    business = registry.business_create(
        actor=admin(),
        data=business_data(
            name="李氏农场", credit_code=credit_code("411625"), region=township("411625").code
        ),
        founders=[person.pk],
    )
    other = grant_person("411625", name="王某")
    item = grant_item(once_only=True)
    give(officer, item, credit_code=business.credit_code)
    code, errors = refused(Conflict, officer, item, business=business.pk, entrepreneur=person.pk)
    assert code == "policy.grant_once_only" and "business" in errors
    code, errors = refused(InvalidInput, officer, grant_item(), business=business.pk, entrepreneur=other.pk)
    assert code == "policy.grant_business_not_founded" and "business" in errors


def test_same_grant_twice_is_a_duplicate_repeatable_item_granted_again_is_not(officer, person):
    item = grant_item(benefit_type="social_insurance_subsidy", once_only=False)
    give(officer, item, entrepreneur=person)
    give(officer, item, day=dt.date(2021, 7, 1), entrepreneur=person)
    code, _ = refused(Conflict, officer, item, entrepreneur=person)
    assert code == "policy.grant_duplicate"


@pytest.mark.parametrize(
    ("item_kwargs", "document_kwargs", "day", "message"),
    [
        (
            {"effective_from": dt.date(2021, 7, 1)},
            {},
            DAY,
            "的执行期为 2021-07-01 至 长期，享受日期 2021-06-01 不在执行期内",
        ),
        (
            {},
            {"effective_to": dt.date(2020, 12, 31)},
            DAY,
            "的执行期为 2020-01-01 至 2020-12-31，享受日期 2021-06-01 不在执行期内",
        ),
        ({}, {"status": "repealed"}, DAY, "已废止，不能登记享受记录"),
        ({"is_active": False}, {}, DAY, "已停用，不能登记享受记录"),
    ],
)
def test_item_must_be_in_force_on_the_grant_date(officer, person, item_kwargs, document_kwargs, day, message):
    item = grant_item(grant_document(**document_kwargs), **item_kwargs)
    code, errors = refused(InvalidInput, officer, item, day=day, entrepreneur=person)
    assert code == "policy.grant_item_not_in_force"
    assert errors["item"][0].endswith(message)


def test_repealed_document_with_an_end_date_still_takes_grants_of_its_period(officer, person):
    item = grant_item(grant_document(status="repealed", effective_to=dt.date(2021, 12, 31)))
    assert give(officer, item, entrepreneur=person).pk


@pytest.mark.parametrize(
    ("rule", "amount", "code", "message"),
    [
        ({"amount_kind": "fixed", "amount_fixed": Decimal("5000")}, "4999.99", "policy.grant_amount_mismatch",
         "该政策为固定金额 5,000.00元，所填金额为 4,999.99元"),
        ({"amount_kind": "range", "amount_min": Decimal("1000"), "amount_max": Decimal("30000")}, "30000.01",
         "policy.grant_amount_out_of_range", "金额 30,000.01元 超过该政策上限 3万元"),
        ({"amount_kind": "range", "amount_min": Decimal("1000"), "amount_max": Decimal("30000")}, "999.99",
         "policy.grant_amount_out_of_range", "金额 999.99元 低于该政策下限 1,000.00元"),
        ({"amount_kind": "formula", "amount_formula": {"base": "0", "max": "20000"}}, "20000.01",
         "policy.grant_amount_out_of_range", "金额 20,000.01元 超过该政策按公式计算的上限 2万元"),
        ({}, "-1", "policy.grant_amount_invalid", "金额应为不小于0的数字（元，最多两位小数）。"),
        ({}, "1.001", "policy.grant_amount_invalid", "金额应为不小于0的数字（元，最多两位小数）。"),
    ],
)  # fmt: skip
def test_amount_must_fit_the_items_rule(officer, person, rule, amount, code, message):
    item = grant_item(**rule)
    assert refused(InvalidInput, officer, item, amount=amount, entrepreneur=person) == (
        code,
        {"amount": [message]},
    )


def test_amount_at_the_bounds_is_accepted(officer, person):
    ranged = grant_item(amount_kind="range", amount_min=Decimal("1000"), amount_max=Decimal("30000"))
    give(officer, ranged, amount="30000.00", entrepreneur=person)
    give(officer, ranged, amount="1000.00", day=dt.date(2021, 5, 1), entrepreneur=person)


def test_other_input_errors_are_reported_together(officer, person):
    item = grant_item(regions=["411628"])
    with pytest.raises(InvalidInput) as exc:
        grants.grant_create(
            actor=officer,
            data={
                "item": item,
                "entrepreneur": person,
                "amount": "",
                "granted_on": "2999-01-01",
                "colour": 1,
            },
        )
    codes = {i["code"] for i in exc.value.details["items"]}
    assert codes == {
        "policy.grant_unknown_field",
        "policy.grant_amount_required",
        "policy.grant_date_invalid",
        "policy.grant_region_not_covered",
    }
    code, errors = refused(InvalidInput, officer, grant_item())
    assert code == "policy.grant_beneficiary_required" and "entrepreneur" in errors
    code, errors = refused(InvalidInput, officer, "no-such-item", entrepreneur=person)
    assert code == "policy.grant_item_invalid"
    code, errors = refused(InvalidInput, officer, grant_item(), id_number=person.id_number, name="张冠")
    assert code == "policy.grant_name_mismatch"
    assert errors == {"name": ["姓名“张冠”与该身份证号码登记的姓名“李返乡”不一致。"]}


def test_wrong_region_is_refused(demo, person):
    """A 鹿邑 officer cannot reach a 郸城 person; a role without ADD cannot record grants; nor revoke."""
    item = grant_item()
    code, errors = refused(InvalidInput, demo["officer_411628"], item, entrepreneur=person.pk)
    assert code == "policy.grant_beneficiary_not_found" and "entrepreneur" in errors
    code, _ = refused(InvalidInput, demo["officer_411628"], item, id_number=person.id_number)
    assert code == "policy.grant_beneficiary_not_found"
    for username in ("leader", "bank_officer", "unit_liaison"):
        code, _ = refused(Forbidden, demo[username], item, entrepreneur=person.pk)
        assert code == "policy.grant_forbidden"
    grant = give(demo["officer_411625"], item, entrepreneur=person)
    with pytest.raises(Forbidden) as exc:
        grants.grant_revoke(actor=demo["officer_411628"], grant=grant, reason="越权")
    assert exc.value.code == "scope.region_forbidden"
    with pytest.raises(NotFound):
        grants.grant_get(demo["officer_411628"], grant.pk)
    assert BenefitGrant.objects.get().revoked_at is None


def test_revoke_needs_a_reason_and_happens_once(officer, person):
    grant = give(officer, grant_item(), entrepreneur=person)
    with pytest.raises(InvalidInput) as exc:
        grants.grant_revoke(actor=officer, grant=grant, reason=" ")
    assert exc.value.code == "policy.grant_reason_required"
    grants.grant_revoke(actor=officer, grant=grant, reason="重复发放，已追回")
    with pytest.raises(Conflict) as exc:
        grants.grant_revoke(actor=officer, grant=grant, reason="再撤")
    assert exc.value.code == "policy.grant_already_revoked"
    assert LogEntry.objects.filter(additional_data__transition="revoke").count() == 1


# --------------------------------------------------------------------------- totals


@pytest.fixture
def ledger(demo):
    """Grants in two townships of 郸城县, in 郸城县 itself and in 鹿邑县, of two types and several months;
    one revoked (must not count). The expected figures below are summed by hand from this table."""
    startup = grant_item(benefit_type="startup_subsidy")
    insurance = grant_item(benefit_type="social_insurance_subsidy")
    other_year = grant_item(benefit_type="startup_subsidy")
    a = grant_person("411625", township_index=0)
    b = grant_person("411625", township_index=1)
    c = grant_person("411628")
    county_level = grant_person("411625")
    county_level.region = Region.objects.get(code="411625")  # registered at county level
    county_level.save(update_fields=["region"])
    city = demo["city_admin"]
    rows = [
        (startup, a, "2021-01-15", "5000.00"),
        (insurance, a, "2021-01-20", "1200.50"),
        (insurance, a, "2021-03-20", "1200.50"),
        (startup, b, "2021-03-02", "3000.00"),
        (insurance, c, "2021-03-10", "800.00"),
        (startup, c, "2021-12-31", "4000.00"),
        (startup, county_level, "2021-03-05", "700.00"),
        (other_year, a, "2020-12-31", "9999.00"),
    ]
    made = [
        give(city, item, day=dt.date.fromisoformat(d), amount=amt, entrepreneur=p) for item, p, d, amt in rows
    ]
    revoked = give(city, insurance, day=dt.date(2021, 3, 25), amount="50.00", entrepreneur=b)
    grants.grant_revoke(actor=city, grant=revoked, reason="测试撤销")
    return {"a": a, "b": b, "c": c, "grants": made}


def test_totals_by_region_type_and_month_match_hand_sums(demo, ledger):
    city = Region.objects.get(code="411600")
    data = grants.grant_totals(user=demo["city_admin"], region=city, year=2021)
    # 5000 + 1200.50 + 1200.50 + 3000 + 800 + 4000 + 700 (2020's 9999 and the revoked 50 excluded)
    assert (data["amount"], data["count"]) == (Decimal("15901.00"), 7)
    by_type = {t["type"]: (t["amount"], t["count"]) for t in data["types"] if t["count"]}
    assert by_type == {
        "startup_subsidy": (Decimal("12700.00"), 4),
        "social_insurance_subsidy": (Decimal("3201.00"), 3),
    }
    months = {m["month"]: (m["amount"], m["count"]) for m in data["months"] if m["count"]}
    assert months == {
        1: (Decimal("6200.50"), 2),
        3: (Decimal("5700.50"), 4),  # 1200.50 + 3000 + 800 + 700
        12: (Decimal("4000.00"), 1),
    }
    march = data["months"][2]
    assert march["by_type"]["startup_subsidy"] == Decimal("3700.00")
    assert march["by_type"]["social_insurance_subsidy"] == Decimal("2000.50")  # 1200.50 + 800
    children = {c["code"]: (c["amount"], c["count"]) for c in data["children"] if c["count"]}
    assert children == {"411625": (Decimal("11101.00"), 5), "411628": (Decimal("4800.00"), 2)}
    assert len(data["children"]) == Region.objects.filter(parent=city, is_active=True).count()

    county = grants.grant_totals(
        user=demo["officer_411625"], region=Region.objects.get(code="411625"), year=2021
    )
    rows = {c["code"]: c["amount"] for c in county["children"] if c["count"]}
    assert rows == {
        ledger["a"].region.code: Decimal("7401.00"),
        ledger["b"].region.code: Decimal("3000.00"),
        "": Decimal("700.00"),  # registered at county level: the county's own row
    }
    assert grants.grant_totals(user=demo["city_admin"], region=city, year=2020)["amount"] == Decimal(
        "9999.00"
    )


def test_rollups_agree_with_the_records_and_rebuild(demo, ledger):
    city = Region.objects.get(code="411600")
    before = grants.grant_totals(user=demo["city_admin"], region=city, year=2021)
    raw = BenefitGrant.objects.filter(revoked_at__isnull=True, granted_on__year=2021).aggregate(
        amount=Sum("amount"), count=Count("id")
    )
    assert (before["amount"], before["count"]) == (raw["amount"], raw["count"])
    assert grants.rebuild_grant_rollups() == 8
    assert grants.grant_totals(user=demo["city_admin"], region=city, year=2021) == before


def test_totals_stay_inside_the_users_regions(demo, ledger):
    with pytest.raises(NotFound):
        grants.totals_region(demo["officer_411625"], "411628")
    with pytest.raises(NotFound):
        grants.grant_totals(user=demo["officer_411625"], region=Region.objects.get(code="411600"), year=2021)
    assert grants.totals_region(demo["officer_411625"], None).code == "411625"
    assert grants.totals_region(demo["city_admin"], None).code == "411600"
    assert grants.totals_region(demo["leader"], None).code == "411600"
