"""Pages of training-subsidy claims (issue 14, item 7).

* Public (no login): ``/training/public/publicity/`` — every claim whose 公示 runs today, with its class,
  county, programme, period and roster (names masked, no ID number), and a form to raise an objection with
  a contact number (:func:`fanxiang.training.claims.objection_record`, actor ``None``).
* Staff: ``/training/claims/`` — the claims of the caller's scope (filters status, county, 待办; pager;
  Excel export through core's formula-safe writer, audited); ``/training/claims/<id>/`` — the claim with its
  roster, objections, payments, timeline and the actions the caller may take (the same services as the
  API); an objector's contact shown in full only on a logged reveal (POST).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, EXPORT, REVEAL, VIEW, can, resolve
from fanxiang.core.validators import mask_name
from fanxiang.core.views import Column, ScopedExportView, ScopedListView, refuse_http
from fanxiang.training import claims
from fanxiang.training.filters_claims import ClaimFilter
from fanxiang.training.models import Objection, SubsidyClaim, TrainingClass
from fanxiang.training.workflows_claims import CLAIMS

NOTE_ACTIONS = ("submit", "review", "publish", "approve", "return")


def _public_rows(claim: SubsidyClaim) -> list[dict]:
    return [
        {
            "id": line.pk,
            "name": mask_name(line.enrolment.entrepreneur.name),
            "hours": line.enrolment.hours_attended,
            "certificate": claims.certificate_of(line),
            "eligible": line.eligible,
            "amount": line.full_amount,
        }
        for line in claims.claim_lines(claim)
    ]


def publicity(request):
    """The public 公示 list (GET) and the public objection form (POST)."""
    if request.method == "POST":
        claim_id = request.POST.get("claim", "")
        claim = (
            claims.public_claims().filter(pk=int(claim_id)).first()
            if claim_id.isascii() and claim_id.isdigit()
            else None
        )
        if claim is None:
            messages.error(request, "该公示不在公示期内，不能在线提交异议。")
        else:
            try:
                claims.objection_record(
                    actor=None,
                    claim=claim,
                    data={
                        "content": request.POST.get("content", ""),
                        "raised_by": request.POST.get("raised_by", ""),
                        "contact": request.POST.get("contact", ""),
                        "line": request.POST.get("line") or None,
                    },
                )
            except DomainError as exc:
                refuse_http(exc)
                messages.error(request, exc.message)
            else:
                messages.success(request, "异议已收到，经办部门将在公示期内核实并回复。")
        return redirect("training_claims:publicity")
    items = [{"claim": c, "rows": _public_rows(c)} for c in claims.public_claims()]
    return render(request, "training/publicity.html", {"items": items, "title": "培训补贴公示"})


# --------------------------------------------------------------------------- the list and its export

CLAIM_COLUMNS = [
    Column("培训班", "training_class.name", link=True),
    Column("县（市、区）", "training_class.region.name"),
    Column("申领人数", "trainees"),
    Column("申领金额（元）", "amount_claimed"),
    Column("核定金额（元）", "amount_approved"),
    Column("已拨付金额（元）", "amount_paid"),
    Column("公示开始", "publicity_start"),
    Column("公示结束", "publicity_end"),
    Column("创业跟踪核查日", "follow_up_due"),
    Column("状态", "status"),
]


class ClaimListView(ScopedListView):
    model = SubsidyClaim
    title = "培训补贴申领"
    template_name = "training/claim_list.html"
    filterset_class = ClaimFilter
    detail_url_name = "training_claims:claim_detail"
    export_url_name = "training_claims:claim_export"
    columns = CLAIM_COLUMNS

    def scoped_queryset(self, action=None):
        return claims.claims_for_user(self.request.user, action or VIEW).order_by("-created_at", "-id")


class ClaimExportView(ScopedExportView):
    """The list as filtered on the page, to Excel (core's formula-safe workbook; the export is audited)."""

    model = SubsidyClaim
    filterset_class = ClaimFilter
    columns = CLAIM_COLUMNS
    filename = "培训补贴申领"

    def scoped_queryset(self, action=None):
        return claims.claims_for_user(self.request.user, EXPORT).order_by("-created_at", "-id")


# --------------------------------------------------------------------------- one claim


def _claim(request, pk: int) -> SubsidyClaim:
    try:
        return claims.claim_get(request.user, pk)
    except DomainError as exc:
        raise Http404(exc.message) from None


def _offered(claim: SubsidyClaim, action: str) -> bool:
    """Whether the page offers a step the workflow allows: the follow-up once, its top-up payment once and
    only when the follow-up decided top-ups (the services refuse the rest with their codes)."""
    if action == "follow_up":
        return claim.followed_up_on is None
    if action == "pay_top_up":
        return (
            claim.followed_up_on is not None and claim.amount_top_up_due > 0 and claim.top_up_paid_on is None
        )
    return True


@login_required
def claim_detail(request, pk: int):
    claim = _claim(request, pk)
    rows = [{"line": line, "name": mask_name(line.enrolment.entrepreneur.name), "cert": claims.certificate_of(line)}
            for line in claims.claim_lines(claim)]  # fmt: skip
    context = {
        "title": f"{claim.training_class.name} · 培训补贴申领",
        "claim": claim,
        "rows": rows,
        "objections": claim.objections.order_by("id"),
        "events": [
            {
                "at": e.at,
                "actor_name": e.actor_name,
                "label": CLAIMS.action_labels.get(e.action, "新建申领"),
                "note": e.note,
            }
            for e in claim.events.order_by("id")
        ],
        "actions": [
            (a, CLAIMS.action_labels[a])
            for a in CLAIMS.allowed_actions(claim, request.user)
            if _offered(claim, a)
        ],
        "can_reveal": can(request.user, Objection, REVEAL, claim.training_class.region.tree_path),
    }
    return render(request, "training/claim_detail.html", context)


@login_required
@require_POST
def claim_act(request, pk: int, action: str):
    claim = _claim(request, pk)
    post = request.POST
    try:
        if action in NOTE_ACTIONS:
            claims.claim_action(actor=request.user, claim=claim, action=action, note=post.get("note", ""))
        elif action == "pay":
            data = {k: post.get(k, "") for k in ("paid_on", "amount", "payment_ref")}
            claims.claim_pay(actor=request.user, claim=claim, data=data)
        elif action == "follow_up":
            claims.claim_follow_up(actor=request.user, claim=claim)
        elif action == "pay_top_up":
            data = {k: post.get(k, "") for k in ("paid_on", "amount", "payment_ref")}
            claims.claim_pay_top_up(actor=request.user, claim=claim, data=data)
        elif action == "object":
            data = {k: post.get(k, "") for k in ("content", "raised_by", "contact", "line")}
            claims.objection_record(actor=request.user, claim=claim, data=data)
        elif action == "handle":
            objection = Objection.objects.for_user(request.user).filter(
                pk=post.get("objection") or 0, claim=claim
            )
            found = objection.first()
            if found is None:
                raise Http404("记录不存在或无权访问。")
            claims.objection_handle(
                actor=request.user,
                objection=found,
                upheld=post.get("upheld") == "1",
                note=post.get("note", ""),
            )
        else:
            raise Http404("未知的操作。")
    except DomainError as exc:
        refuse_http(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, "已办理。")
    return redirect("training_claims:claim_detail", pk=claim.pk)


@login_required
@require_POST
def objection_reveal(request, pk: int, objection_id: int):
    """POST only: the objector's full contact number, once, for a role with the reveal right; logged."""
    claim = _claim(request, pk)
    objection = Objection.objects.for_user(request.user).filter(pk=objection_id, claim=claim).first()
    if objection is None:
        raise Http404("记录不存在或无权访问。")
    if resolve(request.user, Objection, REVEAL).empty:
        raise PermissionDenied("您的角色无权查看完整的个人敏感信息。")
    try:
        contact = claims.objection_contact_reveal(actor=request.user, objection=objection, request=request)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("training_claims:claim_detail", pk=claim.pk)
    response = render(
        request,
        "training/claim_contact.html",
        {"title": "异议人联系方式", "claim": claim, "objection": objection, "contact": contact},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def claim_file(request, class_pk: int):
    """申领补贴 on a finished class's page: the claim with its computed roster, then its own page."""
    klass = (
        TrainingClass.objects.for_user(request.user)
        .filter(pk=class_pk)
        .select_related("region", "provider")
        .first()
    )
    # the class's county, or the institution that ran it (organization-bound)
    org = klass.provider.organization_id if klass is not None else None
    if klass is None or not can(request.user, SubsidyClaim, ADD, klass.region.tree_path, organization_id=org):
        raise Http404("记录不存在或无权访问。")
    try:
        claim = claims.claim_create(actor=request.user, training_class=klass)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("training:class_detail", klass.pk)
    messages.success(request, "已生成补贴申领，请核对花名册后提交。")
    return redirect("training_claims:claim_detail", claim.pk)
