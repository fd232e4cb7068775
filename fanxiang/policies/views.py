"""Staff pages of the policy library: documents, items, the rule editor, matching one person, outreach.

Everyone with a staff role reads; city admins edit (services re-check). Pages about people start from the
registry's scoped queryset."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View

from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
from fanxiang.core.views import ServiceFormView, apply_domain_error, paginate
from fanxiang.entrepreneurs.models import Entrepreneur
from fanxiang.policies import exports, selectors, services
from fanxiang.policies.facts import declared_facts
from fanxiang.policies.forms import (
    AttachmentForm,
    DocumentFilterForm,
    DocumentForm,
    ItemForm,
    OutreachForm,
    SelfCheckForm,
)
from fanxiang.policies.matching import load_catalogue
from fanxiang.policies.models import (
    PolicyAttachment,
    PolicyDocument,
    PolicyItem,
    RuleStatus,
)
from fanxiang.policies.rule_form import (
    Row,
    attach_errors,
    guard_fields,
    rows_from_post,
    rows_to_rule,
    rule_to_rows,
    value_widget,
)
from fanxiang.policies.rules import FIELDS, Rule, describe_rule, load_lookups, validate_rule


class PolicyAccessMixin(LoginRequiredMixin):
    """Read access to the library for any staff role holding it; ``edit_action`` for writes."""

    read_model: type = PolicyDocument

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not selectors.may(request.user, self.read_model, VIEW):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def can_edit(self) -> bool:
        return selectors.may(self.request.user, PolicyDocument, CHANGE)


def history_rows(obj, limit: int = 20) -> list[dict]:
    """The change log of ``obj`` as rows for the page (actor with Chinese role, Chinese action, field
    changes by Chinese label): :func:`fanxiang.core.history.history_rows`."""
    from fanxiang.core.history import history_of
    from fanxiang.core.history import history_rows as rows_of

    return rows_of(history_of(obj, limit=limit))


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


# --------------------------------------------------------------------------- documents


class DocumentListView(PolicyAccessMixin, View):
    template_name = "policies/document_list.html"

    def get(self, request):
        form = DocumentFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.documents_search(**{k: v for k, v in filters.items() if v})
        page = paginate(request, qs, 20)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            self.template_name,
            {
                "title": "政策文件",
                "filter": form,
                "page_obj": page,
                "querystring": query.urlencode(),
                "can_add": selectors.may(request.user, PolicyDocument, ADD),
            },
        )


class DocumentDetailView(PolicyAccessMixin, View):
    template_name = "policies/document_detail.html"

    def get(self, request, pk: int):
        return self.render(request, selectors.document_get(pk), AttachmentForm())

    def render(self, request, document, attachment_form, status=200):
        lookups = load_lookups()
        items = [
            (item, describe_rule(item.rule.rule if item.rule_id else {}, lookups))
            for item in document.items.all()
        ]
        return render(
            request,
            self.template_name,
            {
                "title": document.number,
                "document": document,
                "items": items,
                "can_edit": self.can_edit(),
                "attachment_form": attachment_form,
                "history": history_rows(document),
            },
            status=status,
        )

    def post(self, request, pk: int):
        """Upload an attachment (city admin)."""
        document = selectors.document_get(pk)
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.attachment_add(
                    actor=request.user, document=document, upload=form.cleaned_data["file"]
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
                if exc.status == 403:
                    raise PermissionDenied from exc
            else:
                messages.success(request, "附件已上传。")
                return HttpResponseRedirect(reverse("policies:document_detail", args=[pk]))
        return self.render(request, selectors.document_get(pk), form, status=422)


def _document_initial(doc: PolicyDocument) -> dict:
    return {f: getattr(doc, f) for f in services.DOCUMENT_FIELDS}


class DocumentCreateView(ServiceFormView):
    form_class = DocumentForm
    title = "新增政策文件"
    model = PolicyDocument
    action = ADD

    def perform(self, form):
        return services.document_create(actor=self.request.user, data=form.cleaned_data)

    def success_url(self, result):
        return reverse("policies:document_detail", args=[result.pk])


class DocumentEditView(ServiceFormView):
    form_class = DocumentForm
    model = PolicyDocument
    action = CHANGE

    @property
    def title(self):
        return f"修改政策文件 {self.object.number}"

    def get_object(self):
        return get_object_or_404(PolicyDocument, pk=self.kwargs["pk"])

    def get_form(self, data=None, files=None):
        return DocumentForm(data, files, user=self.request.user, initial=_document_initial(self.object))

    def perform(self, form):
        return services.document_update(actor=self.request.user, document=self.object, data=form.cleaned_data)

    def success_url(self, result):
        return reverse("policies:document_detail", args=[result.pk])


class AttachmentDownloadView(View):
    """Attachments of policy documents are public, like the documents."""

    def get(self, request, pk: int):
        attachment = get_object_or_404(PolicyAttachment, pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(handle, as_attachment=True, filename=attachment.original_name)


class AttachmentDeleteView(PolicyAccessMixin, View):
    def post(self, request, pk: int):
        attachment = get_object_or_404(PolicyAttachment, pk=pk)
        document_id = attachment.document_id
        try:
            services.attachment_delete(actor=request.user, attachment=attachment)
        except DomainError as exc:
            raise PermissionDenied from exc
        messages.success(request, "附件已删除。")
        return HttpResponseRedirect(reverse("policies:document_detail", args=[document_id]))


# --------------------------------------------------------------------------- items


def _item_initial(item: PolicyItem) -> dict:
    initial = {f: getattr(item, f) for f in services.ITEM_FIELDS}
    initial["amount_formula"] = (
        json.dumps(item.amount_formula, ensure_ascii=False) if item.amount_formula else ""
    )
    initial["regions"] = list(item.regions.values_list("code", flat=True))
    return initial


class ItemCreateView(ServiceFormView):
    form_class = ItemForm
    model = PolicyItem
    action = ADD

    @property
    def title(self):
        return f"新增条款：{self.object.number}"

    def get_object(self):
        return get_object_or_404(PolicyDocument, pk=self.kwargs["pk"])

    def perform(self, form):
        return services.item_create(actor=self.request.user, document=self.object, data=form.service_data())

    def success_message(self, result):
        return "条款已保存。请在“资格规则”中设置并发布资格条件。"

    def success_url(self, result):
        return reverse("policies:rule_editor", args=[result.pk])


class ItemEditView(ServiceFormView):
    form_class = ItemForm
    model = PolicyItem
    action = CHANGE

    @property
    def title(self):
        return f"修改条款：{self.object.title}"

    def get_object(self):
        return get_object_or_404(PolicyItem, pk=self.kwargs["pk"])

    def get_form(self, data=None, files=None):
        return ItemForm(data, files, user=self.request.user, initial=_item_initial(self.object))

    def perform(self, form):
        return services.item_update(actor=self.request.user, item=self.object, data=form.service_data())

    def success_url(self, result):
        return reverse("policies:item_detail", args=[result.pk])


class ItemDetailView(PolicyAccessMixin, View):
    template_name = "policies/item_detail.html"

    def get(self, request, pk: int):
        item = selectors.item_get(pk)
        lookups = load_lookups()
        catalogue_item = load_catalogue().by_code.get(item.code)
        return render(
            request,
            self.template_name,
            {
                "title": item.title,
                "item": item,
                "rule_lines": describe_rule(item.rule.rule if item.rule_id else {}, lookups),
                "amount_text": catalogue_item.estimate({})[1] if catalogue_item else item.amount_note,
                "versions": selectors.rule_versions(item),
                "can_edit": self.can_edit(),
                "history": history_rows(item),
            },
        )


# --------------------------------------------------------------------------- rule editor


def _field_choices() -> list[tuple[str, str]]:
    return [(f.name, f.label) for f in FIELDS.values()]


def _row_context(row: Row, lookups) -> dict:
    spec = row.spec
    choices: list[tuple[str, str]] = []
    if spec is not None:
        if spec.type == "region":
            from fanxiang.policies.forms import public_regions

            choices = list(public_regions().values_list("code", "name"))
        else:
            found = lookups.choices_of(spec)
            choices = list(found.items()) if found else []
    guard_spec = FIELDS.get(row.when_field)
    guard_choices: list[tuple[str, str]] = []
    if guard_spec is not None:
        guard_choices = (
            [("true", "是"), ("false", "否")]
            if guard_spec.type == "bool"
            else list((lookups.choices_of(guard_spec) or {}).items())
        )
    return {
        "row": row,
        "spec": spec,
        "operators": list(spec.operators.items()) if spec else [],
        "widget": value_widget(row),
        "choices": choices,
        "fields": _field_choices(),
        "guard_fields": [(f.name, f.label) for f in guard_fields()],
        "guard_choices": guard_choices,
    }


class RuleEditorView(PolicyAccessMixin, View):
    """Author an item's rule: condition rows (or JSON), try against a sample person, save a version,
    publish a version. City admins save and publish; other readers may try."""

    template_name = "policies/rule_editor.html"

    def get(self, request, pk: int):
        item = selectors.item_get(pk)
        version = None
        if request.GET.get("version"):
            version = item.rule_versions.filter(version=request.GET["version"]).first()
        if version is None:
            version = item.rule_versions.order_by("-version").first()
        rule = version.rule if version else {}
        converted = rule_to_rows(rule)
        rows, combinator = converted if converted is not None else ([], "all")
        return self.render(
            request,
            item,
            rows=rows or [Row()],
            combinator=combinator,
            rule=rule,
            json_mode=converted is None,
            shown_version=version,
        )

    def post(self, request, pk: int):
        item = selectors.item_get(pk)
        action = request.POST.get("action", "try")
        if action == "publish":
            return self.publish(request, item)
        json_mode = request.POST.get("mode") == "json"
        rows: list[Row] = []
        combinator = request.POST.get("combinator", "all")
        errors: list[str] = []
        rule: Any = {}
        if json_mode:
            try:
                rule = json.loads(request.POST.get("rule_json") or "{}")
            except ValueError as exc:
                errors.append(f"JSON 格式有误：{exc}（policy.rule_malformed）")
                rule = None
        else:
            rows = rows_from_post(request.POST)
            rule = rows_to_rule(rows, combinator)
        status = 200
        trial = None
        if rule is not None:
            try:
                validate_rule(rule)
            except InvalidInput as exc:
                status = 422
                rest = (
                    attach_errors(rows, exc.errors)
                    if rows
                    else [f"{path}：{m}" for path, msgs in exc.errors.items() for m in msgs]
                )
                codes = {i["code"] for i in (exc.details or {}).get("items", [])} or {exc.code}
                errors.extend(rest)
                errors.append(
                    f"规则有 {sum(len(v) for v in exc.errors.values())} 处错误（{'、'.join(sorted(codes))}），请按提示修改。"
                )
                rule = None
        else:
            status = 422
        if rule is not None and action == "save":
            try:
                version = services.rule_save(
                    actor=request.user, item=item, rule=rule, note=request.POST.get("note", "")
                )
            except DomainError as exc:
                if exc.status == 403:
                    raise PermissionDenied from exc
                errors.append(f"{exc.message}（{exc.code}）")
                status = exc.status
            else:
                messages.success(request, f"已保存为规则版本 v{version.version}（草稿）。试算无误后可发布。")
                return HttpResponseRedirect(
                    reverse("policies:rule_editor", args=[item.pk]) + f"?version={version.version}"
                )
        if rule is not None and action == "try":
            trial = self.trial(request, rule, rows)
            if trial.get("error"):
                status = 422
        return self.render(
            request,
            item,
            rows=rows or ([] if json_mode else [Row()]),
            combinator=combinator,
            rule=rule if rule is not None else (request.POST.get("rule_json") or {}),
            json_mode=json_mode,
            errors=errors,
            trial=trial,
            status=status,
        )

    def trial(self, request, rule: dict, rows: list[Row]) -> dict:
        on = _parse_date(request.POST.get("on"), selectors.today())
        sample = request.POST.get("sample", "person")
        if sample == "person":
            raw = (request.POST.get("entrepreneur") or "").strip()
            if not raw.isdigit():
                return {"error": "请先选择一名样例人员（在您负责的范围内），或改为“输入情况”。"}
            try:
                person, facts = selectors.try_rule_on_entrepreneur(request.user, int(raw), on=on)
            except DomainError:
                return {"error": "样例人员不存在或不在您负责的范围内。"}
            who = f"{person.name}（{person.id_number_masked}）"
        else:
            form = SelfCheckForm(request.POST, prefix="facts")
            if not form.is_valid():
                return {
                    "error": "输入的情况有误："
                    + "；".join(
                        f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items() if k in form.fields
                    )
                }
            facts = declared_facts(form.facts_data(), on=on)
            who = "输入的情况"
        evaluation = Rule(rule, load_lookups()).evaluate(facts)
        by_path = {c.path: c for c in evaluation.conditions}
        for row in rows:
            row.result = by_path.get(row.path)
        return {"who": who, "on": on, "evaluation": evaluation}

    def publish(self, request, item: PolicyItem):
        version = selectors.rule_versions(item).filter(pk=request.POST.get("version_id")).first()
        if version is None:
            raise Http404
        try:
            services.rule_publish(actor=request.user, version=version)
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            messages.error(request, f"{exc.message}（{exc.code}）")
        else:
            messages.success(request, f"规则版本 v{version.version} 已发布，匹配立即按新规则计算。")
        return HttpResponseRedirect(
            reverse("policies:rule_editor", args=[item.pk]) + f"?version={version.version}"
        )

    def render(self, request, item, *, rows, combinator, rule, json_mode, errors=(), trial=None,
               shown_version=None, status=200):  # fmt: skip
        lookups = load_lookups()
        rule_text = rule if isinstance(rule, str) else json.dumps(rule, ensure_ascii=False, indent=2)
        sample_person = None
        raw = (request.POST.get("entrepreneur") or request.GET.get("entrepreneur") or "").strip()
        if raw.isdigit():
            sample_person = Entrepreneur.objects.for_user(request.user, VIEW).filter(pk=int(raw)).first()
        return render(
            request,
            self.template_name,
            {
                "title": f"资格规则：{item.title}",
                "item": item,
                "rows": [_row_context(r, lookups) for r in rows],
                "combinator": combinator,
                "rule_json": rule_text,
                "json_mode": json_mode,
                "errors": errors,
                "trial": trial,
                "versions": selectors.rule_versions(item),
                "shown_version": shown_version,
                "can_edit": self.can_edit(),
                "published_lines": describe_rule(item.rule.rule if item.rule_id else {}, lookups),
                "facts_form": SelfCheckForm(
                    request.POST if request.method == "POST" else None, prefix="facts"
                ),
                "sample": request.POST.get("sample", "person"),
                "sample_person": sample_person,
                "on": request.POST.get("on") or selectors.today().isoformat(),
                "note": request.POST.get("note", ""),
                "draft": RuleStatus.DRAFT,
            },
            status=status,
        )


class RuleRowView(PolicyAccessMixin, View):
    """HTMX: a new empty row, or one row re-rendered after its field / operator / guard changed."""

    def get(self, request):
        token = request.GET.get("token") or ""
        rows = rows_from_post(request.GET) if token else []
        row = rows[0] if rows else Row()
        spec = row.spec
        if spec is not None and row.op not in spec.operators:
            row.op = next(iter(spec.operators))
            row.values, row.value2 = [], ""
        return render(request, "policies/_rule_row.html", _row_context(row, load_lookups()))


class RuleRowRemoveView(PolicyAccessMixin, View):
    def get(self, request):
        return HttpResponse("")


class SamplePeopleView(PolicyAccessMixin, View):
    """HTMX: people in the user's scope whose name (or pinyin initials) matches, as a select."""

    def get(self, request):
        q = (request.GET.get("q") or "").strip()
        people = []
        if q:
            people = list(
                Entrepreneur.objects.for_user(request.user, VIEW)
                .filter(name__icontains=q)
                .select_related("region")
                .order_by("name", "pk")[:30]
            ) or list(
                Entrepreneur.objects.for_user(request.user, VIEW)
                .filter(name_initials__startswith=q.lower())
                .select_related("region")
                .order_by("name", "pk")[:30]
            )
        return render(request, "policies/_sample_people.html", {"people": people, "q": q})


