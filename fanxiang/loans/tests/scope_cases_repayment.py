"""Region-scope cases of the repayment side (repayments, compensations, subsidy batches), collected by
``scope_cases.py``: one county's records are invisible and unwritable to another county's officer."""

import datetime as dt
import itertools
from decimal import Decimal

from fanxiang.accounts.models import Organization, User
from fanxiang.core.testing import ScopeCase
from fanxiang.loans.models import Compensation, Repayment, SubsidyBatch
from fanxiang.loans.tests.repayment_factories import loan, person
from fanxiang.regions.models import Region

_seq = itertools.count(1)


def _loan(county: str):
    admin = User.objects.get(username="city_admin")
    township = Region.objects.filter(parent__code=county).order_by("code").first()
    return loan(person(admin, region=township.code), number=f"SC{county}-{next(_seq):05d}")


def make_repayment(county: str) -> Repayment:
    from fanxiang.loans.repayment import repayment_record

    admin = User.objects.get(username="city_admin")
    return repayment_record(actor=admin, loan=_loan(county), date=dt.date(2021, 4, 15), amount="391.67")


def write_repayment(api_client, web_client, other_region: str) -> None:
    other = Repayment.objects.filter(loan__region__code__startswith=other_region).first()
    response = api_client.post(
        f"/api/v1/loans/{other.loan_id}/repayments", {"date": "2021-05-15", "amount": "1.00"}
    )
    assert response.status_code == 404, response.content


def make_compensation(county: str) -> Compensation:
    a_loan = _loan(county)
    a_loan.status = "compensated"
    a_loan.save()
    return Compensation.objects.create(
        loan=a_loan,
        bank=a_loan.bank,
        guarantee_org=a_loan.guarantee_org,
        date=dt.date(2021, 8, 1),
        days_past_due=108,
        share=Decimal("0.80"),
        principal=Decimal("200000.00"),
        interest=Decimal("0"),
        amount=Decimal("160000.00"),
    )


def write_compensation(api_client, web_client, other_region: str) -> None:
    other = Compensation.objects.filter(loan__region__code__startswith=other_region).first()
    response = api_client.post(
        f"/api/v1/loans/compensations/{other.pk}/recover", {"date": "2021-09-01", "amount": "1.00"}
    )
    assert response.status_code == 404, response.content


def make_batch(county: str) -> SubsidyBatch:
    bank = Organization.objects.get(code="DEMO-BANK-PSBC")
    n = next(_seq)
    return SubsidyBatch.objects.create(
        number=f"TX2021Q2-{county}-{n:03d}",
        bank=bank,
        region=Region.objects.get(code=county),
        year=2021,
        quarter=2,
        period_start=dt.date(2021, 4, 1),
        period_end=dt.date(2021, 6, 30),
    )


def write_batch(api_client, web_client, other_region: str) -> None:
    response = api_client.post(
        "/api/v1/loans/subsidy-batches/", {"year": 2021, "quarter": 2, "region": other_region}
    )
    assert response.status_code in (403, 422), response.content
    other = SubsidyBatch.objects.filter(region__code=other_region).first()
    assert api_client.delete(f"/api/v1/loans/subsidy-batches/{other.pk}").status_code == 404


CASES = [
    ScopeCase(
        model=Repayment,
        make=make_repayment,
        api_list="/api/v1/loans/repayments/",
        marker=lambda r: r.loan.number,
        write=write_repayment,
    ),
    ScopeCase(
        model=Compensation,
        make=make_compensation,
        api_list="/api/v1/loans/compensations/",
        api_detail=lambda c: f"/api/v1/loans/compensations/{c.pk}",
        marker=lambda c: c.loan.number,
        write=write_compensation,
    ),
    ScopeCase(
        model=SubsidyBatch,
        make=make_batch,
        api_list="/api/v1/loans/subsidy-batches/",
        api_detail=lambda b: f"/api/v1/loans/subsidy-batches/{b.pk}",
        list_url="/loans/subsidy-batches/",
        detail_url=lambda b: f"/loans/subsidy-batches/{b.pk}/",
        marker=lambda b: b.number,
        write=write_batch,
    ),
]
