from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.scope import RegionScopedModel
from fanxiang.loans.choices import BorrowerType
from fanxiang.loans.models.policy import MONEY, Decimal0


class LoanApplication(RegionScopedModel):
    """A guaranteed start-up loan application; after the contract it carries the loan itself.
    Owned by the applicant's region; banks and guarantee institutions reach only what is routed to them."""

    scope_region = "region"
    scope_organization = {"bank_officer": "bank", "guarantee_officer": "guarantee_org"}

    number = models.CharField(_("申请编号"), max_length=32, unique=True)
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="loan_applications",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    borrower_type = models.CharField(_("借款人类型"), max_length=16, choices=BorrowerType.choices)
    business = models.ForeignKey(
        "entrepreneurs.Business",
        verbose_name=_("经营主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    partners = models.ManyToManyField(
        "entrepreneurs.Entrepreneur", verbose_name=_("合伙人"), blank=True, related_name="+"
    )
    borrower_categories = models.JSONField(_("扶持对象类别"), default=list)
    amount = models.DecimalField(_("申请金额（元）"), **MONEY)
    term_months = models.PositiveSmallIntegerField(_("申请期限（月）"))
    purpose = models.CharField(_("贷款用途"), max_length=200, blank=True)
    staff_count = models.PositiveIntegerField(_("企业现有职工人数"), null=True, blank=True)
    new_eligible_hires = models.PositiveIntegerField(_("当年新招符合条件人员"), null=True, blank=True)
    declared_other_debts = models.BooleanField(_("本人或配偶有其他未结清贷款"), default=False)
    epidemic_affected = models.BooleanField(_("受疫情影响"), default=False)
    bank = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("经办银行"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    guarantee_org = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("担保机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    counter_guarantee = models.CharField(_("反担保方式"), max_length=20, blank=True)
    counter_guarantee_detail = models.CharField(_("反担保说明"), max_length=200, blank=True)
    recommender = models.ForeignKey(
        "credit.Recommender",
        verbose_name=_("免反担保推荐单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20, default="draft", db_index=True)
    step_due = models.DateField(_("当前环节办理时限"), null=True, blank=True)
    hr_ok = models.BooleanField(default=False)
    guarantee_ok = models.BooleanField(default=False)
    bank_ok = models.BooleanField(default=False)
    missing_items = models.JSONField(_("补正事项"), default=list, blank=True)
    rejection_reasons = models.JSONField(_("不予通过理由"), default=list, blank=True)
    eligibility = models.JSONField(_("资格检查结果"), default=dict, blank=True)
    overrides = models.JSONField(_("人工认定"), default=list, blank=True)
    approved_amount = models.DecimalField(_("批准金额（元）"), null=True, blank=True, **MONEY)
    annual_rate = models.DecimalField(
        _("合同年利率（%）"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    contract_date = models.DateField(_("合同日期"), null=True, blank=True)
    repayment_method = models.CharField(_("还款方式"), max_length=20, default="interest_monthly")
    disbursed_total = models.DecimalField(_("已放款（元）"), default=Decimal0, **MONEY)
    principal_outstanding = models.DecimalField(_("贷款余额（元）"), default=Decimal0, **MONEY)
    days_past_due = models.PositiveIntegerField(_("逾期天数"), default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("创业担保贷款申请")
        verbose_name_plural = _("创业担保贷款申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "step_due"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(disbursed_total__gte=0), name="loan_disbursed_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.number
