"""Generic scoped views: list (with the model's one filter set), detail, export, create/edit.

Every queryset starts from ``Model.objects.for_user(user, action)``; forms narrow every dropdown of a
region-owned model to the user's scope; writes go through a service and are re-checked in scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, ListView

from fanxiang.core import audit
from fanxiang.core.errors import DomainError, InvalidInput
from fanxiang.core.excel import build_workbook, xlsx_response
from fanxiang.core.schema import MAX_RECORD_ID
from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW, RegionScopedModel, resolve, scope_q


@dataclass(frozen=True)
class Column:
    label: str
    accessor: str | Callable[[Any], Any]
    link: bool = False

    def value(self, obj: Any) -> Any:
        if callable(self.accessor):
            return self.accessor(obj)
        value: Any = obj
        for part in self.accessor.split("."):
            display = getattr(value, f"get_{part}_display", None)
            value = display() if callable(display) else getattr(value, part, None)
            if value is None:
                return ""
        return value() if callable(value) else value

    def display(self, obj: Any) -> Any:
        """The value as a page shows it (exports keep typed dates for Excel)."""
        return _plain(self.value(obj))


def _plain(value: Any) -> Any:
    """Dates read the same in every language and in Excel: ISO dates, Shanghai-time minutes."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class ScopedFormMixin:
    """Narrow every ModelChoiceField over a region-owned model to the user's scope.

    With ``scope_model`` set (the model the form writes), the dropdowns offer what lies inside the
    user's scope for ``scope_action`` on that model — a target form offers the regions where the user
    may add targets. Otherwise each dropdown uses its own model's scope for ``scope_action``."""

    scope_action = VIEW
    scope_model: type[models.Model] | None = None

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if issubclass(model, RegionScopedModel):
                    scope = resolve(user, self.scope_model or model, self.scope_action)
                    if scope.all:
                        continue
                    field.queryset = (
                        field.queryset.none() if scope.empty else field.queryset.filter(scope_q(model, scope))
                    )


class ScopedForm(ScopedFormMixin, forms.Form):
    pass


class CodeListField(forms.Field):
    """A list of codes passed to the service as they came (the service refuses unknown ones by code)."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]


def apply_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """The one way a service's refusal goes onto a form: each field error under its field (every one at
    once; ``details["items"]`` when the service listed them item by item), errors on fields the form does
    not have above the form, and the overall message above the form. Each error is a
    ``ValidationError(message, code=…)``: a person reads the Chinese message, the code stays in
    ``form.errors.as_data()`` and in the page's ``data-code`` attribute (templates: the ``coded`` filter)."""
    items = (exc.details or {}).get("items") or []
    if items:
        for item in items:
            field = item["field"] if item["field"] in form.fields else None
            form.add_error(field, forms.ValidationError(item["message"], code=item["code"]))
        if len(items) > 1:
            form.add_error(
                None,
                forms.ValidationError(
                    f"有{len(items)}处输入有误，请按各项提示修改后再保存。", code=exc.code or "form.invalid"
                ),
            )
        return
    for field, msgs in (exc.errors or {}).items():
        for msg in msgs:
            form.add_error(
                field if field in form.fields else None, forms.ValidationError(str(msg), code=exc.code)
            )
    form.add_error(None, forms.ValidationError(exc.message, code=exc.code))


def refuse_http(exc: DomainError) -> None:
    """A service's 403/404 as the page's own status (never a form error); other refusals return."""
    if exc.status == 403:
        raise PermissionDenied(exc.message)
    if exc.status == 404:
        raise Http404(exc.message)


class ScopedMixin(LoginRequiredMixin):
    model: type[models.Model]
    action = VIEW

    def scoped_queryset(self, action: str | None = None):
        return self.model.objects.for_user(self.request.user, action or self.action)


# --------------------------------------------------------------------------- lists: page size, row actions, selection

PAGE_SIZES = (20, 50, 100)
MAX_PAGE_SIZE = 100
SELECTION_INVALID = "batch.selection_invalid"
SELECTION_EMPTY = "batch.selection_empty"
MAX_SELECTION = 1000


def page_size_of(request, default: int = PAGE_SIZES[0]) -> int:
    """The rows per page a list shows: ``?page_size=`` (1…100), else the page's default."""
    try:
        size = int(request.GET.get("page_size", ""))
    except ValueError:
        return min(default, MAX_PAGE_SIZE)
    return max(1, min(size, MAX_PAGE_SIZE))


def paginate(request, queryset, default: int = PAGE_SIZES[0]) -> Page:
    """One page of ``queryset`` at the size the user chose (``?page=``, ``?page_size=``); every list pages
    through here or through :class:`ScopedListView`, so the shared pager (core/_pagination.html) fits."""
    return Paginator(queryset, page_size_of(request, default)).get_page(request.GET.get("page"))


def selected_ids(data) -> list[int]:
    """The row ids a list's batch form posted (``ids``); anything but a record id (ASCII digits, 1 up to
    :data:`MAX_RECORD_ID`) refuses the whole selection."""
    return checked_ids([str(v).strip() for v in data.getlist("ids") if str(v).strip()])


