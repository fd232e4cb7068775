"""The shared API field types (fanxiang.core.schema) and the OpenAPI document: strict numbers, money as
decimal strings, coded fields as enums, and every error status an operation can answer."""

from decimal import Decimal

import pydantic
import pytest

from fanxiang.api import api as ninja_api
from fanxiang.core.api import COMMON_ERROR_RESPONSES, InputSchema
from fanxiang.core.schema import Money, choice
from fanxiang.entrepreneurs.choices import Category
from fanxiang.entrepreneurs.tests.factories import business_data, person_data
from fanxiang.loans.choices import BorrowerType, CounterGuarantee
from fanxiang.policies.models import BenefitType


class Sample(InputSchema):
    count: int
    ids: list[int] = []
    optional: int | None = None
    amount: Money | None = None
    flag: bool = False
    category: choice(Category) | None = None


def codes(exc: pydantic.ValidationError) -> dict[str, str]:
    return {".".join(map(str, e["loc"])): e["type"] for e in exc.errors()}


@pytest.mark.parametrize(
    "data, field",
    [
        ({"count": False}, "count"),
        ({"count": 1, "ids": [1, True]}, "ids"),
        ({"count": 1, "optional": True}, "optional"),
    ],
)
def test_booleans_are_not_numbers(data, field):
    with pytest.raises(pydantic.ValidationError) as exc:
        Sample.model_validate(data)
    assert codes(exc.value) == {field: "number.not_boolean"}


def test_booleans_still_fill_boolean_fields():
    assert Sample.model_validate({"count": 0, "flag": True}).flag is True


@pytest.mark.parametrize(
    "value, code",
    [
        (12000.5, "money.float_not_allowed"),
        (0.1, "money.float_not_allowed"),
        (True, "number.not_boolean"),
        ("1e5", "money.invalid"),
        (" 12", "money.invalid"),
        ("NaN", "money.invalid"),
        (10**21, "money.invalid"),
    ],
)
def test_money_refuses_floats_and_non_decimal_text(value, code):
    with pytest.raises(pydantic.ValidationError) as exc:
        Sample.model_validate({"count": 1, "amount": value})
    assert codes(exc.value) == {"amount": code}


@pytest.mark.parametrize("value, expected", [("12000.50", "12000.50"), (300000, "300000"), ("-5", "-5")])
def test_money_takes_decimal_strings_and_integers_exactly(value, expected):
    amount = Sample.model_validate({"count": 1, "amount": value}).amount
    assert isinstance(amount, Decimal) and amount == Decimal(expected) and str(amount) == expected


def test_coded_field_refuses_a_value_outside_its_choices():
    assert Sample.model_validate({"count": 1, "category": "veteran"}).category == "veteran"
    with pytest.raises(pydantic.ValidationError) as exc:
        Sample.model_validate({"count": 1, "category": "gold"})
    assert codes(exc.value) == {"category": "choice.invalid"}


# --- the OpenAPI document ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document():
    return ninja_api.get_openapi_schema()


def _enum(prop: dict) -> list:
    for option in prop.get("anyOf", [prop]):
        if "enum" in option:
            return option["enum"]
        if "items" in option:
            return _enum(option["items"])
    raise AssertionError(f"no enum in {prop}")


def test_document_lists_the_values_of_coded_fields(document):
    schemas = document["components"]["schemas"]
    guarantee = _enum(schemas["ApplicationIn"]["properties"]["counter_guarantee"])
    assert guarantee == [*CounterGuarantee.values, ""]
    assert _enum(schemas["ApplicationIn"]["properties"]["borrower_type"]) == BorrowerType.values
    assert _enum(schemas["EligibilityIn"]["properties"]["borrower_type"]) == BorrowerType.values
    assert _enum(schemas["EntrepreneurIn"]["properties"]["category"]) == Category.values
    assert _enum(schemas["ProductIn"]["properties"]["target_categories"]) == Category.values
    params = document["paths"]["/api/v1/policies/documents/"]["get"]["parameters"]
    benefit = next(p for p in params if p["name"] == "benefit_type")
    assert _enum(benefit["schema"]) == [*BenefitType.values, ""]


def test_document_describes_money_as_decimal_string_or_integer(document):
    amount = document["components"]["schemas"]["ApplicationIn"]["properties"]["amount"]
    assert {o["type"] for o in amount["anyOf"]} == {"integer", "string"}
    assert "number" not in str(amount)


def test_every_operation_documents_the_shared_error_statuses(document):
    operations = [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]
    assert len(operations) > 100
    for method, path, op in operations:
        declared = {str(code) for code in op["responses"]}
        expected = {str(s) for s in COMMON_ERROR_RESPONSES if s != 409 or method not in ("get", "head")}
        assert expected <= declared, (method, path, expected - declared)
        assert {"401", "422"} <= declared
        for status in expected:
            body = op["responses"][int(status) if int(status) in op["responses"] else status]
            assert body["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


# --- through the API ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_jobs_false_is_422(api):
    officer = api("officer_411625")
    person = officer.post("/api/v1/entrepreneurs/", person_data()).json()
    business = officer.post("/api/v1/businesses/", business_data(founders=[person["id"]])).json()
    url = f"/api/v1/businesses/{business['id']}/jobs"
    refused = officer.post(url, {"report_date": "2020-06-01", "jobs_created": False})
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "number.not_boolean" and "jobs_created" in body["errors"]
    assert body["details"]["items"][0] == {
        "field": "jobs_created",
        "code": "number.not_boolean",
        "message": body["errors"]["jobs_created"][0],
    }
    assert officer.post(url, {"report_date": "2020-06-01", "jobs_created": 3}).status_code == 201


@pytest.mark.django_db
def test_float_money_is_422_and_decimal_string_is_taken(api):
    officer = api("officer_411625")
    person = officer.post("/api/v1/entrepreneurs/", person_data()).json()
    body = {"borrower_type": "individual", "entrepreneur": person["id"], "term_months": 24}
    url = "/api/v1/loans/eligibility-check"
    refused = officer.post(url, {**body, "amount": 150000.5})
    assert refused.status_code == 422
    assert refused.json()["code"] == "money.float_not_allowed" and "amount" in refused.json()["errors"]
    assert officer.post(url, {**body, "amount": "150000.50"}).status_code == 200
    assert officer.post(url, {**body, "amount": 150000}).status_code == 200


@pytest.mark.django_db
def test_unknown_code_is_422(api):
    officer = api("officer_411625")
    bad = officer.post("/api/v1/entrepreneurs/", person_data(category="gold"))
    assert (
        bad.status_code == 422
        and bad.json()["code"] == "choice.invalid"
        and "category" in bad.json()["errors"]
    )
    documents = "/api/v1/policies/documents/"
    assert officer.get(documents, {"level": "bogus"}).json()["code"] == "choice.invalid"
    assert officer.get(documents, {"level": ""}).status_code == 200
