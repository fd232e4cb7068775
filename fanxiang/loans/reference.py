"""Load the shipped loan rules, LPR table and 2020 holiday calendar (idempotent; never overwrites edits)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction

from fanxiang.loans.data import HOLIDAYS_2020, LPR, POLICIES
from fanxiang.loans.models import Holiday, LoanPolicy, LprRate


@transaction.atomic
def load_loan_reference() -> None:
    for spec in POLICIES:
        if not LoanPolicy.objects.filter(effective_from=spec["effective_from"]).exists():
            LoanPolicy.objects.create(**spec)
    for day, one, five in LPR:
        LprRate.objects.get_or_create(
            effective_date=day, defaults={"one_year": Decimal(one), "five_year": Decimal(five)}
        )
    for day, workday, name in HOLIDAYS_2020:
        Holiday.objects.get_or_create(
            date=dt.date.fromisoformat(day), defaults={"is_workday": workday, "name": name}
        )
