"""Portal test data: registry people with a mobile, bound portal accounts."""

from __future__ import annotations

from django.utils import timezone

from fanxiang.core import pii
from fanxiang.core.validators import mask_mobile
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.models import PriorityGroup
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.portal.models import PortalAccount
from fanxiang.portal.services import _new_user


def registry_person(
    actor, *, region: str = "411625101", mobile: str = "", priority: list[str] | None = None, **kw
):
    data = person_data(id_number=make_id(area=region[:6]), mobile=mobile, region=region, **kw)
    data["priority_groups"] = priority or []
    person = registry.entrepreneur_create(actor=actor, data=data)
    if priority:
        person.priority_groups.set(PriorityGroup.objects.filter(code__in=priority))
    return person


def bound_account(person, mobile: str) -> PortalAccount:
    return PortalAccount.objects.create(
        user=_new_user(),
        mobile_enc=pii.encrypt(mobile),
        mobile_hash=pii.index(mobile),
        mobile_masked=mask_mobile(mobile),
        entrepreneur=person,
        bound_at=timezone.now(),
    )


def registration_data(**overrides) -> dict:
    data = {
        "name": "赵新登",
        "id_number": make_id(area="411625", birth="19900202"),
        "region": "411625101",
        "category": "returning_migrant_worker",
        "return_date": "2020-03-01",
        "started_on": "2020-05-01",
        "worked_province": "浙江省",
        "worked_city": "杭州市",
        "worked_months": 48,
        "education": "junior",
        "priority_groups": [],
        "business": {
            "name": "郸城县赵家养殖场",
            "kind": "unregistered",
            "industry": "A",
            "address": "南丰镇赵庄",
            "employees": 3,
        },
    }
    data.update(overrides)
    return data


def portal_session(api_client):
    """A browser session (Django test client) for the same portal account as an API client (by its token)."""
    from django.test import Client

    from fanxiang.portal import auth
    from fanxiang.portal.auth import account_from_token

    account, _ = account_from_token(api_client.token)
    client = Client()
    session = client.session
    session[auth.SESSION_KEY] = account.pk
    session.save()
    return client
