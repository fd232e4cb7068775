"""Each eligibility rule at and just past its boundary, asserting its code (财金〔2020〕21号 defaults)."""

import datetime as dt
from decimal import Decimal

import pytest

from fanxiang.credit.models import CreditEntry
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data
from fanxiang.loans.applications import eligibility
from fanxiang.loans.models import LoanApplication

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 6, 1)


@pytest.fixture
def person(demo):
    def _make(birth="19850101", female=False, **kw):
        data = person_data(id_number=make_id(birth=birth, female=female), mobile="", **kw)
        return registry.entrepreneur_create(actor=demo["officer_411625"], data=data)

    return _make


def failed(result):
    return {c.code for c in result.checks if not c.passed}


def run(p, amount="200000.00", term=36, **kw):
    kw.setdefault("borrower_type", "individual")
    kw.setdefault("borrower_categories", ["returning_migrant_worker"])
    return eligibility.check(
        entrepreneur=p, amount=Decimal(amount), term_months=term, apply_date=kw.pop("day", DAY), **kw
    )


def test_individual_amount_boundary(person):
    p = person()
    ok = run(p, "200000.00")
    assert ok.eligible and ok.max_amount == Decimal("200000.00") and ok.max_term_months == 36
    over = run(p, "200000.01")
    assert not over.eligible and failed(over) == {"loan.amount_over_limit"}


def test_previous_policy_had_a_lower_cap(person):
    p = person()
    result = run(p, "150000.01", day=dt.date(2020, 3, 1))
    assert failed(result) == {"loan.amount_over_limit"}
    assert result.policy.name.startswith("2019")


def test_term_boundary(person):
    p = person()
    assert run(p, term=36).eligible
    assert failed(run(p, term=37)) == {"loan.term_over_limit"}


def test_age_window_by_sex(person):
    man_60 = person(birth="19600602")  # 59 on 2020-06-01, turns 60 next day
    assert run(man_60).eligible
    man_61 = person(birth="19590531")  # 61
    assert failed(run(man_61)) == {"loan.age_out_of_range"}
    man_exactly_60 = person(birth="19600601")
    assert run(man_exactly_60).eligible
    woman_55 = person(birth="19650601", female=True, name="王芳")
    assert run(woman_55).eligible
    woman_56 = person(birth="19640531", female=True, name="李芳")
    assert failed(run(woman_56)) == {"loan.age_out_of_range"}
    teen = person(birth="20020602")  # 17
    assert failed(run(teen)) == {"loan.age_out_of_range"}


def test_category_must_be_eligible_and_temporary_groups_expire(person):
    p = person()
    assert failed(run(p, borrower_categories=["astronaut"])) == {"loan.category_not_eligible"}
    assert run(p, borrower_categories=["ride_hailing_driver"]).eligible
    late = run(p, borrower_categories=["ride_hailing_driver"], day=dt.date(2021, 1, 4))
    assert failed(late) == {"loan.category_not_eligible"}


def test_category_defaults_from_registry(person):
    p = person(category="returning_migrant_worker")
    assert run(p, borrower_categories=None).eligible
    other = person(category="other", name="钱七")
    assert failed(run(other, borrower_categories=None)) == {"loan.category_not_eligible"}


def test_partnership_uplift(person):
    a, b, c = person(), person(name="乙"), person(name="丙")
    result = run(a, "660000.00", borrower_type="partnership", partners=[b, c])
    assert result.eligible and result.max_amount == Decimal("660000.00")
    assert failed(run(a, "660000.01", borrower_type="partnership", partners=[b, c])) == {
        "loan.amount_over_limit"
    }
    assert "loan.partnership_needs_partners" in failed(
        run(a, "1000", borrower_type="partnership", partners=[])
    )


def _enterprise(person, demo):
    p = person()
    biz = registry.business_create(actor=demo["officer_411625"], data=business_data(), founders=[p.pk])
    return p, biz