# --------------------------------------------------------------------------- matching and outreach


class MatchView(LoginRequiredMixin, View):
    template_name = "policies/match.html"

    def get(self, request, pk: int | None = None):
        if selectors.may(request.user, Entrepreneur, VIEW) is False:
            raise PermissionDenied
        pk = pk or (
            int(request.GET["entrepreneur"]) if request.GET.get("entrepreneur", "").isdigit() else None
        )
        on = _parse_date(request.GET.get("on"), selectors.today())
        ctx: dict[str, Any] = {"title": "政策匹配", "on": on, "person": None, "result": None}
        if pk is not None:
            try:
                person = selectors.entrepreneur_for_matching(request.user, pk)
            except DomainError as exc:
                raise Http404 from exc
            ctx.update(
                title=f"政策匹配：{person.name}",
                person=person,
                result=selectors.match_entrepreneur(person, on=on),
            )
        return render(request, self.template_name, ctx)


class OutreachView(LoginRequiredMixin, View):
    template_name = "policies/outreach.html"

    def get(self, request):
        regions = list(selectors.outreach_regions(request.user))
        if not regions:
            raise PermissionDenied
        form = OutreachForm(request.GET or None, regions=regions)
        code = request.GET.get("region") or None
        on = _parse_date(request.GET.get("on"), selectors.today())
        try:
            region = selectors.outreach_region(request.user, code)
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            raise Http404 from exc
        result = selectors.outreach(user=request.user, region=region, on=on)
        return render(
            request,
            self.template_name,
            {
                "title": "政策精准推送",
                "form": form,
                "region": region,
                "on": on,
                "result": result,
                "can_export": selectors.may_export_outreach(request.user, region),
            },
        )


