"""The audit page reads a changed foreign key as the record it points to (a user by name and Chinese role, a
region by name, a record the reader may not see by its id only), and what an export records by Chinese name
and value (导出条件, 格式 Excel, 行数, 是否显示完整信息 否), never as logged codes or True/False."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanxiang.accounts.selectors import audit_change_rows, audit_related_labels
from fanxiang.credit.models import CreditEntry
from fanxiang.entrepreneurs import services
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.regions.models import Region

pytestmark = pytest.mark.django_db


def _log(model, pk: int, repr_: str, actor, changes=None, data=None) -> LogEntry:
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(pk),
        object_id=pk,
        object_repr=repr_,
        action=LogEntry.Action.UPDATE if changes else LogEntry.Action.ACCESS,
        actor=actor,
        changes=changes,
        additional_data=data or {"event": "update"},
    )


def _audit(web, repr_: str) -> str:
    response = web("city_admin").get("/accounts/audit/", {"object": repr_})
    assert response.status_code == 200
    return response.content.decode()


def test_foreign_keys_read_as_the_records_they_point_to(demo, web):
    person = services.entrepreneur_create(actor=demo["officer_411625"], data=person_data())
    clerk = demo["service_clerk"]
    old, new = (
        Region.objects.get(code="411625101"),
        Region.objects.filter(parent__code="411625").exclude(code="411625101").first(),
    )
    _log(
        Entrepreneur,
        person.pk,
        "外键测试对象",
        demo["officer_411625"],
        changes={"contact": ["None", str(clerk.pk)], "region": [str(old.pk), str(new.pk)]},
    )
    html = _audit(web, "外键测试对象")
    assert "<b>对接服务人员</b>：— → 吴窗口（服务中心窗口人员）" in html
    assert f"<b>现居住地</b>：{old} → {new}" in html
    assert f"→ {clerk.pk}</div>" not in html and f"：{old.pk} →" not in html


def test_a_record_the_reader_may_not_see_reads_by_its_id(demo):
    other = services.entrepreneur_create(
        actor=demo["officer_411628"],
        data=person_data(name="冯隐藏", region="411628101", id_number=make_id("411628")),
    )
    line = CreditEntry.objects.create(
        entrepreneur=other, event="blacklisted", date=dt.date(2021, 1, 1), reason="测试"
    )
    entry = _log(
        CreditEntry,
        line.pk,
        "范围测试对象",
        demo["officer_411628"],
        changes={"entrepreneur": ["None", str(other.pk)]},
    )
    seen = audit_change_rows(entry, audit_related_labels([entry], demo["officer_411628"]))
    hidden = audit_change_rows(entry, audit_related_labels([entry], demo["officer_411625"]))
    assert seen == [("人员", None, str(other))] and "冯隐藏" in str(other)
    assert hidden == [("人员", None, f"（记录 #{other.pk}）")]
    assert audit_change_rows(entry) == hidden  # no page labels given: by id only


def test_export_details_read_chinese_with_yes_no(demo, web):
    _log(
        Entrepreneur,
        0,
        "导出测试对象",
        demo["city_admin"],
        data={
            "event": "export",
            "filters": {"status": "active", "q": ""},
            "format": "xlsx",
            "rows": 12,
            "reveal": False,
            "revealed_rows": 0,
        },
    )
    html = _audit(web, "导出测试对象")
    for shown in (
        "导出条件: 状态=active",
        "格式: Excel",
        "行数: 12",
        "是否显示完整信息: 否",
        "显示完整信息的行数: 0",
    ):
        assert shown in html, shown
    for raw in ("filters:", "format:", "rows:", "reveal:", "False", "xlsx"):
        assert raw not in html, raw


def test_reveal_names_the_fields_shown(demo, web):
    _log(
        Entrepreneur,
        0,
        "查看测试对象",
        demo["city_admin"],
        data={"event": "reveal", "field": "id_number,mobile"},
    )
    html = _audit(web, "查看测试对象")
    assert "查看的信息: 身份证号码、手机号码" in html and "id_number" not in html


def test_page_reads_related_records_once(demo, web):
    clerk = demo["service_clerk"]
    people = [
        services.entrepreneur_create(actor=demo["officer_411625"], data=person_data(name=f"批{i}"))
        for i in range(6)
    ]

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _audit(web, "批量外键")
        return len(ctx.captured_queries)

    _log(
        Entrepreneur,
        people[0].pk,
        "批量外键0",
        demo["officer_411625"],
        changes={"contact": ["None", str(clerk.pk)]},
    )
    count()
    few = count()
    for p in people[1:]:
        _log(
            Entrepreneur,
            p.pk,
            "批量外键",
            demo["officer_411628"],
            changes={"contact": [str(clerk.pk), "None"]},
        )
    assert count() == few
