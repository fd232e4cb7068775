"""The construction standard: scoring and grade bands at their boundaries, gaps, the seed, the city's edits,
the assessment workflow (wrong role / region / state refused with codes, nothing changed), evidence upload
validation, the coverage grade, and the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fanxiang.onestop import standard, standard_reference
from fanxiang.onestop.demo_standard import pdf, png
from fanxiang.onestop.standard_models import (
    Assessment,
    AssessmentEvent,
    Evidence,
    GradeBand,
    ItemResult,
    StandardItem,
    StandardVersion,
)
from fanxiang.onestop.tests.factories import centre

pytestmark = pytest.mark.django_db
BASE = "/api/v1/onestop/standard"
DAY = dt.date(2020, 9, 14)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def seeded() -> StandardVersion:
    return StandardVersion.objects.get(code=standard_reference.CODE)


def photo(name="现场.png"):
    return SimpleUploadedFile(name, png((10, 20, 30)), content_type="image/png")


def document(name="制度.pdf"):
    return SimpleUploadedFile(name, pdf("制度"), content_type="application/pdf")


def fill(actor, a: Assessment, results: dict[str, str] | None = None, *, default=ItemResult.MET) -> None:
    """Every item ``default`` (or as ``results`` says by item code), with the evidence each asks for."""
    results = results or {}
    rows = []
    for f in a.items.select_related("item"):
        result = results.get(f.item.code, default)
        rows.append({"item": f.item_id, "result": result, "note": "" if result == "met" else "待完善"})
        if result != ItemResult.NOT_MET and f.item.evidence == "photo":
            standard.evidence_add(actor=actor, assessment=a, item_id=f.item_id, upload=photo())
        if result != ItemResult.NOT_MET and f.item.evidence == "document":
            standard.evidence_add(actor=actor, assessment=a, item_id=f.item_id, upload=document())
    standard.findings_record(actor=actor, assessment=a, findings=rows)


def submitted(demo, code="411625", results=None) -> Assessment:
    officer = demo[f"officer_{code}"]
    a = standard.assessment_create(actor=officer, centre_id=centre(code).pk, today=DAY)
    fill(officer, a, results)
    return standard.assessment_submit(actor=officer, assessment=a, today=DAY)


# --------------------------------------------------------------------------- scoring


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", "excellent"),
        ("90.00", "excellent"),
        ("89.99", "good"),
        ("75", "good"),
        ("74.99", "pass"),
        ("60", "pass"),
        ("59.99", "fail"),
        ("0", "fail"),
    ],
)
def test_grade_bands_at_their_boundaries(score, grade):
    assert standard.grade_of(Decimal(score), list(seeded().bands.all())).code == grade


def test_bands_are_data_a_changed_band_changes_the_grade():
    bands = list(seeded().bands.all())
    good = next(b for b in bands if b.code == "good")
    good.min_score = Decimal(80)
    assert standard.grade_of(Decimal(78), bands).code == "pass"
    assert standard.grade_of(Decimal(-1), bands) is None


def test_score_is_weighted_and_partly_counts_the_version_share():
    findings = [(Decimal(15), "met"), (Decimal(10), "partly"), (Decimal(5), "not_met"), (Decimal(70), "met")]
    assert standard.score_of(findings, 50) == Decimal("90.00")  # (15 + 5 + 70) / 100
    assert standard.score_of(findings, 40) == Decimal("89.00")
    assert standard.score_of([(Decimal(3), "met"), (Decimal(3), "partly"), (Decimal(3), "")], 50) == Decimal(
        "50.00"
    )
    assert standard.score_of([], 50) == Decimal("0.00")


def test_the_seed_is_ours_weighted_to_100_and_never_overwrites_an_edit():
    v = seeded()
    assert v.status == "published" and "草拟" in v.name
    assert sum(i.weight for i in v.items.all()) == 100
    assert {b.code: b.min_score for b in v.bands.all()} == {
        "excellent": 90,
        "good": 75,
        "pass": 60,
        "fail": 0,
    }
    item = v.items.get(code="S01")
    item.title = "市局改过的标题"
    item.save()
    assert standard_reference.load() == {"onestop.standard_versions": 0}
    assert StandardItem.objects.get(pk=item.pk).title == "市局改过的标题"
    assert v.items.count() == len(standard_reference.ITEMS)


# --------------------------------------------------------------------------- the workflow


def test_confirm_fixes_score_grade_and_gaps(demo):
    a = submitted(demo, results={"S02": "partly", "S05": "not_met"})  # 100 - 7.5 - 10
    a = standard.assessment_confirm(actor=demo["city_admin"], assessment=a, today=DAY)
    assert a.status == "confirmed" and a.confirmed_on == DAY
    assert a.score == Decimal("82.50") and (a.grade, a.grade_label) == ("good", "良好")
    assert [(g["item"], g["result"]) for g in a.gaps] == [("S02", "partly"), ("S05", "not_met")]
    assert list(a.events.values_list("action", flat=True)).count("confirm") == 1


def _unchanged(a: Assessment, status: str, events: int) -> None:
    a.refresh_from_db()
    assert a.status == status and a.events.count() == events and a.score is None


def test_wrong_role_region_and_state_are_refused_with_codes_and_nothing_changes(demo, api):
    a = submitted(demo)
    events = a.events.count()
    refusals = [
        ("officer_411625", "confirm", {}, 403, "onestop.wrong_role"),  # the county cannot confirm its own
        ("service_clerk", "confirm", {}, 403, "onestop.wrong_role"),
        ("officer_411628", "confirm", {}, 404, "not_found"),  # another county: as if it did not exist
        ("officer_411628", "submit", {}, 404, "not_found"),
        ("officer_411625", "submit", {}, 409, "onestop.wrong_state"),  # already submitted
        ("city_admin", "return", {}, 422, "onestop.reason_required"),
        ("city_admin", "approve", {}, 404, "onestop.unknown_action"),
    ]
    for user, action, body, status, code in refusals:
        response = api(user).post(f"{BASE}/assessments/{a.pk}/actions/{action}", body)
        assert (response.status_code, response.json()["code"]) == (status, code), (user, action)
        _unchanged(a, "submitted", events)
    # the city cannot submit a county's draft, nor confirm it before it is submitted
    draft = standard.assessment_create(actor=demo["officer_411628"], centre_id=centre("411628").pk, today=DAY)
    for action, status, code in (
        ("submit", 403, "onestop.wrong_role"),
        ("confirm", 409, "onestop.wrong_state"),
    ):
        response = api("city_admin").post(f"{BASE}/assessments/{draft.pk}/actions/{action}", {})
        assert (response.status_code, response.json()["code"]) == (status, code)
        _unchanged(draft, "draft", 0)


def test_findings_are_the_countys_and_only_while_editable(demo, api):
    a = submitted(demo)
    f = a.items.first()
    body = {"findings": [{"item": f.item_id, "result": "not_met"}]}
    response = api("officer_411625").post(f"{BASE}/assessments/{a.pk}/findings", body)
    assert response.status_code == 409 and response.json()["code"] == "onestop.wrong_state"
    response = api("officer_411628").post(f"{BASE}/assessments/{a.pk}/findings", body)
    assert response.status_code == 404
    f.refresh_from_db()
    assert f.result == "met"


def test_return_then_resubmit_then_confirm(demo, api):
    a = submitted(demo)
    city = api("city_admin")
    response = city.post(f"{BASE}/assessments/{a.pk}/actions/return", {"reason": "照片不清晰"})
    assert response.status_code == 200 and response.json()["status"] == "returned"
    event = AssessmentEvent.objects.filter(assessment=a, action="return").get()
    assert event.note == "照片不清晰" and event.actor_role == "city_admin"
    officer = api("officer_411625")
    f = a.items.get(item__code="S10")
    response = officer.post(
        f"{BASE}/assessments/{a.pk}/findings", {"findings": [{"item": f.item_id, "result": "partly"}]}
    )
    assert response.status_code == 200
    assert officer.post(f"{BASE}/assessments/{a.pk}/actions/submit", {}).json()["status"] == "submitted"
    body = city.post(f"{BASE}/assessments/{a.pk}/actions/confirm", {"note": "属实"}).json()
    assert body["status"] == "confirmed" and Decimal(str(body["score"])) == Decimal("95.00")
    assert body["grade"] == "excellent" and [g["item"] for g in body["gaps"]] == ["S10"]


def test_submit_needs_every_result_and_the_evidence_asked_for(demo, api):
    officer = demo["officer_411625"]
    a = standard.assessment_create(actor=officer, centre_id=centre("411625").pk, today=DAY)
    client = api("officer_411625")
    response = client.post(f"{BASE}/assessments/{a.pk}/actions/submit", {})
    assert response.status_code == 422 and response.json()["code"] == "onestop.finding_missing"
    rows = [{"item": f.item_id, "result": "met"} for f in a.items.all()]
    standard.findings_record(actor=officer, assessment=a, findings=rows)
    response = client.post(f"{BASE}/assessments/{a.pk}/actions/submit", {})
    assert response.status_code == 422 and response.json()["code"] == "onestop.evidence_missing"
    _unchanged(a, "draft", 0)


def test_one_open_assessment_per_centre_and_only_the_countys_officer_starts_one(demo, api):
    c = centre("411625")
    assert api("officer_411625").post(f"{BASE}/assessments/", {"centre": c.pk}).status_code == 201
    again = api("officer_411625").post(f"{BASE}/assessments/", {"centre": c.pk})
    assert again.status_code == 409 and again.json()["code"] == "onestop.assessment_open"
    other = api("officer_411628").post(f"{BASE}/assessments/", {"centre": c.pk})
    assert other.status_code == 404
    clerk = api("service_clerk").post(f"{BASE}/assessments/", {"centre": centre("411625").pk})
    assert clerk.status_code == 403 and clerk.json()["code"] == "onestop.wrong_role"
    assert Assessment.objects.filter(centre__region__code="411625").count() == 1


# --------------------------------------------------------------------------- evidence


def _upload(api, user, a, item_id, upload):
    client = api(user)
    return client.client.post(
        f"{BASE}/assessments/{a.pk}/evidence", {"item": item_id, "file": upload}, **client._headers()
    )


def test_evidence_upload_checks_type_by_content_and_by_what_the_item_asks(demo, api):
    a = standard.assessment_create(actor=demo["officer_411625"], centre_id=centre("411625").pk, today=DAY)
    photo_item = a.items.get(item__code="S01").item_id  # asks for a photo
    doc_item = a.items.get(item__code="S03").item_id  # asks for a document
    bad = [
        (photo_item, SimpleUploadedFile("假照片.png", b"not an image at all", content_type="image/png")),
        (photo_item, document()),  # a PDF where a photo is asked for
        (doc_item, photo()),  # a photo where a document is asked for
        (photo_item, SimpleUploadedFile("空.png", b"", content_type="image/png")),
        (doc_item, SimpleUploadedFile("制度.exe", b"%PDF-1.4 but an exe", content_type="application/pdf")),
    ]
    for item_id, upload in bad:
        response = _upload(api, "officer_411625", a, item_id, upload)
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "onestop.evidence_type_invalid"
    assert not Evidence.objects.filter(finding__assessment=a).exists()
    response = _upload(api, "officer_411625", a, photo_item, photo())
    assert response.status_code == 201 and response.json()["kind"] == "photo"
    assert _upload(api, "officer_411628", a, photo_item, photo()).status_code == 404
    assert Evidence.objects.filter(finding__assessment=a).count() == 1
    served = api("officer_411625").get(response.json()["url"])
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"\x89PNG")
    assert api("officer_411628").get(response.json()["url"]).status_code == 404


def test_evidence_over_the_size_limit_is_refused(demo, api, settings):
    settings.ONESTOP_EVIDENCE_MAX_BYTES = 50
    a = standard.assessment_create(actor=demo["officer_411625"], centre_id=centre("411625").pk, today=DAY)
    response = _upload(api, "officer_411625", a, a.items.get(item__code="S01").item_id, photo())
    assert response.status_code == 422 and response.json()["code"] == "onestop.evidence_too_large"


# --------------------------------------------------------------------------- the city edits the standard


def test_the_city_edits_a_draft_copy_and_publishes_it(demo, api):
    county = api("officer_411625").post(
        f"{BASE}/versions/", {"code": "X", "name": "县里的", "valid_from": "2021-01-01"}
    )
    assert county.status_code == 403 and county.json()["code"] == "onestop.standard_city_only"
    city = api("city_admin")
    old = seeded()
    frozen = city.post(f"{BASE}/versions/{old.pk}/items", {"code": "S99", "title": "新条目", "weight": "5"})
    assert frozen.status_code == 409 and frozen.json()["code"] == "onestop.standard_published"
    body = {"code": "FXCY-2021", "name": "2021年版", "valid_from": "2021-01-01", "copy_from": old.pk}
    made = city.post(f"{BASE}/versions/", body)
    assert made.status_code == 201 and made.json()["status"] == "draft"
    new = made.json()["id"]
    assert len(made.json()["items"]) == old.items.count()
    item = city.post(f"{BASE}/versions/{new}/items", {"code": "S11", "title": "夜间服务", "weight": "5"})
    assert item.status_code == 201
    bands = {"bands": [{"code": "a", "label": "甲", "min_score": "50"}]}
    bad = city.client.put(
        f"{BASE}/versions/{new}/bands", bands, content_type="application/json", **city._headers()
    )
    assert bad.status_code == 422 and bad.json()["code"] == "onestop.bands_invalid"
    published = city.post(f"{BASE}/versions/{new}/publish")
    assert published.status_code == 200 and Decimal(str(published.json()["total_weight"])) == 105
    assert standard.current_version(dt.date(2021, 3, 1)).pk == new
    assert standard.current_version(dt.date(2020, 12, 31)).pk == old.pk
    assert GradeBand.objects.filter(version_id=new).count() == 4


# --------------------------------------------------------------------------- coverage and pages


def test_coverage_grade_is_the_latest_confirmed_by_the_years_end(demo, api):
    a = submitted(demo)
    standard.assessment_confirm(actor=demo["city_admin"], assessment=a, today=DAY)
    later = standard.assessment_create(actor=demo["officer_411625"], centre_id=a.centre_id, today=DAY)
    fill(demo["officer_411625"], later, default=ItemResult.NOT_MET)
    standard.assessment_submit(actor=demo["officer_411625"], assessment=later, today=dt.date(2021, 2, 1))
    standard.assessment_confirm(actor=demo["city_admin"], assessment=later, today=dt.date(2021, 2, 3))
    rows = {r["region"]: r for r in api("city_admin").get("/api/v1/onestop/coverage", {"year": 2020}).json()}
    assert rows["411625"]["centre"]["id"] == a.centre_id
    assert (rows["411625"]["grade"], rows["411625"]["assessed_on"]) == ("excellent", "2020-09-14")
    assert rows["411628"]["grade"] is None
    rows = {r["region"]: r for r in api("city_admin").get("/api/v1/onestop/coverage", {"year": 2021}).json()}
    assert (rows["411625"]["grade"], rows["411625"]["assessed_on"]) == ("fail", "2021-02-03")


def test_pages_render_and_the_city_confirms_on_the_page(demo, web):
    a = submitted(demo, results={"S08": "not_met"})
    city = web("city_admin")
    page = city.get("/onestop/standard/")
    assert page.status_code == 200 and "S01" in page.text and 'data-band="excellent"' in page.text
    page = city.get(f"/onestop/assessments/{a.pk}/")
    assert page.status_code == 200 and 'data-testid="action-confirm"' in page.text
    assert 'data-kind="photo"' in page.text and "<img" in page.text
    response = city.post(f"/onestop/assessments/{a.pk}/", {"action": "return", "text": ""})
    assert response.status_code == 422 and 'data-code="onestop.reason_required"' in response.text
    response = city.post(f"/onestop/assessments/{a.pk}/", {"action": "confirm", "text": "属实"})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "confirmed" and a.grade == "excellent" and [g["item"] for g in a.gaps] == ["S08"]
    detail = web("officer_411625").get(f"/onestop/centres/{a.centre_id}/")
    assert detail.status_code == 200 and 'data-testid="centre-assessments"' in detail.text
    assert f"/onestop/assessments/{a.pk}/" in detail.text
    assert web("officer_411628").get(f"/onestop/assessments/{a.pk}/").status_code == 404


def test_the_county_fills_the_assessment_on_the_page(demo, web):
    c = centre("411625")
    officer = web("officer_411625")
    response = officer.post(f"/onestop/centres/{c.pk}/assess/")
    a = Assessment.objects.get(centre=c)
    assert response.status_code == 302 and response.url == f"/onestop/assessments/{a.pk}/"
    f = a.items.get(item__code="S01")
    bad = officer.post(
        f"/onestop/assessments/{a.pk}/",
        {
            "action": "upload",
            "item": f.item_id,
            "file": SimpleUploadedFile("x.png", b"GIF89a", content_type="image/png"),
        },
    )
    assert bad.status_code == 422 and 'data-code="onestop.evidence_type_invalid"' in bad.text
    ok = officer.post(
        f"/onestop/assessments/{a.pk}/", {"action": "upload", "item": f.item_id, "file": photo()}
    )
    assert ok.status_code == 302 and f.evidence.count() == 1
    saved = officer.post(f"/onestop/assessments/{a.pk}/", {"action": "save", f"result_{f.item_id}": "partly"})
    assert saved.status_code == 302
    f.refresh_from_db()
    assert f.result == "partly"


def test_the_target_progress_page_shows_coverage_and_grades(demo, web):
    a = submitted(demo)
    standard.assessment_confirm(actor=demo["city_admin"], assessment=a, today=DAY)
    centre("411628")
    page = web("city_admin").get("/targets/progress/?year=2020&region=411600")
    assert page.status_code == 200 and 'data-testid="centre-coverage"' in page.text
    from fanxiang.regions.models import Region, RegionLevel

    counties = Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="4116").count()
    with_centre = len({a.centre.region_id, centre("411628").region_id})
    assert f"{with_centre} <span" in page.text and f"/ {counties}" in page.text
    assert 'data-region="411625"' in page.text and 'data-grade="excellent"' in page.text


def test_demo_assessments_most_confirmed_one_waiting_one_returned(demo):
    from fanxiang.onestop import demo_standard
    from fanxiang.onestop.demo import MARK
    from fanxiang.regions.models import Region, RegionLevel

    counties = Region.objects.filter(level=RegionLevel.COUNTY, code__startswith="4116").order_by("code")
    for i, county in enumerate(counties):
        centre(county.code, staff_note=f"演示{MARK}", opened_on=dt.date(2020, 1 + i % 6, 1 + i))
    assert demo_standard.load(today=dt.date(2021, 6, 30)) == []
    made = Assessment.objects.filter(centre__staff_note__contains=MARK)
    by_status = {s: made.filter(status=s).count() for s in ("confirmed", "submitted", "returned", "draft")}
    assert by_status == {"confirmed": counties.count() - 2, "submitted": 1, "returned": 1, "draft": 0}
    assert made.get(status="submitted").centre.region.code == demo_standard.SUBMITTED_COUNTY
    confirmed = made.filter(status="confirmed")
    assert all(a.grade and a.score is not None and a.confirmed_on.year == 2020 for a in confirmed)
    assert Evidence.objects.filter(finding__assessment__in=confirmed, kind="photo").exists()
    events = AssessmentEvent.objects.filter(assessment__in=made)  # dated on their business days
    assert {e.at.year for e in events} == {2020}
    assert demo_standard.load(today=dt.date(2021, 6, 30)) == [] and made.count() == counties.count()  # once


def test_assessment_list_is_paginated_filtered_and_scoped(demo, api):
    a = submitted(demo)
    standard.assessment_create(actor=demo["officer_411628"], centre_id=centre("411628").pk, today=DAY)
    body = api("officer_411625").get(f"{BASE}/assessments/", {"status": "submitted"}).json()
    assert [i["id"] for i in body["items"]] == [a.pk] and body["count"] == 1
    assert body["items"][0]["region"] == "411625" and body["items"][0]["status_label"] == "待市级确认"
    assert api("officer_411625").get(f"{BASE}/assessments/", {"status": "draft"}).json()["count"] == 0
    assert api("city_admin").get(f"{BASE}/assessments/").json()["count"] == 2


def test_a_county_officer_reads_the_standard_but_cannot_edit_it_on_the_page(demo, web):
    officer = web("officer_411625")
    page = officer.get("/onestop/standard/")
    assert page.status_code == 200 and 'data-testid="new-version"' not in page.text
    assert 'data-testid="item-form"' not in page.text
    body = {"action": "new_version", "code": "X1", "name": "县版", "valid_from": "2021-01-01"}
    refused = officer.post("/onestop/standard/", body)
    assert refused.status_code == 403 and 'data-code="onestop.standard_city_only"' in refused.text
    assert not StandardVersion.objects.filter(code="X1").exists()
    made = web("city_admin").post("/onestop/standard/", body)
    assert made.status_code == 302 and StandardVersion.objects.get(code="X1").status == "draft"
