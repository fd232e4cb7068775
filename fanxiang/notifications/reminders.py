"""Repayment reminders raised per schedule period (``manage.py send_repayment_reminders``, daily)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from fanxiang.notifications.models import Notification
from fanxiang.notifications.services import notify

ACTIVE_LOAN_STATES = ("disbursed", "repaying", "extended", "overdue")


def _amount_due(item) -> str:
    owed = item.principal_due + item.interest_charge - item.principal_paid - item.interest_paid
    return f"{max(owed, 0):,.2f}"


def send_repayment_reminders(*, today: dt.date | None = None, days: int = 7) -> dict[str, int]:
    """Periods due within ``days`` days (and not paid) → ``repayment_due``; overdue periods →
    ``repayment_overdue``. One notification per period and kind (dedup key), so reruns send nothing new."""
    from fanxiang.loans.choices import ScheduleStatus
    from fanxiang.loans.models import ScheduleItem

    today = today or timezone.localdate()
    base = ScheduleItem.objects.select_related("loan__entrepreneur").filter(
        loan__status__in=ACTIVE_LOAN_STATES
    )
    batches = (
        (
            "repayment_due",
            base.filter(
                due_date__gte=today,
                due_date__lte=today + dt.timedelta(days=days),
                status__in=[ScheduleStatus.PENDING, ScheduleStatus.PARTIAL],
            ),
        ),
        ("repayment_overdue", base.filter(status=ScheduleStatus.OVERDUE)),
    )
    summary = {"due": 0, "overdue": 0, "skipped": 0}
    for event, qs in batches:
        items = list(qs.order_by("due_date", "id")[:50_000])
        keys = {f"{event}:{i.pk}" for i in items}
        done = set(Notification.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
        for item in items:
            key = f"{event}:{item.pk}"
            if key in done:
                summary["skipped"] += 1
                continue
            loan = item.loan
            with transaction.atomic():
                notify(
                    event=event,
                    recipient_entrepreneur=loan.entrepreneur,
                    context={
                        "name": loan.entrepreneur.name,
                        "number": loan.number,
                        "period": item.period,
                        "due_date": item.due_date.isoformat(),
                        "amount_due": _amount_due(item),
                    },
                    link=f"/portal/loans/{loan.pk}/",
                    dedup_key=key,
                )
            summary["due" if event == "repayment_due" else "overdue"] += 1
    return summary
