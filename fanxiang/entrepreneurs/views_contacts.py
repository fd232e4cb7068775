"""点对点对接服务 on the registry pages: the contact select (the staff the user may pick, from
:func:`fanxiang.entrepreneurs.contacts.contact_candidates`), the 对接人 form of the detail page (POST
``/entrepreneurs/<pk>/contact/``) and the contact part of the list's batch action (``views_batch``).
Writes go through :func:`~fanxiang.entrepreneurs.contacts.contact_assign`; a refusal shows in Chinese beside
the form, its code in ``data-code`` (the page view itself is ``views.EntrepreneurContactView``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse

from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.views import apply_domain_error
from fanxiang.entrepreneurs.contacts import (
    CONTACT_INVALID,
    CONTACT_INVALID_MESSAGE,
    contact_assign,
    contact_candidates,
    contact_label,
)

ASSIGN_PREFIX = "assign"
CLEAR = "none"
CONTACT_REQUIRED = "entrepreneurs.contact_required"


def contact_choices(user: Any, current: Any = None) -> list[tuple[str, str]]:
    """Options of the contact select: the staff ``user`` may pick (plus the current contact, so the form
    shows who it is even when they lie outside that list)."""
    people = list(contact_candidates(user))
    if current is not None and all(u.pk != current.pk for u in people):
        people.insert(0, current)
    return [(str(u.pk), contact_label(u)) for u in people]


class ContactField(forms.ChoiceField):
    """A contact option: the refusals carry the service's codes (``data-code``), never Django's."""

    def validate(self, value):
        if not value:
            raise forms.ValidationError("请选择对接服务人员。", code=CONTACT_REQUIRED)
        if not self.valid_value(value):
            raise forms.ValidationError(CONTACT_INVALID_MESSAGE, code=CONTACT_INVALID)


class ContactForm(forms.Form):
    """The 对接服务人员 of one person or of the ticked rows: a staff member, or 取消指派."""

    contact = ContactField(label="对接服务人员", required=False)

    def __init__(
        self,
        data=None,
        *,
        user: Any,
        current: Any = None,
        prefix: str | None = None,
        choices: list[tuple[str, str]] | None = None,
        **kwargs,
    ):
        super().__init__(data, prefix=prefix, **kwargs)
        self.fields["contact"].choices = [
            ("", "请选择"),
            (CLEAR, "取消指派（不设对接人）"),
            *(contact_choices(user, current) if choices is None else choices),
        ]
        if current is not None and data is None:
            self.initial["contact"] = str(current.pk)

    def contact_id(self) -> int | None:
        value = self.cleaned_data["contact"]
        return None if value == CLEAR else int(value)


def batch_contact(user: Any, data) -> int | None:
    """The contact a batch assignment posted (``assign-contact``), else the refusal (``contact``)."""
    form = ContactForm(data, user=user, prefix=ASSIGN_PREFIX)
    if form.is_valid():
        return form.contact_id()
    error = form.errors.as_data()["contact"][0]
    raise InvalidInput.field("contact", error.code, error.messages[0])


def detail_contact_form(user: Any, person: Any, data=None) -> ContactForm:
    return ContactForm(data, user=user, current=person.contact)


def contact_post(request, person: Any) -> tuple[ContactForm, HttpResponseRedirect | None]:
    """The detail page's 对接人 form posted for ``person`` (in the user's change scope): the redirect back
    on success, else the form with the refusal beside the field (the page answers 422)."""
    form = detail_contact_form(request.user, person, request.POST)
    if not form.is_valid():
        return form, None
    try:
        contact_assign(actor=request.user, entrepreneurs=[person.pk], contact=form.contact_id())
    except DomainError as exc:
        apply_domain_error(form, exc)
        return form, None
    person.refresh_from_db()
    if person.contact_id:
        messages.success(request, f"已指派对接服务人员：{contact_label(person.contact)}。")
    else:
        messages.success(request, "已取消对接服务人员。")
    return form, HttpResponseRedirect(reverse("entrepreneurs:detail", args=[person.pk]))
