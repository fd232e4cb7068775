"""Given/when/then tests for the registry services: validation codes, dedup, scope, rollups, transfers."""

import datetime as dt
from decimal import Decimal

import pytest

from fanxiang.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.models import DuplicateCandidate, Entrepreneur, TransferRequest
from fanxiang.entrepreneurs.tests.factories import business_data, make_id, person_data
from fanxiang.regions.models import Region, RegionMonthStat

pytestmark = pytest.mark.django_db


def stat(code, indicator="new_entrepreneurs", year=2020, month=5):
    row = RegionMonthStat.objects.filter(
        region__code=code, indicator=indicator, year=year, month=month
    ).first()
    return row.value if row else Decimal(0)


def test_create_derives_facts_encrypts_and_counts(demo):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(name="张三"))
    assert person.sex == "M" and person.birth_date == dt.date(1985, 1, 1)
    assert person.birthplace_code == "411625" and "郸城" in person.birthplace_name
    assert person.id_number_masked.startswith("4116") and "*" in person.id_number_masked
    assert person.id_number not in person.id_number_enc
    assert person.name_initials == "zs"
    assert stat("411625101") == 1


def test_hubei_work_sets_priority_flag(demo):
    person = services.entrepreneur_create(
        actor=demo["officer_411625"], data=person_data(worked_province="湖北省", worked_city="武汉市")
    )
    assert set(person.priority_groups.values_list("code", flat=True)) == {"formerly_in_hubei"}


def test_duplicate_id_number_refused_with_link(demo):
    data = person_data()
    first = services.entrepreneur_create(actor=demo["officer_411625"], data=data)
    with pytest.raises(Conflict) as exc:
        services.entrepreneur_create(actor=demo["officer_411625"], data=data | {"name": "张叁"})
    assert exc.value.code == "entrepreneur.duplicate_id_number"
    assert exc.value.details["existing_id"] == first.pk
    assert Entrepreneur.objects.count() == 1


def test_other_county_cannot_create_the_same_person_and_gets_no_link(demo):
    data = person_data()
    services.entrepreneur_create(actor=demo["officer_411625"], data=data)
    with pytest.raises(Conflict) as exc:
        services.entrepreneur_create(actor=demo["officer_411628"], data=data | {"region": "411628101"})
    assert exc.value.code == "entrepreneur.duplicate_id_number"
    assert "existing_id" not in exc.value.details
    assert exc.value.message == "该身份证号码已在其他县区登记，可申请转移"
    assert "郸城" not in exc.value.message and "holding_region" not in exc.value.details
    assert Entrepreneur.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("id_number", "411625198501010010", "id.invalid_checksum"),
        ("id_number", "4116251985023", "id.invalid_length"),
        ("name", "", "name.required"),
        ("name", "张" * 33, "name.too_long"),
        ("mobile", "12345", "mobile.invalid"),
        ("region", "999999", "region.unknown"),
        ("region", "411600", "region.too_coarse"),
        ("region", "", "region.required"),
        ("category", "astronaut", "category.invalid"),
        ("return_date", "2020-13-01", "date.invalid"),
        ("return_date", "2999-01-01", "date.in_future"),
        ("worked_months", "-3", "worked_months.invalid"),
        ("priority_groups", ["vip"], "priority_group.unknown"),
        ("education", "phd", "education.invalid"),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_written(demo, field, value, code):
    with pytest.raises(InvalidInput) as exc:
        services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(**{field: value}))
    codes = {item["code"] for item in exc.value.details["items"]}
    assert code in codes
    assert field in exc.value.errors
    assert Entrepreneur.objects.count() == 0
    assert not RegionMonthStat.objects.exists()


def test_all_errors_reported_at_once(demo):
    with pytest.raises(InvalidInput) as exc:
        services.entrepreneur_create(
            actor=demo["officer_411625"], data=person_data(name="", mobile="1", category="x")
        )
    assert {"name", "mobile", "category"} <= set(exc.value.errors)


