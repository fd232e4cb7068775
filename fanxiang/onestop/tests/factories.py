"""Test data for the one-stop app: centres, staff of a county, registry people, requests in any state."""

from __future__ import annotations

import datetime as dt
import itertools

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.onestop import services
from fanxiang.onestop.models import Centre, ServiceRequest, ServiceType
from fanxiang.regions.models import Region

_seq = itertools.count(1)
MONDAY = dt.date(2020, 9, 14)


def county(code: str) -> Region:
    return Region.objects.get(code=code)


def centre(code: str = "411625", **kw) -> Centre:
    region = county(code)
    c = Centre.objects.create(
        region=region, name=kw.pop("name", f"{region.name}返乡创业综合服务中心{next(_seq)}"), **kw
    )
    c.services.set(ServiceType.objects.all())
    return c


def centre_of(code: str) -> Centre:
    return Centre.objects.filter(region__code=code).order_by("pk").first() or centre(code)


def staff(role: str, code: str) -> User:
    user, _ = User.objects.get_or_create(
        username=f"onestop_{role}_{code}", defaults={"real_name": f"窗口{code}"}
    )
    RoleAssignment.objects.get_or_create(user=user, role=role, region=county(code))
    return User.objects.get(pk=user.pk)


def clerk(code: str = "411625") -> User:
    return staff(Role.SERVICE_CLERK, code)


def person(code: str = "411625"):
    admin = User.objects.get(username="city_admin")
    township = Region.objects.filter(parent__code=code).order_by("code").first()
    data = person_data(
        id_number=make_id(area=code), mobile="", region=township.code, name=f"服务对象{next(_seq)}"
    )
    return registry.entrepreneur_create(actor=admin, data=data)


def applicant(entrepreneur) -> User:
    """The portal user of a registry person, as the portal passes it to services (see portal_actor)."""
    user = User.objects.create(username=f"portal-onestop-{next(_seq)}")
    user.entrepreneur_id = entrepreneur.pk
    return user


def unit() -> Organization:
    return Organization.objects.get(code="ZK-CZJ")


def make_request(
    code: str = "411625",
    *,
    actor=None,
    service_type: str = "startup_guidance",
    channel: str = "window",
    today: dt.date = MONDAY,
    description: str | None = None,
    **kw,
) -> ServiceRequest:
    actor = actor or clerk(code)
    kw.setdefault("entrepreneur", person(code).pk)
    return services.service_request_create(
        actor=actor,
        service_type=service_type,
        channel=channel,
        centre=centre_of(code).pk,
        description=description or f"工单诉求{code}-{next(_seq)}",
        today=today,
        **kw,
    )


def request_in(state: str, code: str = "411625", *, today: dt.date = MONDAY, **kw) -> ServiceRequest:
    """A window request brought to ``state`` through the services."""
    actor = clerk(code)
    req = make_request(code, actor=actor, today=today, **kw)
    a = {"actor": actor, "service_request": req, "today": today}
    if state == "submitted":
        return req
    if state == "supplement_requested":
        return services.service_request_request_supplement(**a, missing=["营业执照复印件"])
    if state == "transferred":
        return services.service_request_transfer(**a, to_unit=unit().pk, reason="需财政部门办理")
    req = services.service_request_accept(**a)
    if state == "accepted":
        return req
    a["service_request"] = req
    if state == "in_progress":
        return services.service_request_start(**a)
    if state == "completed":
        return services.service_request_complete(**a, result="已办结")
    raise ValueError(state)
