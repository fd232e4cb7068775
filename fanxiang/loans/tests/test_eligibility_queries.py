"""Query budget of the eligibility check (the engine and ``POST /api/v1/loans/eligibility-check``): a fixed
number of queries whatever the number of partners and their loan history (no N+1). Speed itself is measured
by ``bench/bench_eligibility.py``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanxiang.credit.models import CreditEntry
from fanxiang.loans.applications import eligibility
from fanxiang.loans.tests.factories import make_person
from fanxiang.loans.tests.repayment_factories import loan

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 6, 1)
ENGINE_BUDGET = 3  # policy, (registry categories when none given), loans and blacklist of all people (one)
API_BUDGET = 5  # token, role assignments, applicant and partners (one query), policy, loans and blacklist


@pytest.fixture
def people(demo):
    officer = demo["officer_411625"]
    group = [make_person(officer) for _ in range(4)]
    for person in group:  # a loan history for everyone (settled loans)
        loan(person, status="settled", contract=dt.date(2019, 6, 1))
    CreditEntry.objects.create(entrepreneur=group[3], event="blacklisted", date=dt.date(2020, 1, 1))
    return group


def count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_engine_budget_does_not_grow_with_partners(people):
    def run(partners):
        return lambda: eligibility.check(
            borrower_type="partnership",
            entrepreneur=people[0],
            partners=partners,
            amount=Decimal("300000.00"),
            term_months=24,
            apply_date=DAY,
        )

    one, three = count(run(people[1:2])), count(run(people[1:4]))
    assert one == three <= ENGINE_BUDGET
    result = eligibility.check(
        borrower_type="partnership",
        entrepreneur=people[0],
        partners=people[1:4],
        amount=Decimal("300000.00"),
        term_months=24,
        apply_date=DAY,
    )
    failed = {c.rule for c in result.checks if not c.passed}
    assert f"blacklist:{people[3].pk}" in failed and f"blacklist:{people[1].pk}" not in failed


def test_api_budget_does_not_grow_with_partners(people, api):
    client = api("officer_411625")

    def post(partners):
        body = {
            "borrower_type": "partnership",
            "entrepreneur": people[0].pk,
            "partners": [p.pk for p in partners],
            "amount": "300000.00",
            "term_months": 24,
            "apply_date": DAY.isoformat(),
            "borrower_categories": ["returning_migrant_worker"],
        }

        def call():
            response = client.post("/api/v1/loans/eligibility-check", body)
            assert response.status_code == 200, response.content

        return call

    post(people[1:2])()  # warm up (token last-use stamp)
    one, three = count(post(people[1:2])), count(post(people[1:4]))
    assert one == three <= API_BUDGET


def test_api_partner_out_of_scope_is_404(people, api, demo):
    stranger = make_person(demo["officer_411628"], region="411628100")
    body = {
        "borrower_type": "partnership",
        "entrepreneur": people[0].pk,
        "partners": [people[1].pk, stranger.pk],
        "amount": "300000.00",
        "term_months": 24,
        "apply_date": DAY.isoformat(),
    }
    response = api("officer_411625").post("/api/v1/loans/eligibility-check", body)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


@pytest.mark.django_db(transaction=True)
def test_policy_cache_outside_transactions_only(settings):
    """Outside a transaction (as API requests run) the pre-check's policy look-up is cached per date; a
    policy edit clears it at once; inside a transaction, or with FANXIANG_POLICY_CACHE_SECONDS = 0, every
    call reads the table."""
    from django.db import transaction

    from fanxiang.loans.models import LoanPolicy

    settings.FANXIANG_POLICY_CACHE_SECONDS = 60
    eligibility.clear_policy_cache()
    assert count(lambda: eligibility.policy_on_cached(DAY)) == 1
    assert count(lambda: eligibility.policy_on_cached(DAY)) == 0
    policy = LoanPolicy.objects.get(effective_from=dt.date(2020, 4, 15))
    policy.individual_max_amount = Decimal("180000.00")
    policy.save()
    assert eligibility.policy_on_cached(DAY).individual_max_amount == Decimal("180000.00")
    with transaction.atomic():
        assert count(lambda: eligibility.policy_on_cached(DAY)) == 1
    settings.FANXIANG_POLICY_CACHE_SECONDS = 0
    assert count(lambda: eligibility.policy_on_cached(DAY)) == 1
    eligibility.clear_policy_cache()
