"""The to-do inbox (core.tasks) as the loans app feeds it: ``GET /api/v1/me/tasks``, deadlines with a fixed
'today', the queue page filtered to one line, and the 我的待办 panel of the home page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from fanxiang.core import tasks
from fanxiang.loans.applications.workflow import WAITING
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import advance, make_person, ready_draft
from fanxiang.loans.todos import KIND_OF, TITLES, UNLISTED

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2021, 3, 10)  # a plain working week: Thursday 11th is the next working day


def _submitted(demo, region: str = "411625101") -> LoanApplication:
    officer = demo["officer_411625" if region.startswith("411625") else "officer_411628"]
    return advance(ready_draft(officer, make_person(officer, region=region)), demo, "submitted")


def _item(user, kind: str, on: dt.date | None = None) -> dict | None:
    return next((i for i in tasks.tasks_for(user, on)["items"] if i["kind"] == kind), None)


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_waiting_step_of_the_workflow_has_a_kind():
    staff = {"county_officer", "guarantee_officer", "bank_officer", "service_clerk"}
    pairs = {
        (status, role)
        for status, w in WAITING.items()
        for role in (w.roles | (w.merged_roles or frozenset())) & staff
        if status not in UNLISTED
    }
    assert pairs == set(KIND_OF)
    assert set(KIND_OF.values()) == set(TITLES)


def test_me_tasks_counts_the_county_officers_submitted_loan_and_no_other_county(demo, api):
    _submitted(demo)
    body = api("officer_411625").get("/api/v1/me/tasks").json()
    item = next(i for i in body["items"] if i["kind"] == "loan.hr_review")
    assert item["count"] == 1 and item["title"] == "待县级初审的贷款申请"
    assert item["url"] == "/loans/queue/?task=loan.hr_review"
    assert list(item) == ["kind", "title", "count", "overdue", "due_soon", "url"]
    assert body["count"] == sum(i["count"] for i in body["items"])
    other = api("officer_411628").get("/api/v1/me/tasks").json()
    assert all(i["kind"] != "loan.hr_review" for i in other["items"])  # count 0: left out
    assert all(i["count"] > 0 for i in other["items"])


def test_overdue_and_due_soon_with_a_fixed_today(demo, api, monkeypatch):
    apps = [_submitted(demo) for _ in range(4)]
    dues = [dt.date(2021, 3, 9), WEDNESDAY, dt.date(2021, 3, 11), dt.date(2021, 3, 12)]
    for app, due in zip(apps, dues, strict=True):
        LoanApplication.objects.filter(pk=app.pk).update(step_due=due)
    officer = demo["officer_411625"]
    item = _item(officer, "loan.hr_review", WEDNESDAY)
    assert (item["count"], item["overdue"], item["due_soon"]) == (4, 1, 2)
    # on Friday the 12th the first three are late and the last is due that day
    item = _item(officer, "loan.hr_review", dt.date(2021, 3, 12))
    assert (item["overdue"], item["due_soon"]) == (3, 1)
    # the API reads the same figures for its 'today'
    monkeypatch.setattr(tasks, "today", lambda: WEDNESDAY)
    body = api("officer_411625").get("/api/v1/me/tasks").json()
    item = next(i for i in body["items"] if i["kind"] == "loan.hr_review")
    assert (item["count"], item["overdue"], item["due_soon"]) == (4, 1, 2)


def test_guarantee_and_bank_officers_see_what_waits_for_them(demo):
    at_guarantee = advance(_submitted(demo), demo, "hr_approved")
    at_bank = advance(_submitted(demo), demo, "guarantee_approved")
    to_sign = advance(_submitted(demo), demo, "bank_approved", rate="3.00")
    assert _item(demo["guarantee_officer"], "loan.guarantee_review")["count"] == 1
    bank = demo["bank_officer"]
    assert _item(bank, "loan.bank_review")["count"] == 1
    assert _item(bank, "loan.sign_contract")["count"] == 1
    assert _item(demo["officer_411625"], "loan.guarantee_review") is None
    # another bank sees none of them (organisation binding)
    from fanxiang.accounts.models import Organization

    LoanApplication.objects.filter(pk__in=[at_bank.pk, to_sign.pk]).update(
        bank=Organization.objects.filter(kind="bank").exclude(pk=bank.organization_id).first()
    )
    assert _item(bank, "loan.bank_review") is None and _item(bank, "loan.sign_contract") is None
    assert at_guarantee.status == "hr_approved"


def test_queue_link_opens_exactly_the_items_of_one_line(demo):
    waiting = _submitted(demo)
    returned = _submitted(demo)
    from fanxiang.loans import applications as loans

    loans.application_return(actor=demo["officer_411625"], application=returned, missing_items=["营业执照"])
    clerk = demo["service_clerk"]
    item = _item(clerk, "loan.supplement")
    assert item["count"] == 1
    page = _login(clerk).get(item["url"])
    assert page.status_code == 200
    ids = {i["app"].pk for i in page.context["items"]}
    assert ids == {returned.pk}
    assert "退回待补正的贷款申请" in page.content.decode()
    page = _login(demo["officer_411625"]).get(_item(demo["officer_411625"], "loan.hr_review")["url"])
    assert [i["app"].pk for i in page.context["items"]] == [waiting.pk]
    # an unknown kind filters nothing away
    page = _login(demo["officer_411625"]).get("/loans/queue/?task=loan.nonsense")
    assert waiting.pk in [i["app"].pk for i in page.context["items"]]


def test_home_panel_shows_the_figures_and_links(demo):
    app = _submitted(demo)
    LoanApplication.objects.filter(pk=app.pk).update(step_due=dt.date(2000, 1, 3))  # long overdue
    html = _login(demo["officer_411625"]).get("/").content.decode()
    assert 'data-testid="tasks-panel"' in html and "我的待办" in html
    assert 'href="/loans/queue/?task=loan.hr_review"' in html and "待县级初审的贷款申请" in html
    row = html[html.index('data-kind="loan.hr_review"') :]
    row = row[: row.index("</tr>")]
    assert 'data-testid="task-count">1<' in row and '<span class="badge off">1</span>' in row
    # the panel comes first, before the role intro and other panels
    assert html.index('data-testid="tasks-panel"') < html.index('data-testid="home-intro"')


def test_home_panel_says_no_work_today(demo):
    html = _login(demo["expert"]).get("/").content.decode()
    assert 'data-testid="tasks-empty"' in html and "今日无待办" in html


def paid_batch(demo):
    """A draft claim batch of PSBC for 2021 Q2: one 郸城 loan of the 2021 example paid on time."""
    from fanxiang.loans import repayment as svc
    from fanxiang.loans.subsidy import services as sub
    from fanxiang.loans.tests.repayment_factories import d, loan, org, person

    paid = loan(person(demo["officer_411625"]))
    for day in ("2021-04-15", "2021-05-15", "2021-06-15"):
        svc.repayment_record(actor=demo["city_admin"], loan=paid, date=d(day), amount="391.67")
    return sub.batch_create(actor=demo["bank_officer"], bank=org("DEMO-BANK-PSBC"), year=2021, quarter=2)


def test_subsidy_batches_waiting_for_the_bank_then_the_finance_bureau(demo):
    from fanxiang.loans.subsidy import services as sub

    bank, liaison = demo["bank_officer"], demo["unit_liaison"]
    before = (_item(bank, "loan.subsidy_submit") or {"count": 0})["count"]
    batch = paid_batch(demo)
    item = _item(bank, "loan.subsidy_submit")
    assert item["count"] == before + 1 and item["url"] == "/loans/subsidy-batches/?status=draft"
    waiting = (_item(liaison, "loan.subsidy_review") or {"count": 0})["count"]
    sub.batch_transition(actor=bank, batch=batch, action="submit")
    item = _item(liaison, "loan.subsidy_review")
    assert item["count"] == waiting + 1 and item["url"] == "/loans/subsidy-batches/?status=submitted"
    assert (item["overdue"], item["due_soon"]) == (0, 0)  # batches carry no deadline
    assert _item(demo["officer_411625"], "loan.subsidy_review") is None
