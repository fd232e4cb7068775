"""Supervision pages of the one-stop app: the city's (and a county's own) 督办 view of overdue requests, 差评 and
rectifications; the satisfaction charts with their tables and Excel export (figures from the monthly
rollups); the rectification detail with its timeline, the call-back record and the second rating of the fix.
Reads through the selectors (scoped), steps through the services (refusals shown in Chinese, their codes in
``data-code``)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from openpyxl import Workbook

from fanxiang.core import audit, calendar
from fanxiang.core.errors import DomainError
from fanxiang.core.excel import append_row, header_cells, xlsx_response
from fanxiang.core.scope import EXPORT, VIEW, resolve
from fanxiang.core.views import get_scoped_or_404
from fanxiang.onestop import selectors_supervision as sup
from fanxiang.onestop import services
from fanxiang.onestop.choices import RectificationStatus
from fanxiang.onestop.models import Rectification, SatisfactionMonth, ServiceRequest
from fanxiang.onestop.views import _timeline
from fanxiang.onestop.workflows import RECTIFICATIONS, REQUESTS

FIRST_YEAR = 2020


def _require(user, model, action=VIEW) -> None:
    if resolve(user, model, action).empty:
        raise PermissionDenied


class SupervisionView(LoginRequiredMixin, View):
    """督办: tiles and lists in the user's scope; the city may narrow to one county (``region``)."""

    template_name = "onestop/supervision.html"

    def get(self, request):
        _require(request.user, ServiceRequest)
        counties = list(sup.counties_for_user(request.user))
        code = request.GET.get("region") or ""
        county = next((c for c in counties if c.code == code), None)
        data = sup.supervision(request.user, today=timezone.localdate(), county=county)
        return render(
            request,
            self.template_name,
            {
                "title": "一站式服务督办",
                "data": data,
                "counties": counties if len(counties) > 1 else [],
                "county": county,
                "rect_labels": dict(RectificationStatus.choices),
                "status_label": REQUESTS.status_label,
            },
        )


# --------------------------------------------------------------------------- satisfaction

HEADERS = (
    "评价数",
    "平均等级",
    "好评率（%）",
    "差评数",
    "差评率（%）",
    "非常满意",
    "满意",
    "基本满意",
    "不满意",
    "非常不满意",
)


def _pct(share):
    return None if share is None else round(share * 100, 1)


def figure_cells(row: dict) -> list:
    """The figures of one table row, in the order of :data:`HEADERS` (the page and the workbook)."""
    levels = row.get("levels") or {}
    return [
        row["ratings"],
        row["average"],
        _pct(row["satisfied_share"]),
        row["bad"],
        _pct(row["bad_share"]),
        *(levels.get(str(k), 0) for k in (5, 4, 3, 2, 1)),
    ]


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or this_year)
    except ValueError:
        year = this_year
    return min(max(year, FIRST_YEAR), this_year)


class SatisfactionView(LoginRequiredMixin, View):
    """满意度: per month, centre and service type of a year, each a chart with its table."""

    template_name = "onestop/satisfaction.html"

    def get(self, request):
        _require(request.user, SatisfactionMonth)
        year = _year(request)
        charts = sup.satisfaction_charts(request.user, year)
        for table in charts["tables"]:
            for row in table["rows"]:
                row["cells"] = figure_cells(row)
        return render(
            request,
            self.template_name,
            {
                "title": "好差评满意度统计",
                "charts": charts,
                "headers": HEADERS,
                "totals": figure_cells(charts["totals"]),
                "year": year,
                "years": list(range(timezone.localdate().year, FIRST_YEAR - 1, -1)),
                "can_export": not resolve(request.user, SatisfactionMonth, EXPORT).empty,
            },
        )


def satisfaction_workbook(charts: dict) -> bytes:
    """One sheet per table (month, centre, service type), every cell through core's safe writer."""
    wb = Workbook(write_only=True)
    for table in charts["tables"]:
        ws = wb.create_sheet(table["title"])
        append_row(ws, header_cells(ws, (table["dimension"], *HEADERS)))
        for row in table["rows"]:
            append_row(ws, [row["label"], *figure_cells(row)])
        append_row(ws, ["合计", *figure_cells(charts["totals"])])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


class SatisfactionExportView(LoginRequiredMixin, View):
    def get(self, request):
        _require(request.user, SatisfactionMonth, EXPORT)
        year = _year(request)
        content = satisfaction_workbook(sup.satisfaction_charts(request.user, year))
        audit.record_event(
            event=audit.EVENT_EXPORT,
            actor=request.user,
            model=SatisfactionMonth,
            object_repr="满意度月度汇总",
            request=request,
            data={"year": year, "format": "xlsx"},
        )
        return xlsx_response(f"好差评满意度-{year}.xlsx", content)


# --------------------------------------------------------------------------- rectification detail


def _level(raw: str):
    """The posted level as a number when it is one; anything else goes to the service as is (refused there)."""
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() else raw


class RectificationDetailView(LoginRequiredMixin, View):
    """整改: the 差评 and its request, the deadline, the timeline, the call-back form and the second rating."""

    template_name = "onestop/rectification_detail.html"

    def context(self, request, rect: Rectification) -> dict:
        today = timezone.localdate()
        running = rect.status == RectificationStatus.OPEN
        return {
            "title": f"差评整改 #{rect.pk}",
            "rect": rect,
            "req": rect.request,
            "rating": rect.rating,
            "status_label": RECTIFICATIONS.status_label(rect.status),
            "days_left": calendar.working_days_left(rect.due_date, today) if running else None,
            "overdue": running and rect.due_date is not None and rect.due_date < today,
            "timeline": _timeline(RECTIFICATIONS, rect.events.all()),
            "actions": RECTIFICATIONS.allowed_actions(rect, request.user),
            "levels": [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")],
        }

    def _rect(self, request, pk: int) -> Rectification:
        rect = get_scoped_or_404(Rectification, request.user, pk=pk)
        return Rectification.objects.select_related(
            "request__service_type", "request__centre", "request__entrepreneur", "rating"
        ).get(pk=rect.pk)

    def get(self, request, pk: int):
        return render(request, self.template_name, self.context(request, self._rect(request, pk)))

    def post(self, request, pk: int):
        rect = self._rect(request, pk)
        action = request.POST.get("action", "")
        try:
            if action == "call_back":
                services.rectification_call_back(
                    actor=request.user, rectification=rect, note=request.POST.get("note", "")
                )
            elif action == "rate_fix":
                services.rectification_rate_fix(
                    actor=request.user,
                    rectification=rect,
                    level=_level(request.POST.get("level", "")),
                    comment=request.POST.get("comment", ""),
                )
            else:
                messages.error(request, "未知的操作。")
                return HttpResponseRedirect(reverse("onestop:rectification_detail", args=[pk]))
        except DomainError as exc:
            ctx = self.context(request, self._rect(request, pk))
            ctx["error"] = exc
            ctx["posted"] = request.POST
            return render(request, self.template_name, ctx, status=exc.status)
        messages.success(request, f"已{RECTIFICATIONS.action_labels[action]}。")
        return HttpResponseRedirect(reverse("onestop:rectification_detail", args=[pk]))
