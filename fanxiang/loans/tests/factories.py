"""Test data for loan applications: applicants, uploads, complete drafts, and an application driven to
any point of the review chain through the services."""

from __future__ import annotations

from decimal import Decimal

from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fanxiang.accounts.models import Organization
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import PriorityGroup
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.loans import applications as services
from fanxiang.loans.models import LoanApplication, LoanEvent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def pdf(name: str = "scan.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def make_person(actor, *, region: str = "411625101", priority: list[str] | None = None, **kw):
    county = region[:6]
    data = person_data(id_number=make_id(area=county), mobile="", region=region, **kw)
    data["priority_groups"] = priority or []
    person = registry.entrepreneur_create(actor=actor, data=data)
    if priority:
        person.priority_groups.set(PriorityGroup.objects.filter(code__in=priority))
    return person


def draft_data(person, **overrides) -> dict:
    data = {
        "entrepreneur": person.pk,
        "borrower_type": "individual",
        "amount": "100000.00",
        "term_months": 24,
        "purpose": "扩大养殖规模",
        "bank": org("DEMO-BANK-PSBC").pk,
        "counter_guarantee": "natural_person",
        "counter_guarantee_detail": "自然人保证：李四（公务员）",
        "borrower_categories": ["returning_migrant_worker"],
    }
    data.update(overrides)
    return data


def attach_required(actor, app: LoanApplication) -> None:
    kinds = ["id_card", "business_proof"]
    kinds += ["staff_roster"] if app.borrower_type == "enterprise" else ["category_proof"]
    if app.counter_guarantee == "waiver":
        kinds.append("recommendation")
    for kind in kinds:
        services.application_document_add(actor=actor, application=app, kind=kind, upload=pdf(f"{kind}.pdf"))


def ready_draft(actor, person=None, **overrides) -> LoanApplication:
    """A complete draft (documents attached) ready to submit."""
    person = person or make_person(actor)
    app = services.application_create(actor=actor, data=draft_data(person, **overrides))
    attach_required(actor, app)
    return app


def snapshot(app_id: int) -> tuple:
    """What a refused action must leave unchanged: review state, amounts, events and transition log."""
    app = LoanApplication.objects.get(pk=app_id)
    return (
        app.status,
        app.hr_ok,
        app.guarantee_ok,
        app.bank_ok,
        app.approved_amount,
        app.disbursed_total,
        app.missing_items,
        app.rejection_reasons,
        LoanEvent.objects.filter(application_id=app_id).count(),
        LogEntry.objects.filter(additional_data__event="transition").count(),
    )


STAGES = [
    "draft",
    "submitted",
    "hr_approved",
    "guarantee_approved",
    "bank_approved",
    "contracted",
    "disbursed",
]


def advance(app: LoanApplication, users: dict, to: str, *, rate: str = "3.45", approved: str | None = None):
    """Drive an application through the sequential chain up to ``to`` (users: the demo users)."""
    today = None
    steps = STAGES[STAGES.index(app.status if app.status in STAGES else "draft") + 1 : STAGES.index(to) + 1]
    for stage in steps:
        if stage == "submitted":
            app = services.application_submit(actor=users["officer_411625"], application=app, today=today)
        elif stage == "hr_approved":
            app = services.application_hr_approve(actor=users["officer_411625"], application=app)
        elif stage == "guarantee_approved":
            app = services.application_guarantee_approve(actor=users["guarantee_officer"], application=app)
        elif stage == "bank_approved":
            app = services.application_bank_approve(
                actor=users["bank_officer"],
                application=app,
                annual_rate=Decimal(rate),
                approved_amount=approved,
            )
        elif stage == "contracted":
            app = services.application_sign_contract(
                actor=users["bank_officer"], application=app, contract_no=f"JK-{app.number}"
            )
        elif stage == "disbursed":
            app = services.application_disburse(
                actor=users["bank_officer"],
                application=app,
                amount=app.approved_amount,
                date=timezone.localdate(),
                loan_note_no=f"JJ-{app.number}-1",
            )
    return app
