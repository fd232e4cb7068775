"""Financial products (金融产品) of the handling banks and the collateral they accept (work plan point (五)).

The catalogue is city-wide reference data, not region-owned: every staff role reads all of it. ``regions_served``
says where a product is offered (empty: the whole city), not who may read it. City admins maintain every
product; a bank officer maintains only the products of their own bank — the organization binding of the
scope resolver (``scope_organization``), applied by :meth:`ProductQuerySet.for_user` to writes only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fanxiang.core.fields import user_ref
from fanxiang.core.scope import EXPORT, VIEW, resolve
from fanxiang.entrepreneurs.choices import BusinessKind, Category
from fanxiang.finance.choices import Collateral, ProductStatus


def yuan_text(amount: Decimal) -> str:
    """``5000000`` → "500 万元"; amounts not in whole hundreds keep their cents: "3,000,000.01 元"."""
    amount = Decimal(amount)
    if amount >= 10000 and amount % 100 == 0:
        wan = (amount / 10000).normalize()
        return f"{wan:,f} 万元"
    if amount == amount.to_integral_value():
        return f"{int(amount):,} 元"
    return f"{amount:,.2f} 元"


class ProductQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = VIEW) -> ProductQuerySet:
        """Reads (view, export): all products for any role granted the action. Writes: all products for a
        role granted them city-wide (city admin); for a bank officer, their own bank's products only."""
        scope = resolve(user, self.model, action)
        if scope.empty:
            return self.none()
        if action in (VIEW, EXPORT) or scope.all or scope.region_paths:
            return self
        return self.filter(bank_id__in=sorted({g.org_id for g in scope.org_grants}))


class FinancialProduct(models.Model):
    """A loan product of a handling bank: amount, term and rate ranges, accepted collateral, target
    customers, regions served and validity."""

    # role -> organization field: these roles write only their own organization's products
    scope_organization: ClassVar[dict[str, str]] = {"bank_officer": "bank"}

    bank = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("银行"),
        on_delete=models.PROTECT,
        related_name="financial_products",
        limit_choices_to={"kind": "bank"},
    )
    name = models.CharField(_("产品名称"), max_length=128)
    description = models.TextField(_("产品说明"), blank=True)
    amount_min = models.DecimalField(_("最低金额（元）"), max_digits=14, decimal_places=2)
    amount_max = models.DecimalField(_("最高金额（元）"), max_digits=14, decimal_places=2)
    term_months_min = models.PositiveSmallIntegerField(_("最短期限（月）"))
    term_months_max = models.PositiveSmallIntegerField(_("最长期限（月）"))
    rate_min = models.DecimalField(_("年利率下限（%）"), max_digits=6, decimal_places=3)
    rate_max = models.DecimalField(_("年利率上限（%）"), max_digits=6, decimal_places=3)
    # Collateral values; a JSON list keeps the catalogue one row per product on SQLite and PostgreSQL.
    collateral = models.JSONField(_("接受的抵质押或担保方式"), default=list)
    target_entity_kinds = models.JSONField(_("面向的主体类型（空为不限）"), default=list, blank=True)
    target_categories = models.JSONField(_("面向的人员类别（空为不限）"), default=list, blank=True)
    regions_served = models.ManyToManyField(
        "regions.Region", verbose_name=_("服务区域（空为全市）"), blank=True, related_name="+"
    )
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.ACTIVE
    )
    contact = models.CharField(_("办理渠道/联系方式"), max_length=200, blank=True)
    created_by = user_ref()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProductQuerySet.as_manager()
    # the Chinese labels of codes stored without declared choices, for the change log (core.history)
    history_value_labels: ClassVar[dict] = {
        "collateral": Collateral.choices,
        "target_entity_kinds": BusinessKind.choices,
        "target_categories": Category.choices,
    }

    class Meta:
        verbose_name = _("金融产品")
        verbose_name_plural = _("金融产品")
        ordering = ["bank__code", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "name"], name="uniq_financial_product_name"),
            models.CheckConstraint(
                condition=models.Q(amount_min__lte=models.F("amount_max")), name="product_amount_range"
            ),
            models.CheckConstraint(
                condition=models.Q(term_months_min__lte=models.F("term_months_max")),
                name="product_term_range",
            ),
            models.CheckConstraint(
                condition=models.Q(rate_min__lte=models.F("rate_max")), name="product_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def status_text(self) -> str:
        """在售 / 已下架, and for a product in sale outside its validity today: 未生效 / 已过期."""
        if self.status != ProductStatus.ACTIVE:
            return str(self.get_status_display())
        today = timezone.localdate()
        if today < self.valid_from:
            return "未生效"
        if self.valid_to is not None and today > self.valid_to:
            return "已过期"
        return str(self.get_status_display())

    @property
    def amount_range_text(self) -> str:
        return f"{yuan_text(self.amount_min)} — {yuan_text(self.amount_max)}"

    def collateral_labels(self) -> list[str]:
        labels = dict(Collateral.choices)
        return [str(labels.get(c, c)) for c in self.collateral]
