"""Loan workflow steps notify the applicant once committed (the hook in ``loans.workflow.record``); daily
reminders of repayments due within 7 days and of overdue periods, once each."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from fanxiang.core.errors import Conflict
from fanxiang.loans import applications as loans
from fanxiang.loans.tests.factories import advance, make_person, ready_draft
from fanxiang.notifications.loan_events import loan_event_committed
from fanxiang.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_steps_notify_the_applicant_after_commit(demo, django_capture_on_commit_callbacks):
    officer = demo["officer_411625"]
    app = ready_draft(officer)
    with django_capture_on_commit_callbacks(execute=True):
        loans.application_submit(actor=officer, application=app)
    n = Notification.objects.get(event="loan_submitted")
    assert n.recipient_entrepreneur_id == app.entrepreneur_id and app.number in n.body
    assert not n.deliveries.filter(channel="sms").exists()
    with django_capture_on_commit_callbacks(execute=True):
        loans.application_return(actor=officer, application=app, missing_items=["营业执照副本", "租赁合同"])
    n = Notification.objects.get(event="loan_returned")
    assert "营业执照副本；租赁合同" in n.body and n.link == f"/portal/loans/{app.pk}/"
    assert n.deliveries.get(channel="sms").status == "pending"


def test_nothing_is_sent_for_a_step_that_rolled_back(demo, django_capture_on_commit_callbacks):
    officer = demo["officer_411625"]
    app = ready_draft(officer)
    # a draft cannot be returned: the step is refused, its event rolled back, nobody is told
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as exc:
        loans.application_return(actor=officer, application=app, missing_items=["x"])
    assert exc.value.code == "loan.wrong_state"
    assert not Notification.objects.exists()


def test_approval_rejection_and_disbursement(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        app = advance(ready_draft(demo["officer_411625"]), demo, "disbursed", approved="80000.00")
    applicant = Notification.objects.filter(recipient_entrepreneur__isnull=False)  # not the staff to-dos
    events = list(applicant.order_by("id").values_list("event", flat=True))
    assert events == [
        "loan_submitted", "loan_step_approved", "loan_step_approved", "loan_approved", "loan_contracted", "loan_disbursed",
    ]  # fmt: skip
    approved = Notification.objects.get(event="loan_approved")
    assert "80,000.00" in approved.body and approved.deliveries.filter(channel="sms").exists()
    disbursed = Notification.objects.get(event="loan_disbursed")
    assert "80,000.00" in disbursed.body
    other = ready_draft(demo["officer_411625"], make_person(demo["officer_411625"]))
    with django_capture_on_commit_callbacks(execute=True):
        loans.application_submit(actor=demo["officer_411625"], application=other)
        loans.application_reject(
            actor=demo["officer_411625"], application=other, reasons=["经营项目不符合条件"]
        )
    rejected = Notification.objects.get(event="loan_rejected", recipient_entrepreneur=other.entrepreneur)
    assert "经营项目不符合条件" in rejected.body
    assert app.pk != other.pk


def test_hook_is_idempotent_and_never_raises(demo, django_capture_on_commit_callbacks):
    officer = demo["officer_411625"]
    app = ready_draft(officer)
    with django_capture_on_commit_callbacks(execute=True):
        loans.application_submit(actor=officer, application=app)
    event = app.events.get(action="submit")
    loan_event_committed(event.pk)  # a second run (e.g. a retry) adds nothing
    loan_event_committed(999_999)  # a missing event is ignored
    assert Notification.objects.filter(event="loan_submitted").count() == 1


def test_repayment_reminders_once_per_period(demo, outbox):
    from fanxiang.loans import repayment
    from fanxiang.loans.models import ScheduleItem
    from fanxiang.loans.tests.repayment_factories import loan, person

    borrower = person(demo["officer_411625"])
    a_loan = loan(borrower, contract=dt.date(2021, 3, 15), term=12)
    repayment.schedule_generate(actor=None, loan=a_loan)
    first = ScheduleItem.objects.filter(loan=a_loan).order_by("period").first()
    out = StringIO()
    call_command(
        "send_repayment_reminders", "--date", (first.due_date - dt.timedelta(days=8)).isoformat(), stdout=out
    )
    assert "到期提醒 0 条" in out.getvalue()  # 8 days before the due date: not yet
    today = first.due_date - dt.timedelta(days=7)
    out = StringIO()
    call_command("send_repayment_reminders", "--date", today.isoformat(), stdout=out)
    assert "到期提醒 1 条" in out.getvalue()
    due = Notification.objects.get(event="repayment_due")
    assert f"第{first.period}期" in due.body and first.due_date.isoformat() in due.body
    assert due.deliveries.filter(channel="sms").exists()
    # run again: nothing new
    call_command("send_repayment_reminders", "--date", today.isoformat(), stdout=StringIO())
    assert Notification.objects.filter(event="repayment_due").count() == 1
    ScheduleItem.objects.filter(pk=first.pk).update(status="overdue")
    call_command(
        "send_repayment_reminders",
        "--date",
        (first.due_date + dt.timedelta(days=3)).isoformat(),
        stdout=StringIO(),
    )
    overdue = Notification.objects.get(event="repayment_overdue")
    assert "已逾期" in overdue.body
    call_command(
        "send_repayment_reminders",
        "--date",
        (first.due_date + dt.timedelta(days=4)).isoformat(),
        stdout=StringIO(),
    )
    assert Notification.objects.filter(event="repayment_overdue").count() == 1
