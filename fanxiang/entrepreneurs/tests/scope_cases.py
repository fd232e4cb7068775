"""Region-scope cases of the registry for the generic suite (fanxiang/core/tests/test_scope_suite.py):
an officer of 411625 sees none of 411628's people, businesses, job reports, duplicate pairs or transfer
requests — in lists, detail pages, the API, exports and form dropdowns — and cannot write into 411628 (nor assign 411628's people or officer as contacts)."""

from __future__ import annotations

import itertools

from fanxiang.accounts.models import User
from fanxiang.core.testing import ScopeCase
from fanxiang.core.validators import uscc_check_character
from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.models import (
    Business,
    DuplicateCandidate,
    Entrepreneur,
    JobReport,
    TransferRequest,
)
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data
from fanxiang.regions.models import Region

_codes = itertools.count(1)
# a third county, neither the viewer's nor the "other" one: transfers start from here
THIRD_COUNTY = "411621"


def township(county: str) -> Region:
    return Region.objects.filter(parent__code=county).order_by("code").first()


def admin() -> User:
    return User.objects.get(username="city_admin")


def officer(county: str) -> User:
    return User.objects.get(username=f"officer_{county}")


def credit_code(county: str) -> str:
    body = f"92{county}{next(_codes):09d}"
    return body + uscc_check_character(body)


def make_person(county: str, name: str | None = None, **overrides) -> Entrepreneur:
    data = person_data(
        name=name or f"测试人{county}",
        id_number=make_id(area=county),
        mobile=f"139{county[-4:]}{next(_codes) % 10000:04d}",
        region=township(county).code,
    )
    data.update(overrides)
    return services.entrepreneur_create(actor=admin(), data=data)


def make_business(county: str) -> Business:
    founder = make_person(county, name=f"创办人{county}")
    return services.business_create(
        actor=admin(),
        data=business_data(
            name=f"测试主体{county}有限公司", credit_code=credit_code(county), region=township(county).code
        ),
        founders=[founder.pk],
    )


def make_job_report(county: str) -> JobReport:
    business = make_business(county)
    return services.business_report_jobs(
        actor=admin(), business=business, report_date=business.started_on, jobs_created=6
    )


def make_duplicate(county: str) -> DuplicateCandidate:
    name = f"疑似{county}"
    first = make_person(county, name=name, id_number=make_id(area=county, birth="19800202"))
    make_person(county, name=name, id_number=make_id(area=county, birth="19800202"))
    return DuplicateCandidate.objects.get(entrepreneur=first)


def make_transfer(county: str) -> TransferRequest:
    """A person of a third county asked for by ``county`` (so only ``county`` and the city see it)."""
    held = make_person(THIRD_COUNTY, name=f"转入{county}")
    return services.transfer_request(
        actor=officer(county), id_number=held.id_number, to_region=township(county), reason="已迁居"
    )


def _refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


def _web_refused(response, code: str) -> None:
    assert response.status_code == 422, response.status_code
    assert code in response.content.decode()


def write_entrepreneur(api_client, web_client, other_region: str) -> None:
    target = township(other_region)
    data = person_data(id_number=make_id(area="411625"), region=target.code)
    _refused(api_client.post("/api/v1/entrepreneurs/", data), 403, "scope.region_forbidden")
    # the county itself is refused too
    _refused(
        api_client.post("/api/v1/entrepreneurs/", data | {"region": other_region}),
        403,
        "scope.region_forbidden",
    )
    # the web form: the other county's region is not an option, so the post is refused
    _web_refused(web_client.post("/entrepreneurs/new/", data), "scope.region_forbidden")
    # moving one's own record into the other county: API and web edit form
    own = Entrepreneur.objects.for_user(officer("411625"), "change").first()
    _refused(
        api_client.patch(f"/api/v1/entrepreneurs/{own.pk}", {"region": target.code}),
        403,
        "scope.region_forbidden",
    )
    edit = data | {"id_number": "", "mobile": "", "name": own.name}
    _web_refused(web_client.post(f"/entrepreneurs/{own.pk}/edit/", edit), "scope.region_forbidden")
    own.refresh_from_db()
    assert own.region.code.startswith("411625")
    assign_contacts_across_counties(api_client, web_client, other_region, own)


def assign_contacts_across_counties(api_client, web_client, other_region: str, own: Entrepreneur) -> None:
    """点对点对接服务: the other county's person is no one the viewer may assign (the selection is refused
    whole, naming no one), and the other county's officer is no contact for the viewer's own people."""
    theirs = Entrepreneur.objects.filter(region__tree_path__contains=f"/{other_region}/").first()
    mine = officer("411625")
    for ids in ([theirs.pk], [own.pk, theirs.pk]):
        response = api_client.post("/api/v1/entrepreneurs/batch/assign", {"ids": ids, "contact": mine.pk})
        _refused(response, 422, "batch.selection_invalid")
        assert theirs.name not in response.content.decode()
    response = web_client.post(
        "/entrepreneurs/batch/", {"action": "assign", "ids": [own.pk, theirs.pk], "assign-contact": mine.pk}
    )
    _web_refused(response, "batch.selection_invalid")
    assert theirs.name not in response.content.decode()
    response = api_client.post(
        "/api/v1/entrepreneurs/batch/assign", {"ids": [own.pk], "contact": officer(other_region).pk}
    )
    _refused(response, 422, "entrepreneurs.contact_invalid")
    assert officer(other_region).real_name not in response.content.decode()
    assert not Entrepreneur.objects.filter(pk__in=[own.pk, theirs.pk], contact__isnull=False).exists()