def test_wrong_region_create_refused(demo):
    with pytest.raises(Forbidden) as exc:
        services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(region="411628101"))
    assert exc.value.code == "scope.region_forbidden"
    assert Entrepreneur.objects.count() == 0


def test_update_cannot_move_into_another_county(demo):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    with pytest.raises(Forbidden):
        services.entrepreneur_update(
            actor=demo["officer_411625"], entrepreneur=person, data={"region": "411628101"}
        )
    person.refresh_from_db()
    assert person.region.code == "411625101"
    assert stat("411625101") == 1 and stat("411628101") == 0


def test_update_moves_the_count_between_months_and_regions(demo):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    services.entrepreneur_update(
        actor=demo["officer_411625"],
        entrepreneur=person,
        data={"started_on": "2020-07-01", "region": "411625102"},
    )
    assert stat("411625101", month=5) == 0
    assert stat("411625102", month=7) == 1


def test_close_needs_reason_and_uncounts(demo):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    with pytest.raises(InvalidInput) as exc:
        services.entrepreneur_close(actor=demo["officer_411625"], entrepreneur=person, reason=" ")
    assert exc.value.code == "entrepreneur.close_reason_required"
    services.entrepreneur_close(actor=demo["officer_411625"], entrepreneur=person, reason="登记有误")
    person.refresh_from_db()
    assert person.status == "closed" and Entrepreneur.objects.filter(pk=person.pk).exists()
    assert stat("411625101") == 0
    with pytest.raises(InvalidInput) as exc:
        services.entrepreneur_update(actor=demo["officer_411625"], entrepreneur=person, data={"name": "李四"})
    assert exc.value.code == "entrepreneur.closed"


def test_likely_duplicates_go_to_the_review_queue_and_merge(demo):
    officer = demo["officer_411625"]
    a = services.entrepreneur_create(actor=officer, data=person_data(name="王五", mobile="13900000001"))
    b = services.entrepreneur_create(
        actor=officer,
        data=person_data(name="王五", id_number=make_id(birth="19850101"), mobile="13900000002"),
    )
    c = services.entrepreneur_create(
        actor=officer,
        data=person_data(name="赵六", id_number=make_id(birth="19900101"), mobile="13900000001"),
    )
    reasons = {(d.entrepreneur_id, d.other_id, d.reason) for d in DuplicateCandidate.objects.all()}
    assert (a.pk, b.pk, "same_name_birth") in reasons
    assert (a.pk, c.pk, "same_mobile") in reasons
    biz = services.business_create(actor=officer, data=business_data(), founders=[b.pk])
    candidate = DuplicateCandidate.objects.get(reason="same_name_birth")
    services.duplicate_resolve(actor=officer, candidate=candidate, merge=True, keep=a)
    b.refresh_from_db()
    assert b.status == "closed" and "重复" in b.closed_reason
    assert list(biz.founders.all()) == [a]
    other = DuplicateCandidate.objects.get(reason="same_mobile")
    services.duplicate_resolve(actor=officer, candidate=other, merge=False, note="不同人")
    other.refresh_from_db()
    assert other.status == "dismissed"
    with pytest.raises(InvalidInput) as exc:
        services.duplicate_resolve(actor=officer, candidate=other, merge=False)
    assert exc.value.code == "duplicate.not_open"


def test_transfer_request_and_approval_move_person_and_counts(demo):
    data = person_data()
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=data)
    with pytest.raises(NotFound):
        services.transfer_request(
            actor=demo["officer_411628"],
            id_number=make_id(birth="19700101"),
            to_region=Region.objects.get(code="411628"),
            reason="迁居",
        )
    transfer = services.transfer_request(
        actor=demo["officer_411628"],
        id_number=data["id_number"],
        to_region=Region.objects.get(code="411628101"),
        reason="已迁居鹿邑",
    )
    with pytest.raises(Forbidden):  # the requesting county cannot approve its own request
        services.transfer_decide(actor=demo["officer_411628"], transfer=transfer, approve=True)
    with pytest.raises(InvalidInput) as exc:
        services.transfer_decide(actor=demo["officer_411625"], transfer=transfer, approve=False, note="")
    assert exc.value.code == "transfer.reject_reason_required"
    services.transfer_decide(actor=demo["officer_411625"], transfer=transfer, approve=True, note="同意")
    person.refresh_from_db()
    assert person.region.code == "411628101"
    assert stat("411625101") == 0 and stat("411628101") == 1
    assert TransferRequest.objects.get(pk=transfer.pk).status == "approved"
    with pytest.raises(InvalidInput):
        services.transfer_decide(actor=demo["city_admin"], transfer=transfer, approve=True)


