"""Test data for repayment and subsidy: loans created directly in the repaying state (no workflow)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.loans.models import LoanApplication
from fanxiang.regions.models import Region

_seq = itertools.count(1)


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def person(actor, region: str = "411625101", name: str = "张三"):
    data = person_data(id_number=make_id(area=region[:6]), mobile="", region=region, name=name)
    return registry.entrepreneur_create(actor=actor, data=data)


def loan(
    borrower,
    *,
    amount: str = "200000.00",
    rate: str = "4.35",
    contract: dt.date = dt.date(2021, 3, 15),
    term: int = 36,
    method: str = "interest_monthly",
    bank: str = "DEMO-BANK-PSBC",
    status: str = "repaying",
    number: str | None = None,
) -> LoanApplication:
    value = Decimal(amount)
    return LoanApplication.objects.create(
        number=number or f"T{contract.year}-{next(_seq):06d}",
        entrepreneur=borrower,
        region=Region.objects.get(pk=borrower.region_id),
        borrower_type="individual",
        borrower_categories=["returning_migrant_worker"],
        amount=value,
        term_months=term,
        bank=org(bank),
        guarantee_org=org("DEMO-GUAR"),
        status=status,
        approved_amount=value,
        annual_rate=Decimal(rate),
        contract_date=contract,
        repayment_method=method,
        disbursed_total=value,
        principal_outstanding=value,
    )


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def rcb_officer_user() -> User:
    """A bank officer of the other demo bank (周口农商银行), for the city 411600."""
    user = User.objects.create_user(
        "rcb_officer", password="x", real_name="农商信贷", organization=org("DEMO-BANK-RCB")
    )
    RoleAssignment.objects.create(user=user, role="bank_officer", region=Region.objects.get(code="411600"))
    return user
