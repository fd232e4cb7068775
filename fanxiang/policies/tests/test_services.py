"""Services of the policy library: rule versions and their audit trail, who may write, validation codes of
documents, items and attachments."""

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from fanxiang.core.errors import Conflict, Forbidden, InvalidInput
from fanxiang.policies import services
from fanxiang.policies.models import PolicyAttachment, PolicyDocument, PolicyItem, PolicyRuleVersion
from fanxiang.policies.tests.factories import admin, make_document, make_item

RULE_A = {"all": [{"field": "age", "op": "lte", "value": 60}]}
RULE_B = {"all": [{"field": "age", "op": "lte", "value": 65}]}


def events(obj, event):
    return [
        e for e in LogEntry.objects.get_for_object(obj) if (e.additional_data or {}).get("event") == event
    ]


@pytest.fixture
def item(demo):
    return make_item(make_document(), None, code="t-svc")


def test_a_rule_change_creates_a_version_and_an_audit_record(item):
    v1 = services.rule_save(actor=admin(), item=item, rule=RULE_A, note="首版")
    assert (v1.version, v1.status, v1.rule) == (1, "draft", RULE_A)
    saved = events(item, services.EVENT_RULE_SAVED)
    assert len(saved) == 1 and saved[0].actor == admin()
    assert saved[0].changes == {"rule": [None, RULE_A]}
    assert LogEntry.objects.get_for_object(v1).filter(action=LogEntry.Action.CREATE).exists()  # change log

    services.rule_publish(actor=admin(), version=v1)
    item.refresh_from_db()
    assert item.rule_id == v1.pk
    published = events(item, services.EVENT_RULE_PUBLISHED)
    assert published[0].additional_data["version"] == 1

    same = services.rule_save(actor=admin(), item=item, rule=RULE_A)
    assert same.pk == v1.pk  # nothing changed, no new version
    v2 = services.rule_save(actor=admin(), item=item, rule=RULE_B, note="放宽年龄")
    assert v2.version == 2
    item.refresh_from_db()
    assert item.rule_id == v1.pk  # a draft does not change what is published
    services.rule_publish(actor=admin(), version=v2)
    v1.refresh_from_db()
    item.refresh_from_db()
    assert (v1.status, item.rule_id, item.rule.status) == ("superseded", v2.pk, "published")
    assert events(item, services.EVENT_RULE_PUBLISHED)[0].changes == {"rule_version": [1, 2]}
    with pytest.raises(Conflict) as info:
        services.rule_publish(actor=admin(), version=v2)
    assert info.value.code == "policy.rule_already_published"


def test_a_malformed_rule_is_refused_and_nothing_is_written(item):
    with pytest.raises(InvalidInput) as info:
        services.rule_save(actor=admin(), item=item, rule={"all": [{"field": "age", "op": "~", "value": 1}]})
    assert info.value.code == "policy.rule_bad_operator"
    assert "rule.all[0].op" in info.value.errors
    assert not PolicyRuleVersion.objects.filter(item=item).exists()
    assert events(item, services.EVENT_RULE_SAVED) == []


def test_only_city_admins_write_the_library(item, demo):
    officer = demo["officer_411625"]
    with pytest.raises(Forbidden) as info:
        services.rule_save(actor=officer, item=item, rule=RULE_A)
    assert info.value.code == "policy.forbidden"
    version = services.rule_save(actor=admin(), item=item, rule=RULE_A)
    for call in (
        lambda: services.rule_publish(actor=officer, version=version),
        lambda: services.document_create(
            actor=officer, data={"number": "x", "title": "x", "issuer": "x", "level": "city"}
        ),
        lambda: services.item_update(actor=demo["leader"], item=item, data={"title": "改"}),
    ):
        with pytest.raises(Forbidden):
            call()
    assert PolicyItem.objects.get(pk=item.pk).rule_id is None


def test_document_validation_codes(demo):
    make_document(number="测试发〔2020〕77号")
    with pytest.raises(InvalidInput) as info:
        services.document_create(
            actor=admin(),
            data={"number": "测试发〔2020〕77号", "title": "", "issuer": "x", "level": "town",
                  "effective_from": "2020-05-01", "effective_to": "2020-04-01", "unconfirmed": True,
                  "source_url": "ftp://x"},
        )  # fmt: skip
    codes = {i["field"]: i["code"] for i in info.value.details["items"]}
    assert codes == {
        "title": "policy.required",
        "level": "policy.bad_choice",
        "effective_to": "policy.bad_period",
        "source_url": "policy.bad_url",
        "unconfirmed_note": "policy.unconfirmed_note_required",
        "number": "policy.document_number_taken",
    }
    assert PolicyDocument.objects.filter(number="测试发〔2020〕77号").count() == 1


