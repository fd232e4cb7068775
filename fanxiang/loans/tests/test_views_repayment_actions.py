"""The bank's repayment actions on the per-loan schedule page: early settlement (quote, then confirm), partial
prepayment, reversal (冲正) and penalty interest shown as of a date. Each action by the loan's own bank, with
state and amounts read back from the database; refusals show their code on the page and change nothing;
another bank gets 404, a county officer 403.

The example loan (policy-facts §1.4, 2021 rules; figures as in test_services_repayment_prepayment): 200,000.00
at 4.35%, contract 2021-03-15, 36 months, monthly interest 725.00 of which the borrower pays 391.67."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from fanxiang.loans import repayment as svc
from fanxiang.loans.models import Repayment, ScheduleItem
from fanxiang.loans.tests.repayment_factories import d, loan, person, rcb_officer_user

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "payoff-quote"}


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def a_loan(demo, bank):
    """Periods 1 and 2 paid on time."""
    app = loan(person(demo["officer_411625"]))
    for day in ("2021-04-15", "2021-05-15"):
        svc.repayment_record(actor=bank, loan=app, date=d(day), amount="391.67")
    app.refresh_from_db()
    return app


@pytest.fixture
def rcb_officer(demo):
    client = Client()
    client.force_login(rcb_officer_user())
    return client


def state(app) -> tuple:
    app.refresh_from_db()
    return (
        app.status,
        app.principal_outstanding,
        Repayment.objects.filter(loan=app).count(),
        Repayment.objects.filter(loan=app, reversed_at__isnull=False).count(),
        tuple(
            ScheduleItem.objects.filter(loan=app).order_by("period").values_list("status", "principal_paid")
        ),
    )


# --------------------------------------------------------------------------- early settlement


def test_payoff_quote_is_the_hand_computed_figure(a_loan, web):
    """Settling on 2021-06-10: period 3 runs 26 days; the borrower's share of its interest 200,000 × 2.35%
    × 26 / 360 = 339.44 (contract interest 628.33); payoff 339.44 + 200,000.00 = 200,339.44."""
    client = web("bank_officer")
    page = text(client.get(f"/loans/{a_loan.pk}/schedule/"))
    assert 'data-testid="settle-panel"' in page and 'data-testid="prepay-form"' in page
    response = client.get(f"/loans/{a_loan.pk}/payoff/", {"date": "2021-06-10"}, **HTMX)
    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert 'data-testid="payoff-total">200,339.44<' in body
    assert "628.33" in body and "339.44" in body and "26 天" in body
    assert 'name="settle-amount" value="200339.44"' in body  # the confirm form carries the quoted sum
    # without HTMX: the whole page with the quote in it
    full = text(client.get(f"/loans/{a_loan.pk}/payoff/", {"date": "2021-06-10"}))
    assert "<html" in full and 'data-testid="payoff-total">200,339.44<' in full
    # a refused quote shows its code, never a 500
    bad = client.get(f"/loans/{a_loan.pk}/payoff/", {"date": "2021-03-01"}, **HTMX)
    assert bad.status_code == 200 and "repayment.date_before_contract" in text(bad)
    assert 'data-testid="settle-form"' not in text(bad)


def test_settle_early_through_the_page(a_loan, web):
    client = web("bank_officer")
    response = client.post(
        f"/loans/{a_loan.pk}/settlement/",
        {"settle-date": "2021-06-10", "settle-amount": "200339.44", "settle-reference": "S-0610"},
    )
    assert response.status_code == 302
    repayment = Repayment.objects.get(reference="S-0610")
    assert (repayment.kind, repayment.amount, repayment.interest_part, repayment.principal_part) == (
        "settlement",
        D("200339.44"),
        D("339.44"),
        D("200000.00"),
    )
    a_loan.refresh_from_db()
    assert (a_loan.status, a_loan.principal_outstanding) == ("settled", D("0.00"))
    assert ScheduleItem.objects.filter(loan=a_loan, status="cancelled").count() == 33  # periods 4–36


def test_settlement_with_the_wrong_sum_is_refused_with_its_code(a_loan, web):
    before = state(a_loan)
    response = web("bank_officer").post(
        f"/loans/{a_loan.pk}/settlement/", {"settle-date": "2021-06-10", "settle-amount": "200000.00"}
    )
    assert response.status_code == 422
    body = text(response)
    assert "prepayment.amount_mismatch" in body and 'data-testid="settle-errors"' in body
    assert 'data-testid="payoff-total">200,339.44<' in body  # the quote is shown again
    assert state(a_loan) == before


# --------------------------------------------------------------------------- partial prepayment


def test_partial_prepayment_through_the_page(demo, bank, web):
    """Period 1 paid; 50,000.00 prepaid on 2021-05-01 (16 days into period 2) with the borrower's share of
    its interest 50,000 × 2.35% × 16 / 360 = 52.22: 50,052.22; later periods rebuilt on 150,000.00."""
    app = loan(person(demo["officer_411625"]))
    client = web("bank_officer")
    data = {"prepay-date": "2021-05-01", "prepay-principal": "50000.00", "prepay-amount": "50052.22"}
    # period 1 not paid yet: refused with its code, nothing written
    before = state(app)
    refused = client.post(f"/loans/{app.pk}/prepayments/", data)
    assert refused.status_code == 422 and "prepayment.arrears" in text(refused)
    assert state(app) == before
    svc.repayment_record(actor=bank, loan=app, date=d("2021-04-15"), amount="391.67")
    response = client.post(f"/loans/{app.pk}/prepayments/", data)
    assert response.status_code == 302
    repayment = Repayment.objects.get(loan=app, kind="prepayment")
    assert (repayment.amount, repayment.principal_part, repayment.interest_part) == (
        D("50052.22"),
        D("50000.00"),
        D("52.22"),
    )
    app.refresh_from_db()
    assert (app.status, app.principal_outstanding) == ("repaying", D("150000.00"))
    p3 = ScheduleItem.objects.get(loan=app, period=3)
    assert (p3.opening_principal, p3.borrower_interest) == (D("150000.00"), D("293.75"))


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"prepay-date": "2021-06-01", "prepay-principal": "200000.00"}, "prepayment.use_settlement"),
        ({"prepay-date": "2021-06-01", "prepay-principal": "abc"}, "prepayment.principal_invalid"),
        (
            {"prepay-date": "2021-06-01", "prepay-principal": "50000.00", "prepay-amount": "50000.00"},
            "prepayment.amount_mismatch",
        ),
        ({"prepay-date": "2099-01-01", "prepay-principal": "50000.00"}, "repayment.date_in_future"),
    ],
)
def test_bad_prepayment_shows_its_code_and_writes_nothing(a_loan, web, data, code):
    before = state(a_loan)
    response = web("bank_officer").post(f"/loans/{a_loan.pk}/prepayments/", data)
    assert response.status_code == 422 and code in text(response)
    assert state(a_loan) == before


# --------------------------------------------------------------------------- reversal


def test_reverse_the_latest_repayment_then_twice_is_refused(a_loan, web):
    client = web("bank_officer")
    first, latest = Repayment.objects.filter(loan=a_loan).order_by("date")
    page = text(client.get(f"/loans/{a_loan.pk}/schedule/"))
    # only the latest repayment may be reversed: the button is on its row only
    assert f'data-testid="reverse-form-{latest.pk}"' in page
    assert f'data-testid="reverse-form-{first.pk}"' not in page
    # no reason: refused with its code, nothing changes
    before = state(a_loan)
    response = client.post(f"/loans/repayments/{latest.pk}/reverse/", {"reason": " "})
    assert response.status_code == 422 and "repayment.reversal_reason_required" in text(response)
    assert state(a_loan) == before

    response = client.post(f"/loans/repayments/{latest.pk}/reverse/", {"reason": "金额录错"})
    assert response.status_code == 302
    latest.refresh_from_db()
    assert latest.reversed_at is not None and latest.reversal_reason == "金额录错"
    p2 = ScheduleItem.objects.get(loan=a_loan, period=2)
    assert p2.status != "paid" and p2.interest_paid == D("0.00")  # unpaid again (overdue as of today)
    body = text(client.get(f"/loans/{a_loan.pk}/schedule/"))
    row = body[body.index(f'data-repayment="{latest.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-reversed="1"' in row and "<del>391.67</del>" in row and "已冲正" in row and "金额录错" in row
    # the reversed repayment no longer counts as paid: only period 1
    assert 'data-testid="paid-total">391.67<' in body
    # the earlier one is now the latest live repayment and may be reversed
    assert f'data-testid="reverse-form-{first.pk}"' in body

    before = state(a_loan)
    again = client.post(f"/loans/repayments/{latest.pk}/reverse/", {"reason": "重复提交"})
    assert again.status_code == 422 and "repayment.already_reversed" in text(again)
    assert 'data-testid="reverse-errors"' in text(again)
    latest.refresh_from_db()
    assert latest.reversal_reason == "金额录错" and state(a_loan) == before


def test_reversing_an_earlier_repayment_is_refused(a_loan, web):
    first = Repayment.objects.filter(loan=a_loan).order_by("date").first()
    before = state(a_loan)
    response = web("bank_officer").post(f"/loans/repayments/{first.pk}/reverse/", {"reason": "错"})
    assert response.status_code == 422 and "repayment.reversal_not_latest" in text(response)
    assert state(a_loan) == before


# --------------------------------------------------------------------------- who may act


def test_other_bank_gets_404_and_county_officer_403(a_loan, web, rcb_officer):
    latest = Repayment.objects.filter(loan=a_loan).order_by("-date").first()
    before = state(a_loan)
    settle = {"settle-date": "2021-06-10", "settle-amount": "200339.44"}
    prepay = {"prepay-date": "2021-06-01", "prepay-principal": "50000.00"}
    assert rcb_officer.get(f"/loans/{a_loan.pk}/payoff/", {"date": "2021-06-10"}).status_code == 404
    assert rcb_officer.post(f"/loans/{a_loan.pk}/settlement/", settle).status_code == 404
    assert rcb_officer.post(f"/loans/{a_loan.pk}/prepayments/", prepay).status_code == 404
    assert rcb_officer.post(f"/loans/repayments/{latest.pk}/reverse/", {"reason": "x"}).status_code == 404
    county = web("officer_411625")
    page = text(county.get(f"/loans/{a_loan.pk}/schedule/"))
    assert 'data-testid="settle-panel"' not in page and "reverse-form-" not in page
    assert county.get(f"/loans/{a_loan.pk}/payoff/", {"date": "2021-06-10"}).status_code == 403
    assert county.post(f"/loans/{a_loan.pk}/settlement/", settle).status_code == 403
    assert county.post(f"/loans/{a_loan.pk}/prepayments/", prepay).status_code == 403
    assert county.post(f"/loans/repayments/{latest.pk}/reverse/", {"reason": "x"}).status_code in (403, 404)
    assert state(a_loan) == before


# --------------------------------------------------------------------------- penalty interest


def test_penalty_column_and_total_as_of_a_date(demo, bank, web):
    """Period 1 (due 2021-04-15) unpaid; as of 2021-05-15, 30 days: 725.00 × 4.35% × 1.5 × 30 / 360 = 3.94."""
    app = loan(person(demo["officer_411625"]))
    svc.schedule_generate(actor=bank, loan=app)
    client = web("bank_officer")
    body = text(client.get(f"/loans/{app.pk}/schedule/", {"as_of": "2021-05-15"}))
    assert 'data-testid="penalty-total">3.94<' in body and 'data-testid="penalty-1">3.94<' in body
    assert "罚息利率 6.5250%" in body
    # a loan with nothing overdue shows no penalty column
    paid = loan(person(demo["officer_411625"], name="李四"))
    svc.repayment_record(actor=bank, loan=paid, date=d("2021-04-15"), amount="391.67")
    assert "penalty-total" not in text(client.get(f"/loans/{paid.pk}/schedule/", {"as_of": "2021-05-15"}))
