"""The LPR table carries the 2024–2025 announcements, reloads idempotently, and city admins are warned on
the home page when the newest announcement is more than three months old."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from fanxiang.loans.models import LprRate
from fanxiang.loans.settings.data import LPR
from fanxiang.loans.settings.home_panel import months_before
from fanxiang.loans.settings.reference import load_loan_reference

PANEL = 'data-testid="panel-lpr-stale"'


def test_shipped_table_has_2024_2025_announcements_with_confirmation_flags():
    rows = {day: (one, five, confirmed) for day, one, five, confirmed in LPR}
    assert rows[dt.date(2024, 2, 20)][:2] == ("3.45", "3.95")
    assert rows[dt.date(2024, 7, 22)][:2] == ("3.35", "3.85")
    assert rows[dt.date(2024, 10, 21)][:2] == ("3.10", "3.60")
    assert rows[dt.date(2025, 5, 20)][:2] == ("3.00", "3.50")
    assert all(isinstance(c, bool) for _, _, c in rows.values())
    assert max(rows) == dt.date(2025, 5, 20)


def test_loaded_database_has_newest_rate(db):
    newest = LprRate.objects.order_by("-effective_date").first()
    assert newest.effective_date == dt.date(2025, 5, 20)
    assert newest.one_year == Decimal("3.00")
    assert newest.five_year == Decimal("3.50")
    assert newest.confirmed is False


def test_loader_adds_missing_rows_and_keeps_edits(db):
    LprRate.objects.filter(effective_date__gte=dt.date(2024, 7, 1)).exclude(
        effective_date=dt.date(2024, 10, 21)
    ).delete()
    LprRate.objects.filter(effective_date=dt.date(2024, 10, 21)).update(
        one_year=Decimal("3.11"), confirmed=True
    )
    load_loan_reference()
    load_loan_reference()
    assert LprRate.objects.count() == len(LPR)
    edited = LprRate.objects.get(effective_date=dt.date(2024, 10, 21))
    assert (edited.one_year, edited.confirmed) == (Decimal("3.11"), True)
    added = LprRate.objects.get(effective_date=dt.date(2025, 5, 20))
    assert (added.one_year, added.five_year, added.confirmed) == (Decimal("3.00"), Decimal("3.50"), False)
    assert LprRate.objects.filter(effective_date=dt.date(2024, 7, 22), one_year=Decimal("3.35")).exists()


def test_months_before():
    assert months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 2, 15), 3) == dt.date(2025, 11, 15)


def _newest_at(day: dt.date, one_year: str = "2.95") -> None:
    LprRate.objects.filter(effective_date__gte=day).delete()
    LprRate.objects.create(effective_date=day, one_year=Decimal(one_year), five_year=Decimal("3.45"))


def test_city_admin_warned_when_newest_lpr_older_than_three_months(web):
    day = months_before(timezone.localdate(), 3) - dt.timedelta(days=1)
    _newest_at(day)
    html = web("city_admin").get("/").content.decode()
    assert PANEL in html
    assert f"最新LPR为{day:%Y-%m-%d}公布（2.95%），已超过3个月未更新，请核对并录入最新报价" in html
    assert 'href="/loans/settings/lpr/"' in html


def test_no_warning_when_newest_lpr_recent(web):
    _newest_at(timezone.localdate() - dt.timedelta(days=10))
    html = web("city_admin").get("/").content.decode()
    assert PANEL not in html
    _newest_at(months_before(timezone.localdate(), 3))  # exactly three months: not yet stale
    assert PANEL not in web("city_admin").get("/").content.decode()


def test_only_city_admins_are_warned(web):
    _newest_at(months_before(timezone.localdate(), 6))
    assert PANEL in web("city_admin").get("/").content.decode()
    for username in ("leader", "officer_411625", "bank_officer", "guarantee_officer"):
        assert PANEL not in web(username).get("/").content.decode(), username