def test_item_validation_codes(demo):
    doc = make_document()
    make_item(doc, None, code="t-taken")
    with pytest.raises(InvalidInput) as info:
        services.item_create(
            actor=admin(),
            document=doc,
            data={"code": "t-taken", "title": "x", "benefit_type": "startup_subsidy", "amount_kind": "fixed",
                  "apply_link": "https://example.com/", "regions": ["999999"]},
        )  # fmt: skip
    codes = {i["field"]: i["code"] for i in info.value.details["items"]}
    assert codes == {
        "code": "policy.item_code_taken",
        "amount_fixed": "policy.amount_required",
        "apply_link": "policy.bad_link",
        "regions": "policy.region_unknown",
    }
    with pytest.raises(InvalidInput) as info:
        services.item_create(
            actor=admin(),
            document=doc,
            data={"code": "t-f", "title": "x", "benefit_type": "award", "amount_kind": "formula",
                  "amount_formula": {"terms": [{"field": "wage", "rate": "1"}]}},
        )  # fmt: skip
    assert info.value.code == "policy.rule_unknown_field"
    assert "amount_formula.terms[0].field" in info.value.errors
    with pytest.raises(InvalidInput) as info:
        services.item_create(
            actor=admin(), document=doc, data={"code": "t-u", "title": "x", "benefit_type": "award"}
        )
    assert info.value.code == "policy.amount_note_required"


def test_item_regions_and_update_are_logged(demo):
    item = make_item(make_document(), None, code="t-regions", regions=["411625"])
    assert list(item.regions.values_list("code", flat=True)) == ["411625"]
    services.item_update(actor=admin(), item=item, data={"regions": ["411625", "411628"], "title": "新名称"})
    item.refresh_from_db()
    assert item.title == "新名称"
    assert sorted(item.regions.values_list("code", flat=True)) == ["411625", "411628"]
    changes = [e.changes for e in LogEntry.objects.get_for_object(item)]
    assert {"regions": [["411625"], ["411625", "411628"]]} in changes
    assert any("title" in (c or {}) for c in changes)


def test_attachments_are_checked_for_type_and_size(demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = make_document()
    pdf = SimpleUploadedFile("原文.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    attachment = services.attachment_add(actor=admin(), document=doc, upload=pdf)
    assert (attachment.original_name, attachment.size) == ("原文.pdf", 13)
    cases = [
        (
            SimpleUploadedFile("run.exe", b"MZ..", content_type="application/octet-stream"),
            "policy.attachment_type",
        ),
        (SimpleUploadedFile("fake.pdf", b"<html>", content_type="application/pdf"), "policy.attachment_type"),
        (SimpleUploadedFile("empty.docx", b"", content_type="application/msword"), "policy.attachment_empty"),
    ]
    settings.FANXIANG_POLICY_ATTACHMENT_MAX_BYTES = 100
    cases.append((SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * 200), "policy.attachment_too_large"))
    for upload, code in cases:
        with pytest.raises(InvalidInput) as info:
            services.attachment_add(actor=admin(), document=doc, upload=upload)
        assert info.value.code == code
        assert "file" in info.value.errors
    assert PolicyAttachment.objects.filter(document=doc).count() == 1


def test_shipped_reference_documents_and_items(db):
    from fanxiang.policies.reference import load_policy_reference

    load_policy_reference()  # idempotent: loaded once by the test database setup already
    load_policy_reference()
    numbers = set(PolicyDocument.objects.values_list("number", flat=True))
    assert {"人社部发〔2019〕129号", "发改就业〔2020〕104号", "豫政办〔2019〕49号", "周政办〔2019〕59号",
            "财金〔2020〕21号"} <= numbers  # fmt: skip
    for number in ("豫政办〔2019〕49号", "周政办〔2019〕59号"):
        doc = PolicyDocument.objects.get(number=number)
        assert doc.unconfirmed and "未能取得" in doc.unconfirmed_note
        assert not doc.items.exists()  # nothing invented
    loan = PolicyItem.objects.get(code="cj21-individual-loan")
    assert loan.rule is not None and loan.rule.status == "published"
    assert loan.unconfirmed and "法定劳动年龄" in loan.unconfirmed_note
    assert loan.amount_kind == "unknown" and "20万元" in loan.amount_note
    assert PolicyItem.objects.filter(rule__isnull=True).count() == 0