class OutreachPeopleView(LoginRequiredMixin, View):
    template_name = "policies/outreach_people.html"

    def get(self, request, code: str):
        on = _parse_date(request.GET.get("on"), selectors.today())
        try:
            region = selectors.outreach_region(request.user, request.GET.get("region") or None)
            result = selectors.outreach(user=request.user, region=region, on=on, item_codes=[code])
        except DomainError as exc:
            if exc.status == 403:
                raise PermissionDenied from exc
            raise Http404 from exc
        row = result.row(code)
        if row is None:
            skipped = next((why for i, why in result.skipped if i.code == code), "")
            ids: list[int] = []
            item = next(i for i, _ in result.skipped if i.code == code)
        else:
            skipped, ids, item = "", row.person_ids, row.item
        page = paginate(request, ids, 50)
        people = list(selectors.outreach_people(request.user, list(page.object_list)))
        return render(
            request,
            self.template_name,
            {
                "title": f"符合但尚未享受：{item.title}",
                "item": item,
                "region": region,
                "on": on,
                "page_obj": page,
                "people": people,
                "skipped": skipped,
                "total": len(ids),
                "can_export": selectors.may_export_outreach(request.user, region),
            },
        )


class OutreachExportView(LoginRequiredMixin, View):
    def get(self, request):
        try:
            region = selectors.outreach_region(request.user, request.GET.get("region") or None, action=EXPORT)
        except DomainError as exc:
            raise PermissionDenied from exc
        on = _parse_date(request.GET.get("on"), selectors.today())
        item = request.GET.get("item") or None
        try:
            return exports.outreach_xlsx(request, region=region, on=on, item=item)
        except DomainError as exc:
            raise Http404 from exc
