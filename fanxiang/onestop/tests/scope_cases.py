"""Region-scope cases of the one-stop app: a county's centres, service requests, ratings and rectifications
are invisible and unwritable to another county's officer."""

import datetime as dt
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile

from fanxiang.accounts.models import User
from fanxiang.core.errors import NotFound
from fanxiang.core.testing import ScopeCase
from fanxiang.onestop import services
from fanxiang.onestop.attachments import RequestAttachment, attachment_add
from fanxiang.onestop.models import Centre, Rating, Rectification, SatisfactionMonth, ServiceRequest
from fanxiang.onestop.standard_models import Assessment
from fanxiang.onestop.tests.factories import centre, centre_of, clerk, person, request_in

_seq = itertools.count(1)
DAY = dt.date(2020, 9, 18)


def make_centre(county: str) -> Centre:
    return centre(county, name=f"服务中心标记{county}-{next(_seq)}")


def write_centre(api_client, web_client, other_region: str) -> None:
    response = api_client.post("/api/v1/onestop/centres/", {"region": other_region, "name": "越权中心"})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "scope.region_forbidden"


def make_request(county: str) -> ServiceRequest:
    return request_in("submitted", county, description=f"工单标记{county}-{next(_seq)}")


def write_request(api_client, web_client, other_region: str) -> None:
    response = api_client.post(
        "/api/v1/onestop/requests/",
        {
            "service_type": "startup_guidance",
            "channel": "window",
            "centre": centre_of(other_region).pk,
            "entrepreneur": person("411625").pk,
            "description": "越权登记",
        },
    )
    assert response.status_code == 422 and response.json()["code"] == "onestop.centre_unknown"
    other = ServiceRequest.objects.filter(centre__region__code=other_region).first()
    for action, body in (("accept", {}), ("reject", {"reason": "越权"}), ("withdraw", {})):
        response = api_client.post(f"/api/v1/onestop/requests/{other.pk}/actions/{action}", body)
        assert response.status_code == 404, (action, response.content)
    other.refresh_from_db()
    assert other.status == "submitted"


def _rated(county: str, level: int) -> Rating:
    req = request_in("completed", county)
    return services.rating_create(
        actor=clerk(county),
        service_request=req,
        level=level,
        comment=f"评价标记{county}-{next(_seq)}",
        today=DAY,
    )


def make_rating(county: str) -> Rating:
    return _rated(county, 4)


def write_rating(api_client, web_client, other_region: str) -> None:
    other = request_in("completed", other_region)
    response = api_client.post(f"/api/v1/onestop/requests/{other.pk}/rating", {"level": 1})
    assert response.status_code == 404, response.content


def make_rectification(county: str) -> Rectification:
    return _rated(county, 1).rectification


def write_rectification(api_client, web_client, other_region: str) -> None:
    other = Rectification.objects.filter(request__centre__region__code=other_region).first()
    response = api_client.post(
        f"/api/v1/onestop/rectifications/{other.pk}/actions/call_back", {"note": "越权"}
    )
    assert response.status_code == 404, response.content
    other.refresh_from_db()
    assert other.status == "open"


def make_rollup(county: str) -> SatisfactionMonth:
    req = request_in("completed", county)
    rating = services.rating_create(actor=clerk(county), service_request=req, level=5)  # this month
    return SatisfactionMonth.objects.get(
        centre=rating.request.centre, service_type=rating.request.service_type
    )


def make_assessment(county: str) -> Assessment:
    from fanxiang.onestop import standard
    from fanxiang.onestop.tests.factories import staff

    officer = staff("county_officer", county)
    return standard.assessment_create(actor=officer, centre_id=make_centre(county).pk, today=DAY)


def write_assessment(api_client, web_client, other_region: str) -> None:
    other = Assessment.objects.filter(centre__region__code=other_region).first()
    base = f"/api/v1/onestop/standard/assessments/{other.pk}"
    item = other.items.first().item_id
    for path, body in (
        (f"{base}/actions/submit", {}),
        (f"{base}/findings", {"findings": [{"item": item, "result": "met"}]}),
        ("/api/v1/onestop/standard/assessments/", {"centre": other.centre_id}),
    ):
        response = api_client.post(path, body)
        assert response.status_code == 404, (path, response.content)
    other.refresh_from_db()
    assert other.status == "draft" and not other.items.exclude(result="").exists()
    assert Assessment.objects.filter(centre__region__code=other_region).count() == 1


def make_attachment(county: str):
    req = request_in("submitted", county)
    upload = SimpleUploadedFile(f"材料标记{county}-{next(_seq)}.pdf", b"%PDF-1.4 scope", "application/pdf")
    return attachment_add(actor=clerk(county), service_request=req, upload=upload)


def write_attachment(api_client, web_client, other_region: str) -> None:
    other = ServiceRequest.objects.filter(centre__region__code=other_region).first()
    before = RequestAttachment.objects.filter(request=other).count()
    upload = SimpleUploadedFile("越权.pdf", b"%PDF-1.4 x", "application/pdf")
    try:
        attachment_add(
            actor=User.objects.get(username="officer_411625"), service_request=other, upload=upload
        )
    except NotFound:
        pass
    else:
        raise AssertionError("an attachment was added to another county's request")
    assert RequestAttachment.objects.filter(request=other).count() == before


CASES = [
    ScopeCase(
        model=Centre,
        make=make_centre,
        list_url="/onestop/centres/",
        detail_url=lambda c: f"/onestop/centres/{c.pk}/",
        api_list="/api/v1/onestop/centres/",
        api_detail=lambda c: f"/api/v1/onestop/centres/{c.pk}",
        marker=lambda c: c.name,
        write=write_centre,
    ),
    ScopeCase(
        model=ServiceRequest,
        make=make_request,
        list_url="/onestop/requests/",
        detail_url=lambda r: f"/onestop/requests/{r.pk}/",
        api_list="/api/v1/onestop/requests/",
        api_detail=lambda r: f"/api/v1/onestop/requests/{r.pk}",
        marker=lambda r: r.description,
        write=write_request,
    ),
    ScopeCase(
        model=Rating,
        make=make_rating,
        api_list="/api/v1/onestop/ratings/",
        marker=lambda r: r.comment,
        write=write_rating,
    ),
    ScopeCase(
        model=Rectification,
        make=make_rectification,
        list_url="/onestop/rectifications/",
        api_list="/api/v1/onestop/rectifications/",
        api_detail=lambda r: f"/api/v1/onestop/rectifications/{r.pk}",
        marker=lambda r: r.rating.comment,
        write=write_rectification,
    ),
    ScopeCase(
        model=Assessment,
        make=make_assessment,
        list_url="/onestop/standard/",
        detail_url=lambda a: f"/onestop/assessments/{a.pk}/",
        api_list="/api/v1/onestop/standard/assessments/",
        api_detail=lambda a: f"/api/v1/onestop/standard/assessments/{a.pk}",
        marker=lambda a: a.centre.name,
        write=write_assessment,
    ),
    ScopeCase(
        model=RequestAttachment,
        make=make_attachment,
        detail_url=lambda a: f"/onestop/requests/{a.request_id}/files/{a.pk}/",
        marker=lambda a: a.original_name,
        write=write_attachment,
    ),
    ScopeCase(
        model=SatisfactionMonth,
        make=make_rollup,
        api_list="/api/v1/onestop/satisfaction",
        marker=lambda r: r.centre.name,
    ),
]
