"""Policy settings services: effective-dated policy versions (append-only, the latest closed the day before the
new one, no gap, never before a frozen plan's contract date), the LPR table and the holiday calendar. City
admin only; every field error reported at once with its code; nothing written on refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from fanxiang.core import calendar
from fanxiang.core.errors import Forbidden, InvalidInput
from fanxiang.core.models import Holiday
from fanxiang.loans import repayment as svc
from fanxiang.loans.applications.eligibility import policy_on
from fanxiang.loans.models import LoanPolicy, LprRate
from fanxiang.loans.settings import services as policy_services
from fanxiang.loans.tests.repayment_factories import d, loan, person

pytestmark = pytest.mark.django_db


def latest() -> LoanPolicy:
    return LoanPolicy.objects.order_by("-effective_from").first()


def copy_of(policy: LoanPolicy, **changes) -> dict:
    data = policy_services.policy_fields_of(policy)
    data.update(changes)
    return data


def codes(exc: pytest.ExceptionInfo) -> dict[str, str]:
    return {item["field"]: item["code"] for item in exc.value.details["items"]}


def test_every_editable_policy_field_is_edited_by_the_service():
    """A field added to LoanPolicy but not to the service would silently take its default in a new version."""
    editable = {
        f.name
        for f in LoanPolicy._meta.concrete_fields
        if not f.primary_key and f.name not in ("updated_at",) and f.editable
    }
    assert editable == set(policy_services.POLICY_FIELDS)


def test_new_version_closes_the_latest_and_takes_over_from_its_start(demo):
    admin = demo["city_admin"]
    current = latest()
    assert current.effective_to is None  # the shipped 2021 version is open-ended
    before = LoanPolicy.objects.count()
    new = policy_services.policy_version_create(
        actor=admin,
        data=copy_of(
            current,
            name="2031年起规则（测试）",
            effective_from="2031-01-01",
            individual_max_amount="300000",
            subsidy_mode="full",
            fund_split={"central": "1/2", "provincial": "1/4", "city": "1/8", "county": "1/8"},
        ),
    )
    current.refresh_from_db()
    assert LoanPolicy.objects.count() == before + 1
    assert current.effective_to == d("2030-12-31")
    assert (new.effective_from, new.effective_to, new.individual_max_amount) == (
        d("2031-01-01"),
        None,
        Decimal("300000.00"),
    )
    assert new.eligible_categories == current.eligible_categories and new.subsidy_mode == "full"
    assert policy_on(d("2030-12-31")).pk == current.pk and policy_on(d("2031-01-01")).pk == new.pk
    # audited with the actor: the new version and the closing of the previous one
    assert LogEntry.objects.get_for_object(new).filter(actor=admin).exists()
    assert (
        LogEntry.objects.get_for_object(current).filter(actor=admin, action=LogEntry.Action.UPDATE).exists()
    )


def test_only_a_city_admin_may_create_a_version(demo):
    for username in ("officer_411625", "leader", "bank_officer", "unit_liaison"):
        with pytest.raises(Forbidden) as exc:
            policy_services.policy_version_create(
                actor=demo[username], data=copy_of(latest(), effective_from="2031-01-01")
            )
        assert exc.value.code == "policy.forbidden"
    assert latest().effective_to is None and LoanPolicy.objects.count() == 3


def test_every_field_error_at_once_with_its_code(demo):
    data = copy_of(
        latest(),
        name="",
        effective_from="2021-01-01",  # not after the latest version's start
        individual_max_amount="-1",
        enterprise_max_amount="abc",
        partnership_uplift_ratio="1.0001",
        hire_ratio_small="0.08",
        hire_ratio_large="0.15",  # above the small-firm ratio
        min_age="18",
        max_age_female="18",
        individual_max_term_months="0",
        eligible_categories=["returning_migrant_worker", "astronaut"],
        subsidy_mode="rate_share",  # per-loan mode, never a policy's
        fund_split={"central": "0.5", "provincial": "0.25", "city": "0.125", "county": "0.1"},
        subsidy_share_by_year="1, 3/2",
    )
    with pytest.raises(InvalidInput) as exc:
        policy_services.policy_version_create(actor=demo["city_admin"], data=data)
    assert codes(exc) == {
        "name": "policy.required",
        "effective_from": "policy.effective_from_not_after_latest",
        "individual_max_amount": "policy.amount_invalid",
        "enterprise_max_amount": "policy.amount_invalid",
        "partnership_uplift_ratio": "policy.ratio_invalid",
        "hire_ratio_large": "policy.hire_ratio_order",
        "max_age_female": "policy.age_invalid",
        "individual_max_term_months": "policy.number_invalid",
        "eligible_categories": "policy.category_invalid",
        "subsidy_mode": "policy.choice_invalid",
        "fund_split": "policy.fund_split_invalid",
        "subsidy_share_by_year": "policy.share_invalid",
    }
    assert LoanPolicy.objects.count() == 3 and latest().effective_to is None


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("partnership_uplift_ratio", "1", True),
        ("partnership_uplift_ratio", "1.0001", False),
        ("compensation_share", "0", True),
        ("compensation_share", "-0.0001", False),
        ("individual_max_amount", "0.01", True),
        ("individual_max_amount", "0", False),
        ("individual_max_amount", "200000.001", False),
        ("hr_review_days", "60", True),
        ("hr_review_days", "61", False),
        ("max_subsidised_loans", "1", True),
        ("max_subsidised_loans", "0", False),
    ],
)
def test_boundaries(demo, field, value, ok):
    data = copy_of(latest(), effective_from="2031-01-01", **{field: value})
    if ok:
        policy = policy_services.policy_version_create(actor=demo["city_admin"], data=data)
        assert Decimal(str(getattr(policy, field))) == Decimal(value)
    else:
        with pytest.raises(InvalidInput) as exc:
            policy_services.policy_version_create(actor=demo["city_admin"], data=data)
        assert field in codes(exc)
        assert LoanPolicy.objects.count() == 3


def test_no_gap_after_a_closed_version(demo):
    admin = demo["city_admin"]
    first = policy_services.policy_version_create(
        actor=admin, data=copy_of(latest(), effective_from="2031-01-01", effective_to="2031-12-31")
    )
    with pytest.raises(InvalidInput) as exc:
        policy_services.policy_version_create(
            actor=admin, data=copy_of(first, effective_from="2032-01-02", effective_to=None)
        )
    assert codes(exc) == {"effective_from": "policy.gap"}
    follow = policy_services.policy_version_create(
        actor=admin, data=copy_of(first, effective_from="2032-01-01", effective_to=None)
    )
    first.refresh_from_db()
    assert first.effective_to == d("2031-12-31") and follow.effective_from == d("2032-01-01")


def test_never_before_a_frozen_plan_contracted_under_the_old_version(demo):
    """A plan built for a 2021-03-15 contract keeps the 2021 version: a new version from 2021-03-01 is
    refused; one from 2021-03-16 is accepted."""
    borrower = person(demo["officer_411625"])
    svc.schedule_generate(actor=demo["bank_officer"], loan=loan(borrower, contract=dt.date(2021, 3, 15)))
    admin = demo["city_admin"]
    with pytest.raises(InvalidInput) as exc:
        policy_services.policy_version_create(
            actor=admin, data=copy_of(latest(), effective_from="2021-03-01")
        )
    assert codes(exc) == {"effective_from": "policy.effective_from_in_use"}
    policy = policy_services.policy_version_create(
        actor=admin, data=copy_of(latest(), effective_from="2021-03-16")
    )
    assert policy.effective_from == d("2021-03-16")


def test_share_by_year_needs_shares_and_temporary_groups_need_an_end(demo):
    data = copy_of(
        latest(),
        effective_from="2031-01-01",
        subsidy_mode="share_by_year",
        subsidy_share_by_year="",
        temporary_categories=["taxi_buyer"],
        temporary_until=None,
    )
    with pytest.raises(InvalidInput) as exc:
        policy_services.policy_version_create(actor=demo["city_admin"], data=data)
    assert codes(exc) == {"subsidy_share_by_year": "policy.required", "temporary_until": "policy.required"}
    data.update(subsidy_share_by_year="1, 2/3, 1/3", temporary_until="2031-06-30")
    policy = policy_services.policy_version_create(actor=demo["city_admin"], data=data)
    assert policy.subsidy_share_by_year == ["1", "2/3", "1/3"] and policy.temporary_until == d("2031-06-30")


# --------------------------------------------------------------------------- LPR


def test_lpr_add_correct_and_confirm(demo):
    admin = demo["city_admin"]
    rate = policy_services.lpr_rate_create(
        actor=admin, effective_date="2026-01-20", one_year="3.45", five_year="3.95"
    )
    assert (rate.one_year, rate.five_year, rate.confirmed) == (Decimal("3.45"), Decimal("3.95"), False)
    with pytest.raises(InvalidInput) as exc:
        policy_services.lpr_rate_create(
            actor=admin, effective_date="2026-01-20", one_year="3.45", five_year="3.95"
        )
    assert codes(exc) == {"effective_date": "lpr.duplicate_date"}
    with pytest.raises(InvalidInput) as exc:
        policy_services.lpr_rate_create(
            actor=admin, effective_date="2024-13-01", one_year="20", five_year="x"
        )
    assert codes(exc) == {
        "effective_date": "policy.date_invalid",
        "one_year": "lpr.rate_invalid",
        "five_year": "lpr.rate_invalid",
    }
    policy_services.lpr_rate_update(actor=admin, rate=rate, one_year="3.45", five_year="3.95", confirmed=True)
    rate.refresh_from_db()
    assert rate.confirmed is True
    with pytest.raises(Forbidden):
        policy_services.lpr_rate_update(
            actor=demo["bank_officer"], rate=rate, one_year="1.00", five_year="1.00", confirmed=False
        )
    rate.refresh_from_db()
    assert rate.one_year == Decimal("3.45")
    assert LprRate.objects.filter(effective_date=d("2026-01-20")).count() == 1


# --------------------------------------------------------------------------- holidays


def test_holiday_calendar_changes_working_days(demo):
    admin = demo["city_admin"]
    monday, saturday = d("2031-06-02"), d("2031-06-07")
    assert calendar.is_workday(monday) and not calendar.is_workday(saturday)
    holiday = policy_services.holiday_add(actor=admin, date="2031-06-02", name="测试假日")
    workday = policy_services.holiday_add(actor=admin, date=saturday, is_workday=True, name="测试调休上班")
    assert not calendar.is_workday(monday) and calendar.is_workday(saturday)
    # Friday 2031-05-30 + 1 working day: Monday is a holiday now → Tuesday
    assert calendar.add_workdays(d("2031-05-30"), 1) == d("2031-06-03")
    with pytest.raises(InvalidInput) as exc:
        policy_services.holiday_add(actor=admin, date="2031-06-03", is_workday=True, name="")
    assert codes(exc) == {"name": "calendar.name_required", "is_workday": "calendar.workday_not_weekend"}
    with pytest.raises(InvalidInput) as exc:
        policy_services.holiday_add(actor=admin, date="2031-06-02", name="重复")
    assert codes(exc) == {"date": "calendar.duplicate_date"}
    with pytest.raises(Forbidden):
        policy_services.holiday_remove(actor=demo["officer_411625"], holiday=holiday)
    policy_services.holiday_remove(actor=admin, holiday=holiday)
    assert not Holiday.objects.filter(pk=holiday.pk).exists() and calendar.is_workday(monday)
    assert Holiday.objects.filter(pk=workday.pk).exists()
