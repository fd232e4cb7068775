"""The one-stop section of a person's page (``core.registry.register_person_section``, from ``OnestopConfig``):
the person's service requests (工单) that the viewer may see (``selectors.requests_for_user``: the centre
holding or receiving the request in the viewer's region), newest first, with status, service type, the
dates of the story, the rating and what the request produced."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from fanxiang.core.scope import VIEW, resolve
from fanxiang.onestop import selectors
from fanxiang.onestop.models import ServiceRequest
from fanxiang.onestop.workflows import REQUESTS

LIMIT = 50  # the newest; the request list has the rest


def person_requests(person: Any, user: Any) -> list[ServiceRequest]:
    qs = selectors.requests_for_user(user).filter(entrepreneur=person).select_related("rating")
    return list(qs[:LIMIT])


def render(person: Any, user: Any) -> str | None:
    if resolve(user, ServiceRequest, VIEW).empty:
        return None
    today = timezone.localdate()
    rows = []
    for req in person_requests(person, user):
        rating = getattr(req, "rating", None)
        rows.append(
            {
                "req": req,
                "status_label": REQUESTS.status_label(req.status),
                "rating": None if rating is None else rating.get_level_display(),
                "mark": selectors.row_deadline(req, today),
            }
        )
    return render_to_string("onestop/_person_section.html", {"rows": rows, "person": person, "limit": LIMIT})
