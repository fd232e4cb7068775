"""The guaranteed-loan happy path through the pages in real Chromium, one login per role:

the service-centre clerk fills in the multi-step form (applicant found by the ID tail through the HTMX
picker), uploads the documents and submits; the county officer approves from their queue; the guarantee
officer approves; the bank officer approves (amount, rate), signs the contract and disburses; the detail
page shows the status and the whole timeline. No console errors, no request leaving the app. With
FANXIANG_SCREENSHOTS=1, screenshots go to ``/tmp/shots/``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

from fanxiang.conftest import DEMO_PASSWORD
from fanxiang.core.tests.browser import LOCAL_SCHEMES, launched_chromium, screenshot

# Playwright's sync API runs an event loop in this thread; Django's ORM guard would refuse the fixtures'
# database access from it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def browser():
    with launched_chromium("browser test") as browser:
        yield browser


class Session:
    """One role's browser context: logged in through the form, watching for console errors, uncaught page
    errors and requests leaving the app."""

    def __init__(self, browser, base: str, username: str):
        self.base, self.username = base, username
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda exc: self.problems.append(f"page error: {exc}"))
        self.page.on("request", self._request)
        self.page.goto(f"{base}/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.click("form button[type=submit]")
        assert self.page.url.rstrip("/") == base, f"{username}: login failed ({self.page.url})"

    def _request(self, request) -> None:
        if not (request.url.startswith(self.base + "/") or request.url.startswith(LOCAL_SCHEMES)):
            self.problems.append(f"foreign request: {request.url}")

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"

    def submit(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)

    def shot(self, name: str) -> None:
        screenshot(self.page, SHOTS / f"loans-{name}.png", full_page=True)

    def close(self) -> None:
        self.context.close()
        assert self.problems == [], f"{self.username}: {self.problems}"


def _from_queue(s: Session, app_id: int, shot: str) -> None:
    s.goto("/loans/queue/")
    row = s.page.locator(f"[data-testid=queue-row][data-id='{app_id}']")
    assert row.count() == 1, f"{s.username}: application not in the queue"
    s.shot(shot)
    s.submit(f"[data-testid=queue-row][data-id='{app_id}'] a")


def test_loan_happy_path_through_the_pages(browser, live_server, demo):
    from fanxiang.accounts.models import Organization
    from fanxiang.loans.models import LoanApplication
    from fanxiang.loans.tests.factories import make_person

    person = make_person(demo["officer_411625"], name="刘返乡", priority=["formerly_in_hubei"])
    psbc = Organization.objects.get(code="DEMO-BANK-PSBC")
    base = live_server.url.rstrip("/")
    today = timezone.localdate().isoformat()

    # ---- the clerk fills in the form on the applicant's behalf
    clerk = Session(browser, base, "service_clerk")
    page = clerk.page
    clerk.goto("/loans/applications/new/")
    page.fill("#applicant-search", person.id_number[-4:])
    page.wait_for_selector(f"#id_entrepreneur option[value='{person.pk}']")
    assert page.locator("#id_entrepreneur option").count() == 1
    page.select_option("#id_entrepreneur", str(person.pk))
    page.select_option("#id_borrower_type", "individual")
    assert page.is_hidden("[data-show-when='borrower_type=partnership']")
    page.check("input[name=borrower_categories][value=returning_migrant_worker]")
    clerk.shot("1-borrower")
    clerk.submit("[data-testid=next]")
    app = LoanApplication.objects.get(entrepreneur=person)
    assert page.url.endswith(f"/loans/applications/{app.pk}/edit/loan/")

    page.fill("#id_amount", "150000.00")
    page.fill("#id_term_months", "24")
    page.fill("#id_purpose", "扩建蔬菜大棚、购置冷链设备")
    page.select_option("#id_bank", str(psbc.pk))
    clerk.shot("2-loan")
    clerk.submit("[data-testid=next]")

    page.select_option("#id_counter_guarantee", "natural_person")
    assert page.is_hidden("#id_recommender")
    page.fill("#id_counter_guarantee_detail", "自然人保证：陈老师（县一中教师）")
    clerk.shot("3-guarantee")
    clerk.submit("[data-testid=next]")

    for kind in ("id_card", "business_proof", "category_proof"):
        page.select_option("#id_kind", kind)
        page.set_input_files(
            "#id_file", {"name": f"{kind}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        clerk.submit("[data-testid=upload]")
        assert f"{kind}.pdf" in page.inner_text("[data-testid=documents]")
    assert "未上传" not in page.inner_text("[data-testid=required-documents]")
    clerk.shot("4-documents")
    clerk.submit("[data-testid=next]")

    assert "符合创业担保贷款条件" in page.inner_text("[data-testid=eligibility-result]")
    assert "属于扶持对象：返乡创业农民工" in page.inner_text("[data-testid=eligibility-checks]")
    clerk.shot("5-review")
    clerk.submit("[data-testid=submit]")
    assert page.url.endswith(f"/loans/applications/{app.pk}/")
    assert page.inner_text("[data-testid=status]") == "待人社资格审核"
    clerk.close()

    # ---- county officer: from the queue (priority reason shown), approves
    officer = Session(browser, base, "officer_411625")
    _from_queue(officer, app.pk, "6-queue-county")
    page = officer.page
    assert "原在湖北务工" in page.inner_text("h1")
    page.fill("#id_hr_approve_note", "资格审核通过，材料齐全")
    officer.shot("7-detail-county")
    officer.submit("[data-testid=action-hr_approve] button[type=submit]")
    assert page.inner_text("[data-testid=status]") == "待担保审核"
    officer.close()

    # ---- guarantee institution
    guarantee = Session(browser, base, "guarantee_officer")
    _from_queue(guarantee, app.pk, "8-queue-guarantee")
    guarantee.submit("[data-testid=action-guarantee_approve] button[type=submit]")
    assert guarantee.page.inner_text("[data-testid=status]") == "待银行审批"
    guarantee.close()

    # ---- bank: approve, sign, disburse
    bank = Session(browser, base, "bank_officer")
    _from_queue(bank, app.pk, "9-queue-bank")
    page = bank.page
    page.fill("#id_bank_approve_approved_amount", "150000.00")
    page.fill("#id_bank_approve_annual_rate", "3.45")
    bank.submit("[data-testid=action-bank_approve] button[type=submit]")
    assert page.inner_text("[data-testid=status]") == "待签订合同"
    page.fill("#id_sign_contract_contract_no", "JK-E2E-001")
    page.fill("#id_sign_contract_contract_date", today)
    bank.submit("[data-testid=action-sign_contract] button[type=submit]")
    assert page.inner_text("[data-testid=status]") == "待放款"
    assert page.input_value("#id_disburse_amount") == "150000.00"
    page.fill("#id_disburse_loan_note_no", "JJ-E2E-001")
    bank.submit("[data-testid=action-disburse] button[type=submit]")
    # the schedule is built at the disbursement: repaying at once; the 放款 form is gone
    assert page.inner_text("[data-testid=status]") == "还款中"
    assert "150,000.00" in page.inner_text("[data-testid=disbursements]")
    assert "已全额放款" in page.inner_text("[data-testid=fully-disbursed]")
    assert page.locator("[data-testid=action-disburse]").count() == 0
    actions = page.eval_on_selector_all(
        "[data-testid=timeline] tbody tr", "rows => rows.map(r => r.getAttribute('data-action'))"
    )
    assert actions == [
        "create", "upload", "upload", "upload", "submit", "hr_approve", "guarantee_approve", "bank_approve",
        "sign_contract", "disburse", "start_repaying",
    ]  # fmt: skip
    timeline = page.inner_text("[data-testid=timeline]")
    for who in ("吴窗口", "郑郸城", "钱担保", "孙信贷"):
        assert who in timeline
    bank.shot("10-detail-disbursed")
    bank.close()

    app.refresh_from_db()
    assert app.status == "repaying" and str(app.disbursed_total) == "150000.00"
