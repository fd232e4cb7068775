from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.fields import user_ref
from fanxiang.core.scope import RegionScopedModel


class RecommenderKind(models.TextChoices):
    CREDIT_VILLAGE = "credit_village", _("信用乡村")
    CREDIT_PARK = "credit_park", _("信用园区")
    INCUBATION_DEMO_BASE = "incubation_demo_base", _("创业孵化示范基地")
    INCUBATION_TRAINING_BASE = "incubation_training_base", _("创业孵化实训基地")


class Recommender(RegionScopedModel):
    """A credit village / credit park / incubation base whose recommendation waives the counter-guarantee
    (point (四)); valid for a period."""

    scope_region = "region"

    kind = models.CharField(_("类别"), max_length=32, choices=RecommenderKind.choices)
    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("认定日期"))
    valid_to = models.DateField(_("有效期至"), null=True, blank=True)
    certificate = models.CharField(_("认定文号"), max_length=100, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("免反担保推荐单位")
        verbose_name_plural = _("免反担保推荐单位")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.name}"

    def valid_on(self, day) -> bool:
        return self.is_active and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class CreditEvent(models.TextChoices):
    REPAID_ON_TIME = "repaid_on_time", _("按时还清")
    OVERDUE = "overdue", _("逾期")
    COMPENSATED = "compensated", _("担保代偿")
    RECOVERED = "recovered", _("代偿追回")
    BLACKLISTED = "blacklisted", _("列入失信名单")
    BLACKLIST_LIFTED = "blacklist_lifted", _("移出失信名单")


class CreditEntry(RegionScopedModel):
    """The credit ledger (诚信台账): one line per credit event of a person or business."""

    scope_region = "entrepreneur__region"

    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="credit_entries",
    )
    business = models.ForeignKey(
        "entrepreneurs.Business",
        verbose_name=_("经营主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    event = models.CharField(_("事项"), max_length=20, choices=CreditEvent.choices)
    loan = models.ForeignKey(
        "loans.LoanApplication",
        verbose_name=_("相关贷款"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    date = models.DateField(_("日期"))
    until = models.DateField(_("失信期限至"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    recorded_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("诚信台账")
        verbose_name_plural = _("诚信台账")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.get_event_display()} {self.date}"  # the event's label: a page title, never its code
