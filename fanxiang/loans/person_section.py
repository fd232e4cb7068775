"""The loans section of a person's page (``core.registry.register_person_section``, from ``LoansConfig``):
every loan on which the person is the lead borrower or a partner (``selectors.loans_of_person``) that the
viewer may see (a bank sees the loans routed to it), newest first, with its status in the one Chinese
vocabulary."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from fanxiang.core.scope import VIEW, resolve
from fanxiang.loans.applications.selectors import loans_of_person
from fanxiang.loans.applications.workflow import status_label
from fanxiang.loans.models import LoanApplication


def person_loans(person: Any, user: Any) -> list[LoanApplication]:
    qs = loans_of_person(person, LoanApplication.objects.for_user(user, VIEW))
    return list(qs.select_related("bank").order_by("-created_at", "-id"))


def render(person: Any, user: Any) -> str | None:
    if resolve(user, LoanApplication, VIEW).empty:
        return None
    rows = [
        {
            "app": app,
            "status_label": status_label(app.status),
            "as": "主借款人" if app.entrepreneur_id == person.pk else "合伙人",
        }
        for app in person_loans(person, user)
    ]
    return render_to_string("loans/_person_section.html", {"rows": rows, "person": person})
