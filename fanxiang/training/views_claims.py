"""Pages of training-subsidy claims (issue 14, item 7).

* Public (no login): ``/training/public/publicity/`` — every claim whose 公示 runs today, with its class,
  county, programme, period and roster (names masked, no ID number), and a form to raise an objection with
  a contact number (:func:`fanxiang.training.claims.objection_record`, actor ``None``).
* Staff: ``/training/claims/<id>/`` — the claim of the caller's scope with its roster, objections, timeline
  and the actions the caller may take (the same services as the API).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, can
from fanxiang.core.validators import mask_name
from fanxiang.core.views import refuse_http
from fanxiang.training import claims
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
        claim = claims.public_claims().filter(pk=request.POST.get("claim") or 0).first()
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


def _claim(request, pk: int) -> SubsidyClaim:
    try:
        return claims.claim_get(request.user, pk)
    except DomainError as exc:
        raise Http404(exc.message) from None


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
        "actions": [(a, CLAIMS.action_labels[a]) for a in CLAIMS.allowed_actions(claim, request.user)],
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
def claim_file(request, class_pk: int):
    """申领补贴 on a finished class's page: the claim with its computed roster, then its own page."""
    klass = TrainingClass.objects.for_user(request.user).filter(pk=class_pk).select_related("region").first()
    if klass is None or not can(request.user, SubsidyClaim, ADD, klass.region.tree_path):
        raise Http404("记录不存在或无权访问。")
    try:
        claim = claims.claim_create(actor=request.user, training_class=klass)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("training:class_detail", klass.pk)
    messages.success(request, "已生成补贴申领，请核对花名册后提交。")
    return redirect("training_claims:claim_detail", claim.pk)
