from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.scope import RegionScopedModel
from fanxiang.loans.choices import BorrowerCategory


class Indicator(models.TextChoices):
    NEW_ENTREPRENEURS = "new_entrepreneurs", _("新增返乡入乡创业人数")
    JOBS_CREATED = "jobs_created", _("带动就业人数")
    GUARANTEED_LOANS = "guaranteed_loans", _("发放创业担保贷款（元）")


INDICATOR_UNITS = {
    Indicator.NEW_ENTREPRENEURS: "人",
    Indicator.JOBS_CREATED: "人",
    Indicator.GUARANTEED_LOANS: "元",
}
COUNT_INDICATORS = {Indicator.NEW_ENTREPRENEURS, Indicator.JOBS_CREATED}
# indicators counted from loans, restricted to the borrower categories the target names (point (四): loans
# to returning migrant workers, 返乡农民工创业担保贷款)
LOAN_INDICATORS = {Indicator.GUARANTEED_LOANS}
DEFAULT_LOAN_CATEGORIES = ["returning_migrant_worker"]


def default_loan_categories() -> list[str]:
    return list(DEFAULT_LOAN_CATEGORIES)


class Target(RegionScopedModel):
    """An annual target for one region and indicator (work plan point (一) and (四))."""

    scope_region = "region"

    year = models.PositiveSmallIntegerField(_("年度"))
    indicator = models.CharField(_("指标"), max_length=32, choices=Indicator.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("区划"), on_delete=models.PROTECT, related_name="targets"
    )
    value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=2)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    # guaranteed loans: the borrower categories (loans.BorrowerCategory codes) whose loans count towards
    # the target; the total of all guaranteed loans is shown beside it as its own figure
    loan_categories = models.JSONField(_("计入目标的借款人类别"), default=default_loan_categories, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # the Chinese labels of codes stored without declared choices, for the change log (core.history)
    history_value_labels: ClassVar[dict] = {"loan_categories": BorrowerCategory.choices}

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["-year", "indicator", "region__tree_path"]
        constraints = [
            models.UniqueConstraint(fields=["year", "indicator", "region"], name="uniq_target"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_value_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year}年 {self.region} {self.get_indicator_display()}"

    @property
    def unit(self) -> str:
        return INDICATOR_UNITS[Indicator(self.indicator)]

    @property
    def display_value(self) -> str:
        if self.indicator in COUNT_INDICATORS:
            return f"{int(self.value):,} {self.unit}"
        return f"{self.value:,.2f} {self.unit}"

    @staticmethod
    def normalize(indicator: str, value: Decimal) -> Decimal:
        return (
            value.quantize(Decimal("1")) if indicator in COUNT_INDICATORS else value.quantize(Decimal("0.01"))
        )
