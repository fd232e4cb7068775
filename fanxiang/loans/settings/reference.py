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
    # missing announcements are added (an existing database gets the later ones); a row already there is
    # left as it is, whatever a city admin made of it
    known = set(LprRate.objects.values_list("effective_date", flat=True))
    LprRate.objects.bulk_create(
        LprRate(effective_date=day, one_year=Decimal(one), five_year=Decimal(five), confirmed=confirmed)
        for day, one, five, confirmed in LPR
        if day not in known
    )
    load_holidays()
