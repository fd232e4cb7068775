"""Pages of the bank workbench, repayment schedule and entry, repayment import, subsidy batches and policy
settings: content, scope (another bank's loans and batches are invisible), refusals by role, and that a
refused or bad input writes nothing."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from fanxiang.core.models import Holiday
from fanxiang.core.tests.workbooks import xlsx_bytes
from fanxiang.loans import repayment as svc
from fanxiang.loans.models import LoanApplication, LoanPolicy, LprRate, Repayment, SubsidyBatch
from fanxiang.loans.tests.repayment_factories import d, loan, org, person, rcb_officer_user
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db
SHARE = "391.67"  # 200,000 at 4.35%, contract 2021-03-15 (2021 rule, LPR 3.85 − 1.50): the borrower's monthly part
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "bank-section"}


def text(response) -> str:
    return response.content.decode()


def xlsx_text(response) -> str:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )


def pre_disbursement(borrower, status: str, bank: str = "DEMO-BANK-PSBC", **extra) -> LoanApplication:
    app = loan(borrower, status=status, bank=bank)
    LoanApplication.objects.filter(pk=app.pk).update(
        disbursed_total=Decimal("0.00"), principal_outstanding=Decimal("0.00"), contract_date=None, **extra
    )
    app.refresh_from_db()
    return app


@pytest.fixture
def rcb_officer(demo):
    """A bank officer of the other demo bank (周口农商银行)."""
    return rcb_officer_user()


@pytest.fixture
def book(demo):
    """PSBC loans in every workbench section, and RCB loans that PSBC must never see."""
    borrower = person(demo["officer_411625"])
    luyi = person(demo["officer_411628"], region="411628100", name="李四")
    loans = {
        "approval": pre_disbursement(borrower, "guarantee_approved"),
        "merged": pre_disbursement(borrower, "submitted", merged_review=True),
        "contract": pre_disbursement(borrower, "bank_approved"),
        "disbursement": pre_disbursement(borrower, "contracted"),
        "repaying": loan(borrower),
        "overdue": loan(luyi),
        "rcb_approval": pre_disbursement(borrower, "guarantee_approved", bank="DEMO-BANK-RCB"),
        "rcb_repaying": loan(borrower, bank="DEMO-BANK-RCB"),
    }
    svc.repayment_record(
        actor=demo["bank_officer"], loan=loans["repaying"], date=d("2021-04-15"), amount=SHARE
    )
    svc.schedule_generate(actor=demo["bank_officer"], loan=loans["overdue"])
    svc.overdue_update_loan(loan_id=loans["overdue"].pk, as_of=d("2021-06-01"))
    for key in loans:
        loans[key].refresh_from_db()
    assert loans["overdue"].status == "overdue" and loans["overdue"].days_past_due == 47
    return loans


# --------------------------------------------------------------------------- workbench


def test_workbench_sections_show_only_own_bank_loans(book, web):
    client = web("bank_officer")
    body = text(client.get("/loans/bank/"))
    assert "银行工作台" in body
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', body))
    assert counts == {"approval": "2", "contract": "1", "disbursement": "1", "repaying": "1", "overdue": "1"}
    assert book["approval"].number in body and book["merged"].number in body
    assert book["rcb_approval"].number not in body
    for tab, key in (("contract", "contract"), ("disbursement", "disbursement")):
        page = text(client.get("/loans/bank/", {"tab": tab}))
        assert book[key].number in page and f"/loans/applications/{book[key].pk}/" in page
    repaying = text(client.get("/loans/bank/", {"tab": "repaying"}))
    assert book["repaying"].number in repaying and book["rcb_repaying"].number not in repaying
    # period 1 paid: next is period 2, due 2021-05-15, the borrower's share 391.67
    row = repaying[repaying.index(f'data-loan="{book["repaying"].number}"') :]
    assert "第2期" in row and "2021-05-15" in row and "391.67" in row
    overdue = text(client.get("/loans/bank/", {"tab": "overdue"}))
    row = overdue[overdue.index(f'data-loan="{book["overdue"].number}"') :]
    assert "<b>47</b>" in row and "2021-04-15" in row  # days past due, oldest unpaid due date
    everything = "".join(
        text(client.get("/loans/bank/", {"tab": t})) for t in ("approval", "repaying", "overdue")
    )
    assert book["rcb_approval"].number not in everything and book["rcb_repaying"].number not in everything


def test_workbench_of_the_other_bank_and_search(book, rcb_officer):
    client = Client()
    client.force_login(rcb_officer)
    body = text(client.get("/loans/bank/"))
    assert book["rcb_approval"].number in body and book["approval"].number not in body
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', body))
    assert counts == {"approval": "1", "contract": "0", "disbursement": "0", "repaying": "1", "overdue": "0"}
    # search within the section never reaches past the scope
    found = text(client.get("/loans/bank/", {"tab": "repaying", "q": book["repaying"].number}))
    assert f'data-loan="{book["repaying"].number}"' not in found and "暂无贷款" in found
    mine = text(client.get("/loans/bank/", {"tab": "repaying", "q": book["rcb_repaying"].entrepreneur.name}))
    assert f'data-loan="{book["rcb_repaying"].number}"' in mine


def test_workbench_tab_swap_with_htmx_renders_only_the_section(book, web):
    response = web("bank_officer").get("/loans/bank/", {"tab": "overdue"}, **HTMX)
    body = text(response)
    assert response.status_code == 200 and "<html" not in body
    assert 'data-testid="section-overdue"' in body and book["overdue"].number in body


@pytest.mark.parametrize("username", ["officer_411625", "guarantee_officer", "leader", "unit_liaison"])
def test_workbench_refused_to_other_roles(book, web, username):
    assert web(username).get("/loans/bank/").status_code == 403


def test_workbench_needs_login(book):
    response = Client().get("/loans/bank/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


# --------------------------------------------------------------------------- schedule and repayment by hand


def test_schedule_page_shows_periods_subsidy_and_totals(book, web, demo):
    client = web("bank_officer")
    body = text(client.get(f"/loans/{book['repaying'].pk}/schedule/"))
    assert 'data-testid="schedule"' in body and 'data-period="36"' in body
    # each period: contract interest 725.00, borrower 391.67, subsidy 333.33; 36 periods
    first = body[body.index('data-period="1"') : body.index('data-period="2"')]
    assert "725.00" in first and "391.67" in first and "333.33" in first and "已还清" in first
    assert "可申报" in first  # paid on time: its subsidy is claimable
    assert "11,999.88" in body  # total subsidy: 36 × 333.33
    assert 'data-testid="repayment-form"' in body
    # the county officer of the borrower's county reads it but may not record
    county = text(web("officer_411625").get(f"/loans/{book['repaying'].pk}/schedule/"))
    assert 'data-testid="schedule"' in county and 'data-testid="repayment-form"' not in county
    # other bank, other county: 404
    assert client.get(f"/loans/{book['rcb_repaying'].pk}/schedule/").status_code == 404
    assert web("officer_411628").get(f"/loans/{book['repaying'].pk}/schedule/").status_code == 404


def test_schedule_of_a_loan_not_disbursed_says_why(book, web):
    body = text(web("bank_officer").get(f"/loans/{book['contract'].pk}/schedule/"))
    assert 'data-testid="schedule-error"' in body and "schedule." in body


def test_record_repayment_by_hand(book, web):
    client = web("bank_officer")
    url = f"/loans/{book['repaying'].pk}/repayments/"
    response = client.post(url, {"date": "2021-05-15", "amount": SHARE, "reference": "R-2021-0515"})
    assert response.status_code == 302
    repayment = Repayment.objects.get(reference="R-2021-0515")
    assert repayment.amount == Decimal(SHARE) and repayment.recorded_by.username == "bank_officer"
    body = text(client.get(f"/loans/{book['repaying'].pk}/schedule/"))
    assert "R-2021-0515" in body


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"date": "2021-05-15", "amount": "abc"}, "repayment.amount_invalid"),
        ({"date": "2021-05-15", "amount": "0.001"}, "repayment.amount_invalid"),
        ({"date": "2099-01-01", "amount": "10.00"}, "repayment.date_in_future"),
        ({"date": "2021-03-01", "amount": "10.00"}, "repayment.date_before_contract"),
        ({"date": "2021-05-15", "amount": "999999.00"}, "repayment.exceeds_outstanding"),
    ],
)
def test_bad_repayment_shows_its_code_and_writes_nothing(book, web, data, code):
    before = Repayment.objects.count()
    response = web("bank_officer").post(f"/loans/{book['repaying'].pk}/repayments/", data)
    assert response.status_code == 422
    assert code in text(response)
    assert Repayment.objects.count() == before


def test_repayment_refused_to_a_county_officer_and_the_other_bank(book, web, rcb_officer):
    before = Repayment.objects.count()
    response = web("officer_411625").post(
        f"/loans/{book['repaying'].pk}/repayments/", {"date": "2021-05-15", "amount": SHARE}
    )
    assert response.status_code == 403
    other = Client()
    other.force_login(rcb_officer)
    response = other.post(
        f"/loans/{book['repaying'].pk}/repayments/", {"date": "2021-05-15", "amount": SHARE}
    )
    assert response.status_code == 404
    assert Repayment.objects.count() == before


def test_generate_schedule_of_a_disbursed_loan(demo, web):
    app = loan(person(demo["officer_411625"]), status="disbursed")
    client = web("bank_officer")
    body = text(client.get(f"/loans/{app.pk}/schedule/"))
    assert 'data-testid="preview"' in body and "生成还款计划" in body
    assert client.post(f"/loans/{app.pk}/schedule/generate/").status_code == 302
    app.refresh_from_db()
    assert app.status == "repaying" and app.plan.items.count() == 36
    assert 'data-testid="preview"' not in text(client.get(f"/loans/{app.pk}/schedule/"))
    assert (
        web("officer_411625").post(f"/loans/{app.pk}/schedule/generate/").status_code == 302
    )  # no plan change
    assert app.plan.items.count() == 36


# --------------------------------------------------------------------------- import


def xlsx(rows: list[list]) -> io.BytesIO:
    buf = io.BytesIO(xlsx_bytes(["贷款编号", "还款日期", "还款金额（元）", "银行流水号", "备注"], rows))
    buf.name = "还款.xlsx"
    return buf


def test_import_reports_bad_rows_and_writes_nothing(book, web):
    client = web("bank_officer")
    number, theirs = book["repaying"].number, book["rcb_repaying"].number
    upload = xlsx(
        [
            [number, "2021-05-15", SHARE, "IMP-1", ""],  # 2 good
            [theirs, "2021-05-15", SHARE, "", ""],  # 3 the other bank's loan
            [number, "2021-02-30", SHARE, "", ""],  # 4 no such date
            [number, "2021-06-15", "-3", "", ""],  # 5 negative
        ]
    )
    response = client.post("/loans/bank/repayments/import/", {"file": upload, "mode": "all"})
    body = text(response)
    assert response.status_code == 422
    rows = re.findall(  # row, column, reason; the code only in data-code (a clerk reads Chinese only)
        r'<tr data-row="(\d+)" data-code="([\w.]+)"><td class="num">\d+</td><td class="nowrap">([^<]+)</td>'
        r"<td>([^<]+)</td>",
        body,
    )
    assert [(r[0], r[2], r[1]) for r in rows] == [
        ("3", "贷款编号", "repayment.loan_not_found"),
        ("4", "还款日期", "repayment.date_invalid"),
        ("5", "还款金额（元）", "repayment.amount_invalid"),
    ]
    assert all(r[3].strip() and "repayment." not in r[3] for r in rows)  # every row has its reason
    assert "错误代码" not in body and ">repayment." not in body
    assert "未写入任何数据" in body
    assert not Repayment.objects.filter(reference="IMP-1").exists()
    # the same file, only the good rows
    upload.seek(0)
    response = client.post("/loans/bank/repayments/import/", {"file": upload, "mode": "partial"})
    assert 'data-testid="created">1<' in text(response)
    assert Repayment.objects.get(reference="IMP-1").source == "import"


def test_import_file_errors_template_and_refusal(book, web):
    client = web("bank_officer")
    bad = io.BytesIO(b"not,a,repayment\n1,2,3\n")
    bad.name = "x.csv"
    response = client.post("/loans/bank/repayments/import/", {"file": bad, "mode": "dry_run"})
    assert response.status_code == 422 and "import.missing_columns" in text(response)
    template = client.get("/loans/bank/repayments/import/template/")
    assert template.status_code == 200 and "贷款编号" in xlsx_text(template)
    assert 'data-testid="upload-form"' in text(client.get("/loans/bank/repayments/import/"))
    for username in ("officer_411625", "guarantee_officer", "leader"):
        assert web(username).get("/loans/bank/repayments/import/").status_code == 403
    assert web("officer_411625").post("/loans/bank/repayments/import/", {"mode": "all"}).status_code == 403


# --------------------------------------------------------------------------- subsidy batches


@pytest.fixture
def claimable(book, demo):
    """2021 Q2: the PSBC loan and the RCB loan paid on time (3 periods each)."""
    for key in ("repaying", "rcb_repaying"):
        for day in ("2021-04-15", "2021-05-15", "2021-06-15"):
            if key == "repaying" and day == "2021-04-15":
                continue  # recorded by the book
            svc.repayment_record(actor=demo["city_admin"], loan=book[key], date=d(day), amount=SHARE)
    return book


def create_batch(client, bank: str = "DEMO-BANK-PSBC", **extra):
    data = {"bank": org(bank).pk, "year": 2021, "quarter": 2, **extra}
    return client.post("/loans/subsidy-batches/new/", data)


def test_bank_creates_a_quarterly_batch_and_sees_its_lines(claimable, web):
    client = web("bank_officer")
    listing = text(client.get("/loans/subsidy-batches/"))
    assert 'data-testid="create-form"' in listing
    assert f'value="{org("DEMO-BANK-RCB").pk}"' not in listing  # the bank offers only itself
    response = create_batch(client)
    assert response.status_code == 302
    batch = SubsidyBatch.objects.get()
    assert (batch.bank.code, batch.line_count, batch.subsidy_total) == (
        "DEMO-BANK-PSBC",
        3,
        Decimal("999.99"),
    )
    detail = text(client.get(response["Location"]))
    assert batch.number in detail and "999.99" in detail and claimable["repaying"].number in detail
    assert claimable["rcb_repaying"].number not in detail
    assert 'data-testid="action-submit"' in detail and 'data-testid="action-approve"' not in detail
    # list per bank and quarter
    listing = text(client.get("/loans/subsidy-batches/", {"year": 2021, "quarter": 2}))
    assert batch.number in listing and "2021年第2季度" in listing
    # a second claim of the same quarter is refused with its code
    again = create_batch(client)
    assert again.status_code == 422 and "subsidy.already_claimed" in text(again)
    assert SubsidyBatch.objects.count() == 1


def test_bank_cannot_claim_for_the_other_bank(claimable, web):
    response = create_batch(web("bank_officer"), bank="DEMO-BANK-RCB")
    assert response.status_code == 422 and not SubsidyBatch.objects.exists()


def test_quarter_not_ended_is_refused_with_its_code(claimable, web):
    response = create_batch(web("bank_officer"), year=2099, quarter=1)
    assert response.status_code == 422 and "subsidy.quarter_not_ended" in text(response)


def test_other_bank_never_sees_the_batch(claimable, web, rcb_officer):
    create_batch(web("bank_officer"))
    batch = SubsidyBatch.objects.get()
    other = Client()
    other.force_login(rcb_officer)
    assert batch.number not in text(other.get("/loans/subsidy-batches/"))
    assert other.get(f"/loans/subsidy-batches/{batch.pk}/").status_code == 404
    assert other.get(f"/loans/subsidy-batches/{batch.pk}/export/").status_code == 404
    assert other.post(f"/loans/subsidy-batches/{batch.pk}/actions/submit/").status_code == 404
    batch.refresh_from_db()
    assert batch.status == "draft"


def test_submit_approve_and_return_by_the_right_side(claimable, web):
    bank, finance = web("bank_officer"), web("unit_liaison")
    create_batch(bank)
    batch = SubsidyBatch.objects.get()
    url = f"/loans/subsidy-batches/{batch.pk}/"
    assert bank.post(f"{url}actions/approve/").status_code == 403  # the bank never approves its own claim
    assert finance.post(f"{url}actions/submit/").status_code == 403  # only the bank submits
    assert bank.post(f"{url}actions/submit/").status_code == 302
    batch.refresh_from_db()
    assert batch.status == "submitted"
    page = text(finance.get(url))
    assert 'data-testid="action-approve"' in page and 'data-testid="return-form"' in page
    # a return needs a reason: refused with its code, nothing changes
    response = finance.post(f"{url}actions/return/", {"reason": "  "})
    assert response.status_code == 422 and "subsidy.return_reason_required" in text(response)
    batch.refresh_from_db()
    assert batch.status == "submitted"
    assert finance.post(f"{url}actions/return/", {"reason": "第2期流水号缺失"}).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.return_reason) == ("returned", "第2期流水号缺失")
    assert "第2期流水号缺失" in text(bank.get(url))
    # the periods are free again: a new batch, approved by the finance bureau
    assert create_batch(bank).status_code == 302
    second = SubsidyBatch.objects.exclude(pk=batch.pk).get()
    bank.post(f"/loans/subsidy-batches/{second.pk}/actions/submit/")
    assert finance.post(f"/loans/subsidy-batches/{second.pk}/actions/approve/").status_code == 302
    second.refresh_from_db()
    assert second.status == "approved" and second.decided_by.username == "unit_liaison"
    page = text(finance.get(f"/loans/subsidy-batches/{second.pk}/"))  # who acted: name and Chinese role
    for user in (second.created_by, second.decided_by):
        assert f"，{user.real_name}（{user.role_label}）" in page and f"（{user.username}）" not in page


def test_statement_export_and_draft_delete(claimable, web):
    bank = web("bank_officer")
    create_batch(bank)
    batch = SubsidyBatch.objects.get()
    export = bank.get(f"/loans/subsidy-batches/{batch.pk}/export/")
    assert export.status_code == 200
    cells = xlsx_text(export)
    assert claimable["repaying"].number in cells and "合计" in cells and batch.number in cells
    assert bank.post(f"/loans/subsidy-batches/{batch.pk}/delete/").status_code == 302
    assert not SubsidyBatch.objects.exists()


def test_batch_pages_by_role(claimable, web, demo):
    """A 郸城 (411625) batch for 2021 Q2 and a city-wide one for Q3: the county officer of 郸城 reads only the
    first, the officer of 鹿邑 neither; the finance liaison, the leader and the city admin both."""
    bank = web("bank_officer")
    assert create_batch(bank, region=Region.objects.get(code="411625").pk).status_code == 302
    county = SubsidyBatch.objects.get()
    for day in ("2021-07-15", "2021-08-15", "2021-09-15"):
        svc.repayment_record(
            actor=demo["bank_officer"], loan=claimable["repaying"], date=d(day), amount=SHARE
        )
    assert create_batch(bank, quarter=3).status_code == 302
    city_wide = SubsidyBatch.objects.exclude(pk=county.pk).get()
    assert (county.region.code, county.line_count, city_wide.region.code, city_wide.line_count) == (
        "411625",
        3,
        "411600",
        3,
    )
    for username in ("leader", "city_admin", "unit_liaison"):
        body = text(web(username).get("/loans/subsidy-batches/"))
        assert county.number in body and city_wide.number in body, username
    body = text(web("officer_411625").get("/loans/subsidy-batches/"))
    assert county.number in body and city_wide.number not in body
    assert 'data-testid="create-form"' not in body
    assert county.number not in text(web("officer_411628").get("/loans/subsidy-batches/"))
    assert 'data-testid="create-form"' in text(web("city_admin").get("/loans/subsidy-batches/"))
    for username in ("service_clerk", "expert"):
        assert web(username).get("/loans/subsidy-batches/").status_code == 403
    detail = text(web("officer_411625").get(f"/loans/subsidy-batches/{county.pk}/"))
    assert county.number in detail and 'data-testid="actions"' not in detail
    assert web("officer_411625").post(f"/loans/subsidy-batches/{county.pk}/delete/").status_code == 403
    assert web("officer_411625").get(f"/loans/subsidy-batches/{city_wide.pk}/").status_code == 404
    assert SubsidyBatch.objects.count() == 2


def test_batch_lines_page_with_htmx(claimable, web):
    client = web("bank_officer")
    create_batch(client)
    batch = SubsidyBatch.objects.get()
    response = client.get(
        f"/loans/subsidy-batches/{batch.pk}/",
        {"page": 1},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="batch-lines",
    )
    body = text(response)
    assert "<html" not in body and 'data-testid="lines"' in body and claimable["repaying"].number in body


# --------------------------------------------------------------------------- policy settings


def test_settings_pages_for_the_city_admin_only(demo, web):
    admin = web("city_admin")
    body = text(admin.get("/loans/settings/"))
    for policy in LoanPolicy.objects.all():
        assert policy.name in body
    assert "财金〔2020〕21号" in body and 'data-testid="in-force"' in body
    detail = text(
        admin.get(f"/loans/settings/policies/{LoanPolicy.objects.order_by('effective_from').first().pk}/")
    )
    assert "150,000.00" in detail and "财金〔2018〕22号" in detail
    for username in ("leader", "officer_411625", "bank_officer", "unit_liaison"):
        client = web(username)
        for url in (
            "/loans/settings/",
            "/loans/settings/lpr/",
            "/loans/settings/holidays/",
            "/loans/settings/policies/new/",
        ):
            assert client.get(url).status_code == 403, (username, url)
        assert (
            client.post(
                "/loans/settings/holidays/", {"date": "2031-01-01", "is_workday": "0", "name": "x"}
            ).status_code
            == 403
        )
    assert not Holiday.objects.filter(date=d("2031-01-01")).exists()


def policy_post(client, **changes):
    form = text(client.get("/loans/settings/policies/new/"))
    data = {}
    for name, value in re.findall(
        r'<input type="(?:text|date|hidden)" name="(\w+)"(?:\s+value="([^"]*)")?', form
    ):
        data[name] = value
    for name in re.findall(r'<input type="checkbox" name="(\w+)"[^>]*checked', form):
        data[name] = "on"
    data["eligible_categories"] = re.findall(r'name="eligible_categories" value="(\w+)"[^>]*checked', form)
    data["temporary_categories"] = re.findall(r'name="temporary_categories" value="(\w+)"[^>]*checked', form)
    for name in ("source", "unconfirmed"):
        match = re.search(rf'<textarea name="{name}"[^>]*>\s*(.*?)</textarea>', form, re.S)
        data[name] = match.group(1) if match else ""
    for name in ("subsidy_mode", "subsidy_payment"):
        match = re.search(rf'<select name="{name}"[^>]*>.*?<option value="(\w+)" selected', form, re.S)
        data[name] = match.group(1) if match else ""
    data.pop("csrfmiddlewaretoken", None)
    data.update(changes)
    return client.post("/loans/settings/policies/new/", data)


def test_new_policy_version_from_the_current_one(demo, web):
    admin = web("city_admin")
    form = text(admin.get("/loans/settings/policies/new/"))
    assert "2021年起规则" in form and 'value="200000.00"' in form
    assert "返乡创业农民工" in form and "（returning_migrant_worker）" not in form  # labels without codes
    current = LoanPolicy.objects.get(effective_to__isnull=True)
    response = policy_post(
        admin, name="2031年起规则（页面）", effective_from="2031-01-01", individual_max_amount="250000"
    )
    assert response.status_code == 302, text(response)
    new = LoanPolicy.objects.get(name="2031年起规则（页面）")
    current.refresh_from_db()
    assert current.effective_to == d("2030-12-31")
    assert (new.individual_max_amount, new.subsidy_mode, new.fund_split) == (
        Decimal("250000.00"),
        current.subsidy_mode,
        current.fund_split,
    )
    assert new.eligible_categories == current.eligible_categories and new.source == current.source
    assert "2031年起规则（页面）" in text(admin.get(response["Location"]))


def test_policy_form_shows_each_error_under_its_field_with_its_code(demo, web):
    admin = web("city_admin")
    response = policy_post(
        admin,
        effective_from="2020-01-01",
        individual_max_amount="-5",
        max_age_male="10",
        fund_central="0.9",
        compensation_share="2",
    )
    body = text(response)
    assert response.status_code == 422
    expected = {
        "effective_from": "policy.effective_from_not_after_latest",
        "individual_max_amount": "policy.amount_invalid",
        "max_age_male": "policy.number_invalid",
        "fund_split": "policy.fund_split_invalid",
        "compensation_share": "policy.ratio_invalid",
    }
    for field, code in expected.items():
        block = body[body.index(f'data-testid="error-{field}"') :]
        assert code in block[: block.index("</ul>")], field
    assert LoanPolicy.objects.count() == 3


def test_lpr_page_add_and_confirm(demo, web):
    admin = web("city_admin")
    body = text(admin.get("/loans/settings/lpr/"))
    assert "2020-04-20" in body and "3.8500" in body and "未核实" in body
    assert (
        admin.post(
            "/loans/settings/lpr/", {"effective_date": "2026-01-20", "one_year": "3.35", "five_year": "3.85"}
        ).status_code
        == 302
    )
    rate = LprRate.objects.get(effective_date=d("2026-01-20"))
    again = admin.post(
        "/loans/settings/lpr/", {"effective_date": "2026-01-20", "one_year": "3.35", "five_year": "3.85"}
    )
    assert again.status_code == 422 and "lpr.duplicate_date" in text(again)
    bad = admin.post(
        f"/loans/settings/lpr/{rate.pk}/", {"one_year": "abc", "five_year": "3.85", "confirmed": "on"}
    )
    assert bad.status_code == 422 and "lpr.rate_invalid" in text(bad)
    assert (
        admin.post(
            f"/loans/settings/lpr/{rate.pk}/", {"one_year": "3.35", "five_year": "3.85", "confirmed": "on"}
        ).status_code
        == 302
    )
    rate.refresh_from_db()
    assert rate.confirmed


def test_holiday_page_list_add_and_remove(demo, web):
    admin = web("city_admin")
    body = text(admin.get("/loans/settings/holidays/", {"year": 2020}))
    assert "2020-10-01" in body and "国庆节" in body and "2020-10-10" in body
    assert (
        admin.post(
            "/loans/settings/holidays/", {"date": "2031-10-01", "is_workday": "0", "name": "国庆节"}
        ).status_code
        == 302
    )
    holiday = Holiday.objects.get(date=d("2031-10-01"))
    assert "国庆节" in text(admin.get("/loans/settings/holidays/", {"year": 2031}))
    weekday = admin.post(
        "/loans/settings/holidays/", {"date": "2031-10-02", "is_workday": "1", "name": "调休"}
    )
    assert weekday.status_code == 422 and "calendar.workday_not_weekend" in text(weekday)
    assert not Holiday.objects.filter(date=d("2031-10-02")).exists()
    removed = admin.post(f"/loans/settings/holidays/{holiday.pk}/delete/", HTTP_HX_REQUEST="true")
    assert removed.status_code == 200 and removed.content == b""
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    assert (
        web("leader").post(f"/loans/settings/holidays/{Holiday.objects.first().pk}/delete/").status_code
        == 403
    )


# --------------------------------------------------------------------------- navigation


@pytest.mark.parametrize(
    ("username", "shown", "hidden"),
    [
        (
            "bank_officer",
            ["/loans/bank/", "/loans/bank/repayments/import/", "/loans/subsidy-batches/"],
            ["/loans/settings/"],
        ),
        ("unit_liaison", ["/loans/subsidy-batches/"], ["/loans/bank/", "/loans/settings/"]),
        ("city_admin", ["/loans/settings/", "/loans/subsidy-batches/", "/credit/blacklist/"], []),
        (
            "officer_411625",
            ["/loans/subsidy-batches/", "/credit/blacklist/"],
            ["/loans/bank/", "/loans/settings/"],
        ),
    ],
)
def test_navigation_entries(demo, web, username, shown, hidden):
    body = text(web(username).get("/"))
    nav = body[body.index('id="sidenav"') : body.index("</nav>", body.index('id="sidenav"'))]
    for url in shown:
        assert f'href="{url}"' in nav, url
    for url in hidden:
        assert f'href="{url}"' not in nav, url