def checked_ids(values: list[Any], empty_message: str = "请先勾选要处理的记录。") -> list[int]:
    """A batch selection as distinct record ids, in order: none is ``batch.selection_empty``; more than
    :data:`MAX_SELECTION`, or anything that is no record id (:func:`is_record_id`), refuses it whole."""
    if not values:
        raise InvalidInput(SELECTION_EMPTY, empty_message)
    if len(values) > MAX_SELECTION:
        raise InvalidInput(SELECTION_INVALID, f"一次最多选择{MAX_SELECTION}条记录。")
    if not all(is_record_id(v) for v in values):
        raise InvalidInput(SELECTION_INVALID, "所选记录有误，未执行任何操作，请刷新页面后重新选择。")
    return list(dict.fromkeys(int(v) for v in values))


def is_record_id(value: Any) -> bool:
    """Whether ``value`` (an int, or text of ASCII digits) is a possible primary key: 1…MAX_RECORD_ID."""
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit()) or len(value) > len(str(MAX_RECORD_ID)):
            return False
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_RECORD_ID


def selected_in_scope(queryset, ids: list[int]):
    """The selected rows of a scoped ``queryset``, all or none: an id that is unknown or outside the
    caller's scope refuses the whole selection, without saying which record it was or whose."""
    rows = list(queryset.filter(pk__in=ids))
    if len(rows) != len(ids):
        raise InvalidInput(
            SELECTION_INVALID,
            f"所选的{len(ids)}条记录中有{len(ids) - len(rows)}条不存在或不在您的权限范围内，未执行任何操作。",
        )
    order = {pk: i for i, pk in enumerate(ids)}
    return sorted(rows, key=lambda obj: order[obj.pk])


class ScopedListView(ScopedMixin, ListView):
    template_name = "core/object_list.html"
    paginate_by = PAGE_SIZES[0]
    edit_url_name: str | None = None
    # the list's batch actions: (value, label) posted as ``action`` with the ticked ``ids`` to batch_url_name
    batch_url_name: str | None = None
    batch_actions: tuple[tuple[str, str], ...] = ()
    filterset_class: Any = None
    columns: list[Column] = []
    title = ""
    detail_url_name: str | None = None
    export_url_name: str | None = None
    create_url_name: str | None = None
    ordering_fields: tuple[str, ...] = ()

    def get_queryset(self):
        qs = self.scoped_queryset()
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            qs = self.filterset.qs
        else:
            self.filterset = None
        return qs

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and resolve(request.user, self.model, self.action).empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_paginate_by(self, queryset):
        return page_size_of(self.request, self.paginate_by)

    def editable_pks(self, objects) -> set:
        """Which rows of the page the user may edit: the detail page's own check (``for_user(CHANGE)``),
        one query for the page."""
        if not self.edit_url_name or not objects:
            return set()
        pks = [obj.pk for obj in objects]
        return set(
            self.model.objects.for_user(self.request.user, CHANGE)
            .filter(pk__in=pks)
            .values_list("pk", flat=True)
        )

    def row_actions(self, obj, editable: set) -> list[tuple[str, str]]:
        """The 操作 cell of a row: (label, url) links — 查看, and 编辑 where the user may edit."""
        links = []
        if self.detail_url_name:
            links.append(("查看", reverse(self.detail_url_name, args=[obj.pk])))
        if obj.pk in editable:
            links.append(("编辑", reverse(self.edit_url_name, args=[obj.pk])))
        return links

    def get_batch_actions(self) -> list[tuple[str, str]]:
        """The list's batch actions; a list with an export offers "export the ticked rows" (posted to its
        export view, :meth:`ScopedExportView.post`)."""
        if self.batch_url_name:
            return list(self.batch_actions)
        if self.export_url_name and not resolve(self.request.user, self.model, EXPORT).empty:
            return [("export", "导出所选")]
        return []

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        objects = list(ctx["object_list"])
        editable = self.editable_pks(objects)
        for obj in objects:
            obj.row_actions = self.row_actions(obj, editable)
        rows = [(obj, [c.display(obj) for c in self.columns]) for obj in objects]
        query = self.request.GET.copy()
        query.pop("page", None)
        batch_actions = self.get_batch_actions()
        ctx.update(
            title=self.title or self.model._meta.verbose_name_plural,
            columns=self.columns,
            rows=rows,
            filter=self.filterset,
            detail_url_name=self.detail_url_name,
            export_url=reverse(self.export_url_name) if self.export_url_name else None,
            create_url=(
                reverse(self.create_url_name)
                if self.create_url_name and not resolve(self.request.user, self.model, ADD).empty
                else None
            ),
            can_export=not resolve(self.request.user, self.model, EXPORT).empty,
            querystring=query.urlencode(),
            has_row_actions=bool(self.detail_url_name or self.edit_url_name),
            batch_actions=batch_actions,
            batch_url=reverse(self.batch_url_name or self.export_url_name) if batch_actions else None,
        )
        return ctx


