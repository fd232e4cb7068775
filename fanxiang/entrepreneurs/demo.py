"""Registry demo data: 点对点对接服务 in 郸城县 (411625) — the first ``DEMO_CONTACT_PEOPLE`` active people of
the county (by id, as the generator wrote them) get the county officer ``officer_411625`` as their contact,
assigned by the city admin through the service (audited; the officer finds one inbox notice).

Idempotent and never overwrites an edit: once the officer follows anyone up, a second run does nothing.
Before the registry is filled (the first ``load_demo`` of ``make run``) there is no one to assign."""

from __future__ import annotations

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
    if contact is None or assigner is None or Entrepreneur.objects.filter(contact=contact).exists():
        return []
    ids = list(
        Entrepreneur.objects.filter(
            region__tree_path__contains=f"/{DEMO_COUNTY}/", status=RecordStatus.ACTIVE, contact__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:DEMO_CONTACT_PEOPLE]
    )
    if ids:
        contact_assign(actor=assigner, entrepreneurs=ids, contact=contact)
    return []
