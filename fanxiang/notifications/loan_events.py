"""Loan workflow events → notifications to the applicant.

The loan workflow (``fanxiang.loans.applications.workflow.LOANS``, subscribed in ``NotificationsConfig.ready``) runs
:func:`loan_event_committed` with ``transaction.on_commit``:
the applicant hears of a step only once it is committed, and a notification problem never rolls a loan
decision back (it is logged). Overdue periods and due-date reminders are raised per schedule period by
``manage.py send_repayment_reminders`` (daily), not here.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger("fanxiang.notifications")

STEP_LABELS = {"hr_approve": "人社资格审核", "guarantee_approve": "担保审核", "bank_approve": "银行审批"}
NEXT_STEP = {"hr_approved": "担保机构审核", "guarantee_approved": "经办银行审批"}
SIMPLE = {
    "submit": "loan_submitted",
    "return": "loan_returned",
    "reject": "loan_rejected",
    "sign_contract": "loan_contracted",
    "disburse": "loan_disbursed",
    "withdraw": "loan_withdrawn",
    "settle": "loan_settled",
}


def _money(value) -> str:
    if value in (None, ""):
        return ""
    try:
        from decimal import Decimal

        return f"{Decimal(str(value)):,.2f}"
    except Exception:
        return str(value)


def event_for(action: str, to_status: str) -> str | None:
    if action in SIMPLE:
        return SIMPLE[action]
    if action in STEP_LABELS:
        return "loan_approved" if to_status == "bank_approved" else "loan_step_approved"
    return None


def loan_event_committed(event_id: int) -> None:
    try:
        with transaction.atomic():
            notify_loan_event(event_id)
    except Exception:
        logger.exception("notification for loan event %s failed", event_id)


def notify_loan_event(event_id: int):
    from fanxiang.loans.applications.workflow import status_label
    from fanxiang.loans.models import LoanEvent
    from fanxiang.notifications.services import notify

    event = LoanEvent.objects.select_related("application__entrepreneur").filter(pk=event_id).first()
    if event is None:
        return None
    code = event_for(event.action, event.to_status)
    if code is None:
        return None
    app = event.application
    data = event.data or {}
    context = {
        "name": app.entrepreneur.name,
        "number": app.number,
        "amount": _money(app.amount),
        "status": status_label(event.to_status),
        "due_date": app.step_due.isoformat() if app.step_due else "（按规定时限）",
        "missing_items": "；".join(data.get("missing_items") or app.missing_items or []),
        "note": event.note,
        "reasons": "；".join(data.get("reasons") or app.rejection_reasons or []),
        "approved_amount": _money(app.approved_amount),
        "annual_rate": app.annual_rate if app.annual_rate is not None else "",
        "contract_date": data.get("contract_date")
        or (app.contract_date.isoformat() if app.contract_date else ""),
        "disbursed_amount": _money(data.get("amount")),
        "date": data.get("date", ""),
        "step": STEP_LABELS.get(event.action, ""),
        "next_step": NEXT_STEP.get(event.to_status, "等待其他部门审核"),
    }
    return notify(
        event=code,
        recipient_entrepreneur=app.entrepreneur,
        context=context,
        link=f"/portal/loans/{app.pk}/",
        dedup_key=f"loan_event:{event.pk}",
    )