def write_business(api_client, web_client, other_region: str) -> None:
    target = township(other_region)
    own_person = Entrepreneur.objects.for_user(officer("411625"), "change").first()
    other_person = Entrepreneur.objects.filter(region__tree_path__contains=f"/{other_region}/").first()
    data = business_data(credit_code=credit_code("411625"), region=target.code)
    _refused(
        api_client.post("/api/v1/businesses/", data | {"founders": [own_person.pk]}),
        403,
        "scope.region_forbidden",
    )
    # a founder held by the other county
    _refused(
        api_client.post(
            "/api/v1/businesses/",
            data | {"region": township("411625").code, "founders": [other_person.pk]},
        ),
        422,
        "business.founder_unknown",
    )
    web = data | {"founders": [str(own_person.pk)]}
    _web_refused(web_client.post("/entrepreneurs/businesses/new/", web), "scope.region_forbidden")
    web = data | {"region": township("411625").code, "founders": [str(other_person.pk)]}
    _web_refused(web_client.post("/entrepreneurs/businesses/new/", web), "business.founder_unknown")


def write_job_report(api_client, web_client, other_region: str) -> None:
    other = Business.objects.filter(region__tree_path__contains=f"/{other_region}/").first()
    _refused(
        api_client.post(
            f"/api/v1/businesses/{other.pk}/jobs", {"report_date": "2020-06-01", "jobs_created": 99}
        ),
        404,
        "not_found",
    )
    response = web_client.post(
        f"/entrepreneurs/businesses/{other.pk}/", {"report_date": "2020-06-01", "jobs_created": "99"}
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.jobs_created == 6


def write_duplicate(api_client, web_client, other_region: str) -> None:
    other = DuplicateCandidate.objects.filter(
        entrepreneur__region__tree_path__contains=f"/{other_region}/"
    ).first()
    _refused(
        api_client.post(f"/api/v1/entrepreneurs/duplicates/{other.pk}/resolve", {"action": "dismiss"}),
        404,
        "not_found",
    )
    response = web_client.post(f"/entrepreneurs/duplicates/{other.pk}/resolve/", {"action": "dismiss"})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == "open"


def write_transfer(api_client, web_client, other_region: str) -> None:
    held = make_person(THIRD_COUNTY, name="再转入")
    target = township(other_region)
    _refused(
        api_client.post(
            "/api/v1/entrepreneurs/transfers/",
            {"id_number": held.id_number, "to_region": target.code, "reason": "迁居"},
        ),
        403,
        "scope.region_forbidden",
    )
    response = web_client.post(
        "/entrepreneurs/transfers/", {"id_number": held.id_number, "to_region": target.code, "reason": "迁居"}
    )
    _web_refused(response, "scope.region_forbidden")
    # deciding another county's request
    other = TransferRequest.objects.filter(to_region__tree_path__contains=f"/{other_region}/").first()
    _refused(
        api_client.post(f"/api/v1/entrepreneurs/transfers/{other.pk}/decide", {"approve": True}),
        404,
        "not_found",
    )
    assert (
        web_client.post(f"/entrepreneurs/transfers/{other.pk}/decide/", {"decision": "approve"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == "pending"


REGION_SELECTS = (
    ("/entrepreneurs/new/", "region"),
    ("/entrepreneurs/businesses/new/", "region"),
    ("/entrepreneurs/transfers/", "to_region"),
)

CASES = [
    ScopeCase(
        model=Entrepreneur,
        make=make_person,
        list_url="/entrepreneurs/",
        detail_url=lambda e: f"/entrepreneurs/{e.pk}/",
        export_url="/entrepreneurs/export/",
        api_list="/api/v1/entrepreneurs/",
        api_detail=lambda e: f"/api/v1/entrepreneurs/{e.pk}",
        marker=lambda e: e.name,
        # the business form's founder select
        dropdowns=(("/entrepreneurs/businesses/new/", "founders"),),
        write=write_entrepreneur,
    ),
    ScopeCase(
        model=Business,
        make=make_business,
        list_url="/entrepreneurs/businesses/",
        detail_url=lambda b: f"/entrepreneurs/businesses/{b.pk}/",
        export_url="/entrepreneurs/businesses/export/",
        api_list="/api/v1/businesses/",
        api_detail=lambda b: f"/api/v1/businesses/{b.pk}",
        marker=lambda b: b.name,
        # the region selects of the registry forms offer only the user's regions
        dropdowns=REGION_SELECTS,
        option_value=lambda b: b.region.code,
        write=write_business,
    ),
    ScopeCase(
        model=JobReport,
        make=make_job_report,
        # job reports are shown on their business's page only
        detail_url=lambda r: f"/entrepreneurs/businesses/{r.business_id}/",
        write=write_job_report,
    ),
    # The queue page names only people the viewer may see, so the page is checked by the pair's card (a
    # card of another county's pair would leak even without names) and the API by the names it returns.
    ScopeCase(
        model=DuplicateCandidate,
        make=make_duplicate,
        list_url="/entrepreneurs/duplicates/",
        marker=lambda c: f'data-testid="duplicate-{c.pk}"',
        write=write_duplicate,
    ),
    ScopeCase(
        model=DuplicateCandidate,
        make=make_duplicate,
        api_list="/api/v1/entrepreneurs/duplicates/",
        marker=lambda c: c.entrepreneur.name,
    ),
    ScopeCase(
        model=TransferRequest,
        make=make_transfer,
        list_url="/entrepreneurs/transfers/",
        api_list="/api/v1/entrepreneurs/transfers/",
        marker=lambda t: t.entrepreneur.name,
        dropdowns=(("/entrepreneurs/transfers/", "to_region"),),
        option_value=lambda t: t.to_region.code,
        write=write_transfer,
    ),
]
