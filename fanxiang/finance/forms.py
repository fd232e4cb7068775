"""Page forms of the finance app. They collect input and hand it to the service, which validates it and
reports every error with its stable code; the forms only offer choices and narrow the bank dropdown."""

from __future__ import annotations

from typing import Any

from django import forms

from fanxiang.accounts.models import Organization, OrganizationKind
from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, resolve
from fanxiang.entrepreneurs.choices import BusinessKind, Category
from fanxiang.finance.choices import Collateral, ProductStatus
from fanxiang.finance.models import FinancialProduct
from fanxiang.finance.selectors import business_label
from fanxiang.regions.models import Region, RegionLevel

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Each field error under its field with its code; the overall message with the code above the form."""
    items = (exc.details or {}).get("items") or []
    if not items:
        items = [
            {"field": name, "code": exc.code, "message": message}
            for name, messages in (exc.errors or {}).items()
            for message in messages
        ]
    for item in items:
        form.add_error(
            item["field"] if item["field"] in form.fields else None, f"{item['message']}（{item['code']}）"
        )
    form.add_error(None, f"{exc.message}（{exc.code}）")


def banks_for(user: Any):
    """The banks whose products the user may add: every bank for a city-wide writer, else their own."""
    banks = Organization.objects.filter(kind=OrganizationKind.BANK, is_active=True).order_by("code")
    scope = resolve(user, FinancialProduct, ADD)
    if scope.all or scope.region_paths:
        return banks
    return banks.filter(pk__in=[g.org_id for g in scope.org_grants])


def served_region_choices():
    return Region.objects.filter(level=RegionLevel.COUNTY, is_active=True, parent__code="411600").order_by(
        "sort_order", "code"
    )


class ProductForm(forms.Form):
    bank = forms.ModelChoiceField(label="银行", queryset=Organization.objects.none(), empty_label="请选择")
    name = forms.CharField(label="产品名称", max_length=128)
    amount_min = forms.DecimalField(label="最低金额（元）")
    amount_max = forms.DecimalField(label="最高金额（元）")
    term_months_min = forms.IntegerField(label="最短期限（月）")
    term_months_max = forms.IntegerField(label="最长期限（月）")
    rate_min = forms.DecimalField(label="年利率下限（%）", help_text="填百分数，如 3.85")
    rate_max = forms.DecimalField(label="年利率上限（%）")
    collateral = forms.MultipleChoiceField(
        label="接受的抵质押或担保方式",
        choices=Collateral.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="至少选一种；“信用”表示无需抵押担保。",
    )
    target_entity_kinds = forms.MultipleChoiceField(
        label="面向的主体类型",
        choices=BusinessKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选为不限。",
    )
    target_categories = forms.MultipleChoiceField(
        label="面向的人员类别",
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选为不限。",
    )
    regions_served = forms.ModelMultipleChoiceField(
        label="服务区域",
        queryset=Region.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选为全市。",
    )
    valid_from = forms.DateField(label="起始日期", widget=DATE)
    valid_to = forms.DateField(label="截止日期", widget=DATE, required=False, help_text="不填为长期有效。")
    status = forms.ChoiceField(label="状态", choices=ProductStatus.choices, initial=ProductStatus.ACTIVE)
    contact = forms.CharField(label="办理渠道/联系方式", max_length=200, required=False)
    description = forms.CharField(label="产品说明", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, user: Any = None, product: FinancialProduct | None = None, **kwargs: Any):
        if product is not None and not args:
            kwargs.setdefault("initial", initial_of(product))
        super().__init__(*args, **kwargs)
        banks = banks_for(user)
        if product is not None:
            banks = banks | Organization.objects.filter(pk=product.bank_id)
        self.fields["bank"].queryset = banks.distinct().order_by("code")
        if banks.count() == 1 and product is None:
            self.fields["bank"].initial = banks.first().pk
        self.fields["regions_served"].queryset = served_region_choices()

    def service_data(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items()}


def initial_of(product: FinancialProduct) -> dict[str, Any]:
    return {
        "bank": product.bank_id,
        "name": product.name,
        "amount_min": product.amount_min,
        "amount_max": product.amount_max,
        "term_months_min": product.term_months_min,
        "term_months_max": product.term_months_max,
        "rate_min": product.rate_min,
        "rate_max": product.rate_max,
        "collateral": list(product.collateral),
        "target_entity_kinds": list(product.target_entity_kinds),
        "target_categories": list(product.target_categories),
        "regions_served": list(product.regions_served.all()),
        "valid_from": product.valid_from,
        "valid_to": product.valid_to,
        "status": product.status,
        "contact": product.contact,
        "description": product.description,
    }


class MatchForm(forms.Form):
    # The business id stays the page's parameter (?business=<id>, as the detail page links it); people pick
    # it by name or credit code in the search box above, which fills this select (finance:match_businesses).
    business = forms.IntegerField(
        label="经营主体",
        required=False,
        min_value=1,
        widget=forms.Select(choices=[("", "不指定经营主体")]),
        help_text="选填；在上方输入名称或统一社会信用代码查找后选择。选定后按主体类型、创办人类别和所在区域匹配。",
    )

    def offer_businesses(self, businesses, *, selected=None) -> None:
        """The picker's options: "none", then the businesses found (the selected one first)."""
        options = [("", "不指定经营主体")]
        seen = set()
        for b in [selected, *businesses]:
            if b is not None and b.pk not in seen:
                seen.add(b.pk)
                options.append((b.pk, business_label(b)))
        if "business" in self.fields:
            self.fields["business"].widget.choices = options

    amount = forms.DecimalField(
        label="需求金额（元）", required=False, min_value=0, max_digits=15, decimal_places=2
    )
    term_months = forms.IntegerField(label="需求期限（月）", required=False, min_value=1, max_value=360)
    collateral = forms.MultipleChoiceField(
        label="可提供的抵质押或担保",
        choices=[c for c in Collateral.choices if c[0] != Collateral.CREDIT],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选表示没有可提供的抵质押物或担保，只匹配信用方式的产品。",
    )
    on = forms.DateField(label="用款日期", required=False, widget=DATE, help_text="不填为今天。")
