"""Region-scope cases of the portal's county-reviewed records: a self-registration belongs to the county of
the person's current region, an edit request to the county of the registry person; another county's officer
neither sees nor decides them."""

import itertools

from fanxiang.accounts.models import User
from fanxiang.core import pii
from fanxiang.core.testing import ScopeCase
from fanxiang.core.validators import mask_mobile
from fanxiang.entrepreneurs.tests.factories import make_id
from fanxiang.portal import services
from fanxiang.portal.models import EditRequest, PortalAccount, Registration
from fanxiang.portal.tests.factories import registration_data, registry_person
from fanxiang.regions.models import Region

_seq = itertools.count(1)


def _township(county: str) -> Region:
    return Region.objects.filter(parent__code=county).order_by("code").first()


def _account(person=None) -> PortalAccount:
    mobile = f"1360000{next(_seq):04d}"
    return PortalAccount.objects.create(
        user=services._new_user(),
        mobile_enc=pii.encrypt(mobile),
        mobile_hash=pii.index(mobile),
        mobile_masked=mask_mobile(mobile),
        entrepreneur=person,
    )


def make_registration(county: str) -> Registration:
    n = next(_seq)
    return services.registration_submit(
        account=_account(),
        data=registration_data(
            name=f"登记{county}{n}",
            id_number=make_id(area=county, birth="19910303", seq=300 + n),
            region=_township(county).code,
            business={},
        ),
    )


def write_registration(api_client, web_client, other_region: str) -> None:
    other = Registration.objects.filter(region__code__startswith=other_region).first()
    for action, body in (("confirm", {}), ("reject", {"reason": "越权"}), ("merge", {"entrepreneur": 1})):
        response = api_client.post(f"/api/v1/portal/review/registrations/{other.pk}/{action}", body)
        assert response.status_code == 404, (action, response.content)
    response = web_client.post(f"/portal/review/registrations/{other.pk}/", {"action": "confirm"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "pending"


def make_edit(county: str) -> EditRequest:
    n = next(_seq)
    admin = User.objects.get(username="city_admin")
    person = registry_person(admin, region=_township(county).code, name=f"变更{county}{n}", mobile="")
    account = _account(person)
    return services.edit_request_create(account=account, kind="person", changes={"skills": f"技能{n}"})


def write_edit(api_client, web_client, other_region: str) -> None:
    other = EditRequest.objects.filter(entrepreneur__region__code__startswith=other_region).first()
    assert api_client.post(f"/api/v1/portal/review/edit-requests/{other.pk}/approve").status_code == 404
    response = api_client.post(f"/api/v1/portal/review/edit-requests/{other.pk}/reject", {"reason": "越权"})
    assert response.status_code == 404
    assert (
        web_client.post(f"/portal/review/edit-requests/{other.pk}/", {"action": "approve"}).status_code == 404
    )
    other.refresh_from_db()
    assert other.status == "pending"


CASES = [
    ScopeCase(
        model=Registration,
        make=make_registration,
        list_url="/portal/review/registrations/",
        detail_url=lambda r: f"/portal/review/registrations/{r.pk}/",
        api_list="/api/v1/portal/review/registrations/",
        api_detail=lambda r: f"/api/v1/portal/review/registrations/{r.pk}",
        marker=lambda r: r.name,
        write=write_registration,
    ),
    ScopeCase(
        model=EditRequest,
        make=make_edit,
        list_url="/portal/review/edit-requests/",
        detail_url=lambda e: f"/portal/review/edit-requests/{e.pk}/",
        api_list="/api/v1/portal/review/edit-requests/",
        api_detail=lambda e: f"/api/v1/portal/review/edit-requests/{e.pk}",
        marker=lambda e: e.changes["skills"],
        write=write_edit,
    ),
]
