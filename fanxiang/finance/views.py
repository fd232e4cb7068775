"""Finance pages: the product catalogue (list, detail, export), the product form, and need matching."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, CHANGE, VIEW, resolve
from fanxiang.core.views import Column, ScopedDetailView, ScopedExportView, ScopedListView, ServiceFormView
from fanxiang.entrepreneurs.choices import BusinessKind, Category
from fanxiang.entrepreneurs.selectors import business_search
from fanxiang.finance import selectors, services
from fanxiang.finance.filtersets import ProductFilter
from fanxiang.finance.forms import MatchForm, ProductForm, add_service_error
from fanxiang.finance.models import FinancialProduct


def _regions(p: FinancialProduct) -> str:
    return "、".join(r.name for r in p.regions_served.all()) or "全市"


def _labels(choices, codes) -> str:
    labels = dict(choices)
    return "、".join(str(labels.get(c, c)) for c in codes) or "不限"


def _customers(p: FinancialProduct) -> str:
    return (
        f"主体：{_labels(BusinessKind.choices, p.target_entity_kinds)}；"
        f"人员：{_labels(Category.choices, p.target_categories)}"
    )


PRODUCT_COLUMNS = [
    Column("产品名称", "name"),
    Column("银行", "bank.name"),
    Column("金额", lambda p: p.amount_range_text),
    Column("期限（月）", lambda p: f"{p.term_months_min} — {p.term_months_max}"),
    Column("年利率（%）", lambda p: f"{p.rate_min} — {p.rate_max}"),
    Column("接受的抵质押/担保", lambda p: "、".join(p.collateral_labels())),
    Column("服务区域", _regions),
    Column("有效期", lambda p: f"{p.valid_from} 至 {p.valid_to or '长期'}"),
    Column("状态", lambda p: p.status_text),
]
DETAIL_FIELDS = [
    Column("银行", "bank.name"),
    Column("产品名称", "name"),
    Column("金额范围", lambda p: p.amount_range_text),
    Column("期限（月）", lambda p: f"{p.term_months_min} — {p.term_months_max}"),
    Column("年利率（%）", lambda p: f"{p.rate_min} — {p.rate_max}"),
    Column("接受的抵质押/担保", lambda p: "、".join(p.collateral_labels())),
    Column("面向客户", _customers),
    Column("服务区域", _regions),
    Column("有效期", lambda p: f"{p.valid_from} 至 {p.valid_to or '长期'}"),
    Column("状态", lambda p: p.status_text),
    Column("办理渠道/联系方式", "contact"),
    Column("产品说明", "description"),
]
EXPORT_COLUMNS = [
    Column("产品名称", "name"),
    Column("银行", "bank.name"),
    Column("最低金额（元）", "amount_min"),
    Column("最高金额（元）", "amount_max"),
    Column("最短期限（月）", "term_months_min"),
    Column("最长期限（月）", "term_months_max"),
    Column("年利率下限（%）", "rate_min"),
    Column("年利率上限（%）", "rate_max"),
    Column("接受的抵质押/担保", lambda p: "、".join(p.collateral_labels())),
    Column("面向客户", _customers),
    Column("服务区域", _regions),
    Column("起始日期", "valid_from"),
    Column("截止日期", "valid_to"),
    Column("状态", "status"),
    Column("办理渠道/联系方式", "contact"),
]


class ProductListView(ScopedListView):
    model = FinancialProduct
    title = "金融产品目录"
    filterset_class = ProductFilter
    columns = PRODUCT_COLUMNS
    detail_url_name = "finance:product_detail"
    edit_url_name = "finance:product_edit"
    export_url_name = "finance:product_export"
    create_url_name = "finance:product_create"

    def scoped_queryset(self, action=None):
        return selectors.products_for_user(self.request.user, action or self.action)


class ProductDetailView(ScopedDetailView):
    model = FinancialProduct
    template_name = "finance/product_detail.html"
    fields = DETAIL_FIELDS
    edit_url_name = "finance:product_edit"

    def scoped_queryset(self, action=None):
        return selectors.products_for_user(self.request.user, action or self.action)


class ProductExportView(ScopedExportView):
    model = FinancialProduct
    filterset_class = ProductFilter
    columns = EXPORT_COLUMNS
    filename = "金融产品目录"

    def scoped_queryset(self, action=None):
        return selectors.products_for_user(self.request.user, action or self.action)


class ProductFormMixin:
    template_name = "finance/product_form.html"
    form_class = ProductForm
    model = FinancialProduct

    def apply_error(self, form, exc: DomainError) -> None:
        add_service_error(form, exc)

    def success_url(self, result) -> str:
        return reverse("finance:product_detail", args=[result.pk])


class ProductCreateView(ProductFormMixin, ServiceFormView):
    title = "新增金融产品"
    action = ADD

    def perform(self, form):
        return services.product_create(actor=self.request.user, data=form.cleaned_data)

    def success_message(self, result) -> str:
        return f"已新增金融产品“{result.name}”。"


class ProductUpdateView(ProductFormMixin, ServiceFormView):
    action = CHANGE

    def get_object(self):
        product = selectors.products_for_user(self.request.user, VIEW).filter(pk=self.kwargs["pk"]).first()
        if product is None:
            raise Http404
        if not FinancialProduct.objects.for_user(self.request.user, CHANGE).filter(pk=product.pk).exists():
            raise PermissionDenied("只能维护本行的金融产品。")
        return product

    @property
    def title(self) -> str:
        return f"修改金融产品：{self.object.name}"

    def form_kwargs(self) -> dict:
        return {"product": self.object}

    def perform(self, form):
        return services.product_update(actor=self.request.user, product=self.object, data=form.cleaned_data)

    def success_message(self, result) -> str:
        return f"已保存金融产品“{result.name}”。"


def _reads_registry(user) -> bool:
    from fanxiang.entrepreneurs.models import Business

    return not resolve(user, Business, VIEW).empty


class MatchView(LoginRequiredMixin, View):
    """Need → products: matches ranked by rate, near misses with each failed condition. The business is
    picked by name or credit code (``BusinessOptionsView`` fills the select); its id is the parameter."""

    template_name = "finance/match.html"

    def get(self, request):
        if resolve(request.user, FinancialProduct, VIEW).empty:
            raise PermissionDenied
        form = MatchForm(request.GET or None)
        reads_registry = _reads_registry(request.user)
        if not reads_registry:  # banks, guarantors, experts: need and collateral only
            del form.fields["business"]
        business_q = (request.GET.get("business_q") or "").strip()[:64]
        context = {
            "title": "融资需求匹配",
            "form": form,
            "result": None,
            "business": None,
            "business_q": business_q,
        }
        business = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            if data.get("business"):
                business = selectors.business_for_matching(request.user, data["business"])
                if business is None:
                    raise Http404
            try:
                need = selectors.need_of(
                    business=business,
                    amount=data.get("amount"),
                    term_months=data.get("term_months"),
                    collateral=data.get("collateral"),
                    on=data.get("on"),
                )
            except DomainError as exc:
                add_service_error(form, exc)
            else:
                context["result"] = selectors.product_match(user=request.user, need=need)
                context["business"] = business
                context["category_labels"] = _labels(Category.choices, need.categories) if business else ""
        if reads_registry:
            # without script the search box is sent with the form: offer what it finds to pick from
            found = business_search(request.user, q=business_q) if business_q else []
            form.offer_businesses(found, selected=business)
        status = 422 if form.is_bound and form.errors else 200
        return render(request, self.template_name, context, status=status)


class BusinessOptionsView(LoginRequiredMixin, View):
    """The options of the matching page's business picker for a typed name or credit code: only businesses
    within the user's scope (an out-of-scope one is not found, and not counted either)."""

    template_name = "finance/_business_options.html"

    def get(self, request):
        if resolve(request.user, FinancialProduct, VIEW).empty or not _reads_registry(request.user):
            raise PermissionDenied
        q = (request.GET.get("business_q") or request.GET.get("q") or "").strip()
        found = business_search(request.user, q=q)
        options = [(b.pk, selectors.business_label(b)) for b in found]
        return render(request, self.template_name, {"options": options, "q": q})
