"""Home panel for city admins: the newest LPR announcement on record is more than three months old, so the
rate cap of a loan approved today may use a stale rate."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from fanxiang.loans.settings.selectors import lpr_rates
from fanxiang.loans.subsidy.services import add_months

STALE_AFTER_MONTHS = 3


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day where it has fewer days):
    the subsidy schedule's ``add_months``, backwards."""
    return add_months(day, -months)


def lpr_stale_panel(request) -> dict | None:
    newest = lpr_rates().first()
    today = timezone.localdate()
    if newest is not None and newest.effective_date >= months_before(today, STALE_AFTER_MONTHS):
        return None
    return {"newest": newest, "months": STALE_AFTER_MONTHS}
