"""Registry demo data: 点对点对接服务 in 郸城县 (411625) — the first ``DEMO_CONTACT_PEOPLE`` active people of
the county (by id, as the generator wrote them) get the county officer ``officer_411625`` as their contact,
assigned by the city admin through the service (audited; the officer finds one inbox notice).

Runs once and never overwrites an edit: once any person of the county has ever had a contact (a ``contact``
change in their change log — cleared since or not), a second run does nothing, so an admin who cleared
every contact finds them cleared. Before the registry is filled (the first ``load_demo`` of ``make run``)
there is no one to assign."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from fanxiang.accounts.selectors import staff_users
from fanxiang.entrepreneurs.choices import RecordStatus
from fanxiang.entrepreneurs.contacts import contact_assign
from fanxiang.entrepreneurs.models import Entrepreneur

DEMO_COUNTY = "411625"
DEMO_CONTACT = "officer_411625"
DEMO_ASSIGNER = "city_admin"
DEMO_CONTACT_PEOPLE = 30


def load() -> list[str]:
    users = {u.username: u for u in staff_users().filter(username__in=[DEMO_CONTACT, DEMO_ASSIGNER])}
    contact, assigner = users.get(DEMO_CONTACT), users.get(DEMO_ASSIGNER)
    if contact is None or assigner is None:
        return []
    county = Entrepreneur.objects.filter(region__tree_path__contains=f"/{DEMO_COUNTY}/")
    if county.filter(contact__isnull=False).exists() or _ever_assigned(county):
        return []
    ids = list(
        county.filter(status=RecordStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)[:DEMO_CONTACT_PEOPLE]
    )
    if ids:
        contact_assign(actor=assigner, entrepreneurs=ids, contact=contact)
    return []


def _ever_assigned(people) -> bool:
    """Whether the change log holds a contact change of any of ``people`` (the loader's own first run
    writes one per person it assigns)."""
    return LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Entrepreneur),
        object_id__in=people.values("pk"),
        changes__has_key="contact",
    ).exists()
