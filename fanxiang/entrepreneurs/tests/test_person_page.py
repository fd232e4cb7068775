"""A person's whole story on one page: the sections other apps register (core.registry.register_person_section)
— loans as lead borrower or partner with their Chinese status, credit ledger lines, policy grants — each in
the viewer's scope; another county's person is a 404."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from fanxiang.core import registry
from fanxiang.credit.models import CreditEntry
from fanxiang.loans.tests.factories import advance, make_person, ready_draft
from fanxiang.policies.models import BenefitGrant, PolicyItem

pytestmark = pytest.mark.django_db


def _page(user, person) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/entrepreneurs/{person.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, key: str) -> str:
    start = html.index(f'data-section="{key}"')
    return html[start : html.index("</section>", start)]


def test_sections_are_registered_by_the_apps_not_imported_by_the_registry():
    keys = [s.key for s in registry.person_sections()]
    assert keys[:3] == ["loans", "credit", "policies"]


def test_person_page_shows_loans_ledger_and_grants(demo):
    officer = demo["officer_411625"]
    person = make_person(officer, name="赵全貌")
    lead = advance(ready_draft(officer, person), demo, "submitted")
    partner_loan = ready_draft(officer)  # someone else's loan, the person is a partner on it
    partner_loan.partners.add(person)
    unrelated = ready_draft(officer)
    CreditEntry.objects.create(
        entrepreneur=person, event="repaid_on_time", loan=lead, date=dt.date(2021, 6, 30), reason="按期还清"
    )
    item = PolicyItem.objects.order_by("pk").first()
    BenefitGrant.objects.create(
        item=item, entrepreneur=person, region=person.region, amount=Decimal("5000.00"),
        granted_on=dt.date(2021, 5, 1), granting_unit_name="郸城县人社局",
    )  # fmt: skip
    html = _page(officer, person)
    loans = _section(html, "loans")
    assert "创业担保贷款" in loans and lead.number in loans and partner_loan.number in loans
    assert unrelated.number not in loans
    assert "主借款人" in loans and "合伙人" in loans
    assert "待人社资格审核" in loans and "草稿" in loans  # the Chinese status, never the code
    assert ">submitted<" not in loans
    credit = _section(html, "credit")
    assert "按时还清" in credit and "按期还清" in credit and lead.number in credit
    grants = _section(html, "policies")
    assert item.title in grants and "5,000.00" in grants


def test_empty_sections_say_so(demo):
    officer = demo["officer_411625"]
    html = _page(officer, make_person(officer))
    assert "无贷款记录" in _section(html, "loans")
    assert "无诚信台账记录" in _section(html, "credit")
    assert "无政策享受记录" in _section(html, "policies")


def test_another_countys_person_is_404(demo):
    person = make_person(demo["officer_411625"])
    client = Client()
    client.force_login(demo["officer_411628"])
    assert client.get(f"/entrepreneurs/{person.pk}/").status_code == 404


def test_sections_stay_in_the_viewers_scope(demo):
    """A city admin sees the person's loans; a section the viewer may not read at all is left out."""
    officer = demo["officer_411625"]
    person = make_person(officer)
    lead = ready_draft(officer, person)
    assert lead.number in _section(_page(demo["city_admin"], person), "loans")
    from fanxiang.loans import person_section

    # a bank only ever sees the loans routed to it (a draft is not routed yet)
    assert person_section.person_loans(person, demo["bank_officer"]) == []
    assert person_section.person_loans(person, demo["officer_411628"]) == []
