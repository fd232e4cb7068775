"""Public policy pages (no login): the policy list by type and level with search, a document with its
items, and the "what can I get" self-check. Login in Fanxiang is enforced per view (``LoginRequiredMixin``),
so these views simply do not require it; they are also marked ``login_not_required`` so a site-wide
login middleware would keep them open. They read only public reference data and store nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View

from fanxiang.core.errors import NotFound
from fanxiang.policies import selectors
from fanxiang.policies.forms import SelfCheckForm
from fanxiang.policies.matching import load_catalogue
from fanxiang.policies.models import BenefitType, DocumentLevel
from fanxiang.policies.rules import describe_rule, load_lookups


def public_amount(item, compiled) -> str:
    return selectors.public_amount_text(item, compiled.estimate({})[1] if compiled else item.amount_note)


@method_decorator(login_not_required, name="dispatch")
class PublicListView(View):
    template_name = "policies/public_list.html"

    def get(self, request):
        benefit_type = request.GET.get("type", "")
        level = request.GET.get("level", "")
        q = (request.GET.get("q") or "").strip()[:100]
        ended = request.GET.get("status") == "ended"
        if benefit_type not in BenefitType.values:
            benefit_type = ""
        if level not in DocumentLevel.values:
            level = ""
        on = selectors.today()
        items = selectors.public_items(benefit_type=benefit_type, level=level, q=q, ended=ended, on=on)
        page = Paginator(items, 30).get_page(request.GET.get("page"))
        catalogue = load_catalogue()
        cards = []
        for item in page.object_list:
            compiled = catalogue.by_code.get(item.code)
            cards.append((item, public_amount(item, compiled)))
        documents = selectors.documents_search(q=q, level=level, benefit_type=benefit_type)
        ended_documents = selectors.documents_ended_q(on)
        documents = documents.filter(ended_documents) if ended else documents.exclude(ended_documents)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            self.template_name,
            {
                "title": "已失效政策" if ended else "返乡入乡创业政策",
                "cards": cards,
                "page_obj": page,
                "documents": documents[:50],
                "types": BenefitType.choices,
                "levels": DocumentLevel.choices,
                "type": benefit_type,
                "level": level,
                "q": q,
                "ended": ended,
                "status": "ended" if ended else "",
                "querystring": query.urlencode(),
            },
        )


@method_decorator(login_not_required, name="dispatch")
class PublicDocumentView(View):
    template_name = "policies/public_document.html"

    def get(self, request, pk: int):
        try:
            document = selectors.document_get(pk)
        except NotFound as exc:
            raise Http404 from exc
        lookups = load_lookups()
        catalogue = load_catalogue()
        on = selectors.today()
        document_ended = not document.in_force_on(on) and not (
            document.effective_from and on < document.effective_from
        )
        items = []
        for item in document.items.all():
            if not item.is_active:
                continue
            compiled = catalogue.by_code.get(item.code)
            items.append(
                {
                    "item": item,
                    "ended": document_ended or bool(item.effective_to and item.effective_to < on),
                    "amount": public_amount(item, compiled),
                    "rule": describe_rule(item.rule.rule, lookups) if item.rule_id else ["资格条件待发布"],
                    "regions": compiled.region_text if compiled else "全市",
                }
            )
        return render(
            request,
            self.template_name,
            {
                "title": document.number,
                "document": document,
                "items": items,
                "document_ended": document_ended,
            },
        )


@method_decorator(login_not_required, name="dispatch")
class SelfCheckView(View):
    """Answers a few questions with the published rules; nothing typed here is stored."""

    template_name = "policies/public_check.html"

    def get(self, request):
        return render(request, self.template_name, {"title": "我能享受哪些政策", "form": SelfCheckForm()})

    def post(self, request):
        form = SelfCheckForm(request.POST)
        result = None
        if form.is_valid():
            result = selectors.self_check(form.facts_data())
        response = render(
            request,
            self.template_name,
            {"title": "我能享受哪些政策", "form": form, "result": result},
            status=200 if form.is_valid() else 422,
        )
        response["Cache-Control"] = "no-store"
        return response
