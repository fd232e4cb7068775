"""The demo year of ``make run``: loans in every state with repayments, compensations and subsidy batches of
both demo banks, recommenders, blacklist entries and grants — through the services, idempotent."""

import datetime as dt
from collections import Counter

import pytest

from fanxiang.credit.demo import load_credit_demo
from fanxiang.credit.models import CreditEntry, CreditEvent, Recommender
from fanxiang.demo import generator
from fanxiang.loans.demo import MARK, load_loans_demo
from fanxiang.loans.models import Compensation, LoanApplication, LoanEvent, Repayment, SubsidyBatch
from fanxiang.policies.demo import load_policies_demo
from fanxiang.policies.models import BenefitGrant
from fanxiang.regions.models import Region
from fanxiang.regions.rollups import subtree_totals
from fanxiang.targets import selectors as target_selectors

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)
STATES = {
    "draft", "submitted", "hr_approved", "guarantee_approved", "bank_approved", "contracted", "repaying",
    "overdue", "extended", "settled", "returned", "rejected", "withdrawn", "compensated", "recovered",
    "written_off",
}  # fmt: skip


def _load() -> None:
    load_credit_demo()
    load_policies_demo()
    load_loans_demo(today=TODAY)


def test_demo_year_fills_every_state_and_page(demo):
    generator.generate(n=900, seed=2020)
    _load()
    loans = LoanApplication.objects.filter(purpose__contains=MARK)
    states = Counter(loans.values_list("status", flat=True))
    assert STATES <= set(states), STATES - set(states)
    assert Repayment.objects.filter(loan__in=loans).count() > 100
    assert Compensation.objects.filter(loan__in=loans).count() >= 4
    # every demo bank has an approved quarterly subsidy batch
    approved = set(SubsidyBatch.objects.filter(status="approved").values_list("bank__code", flat=True))
    assert approved == {"DEMO-BANK-PSBC", "DEMO-BANK-RCB"}
    assert CreditEntry.objects.filter(event=CreditEvent.BLACKLISTED).count() >= 3
    assert Recommender.objects.count() == 5
    assert BenefitGrant.objects.count() >= 20
    # the steps are dated on their business days, not on the day the demo was loaded
    first = LoanEvent.objects.filter(application__in=loans).order_by("at").first()
    assert first.at.year == 2020
    assert not LoanEvent.objects.filter(application__in=loans, at__date__gt=TODAY).exists()
    # a few 2020 borrowers are not returning migrant workers: the guaranteed-loan target (returning
    # migrant workers by default) counts less than all guaranteed loans
    others = [
        a for a in loans.filter(status="settled") if a.borrower_categories != ["returning_migrant_worker"]
    ]
    assert sorted(c for a in others for c in a.borrower_categories) == ["college_graduate", "veteran"]
    assert all(a.entrepreneur.category == a.borrower_categories[0] for a in others)
    city = Region.objects.get(code="411600")
    counted = target_selectors.indicator_totals(city, "guaranteed_loans", 2020)["total"]
    assert 0 < counted < subtree_totals(city, "guaranteed_loans", 2020)["total"]
    # the pipeline waits for each reviewer, some on time, some late
    waiting = loans.filter(status__in=["submitted", "hr_approved", "guarantee_approved"])
    assert waiting.filter(step_due__lt=TODAY).exists() and waiting.filter(step_due__gte=TODAY).exists()

    before = (
        loans.count(),
        Repayment.objects.count(),
        BenefitGrant.objects.count(),
        Recommender.objects.count(),
    )
    _load()  # idempotent
    after = (
        loans.count(),
        Repayment.objects.count(),
        BenefitGrant.objects.count(),
        Recommender.objects.count(),
    )
    assert after == before


def test_demo_year_needs_a_registry(demo):
    _load()
    assert not LoanApplication.objects.exists()
    assert not Recommender.objects.exists()
