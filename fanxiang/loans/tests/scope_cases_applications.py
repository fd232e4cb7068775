"""Region-scope case of loan applications: one county's applications are invisible and unwritable to another
county's officer — in the list and detail pages, the export, the API list and detail, and every write."""

from fanxiang.accounts.models import User
from fanxiang.core.testing import ScopeCase
from fanxiang.loans import applications as services
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import draft_data, make_person


def make_application(county: str) -> LoanApplication:
    officer = User.objects.get(username=f"officer_{county}")
    township = officer.assignments()[0].region.children.order_by("code").first()
    person = make_person(officer, region=township.code)
    return services.application_create(actor=officer, data=draft_data(person))


def write_application(api_client, web_client, other_region: str) -> None:
    other = LoanApplication.objects.filter(region__tree_path__contains=f"/{other_region}/").first()
    # a draft for the other county's applicant
    response = api_client.post("/api/v1/loans/applications/", draft_data(other.entrepreneur))
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "loan.entrepreneur_not_found"
    # edits, uploads and every workflow step on the other county's application
    assert api_client.patch(f"/api/v1/loans/applications/{other.pk}", {"purpose": "越权"}).status_code == 404
    for action, body in (
        ("submit", {}),
        ("hr_approve", {}),
        ("withdraw", {}),
        ("reject", {"reasons": ["x"]}),
    ):
        response = api_client.post(f"/api/v1/loans/applications/{other.pk}/actions/{action}", body)
        assert response.status_code == 404, (action, response.content)
    response = api_client.client.post(
        f"/api/v1/loans/applications/{other.pk}/documents",
        {"kind": "id_card"},
        **api_client._headers(),
    )
    assert response.status_code in (404, 422)
    other.refresh_from_db()
    assert other.status == "draft" and other.purpose != "越权" and other.events.count() == 1


CASES = [
    ScopeCase(
        model=LoanApplication,
        make=make_application,
        list_url="/loans/applications/",
        detail_url=lambda a: f"/loans/applications/{a.pk}/",
        export_url="/loans/applications/export/",
        api_list="/api/v1/loans/applications/",
        api_detail=lambda a: f"/api/v1/loans/applications/{a.pk}",
        marker=lambda a: a.number,
        write=write_application,
    )
]