def test_business_with_partners_and_job_reports_count_by_month(demo):
    officer = demo["officer_411625"]
    a = services.entrepreneur_create(actor=officer, data=person_data())
    b = services.entrepreneur_create(
        actor=officer, data=person_data(name="李四", id_number=make_id(), mobile="")
    )
    biz = services.business_create(actor=officer, data=business_data(), founders=[a.pk, b.pk])
    assert set(biz.founders.all()) == {a, b}
    services.business_report_jobs(
        actor=officer, business=biz, report_date=dt.date(2020, 6, 30), jobs_created=8, poor_workers_employed=2
    )
    services.business_report_jobs(
        actor=officer, business=biz, report_date=dt.date(2020, 9, 30), jobs_created=11
    )
    assert stat("411625101", "jobs_created", month=6) == 8
    assert stat("411625101", "jobs_created", month=9) == 3
    biz.refresh_from_db()
    assert biz.jobs_created == 11


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("credit_code", "91110000600037341X", "uscc.checksum_mismatch"),
        ("credit_code", "9111000060003734", "uscc.invalid_length"),
        ("credit_code", "", "uscc.required"),
        ("kind", "startup", "kind.invalid"),
        ("industry", "Z", "industry.invalid"),
        ("registered_capital", "-5", "money.invalid"),
        ("employees", "1.5", "count.invalid"),
        ("tags", ["moon_farming"], "industry_tag.unknown"),
    ],
)
def test_business_bad_input(demo, field, value, code):
    officer = demo["officer_411625"]
    a = services.entrepreneur_create(actor=officer, data=person_data())
    with pytest.raises(InvalidInput) as exc:
        services.business_create(actor=officer, data=business_data(**{field: value}), founders=[a.pk])
    assert code in {i["code"] for i in exc.value.details["items"]}


def test_credit_code_mismatch_overridable_with_reason(demo):
    officer = demo["officer_411625"]
    a = services.entrepreneur_create(actor=officer, data=person_data())
    biz = services.business_create(
        actor=officer,
        data=business_data(credit_code="91350203M0001QAY9B", credit_code_override_reason="营业执照原件如此"),
        founders=[a.pk],
    )
    assert biz.credit_code_override_reason == "营业执照原件如此"
    with pytest.raises(Conflict) as exc:
        services.business_create(
            actor=officer,
            data=business_data(
                credit_code="91350203M0001QAY9B", credit_code_override_reason="同上", name="另一家"
            ),
            founders=[a.pk],
        )
    assert exc.value.code == "business.duplicate_credit_code"


def test_business_founders_must_be_visible(demo):
    other = services.entrepreneur_create(actor=demo["officer_411628"], data=person_data(region="411628101"))
    with pytest.raises(InvalidInput) as exc:
        services.business_create(actor=demo["officer_411625"], data=business_data(), founders=[other.pk])
    assert exc.value.code == "business.founder_unknown"


def test_reveal_is_logged_and_refused_for_read_only_roles(demo):
    from auditlog.models import LogEntry

    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    assert services.reveal_id_number(actor=demo["officer_411625"], entrepreneur=person) == person.id_number
    assert LogEntry.objects.filter(additional_data__event="reveal", object_pk=str(person.pk)).count() == 1
    with pytest.raises(Forbidden) as exc:
        services.reveal_id_number(actor=demo["leader"], entrepreneur=person)
    assert exc.value.code == "pii.reveal_forbidden"