class ScopedDetailView(ScopedMixin, DetailView):
    template_name = "core/object_detail.html"
    fields: list[Column] = []
    edit_url_name: str | None = None

    def get_queryset(self):
        return self.scoped_queryset()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = ctx["object"]
        can_edit = (
            bool(self.edit_url_name)
            and self.model.objects.for_user(self.request.user, CHANGE).filter(pk=obj.pk).exists()
        )
        ctx.update(
            title=str(obj),
            verbose_name=self.model._meta.verbose_name,
            pairs=[(c.label, c.display(obj)) for c in self.fields],
            edit_url=reverse(self.edit_url_name, args=[obj.pk]) if can_edit else None,
            history=self.history(obj),
        )
        return ctx

    def history(self, obj):
        from fanxiang.core.history import history_of

        return history_of(obj)


class ScopedExportView(ScopedMixin, View):
    """Export the current filtered list to Excel (same filter set as the page and the API)."""

    action = EXPORT
    filterset_class: Any = None
    columns: list[Column] = []
    filename = "export"
    max_rows = 200_000

    def get(self, request, *args, **kwargs):
        qs = self.scoped_queryset()
        if resolve(request.user, self.model, EXPORT).empty:
            raise PermissionDenied
        if self.filterset_class is not None:
            qs = self.filterset_class(request.GET or None, queryset=qs, request=request).qs
        return self.respond(
            request, qs[: self.max_rows].iterator(chunk_size=2000), {"filters": request.GET.dict()}
        )

    def post(self, request, *args, **kwargs):
        """Export the rows ticked on the list (``ids``): all inside the caller's export scope, or none."""
        if resolve(request.user, self.model, EXPORT).empty:
            raise PermissionDenied
        try:
            objects = selected_in_scope(self.scoped_queryset(), selected_ids(request.POST))
        except DomainError as exc:
            return selection_refused(request, exc)
        return self.respond(request, objects, {"ids": [obj.pk for obj in objects]})

    def respond(self, request, objects, data: dict):
        rows = ([c.value(obj) for c in self.columns] for obj in objects)
        content = build_workbook(
            str(self.model._meta.verbose_name_plural), [c.label for c in self.columns], rows
        )
        audit.record_event(
            event=audit.EVENT_EXPORT,
            actor=request.user,
            model=self.model,
            object_repr=str(self.model._meta.verbose_name_plural),
            request=request,
            data={**data, "format": "xlsx"},
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return xlsx_response(f"{self.filename}-{stamp}.xlsx", content)


def selection_refused(request, exc: DomainError, row_errors: list[dict] | None = None):
    """A refused batch action: the reason (its code as ``data-code``), the row-by-row errors when there
    were some, and the way back to the list; nothing was done."""
    from django.utils.http import url_has_allowed_host_and_scheme

    back = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/"
    return render(
        request,
        "core/batch_refused.html",
        {"title": "批量操作未执行", "error": exc, "row_errors": row_errors or [], "back_url": back},
        status=exc.status if exc.status in (403, 404, 409, 422) else 422,
    )


class ServiceFormView(LoginRequiredMixin, View):
    """The one service-form page: a form whose valid data goes to a service function; a refusal comes back
    onto the form (:func:`apply_domain_error`), or as the page's 403/404 (:func:`refuse_http`)."""

    template_name = "core/object_form.html"
    form_class: type[forms.BaseForm]
    title = ""
    model: type[models.Model] | None = None
    action = ADD

    def get_object(self):
        return None

    def get_form(self, data=None, files=None):
        return self.form_class(data, files, user=self.request.user, **self.form_kwargs())

    def form_kwargs(self) -> dict:
        return {}

    def check_permission(self) -> None:
        if self.model is not None and resolve(self.request.user, self.model, self.action).empty:
            raise PermissionDenied

    def get(self, request, *args, **kwargs):
        self.check_permission()
        self.object = self.get_object()
        return render(request, self.template_name, self.context(self.get_form()))

    def post(self, request, *args, **kwargs):
        self.check_permission()
        self.object = self.get_object()
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = self.perform(form)
            except DomainError as exc:
                refuse_http(exc)
                self.apply_error(form, exc)
            else:
                messages.success(request, self.success_message(result))
                return HttpResponseRedirect(self.success_url(result))
        return render(
            request, self.template_name, self.context(form), status=422 if request.method == "POST" else 200
        )

    def apply_error(self, form, exc: DomainError) -> None:
        """Put a service's refusal onto the form (views may show codes per field)."""
        apply_domain_error(form, exc)

    def context(self, form) -> dict:
        return {"form": form, "title": self.title, "object": getattr(self, "object", None)}

    def perform(self, form):  # pragma: no cover - abstract
        raise NotImplementedError

    def success_message(self, result) -> str:
        return "已保存。"

    def success_url(self, result) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


def get_scoped_or_404(model, user, action=VIEW, **lookup):
    obj = model.objects.for_user(user, action).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
