"""The audit page renders every entry, whatever the names of the fields it changed."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from fanxiang.accounts.models import User
from fanxiang.accounts.selectors import audit_change_rows, audit_note_rows


def _entry(demo) -> LogEntry:
    user = demo["city_admin"]
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr="还款计划测试对象",
        action=LogEntry.Action.UPDATE,
        actor=user,
        changes={"items": ["0", "12"], "keys": ["a", "b"], "values": ["旧值甲", "新值乙"]},
        additional_data={"event": "update", "items": 12, "keys": "k"},
    )


def test_audit_page_renders_entry_with_items_keys_values_fields(web, demo):
    _entry(demo)
    response = web("city_admin").get("/accounts/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "还款计划测试对象" in html
    assert "<b>items</b>：0 → 12" in html
    assert "<b>keys</b>：a → b" in html
    assert "<b>values</b>：旧值甲 → 新值乙" in html
    assert "items: 12" in html


def test_change_rows_are_pairs_whatever_the_keys(demo):
    entry = _entry(demo)
    assert audit_change_rows(entry) == [
        ("items", "0", "12"),
        ("keys", "a", "b"),
        ("values", "旧值甲", "新值乙"),
    ]
    assert audit_note_rows(entry) == [("items", 12), ("keys", "k")]


def test_change_rows_tolerate_odd_shapes(demo):
    entry = _entry(demo)
    entry.changes = {"members": {"type": "m2m", "objects": ["x"]}}
    assert audit_change_rows(entry) == [("members", None, {"type": "m2m", "objects": ["x"]})]
    entry.changes = None
    entry.additional_data = None
    assert audit_change_rows(entry) == []
    assert audit_note_rows(entry) == []


def test_fields_of_the_model_read_by_chinese_label_and_value(web, demo):
    user = demo["city_admin"]
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(User),
        object_pk=str(user.pk),
        object_id=user.pk,
        object_repr="标签测试对象",
        action=LogEntry.Action.UPDATE,
        actor=user,
        changes={"is_active": ["True", "False"], "real_name": ["王甲", "王乙"], "items": ["0", "1"]},
    )
    entry = LogEntry.objects.get(object_repr="标签测试对象")
    assert audit_change_rows(entry) == [("有效", "是", "否"), ("姓名", "王甲", "王乙"), ("items", "0", "1")]
    html = web("city_admin").get("/accounts/audit/", {"object": "标签测试对象"}).content.decode()
    assert "<b>有效</b>：是 → 否" in html and "<b>is_active</b>" not in html and "True" not in html
    assert f"<td>用户 #{user.pk} 标签测试对象</td>" in html  # the object type by its Chinese name, not "user"


def test_workflow_step_notes_read_chinese(web, demo):
    """A workflow step's audit entry: the step by its Chinese label and the role by its Chinese name, not
    "transition: submit" / "role: county_officer"."""
    import re

    from fanxiang.core.workflow import workflows
    from fanxiang.loans.models import LoanApplication

    flow = next(f for f in workflows() if f.model is LoanApplication)
    action, label = next(iter(flow.action_labels.items()))
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(LoanApplication),
        object_pk="1",
        object_id=1,
        object_repr="流程测试对象",
        action=LogEntry.Action.UPDATE,
        actor=demo["officer_411625"],
        changes={},
        additional_data={
            "event": "transition",
            "transition": action,
            "role": "county_officer",
            "note": "同意",
        },
    )
    entry = LogEntry.objects.get(object_repr="流程测试对象")
    assert audit_note_rows(entry) == [("流程操作", label), ("办理角色", "县区人社经办人员"), ("意见", "同意")]
    assert re.search(r"[\u4e00-\u9fff]", label)
    html = web("city_admin").get("/accounts/audit/", {"object": "流程测试对象"}).content.decode()
    assert f"流程操作: {label}" in html and "role: county_officer" not in html
