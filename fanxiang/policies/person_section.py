"""The policy grants section of a person's page (``core.registry.register_person_section``, from
``PoliciesConfig``): the benefits granted to the person (享受记录) that the viewer may see, newest first;
revoked ones marked."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from fanxiang.core.scope import VIEW, resolve
from fanxiang.policies.grants import grants_for_user
from fanxiang.policies.models import BenefitGrant


def render(person: Any, user: Any) -> str | None:
    if resolve(user, BenefitGrant, VIEW).empty:
        return None
    grants = list(grants_for_user(user).filter(entrepreneur=person).order_by("-granted_on", "-id"))
    return render_to_string("policies/_person_section.html", {"grants": grants, "person": person})