def test_enterprise_hire_ratio_15_percent(person, demo):
    p, biz = _enterprise(person, demo)
    kw = {"borrower_type": "enterprise", "business": biz, "term": 24}
    assert run(p, "3000000.00", staff_count=20, new_eligible_hires=3, **kw).eligible  # 15%
    assert failed(run(p, "3000000.00", staff_count=100, new_eligible_hires=14, **kw)) == {
        "loan.hire_ratio_too_low"
    }  # 14%
    assert run(
        p, "3000000.00", staff_count=100, new_eligible_hires=15, **kw
    ).eligible  # 100 is not "above 100"
    assert failed(run(p, "3000000.01", staff_count=20, new_eligible_hires=3, **kw)) == {
        "loan.amount_over_limit"
    }
    assert failed(
        run(
            p, "1000", staff_count=20, new_eligible_hires=3, borrower_type="enterprise", business=biz, term=25
        )
    ) == {"loan.term_over_limit"}


def test_enterprise_hire_ratio_8_percent_above_100_staff(person, demo):
    p, biz = _enterprise(person, demo)
    kw = {"borrower_type": "enterprise", "business": biz, "term": 24}
    assert run(p, "1000000", staff_count=101, new_eligible_hires=9, **kw).eligible  # 8.9%
    assert failed(run(p, "1000000", staff_count=101, new_eligible_hires=8, **kw)) == {
        "loan.hire_ratio_too_low"
    }  # 7.9%
    assert run(p, "1000000", staff_count=200, new_eligible_hires=16, **kw).eligible  # exactly 8%
    assert failed(run(p, "1000000", staff_count=0, new_eligible_hires=0, **kw)) == {
        "loan.staff_count_required"
    }


def _issued(p, n, status="settled"):
    start = LoanApplication.objects.filter(entrepreneur=p).count()
    for i in range(start, start + n):
        LoanApplication.objects.create(
            number=f"T{p.pk}-{i}", entrepreneur=p, region=p.region, borrower_type="individual",
            amount=Decimal("10000"), term_months=12, status=status,
        )  # fmt: skip


def test_fourth_loan_refused(person):
    p = person()
    _issued(p, 2)
    assert run(p).eligible  # the 3rd
    _issued(p, 1)
    result = run(p)
    assert failed(result) == {"loan.repeat_limit"}


def test_bad_history_active_loan_and_blacklist(person):
    p = person()
    _issued(p, 1, status="compensated")
    assert "loan.bad_credit_history" in failed(run(p))
    q = person(name="孙八")
    _issued(q, 1, status="repaying")
    assert failed(run(q)) == {"loan.active_loan_exists"}
    r = person(name="周九")
    CreditEntry.objects.create(
        entrepreneur=r, event="blacklisted", date=dt.date(2020, 1, 1), until=dt.date(2020, 12, 31)
    )
    assert failed(run(r)) == {"loan.blacklisted"}
    assert run(r, day=dt.date(2021, 1, 4)).eligible or "loan.blacklisted" not in failed(
        run(r, day=dt.date(2021, 1, 4))
    )


def test_declared_debts_is_a_soft_failure(person):
    p = person()
    result = run(p, declared_other_debts=True)
    assert result.eligible  # soft: an officer decides
    assert [c.code for c in result.soft_failures] == ["loan.existing_debt"]


def test_no_policy(person, db):
    from fanxiang.loans.models import LoanPolicy

    p = person()
    LoanPolicy.objects.all().delete()
    assert failed(run(p)) == {"loan.policy_missing"}


def test_eligibility_api_contract(person, api):
    p = person()
    client = api("officer_411625")
    body = {
        "borrower_type": "individual",
        "entrepreneur": p.pk,
        "borrower_categories": ["returning_migrant_worker"],
        "amount": "200000.01",
        "term_months": 36,
        "apply_date": "2020-06-01",
    }
    response = client.post("/api/v1/loans/eligibility-check", body)
    assert response.status_code == 200, response.content
    out = response.json()
    assert out["eligible"] is False and out["max_amount"] == "200000.00" and out["max_term_months"] == 36
    failing = [c for c in out["checks"] if not c["passed"]]
    assert [c["code"] for c in failing] == ["loan.amount_over_limit"]
    assert "200,000.01" in failing[0]["message"]
    assert {"rule", "passed", "code", "message"} <= set(out["checks"][0])
    assert api("officer_411628").post("/api/v1/loans/eligibility-check", body).status_code == 404
    body["amount"] = "abc"
    assert client.post("/api/v1/loans/eligibility-check", body).status_code == 422
