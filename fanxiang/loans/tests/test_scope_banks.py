"""A handling bank reaches only the loans routed to it (and a guarantee institution only its own): a loan of
the same county routed to the other demo bank is invisible in the list and detail pages, the export, the
API list, detail and queue."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from fanxiang.accounts.models import Organization
from fanxiang.loans.tests.factories import advance, org, ready_draft

pytestmark = pytest.mark.django_db


def _export_text(response) -> str:
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return " ".join(str(v) for row in wb.active.iter_rows(values_only=True) for v in row if v is not None)


def test_bank_officer_sees_only_loans_routed_to_their_bank(demo, api, web):
    officer = demo["officer_411625"]
    mine = advance(ready_draft(officer), demo, "guarantee_approved")  # DEMO-BANK-PSBC
    theirs = advance(ready_draft(officer, bank=org("DEMO-BANK-RCB").pk), demo, "guarantee_approved")
    client, page = api("bank_officer"), web("bank_officer")

    listing = client.get("/api/v1/loans/applications/", {"page_size": 200})
    numbers = {i["number"] for i in listing.json()["items"]}
    assert mine.number in numbers and theirs.number not in numbers
    assert client.get(f"/api/v1/loans/applications/{mine.pk}").status_code == 200
    hidden = client.get(f"/api/v1/loans/applications/{theirs.pk}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    queue = {i["number"] for i in client.get("/api/v1/loans/queue").json()["items"]}
    assert queue == {mine.number}

    body = page.get("/loans/applications/").content.decode()
    assert mine.number in body and theirs.number not in body
    assert page.get(f"/loans/applications/{mine.pk}/").status_code == 200
    assert page.get(f"/loans/applications/{theirs.pk}/").status_code == 404
    exported = _export_text(page.get("/loans/applications/export/"))
    assert mine.number in exported and theirs.number not in exported
    # filtering by the other bank yields nothing rather than its loans
    other_bank = client.get("/api/v1/loans/applications/", {"bank": org("DEMO-BANK-RCB").pk})
    assert other_bank.json()["count"] == 0

    # the county officer sees both (both are in the county)
    county = {i["number"] for i in api("officer_411625").get("/api/v1/loans/applications/").json()["items"]}
    assert {mine.number, theirs.number} <= county


def test_guarantee_officer_sees_only_their_institution(demo, api):
    officer = demo["officer_411625"]
    other_guarantor = Organization.objects.create(
        code="G-OTHER", name="另一担保公司", kind="guarantee", region=org("DEMO-GUAR").region
    )
    ours = ready_draft(officer, guarantee_org=org("DEMO-GUAR").pk)  # two institutions now: no default
    theirs = ready_draft(officer, guarantee_org=other_guarantor.pk)
    client = api("guarantee_officer")
    numbers = {i["number"] for i in client.get("/api/v1/loans/applications/").json()["items"]}
    assert ours.number in numbers and theirs.number not in numbers
    assert client.get(f"/api/v1/loans/applications/{theirs.pk}").status_code == 404


def test_bank_officer_sees_an_application_only_from_submission_on(demo, api, web):
    officer = demo["officer_411625"]
    draft = ready_draft(officer)  # routed to DEMO-BANK-PSBC, the demo bank officer's bank
    assert draft.status == "draft" and draft.bank_id == org("DEMO-BANK-PSBC").pk
    client, page = api("bank_officer"), web("bank_officer")

    def api_numbers():
        return {
            i["number"] for i in client.get("/api/v1/loans/applications/", {"page_size": 200}).json()["items"]
        }

    assert draft.number not in api_numbers()
    hidden = client.get(f"/api/v1/loans/applications/{draft.pk}")
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert draft.number not in page.get("/loans/applications/").content.decode()
    assert page.get(f"/loans/applications/{draft.pk}/").status_code == 404
    workbench = page.get("/loans/bank/")
    assert workbench.status_code == 200 and draft.number not in workbench.content.decode()
    assert draft.number not in _export_text(page.get("/loans/applications/export/"))
    # the county officer still sees the draft; the guarantee institution's view is unchanged
    assert api("officer_411625").get(f"/api/v1/loans/applications/{draft.pk}").status_code == 200
    assert api("guarantee_officer").get(f"/api/v1/loans/applications/{draft.pk}").status_code == 200

    submitted = advance(draft, demo, "submitted")
    assert draft.number in api_numbers()
    assert client.get(f"/api/v1/loans/applications/{submitted.pk}").status_code == 200
    assert draft.number in page.get("/loans/applications/").content.decode()
    assert page.get(f"/loans/applications/{submitted.pk}/").status_code == 200


def test_bank_scope_rule_hides_drafts_in_covers_too(demo):
    from fanxiang.core.scope import VIEW, resolve
    from fanxiang.loans.models import LoanApplication

    draft = ready_draft(demo["officer_411625"])
    scope = resolve(demo["bank_officer"], LoanApplication, VIEW)
    assert not scope.covers(draft)
    assert resolve(demo["officer_411625"], LoanApplication, VIEW).covers(draft)
    assert scope.covers(advance(draft, demo, "submitted"))
