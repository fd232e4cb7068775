"""Load the shipped loan rules, LPR table and 2020 holiday calendar (idempotent; never overwrites edits)."""

from decimal import Decimal

from django.db import transaction

from fanxiang.core.calendar import load_holidays
from fanxiang.loans.models import LoanPolicy, LprRate
from fanxiang.loans.settings.data import LPR, POLICIES


@transaction.atomic
def load_loan_reference() -> None:
    for spec in POLICIES:
        if not LoanPolicy.objects.filter(effective_from=spec["effective_from"]).exists():
            LoanPolicy.objects.create(**spec)
    for day, one, five in LPR:
        LprRate.objects.get_or_create(
            effective_date=day, defaults={"one_year": Decimal(one), "five_year": Decimal(five)}
        )
    load_holidays()
