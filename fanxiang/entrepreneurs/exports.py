"""Excel export of the filtered entrepreneur list, shared by the page and the API.

The columns are the import columns (so an export imports back unchanged) followed by read-only facts.
Personal data (ID number, mobile) is masked unless the user holds the ``reveal`` right for the record's
region AND asked for it; every export is logged, with whether and how many records were revealed.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.errors import Forbidden
from fanxiang.core.scope import EXPORT, REVEAL, resolve
from fanxiang.entrepreneurs import imports
from fanxiang.entrepreneurs.models import Entrepreneur

MAX_ROWS = imports.MAX_ROWS
EXTRA_HEADERS = ["现居住地", "性别", "出生日期", "状态", "登记时间"]


def can_reveal_any(user: Any) -> bool:
    return not resolve(user, Entrepreneur, REVEAL).empty


def export_entrepreneurs(
    *,
    user: Any,
    queryset: QuerySet[Entrepreneur],
    reveal: bool,
    request: Any = None,
    filters: dict | None = None,
) -> bytes:
    """Write ``queryset`` (already scoped to EXPORT and filtered by the caller) to .xlsx and log it."""
    from openpyxl.utils import get_column_letter

    from fanxiang.core.excel import append_row

    if resolve(user, Entrepreneur, EXPORT).empty:
        raise Forbidden("scope.export_forbidden", "您的角色无权导出返乡创业人员名单。")
    reveal_scope = resolve(user, Entrepreneur, REVEAL)
    if reveal and reveal_scope.empty:
        raise Forbidden("pii.reveal_forbidden", "您的角色无权导出完整的个人敏感信息。")
    qs = (
        queryset.select_related("region__parent", "hukou_region")
        .prefetch_related(None)
        .prefetch_related("priority_groups")
        .order_by("pk")
    )
    wb = imports._write_only_book()
    ws = wb.create_sheet("返乡创业人员")
    headers = [*imports.HEADERS, *EXTRA_HEADERS]
    for i, col in enumerate(imports.COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    for i in range(len(imports.COLUMNS) + 1, len(headers) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14
    ws.freeze_panes = "A2"
    append_row(ws, imports._header_cells(ws, headers))
    rows = revealed = 0
    for person in qs[:MAX_ROWS].iterator(chunk_size=2000):
        clear = reveal and reveal_scope.covers_path(person.region.tree_path)
        revealed += int(clear)
        values = [
            person.name,
            person.id_number if clear else person.id_number_masked,
            (person.mobile if clear else person.mobile_masked) or None,
            person.region.code,
            person.hukou_region.code if person.hukou_region_id else None,
            person.get_category_display(),
            person.return_date,
            person.started_on,
            person.worked_province or None,
            person.worked_city or None,
            person.worked_months,
            person.get_education_display() or None,
            person.skills or None,
            "、".join(g.name for g in person.priority_groups.all()) or None,
            person.notes or None,
            person.region.full_name,
            person.get_sex_display(),
            person.birth_date,
            person.get_status_display(),
            timezone.localtime(person.created_at).replace(tzinfo=None),
        ]
        # Through the core writer: text is a string cell (never a formula), XML-illegal
        # characters dropped, dates typed.
        append_row(ws, (v if v is None or isinstance(v, (int, dt.date)) else str(v) for v in values))
        rows += 1
    audit.record_event(
        event=audit.EVENT_EXPORT,
        actor=user,
        model=Entrepreneur,
        object_repr="返乡创业人员",
        request=request,
        data={
            "filters": {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")},
            "format": "xlsx",
            "rows": rows,
            "reveal": bool(reveal),
            "revealed_rows": revealed,
        },
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_filename() -> str:
    return f"返乡创业人员-{timezone.localtime().strftime('%Y%m%d-%H%M')}.xlsx"
