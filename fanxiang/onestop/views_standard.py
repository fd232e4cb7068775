"""Pages of the construction standard: the standard (a version, its items and grade bands; the city edits a
draft and publishes it), the assessments in the user's scope, and an assessment page (per-item findings
with photo/document upload and thumbnails for the county officer; confirm or return for the city).
Reads through :mod:`fanxiang.onestop.standard_selectors`, writes through :mod:`fanxiang.onestop.standard`;
refusals are shown with their codes in ``data-code``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from fanxiang.accounts.roles import role_label
from fanxiang.core.errors import DomainError
from fanxiang.core.views import get_scoped_or_404
from fanxiang.onestop import standard
from fanxiang.onestop import standard_selectors as sel
from fanxiang.onestop.api_standard import evidence_file
from fanxiang.onestop.models import Centre
from fanxiang.onestop.standard_models import Assessment, EvidenceKind, ItemResult, VersionStatus

EXTRA_LABELS = {"upload": "上传佐证材料", "remove_evidence": "删除佐证材料"}


def error_rows(exc: DomainError) -> list[tuple[str, str]]:
    """(code, message) per problem: every item an ErrorCollector gathered, else the error itself."""
    items = exc.details.get("items") if exc.details else None
    if items:
        return [(i["code"], i["message"]) for i in items]
    return [(exc.code, exc.message)]


def timeline(a: Assessment) -> list[dict]:
    flow = standard.ASSESSMENTS
    rows = []
    for e in a.events.all():
        data = e.data or {}
        details = []
        if data.get("name"):
            details.append(f"{data.get('item', '')} {data['name']}".strip())
        if data.get("grade"):
            details.append(f"得分 {data.get('score')}")
        rows.append(
            {
                "action": e.action,
                "at": e.at,
                "actor": e.actor_name,
                "role": role_label(e.actor_role) if e.actor_role else "",
                "label": EXTRA_LABELS.get(e.action) or flow.action_labels.get(e.action, e.action),
                "changed": e.from_status != e.to_status,
                "from_status": flow.status_label(e.from_status) if e.from_status else "",
                "to_status": flow.status_label(e.to_status),
                "note": e.note,
                "details": details,
            }
        )
    return rows


class StandardView(LoginRequiredMixin, View):
    """The standard in force (or the version asked for) and, for the city, editing of a draft version."""

    template_name = "onestop/standard_detail.html"

    def version(self, request):
        raw = request.GET.get("version") or request.POST.get("version")
        if raw:
            try:
                return sel.version_detail(int(raw))
            except (ValueError, DomainError):
                raise Http404 from None
        current = standard.current_version()
        first = current or sel.versions().first()
        return sel.version_detail(first.pk) if first else None

    def context(self, request, **extra) -> dict:
        version = self.version(request)
        items = sorted(version.items.all(), key=lambda i: (i.order, i.code)) if version else []
        city = standard.is_city(request.user)
        return {
            "title": "服务中心建设标准",
            "version": version,
            "items": items,
            "total": sum(i.weight for i in items),
            "bands": sorted(version.bands.all(), key=lambda b: -b.min_score) if version else [],
            "versions": list(sel.versions()),
            "current": standard.current_version(),
            "can_edit": city and version is not None and version.status == VersionStatus.DRAFT,
            "is_city": city,
            "evidence_kinds": EvidenceKind.choices,
            "assessments": list(sel.assessments_for_user(request.user)[:200]),
            **extra,
        }

    def get(self, request):
        return render(request, self.template_name, self.context(request))

    def post(self, request):
        action = request.POST.get("action", "")
        version = self.version(request)
        p = request.POST
        try:
            if action == "new_version":
                version = standard.version_create(
                    actor=request.user,
                    code=p.get("code", ""),
                    name=p.get("name", ""),
                    valid_from=_date(p.get("valid_from")),
                    basis=p.get("basis", ""),
                    copy_from=version.pk if version else None,
                )
                messages.success(request, "已新建标准版本草稿。")
            elif version is None:
                raise Http404
            elif action == "save_item":
                fields = ("code", "category", "title", "description", "weight", "evidence", "order")
                standard.item_save(
                    actor=request.user,
                    version=version,
                    data={f: p.get(f, "") for f in fields},
                    item_id=int(p["item_id"]) if p.get("item_id") else None,
                )
                messages.success(request, "已保存标准条目。")
            elif action == "delete_item":
                standard.item_delete(actor=request.user, version=version, item_id=int(p.get("item_id") or 0))
                messages.success(request, "已删除标准条目。")
            elif action == "bands":
                bands = [
                    {"code": c, "label": label, "min_score": m}
                    for c, label, m in zip(
                        p.getlist("band_code"), p.getlist("band_label"), p.getlist("band_min"), strict=False
                    )
                    if c or label or m
                ]
                standard.bands_set(actor=request.user, version=version, bands=bands)
                messages.success(request, "已保存评定等级。")
            elif action == "publish":
                standard.version_publish(actor=request.user, version=version)
                messages.success(request, "标准版本已发布。")
            else:
                messages.error(request, "未知的操作。")
        except ValueError:
            messages.error(request, "提交的内容有误。")
        except DomainError as exc:
            ctx = self.context(request, errors=error_rows(exc))
            return render(request, self.template_name, ctx, status=exc.status)
        return HttpResponseRedirect(f"{reverse('onestop:standard')}?version={version.pk}")


def _date(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    return dt.date.fromisoformat(raw)  # ValueError → "提交的内容有误"


class AssessmentStartView(LoginRequiredMixin, View):
    """POST: the county officer starts an assessment of a centre (or is sent to the one still open)."""

    def post(self, request, pk: int):
        centre = get_scoped_or_404(Centre, request.user, pk=pk)
        try:
            a = standard.assessment_create(actor=request.user, centre_id=centre.pk)
        except DomainError as exc:
            open_one = (
                sel.assessments_for_user(request.user, centre=centre.pk).exclude(status="confirmed").first()
            )
            if exc.code == "onestop.assessment_open" and open_one is not None:
                return HttpResponseRedirect(reverse("onestop:assessment_detail", args=[open_one.pk]))
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("onestop:centre_detail", args=[centre.pk]))
        messages.success(request, "已发起建设标准评估，请逐项填报并上传佐证材料。")
        return HttpResponseRedirect(reverse("onestop:assessment_detail", args=[a.pk]))


class AssessmentDetailView(LoginRequiredMixin, View):
    """One assessment: findings (editable by the county officer while draft/returned), evidence thumbnails,
    the result once confirmed, the steps the user may take and the timeline."""

    template_name = "onestop/assessment_detail.html"

    def context(self, request, pk: int, **extra) -> dict:
        try:
            a = sel.assessment_detail(request.user, pk)
        except DomainError:
            raise Http404 from None
        flow = standard.ASSESSMENTS
        roles = flow.actor_roles(request.user, a)
        preview = standard.result_of(a)
        return {
            "a": a,
            "status_label": flow.status_label(a.status),
            "findings": list(a.items.all()),
            "results": ItemResult.choices,
            "editable": a.status in standard.EDITABLE and standard.COUNTY in roles,
            "actions": [(s.action, s.label) for s in flow.allowed_steps(a, request.user)],
            "preview": preview,
            "timeline": timeline(a),
            **extra,
        }

    def get(self, request, pk: int):
        return render(request, self.template_name, self.context(request, pk))

    def post(self, request, pk: int):
        try:
            a = sel.assessment_detail(request.user, pk)
        except DomainError:
            raise Http404 from None
        action = request.POST.get("action", "")
        try:
            if action == "save":
                findings = [
                    {"item": f.item_id, "result": request.POST.get(f"result_{f.item_id}", ""),
                     "note": request.POST.get(f"note_{f.item_id}", "")}
                    for f in a.items.all()
                ]  # fmt: skip
                standard.findings_record(actor=request.user, assessment=a, findings=findings)
                messages.success(request, "已保存评估结果。")
            elif action == "upload":
                standard.evidence_add(
                    actor=request.user,
                    assessment=a,
                    item_id=int(request.POST.get("item") or 0),
                    upload=request.FILES.get("file"),
                )
                messages.success(request, "已上传佐证材料。")
            elif action == "remove_evidence":
                standard.evidence_remove(
                    actor=request.user, assessment=a, evidence_id=int(request.POST.get("evidence") or 0)
                )
                messages.success(request, "已删除佐证材料。")
            elif action in standard.ACTIONS:
                text = request.POST.get("text", "")
                if action == "return":
                    standard.assessment_return(actor=request.user, assessment=a, reason=text)
                else:
                    standard.ACTIONS[action](actor=request.user, assessment=a, note=text)
                messages.success(request, f"已{standard.ASSESSMENTS.action_labels[action]}。")
            else:
                messages.error(request, "未知的操作。")
        except ValueError:
            messages.error(request, "提交的内容有误。")
        except DomainError as exc:
            ctx = self.context(request, pk, errors=error_rows(exc))
            return render(request, self.template_name, ctx, status=exc.status)
        return HttpResponseRedirect(reverse("onestop:assessment_detail", args=[pk]))


class EvidenceFileView(LoginRequiredMixin, View):
    """A stored evidence file (the page's thumbnails and downloads), within the user's scope."""

    def get(self, request, pk: int, evidence_id: int):
        try:
            return evidence_file(request.user, pk, evidence_id)
        except DomainError:
            raise Http404 from None


def centre_assessments(user, centre: Centre) -> dict:
    """For the centre detail page: its assessments in the user's scope and whether the user may start one."""
    rows = list(sel.assessments_for_user(user, centre=centre.pk))
    probe = Assessment(centre=centre)
    return {
        "assessments": rows,
        "can_assess": standard.COUNTY in standard.ASSESSMENTS.actor_roles(user, probe)
        and standard.current_version() is not None,
    }
