"""Excel export of the outreach list ("eligible but not yet received"), shared by the page and the API.
Personal data stays masked; every export writes an audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.excel import build_workbook, xlsx_response
from fanxiang.core.scope import EXPORT
from fanxiang.entrepreneurs.choices import Category, Sex
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.policies import selectors
from fanxiang.regions.models import Region

HEADERS = [
    "条款代码",
    "条款名称",
    "政策文件",
    "姓名",
    "性别",
    "身份证号码",
    "手机号码",
    "人员类别",
    "现居住地",
]
CHUNK = 2000


def outreach_rows(user: Any, result: selectors.OutreachResult):
    sexes, categories = dict(Sex.choices), dict(Category.choices)
    for row in result.rows:
        ids = row.person_ids
        for start in range(0, len(ids), CHUNK):
            people = (
                Entrepreneur.objects.for_user(user, EXPORT)
                .filter(pk__in=ids[start : start + CHUNK])
                .order_by("region__tree_path", "pk")
                .values_list("name", "sex", "id_number_masked", "mobile_masked", "category", "region__name")
            )
            for name, sex, idm, mobile, category, region_name in people:
                yield [
                    row.item.code,
                    row.item.title,
                    row.item.document_number,
                    name,
                    str(sexes.get(sex, sex)),
                    idm,
                    mobile,
                    str(categories.get(category, category)),
                    region_name,
                ]


def outreach_xlsx(request: Any, *, region: Region, on: dt.date | None, item: str | None):
    user = request.user
    result = selectors.outreach(
        user=user, region=region, on=on, item_codes=[item] if item else None, action=EXPORT
    )
    total = sum(r.count for r in result.rows)
    content = build_workbook("符合但尚未享受", HEADERS, outreach_rows(user, result))
    audit.record_event(
        event=audit.EVENT_EXPORT,
        actor=user,
        model=Entrepreneur,
        object_repr=f"政策精准推送名单 {region.name}",
        request=request,
        data={
            "export": "policy_outreach",
            "region": region.code,
            "on": result.on.isoformat(),
            "item": item or "",
            "rows": total,
            "format": "xlsx",
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    suffix = f"-{item}" if item else ""
    return xlsx_response(f"政策精准推送-{region.name}{suffix}-{stamp}.xlsx", content)
