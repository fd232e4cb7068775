"""The credit ledger section of a person's page (``core.registry.register_person_section``, from
``CreditConfig``): the person's 诚信台账 lines, for a viewer whose ledger scope covers them, newest first,
with a link to the full credit page."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from fanxiang.core.scope import VIEW, resolve
from fanxiang.credit.models import CreditEntry
from fanxiang.credit.selectors import entries_for_user


def render(person: Any, user: Any) -> str | None:
    if resolve(user, CreditEntry, VIEW).empty:
        return None
    entries = list(entries_for_user(user).filter(entrepreneur=person).order_by("-date", "-id"))
    return render_to_string("credit/_person_section.html", {"entries": entries, "person": person})
