from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.fields import user_ref
from fanxiang.core.models import StoredFile, WorkflowEvent, stored_name
from fanxiang.core.scope import RegionScopedModel
from fanxiang.loans.choices import (
    AppStatus,
    BorrowerCategory,
    BorrowerType,
    CounterGuarantee,
    DocumentKind,
    RepaymentMethod,
)
from fanxiang.loans.models.policy import MONEY, Decimal0


class LoanApplication(RegionScopedModel):
    """A guaranteed start-up loan application; after the contract it carries the loan itself.
    Owned by the applicant's region; banks and guarantee institutions reach only what is routed to them."""

    scope_region = "region"
    scope_organization = {"bank_officer": "bank", "guarantee_officer": "guarantee_org"}
    # a handling bank sees an application from submission on, never while it is a draft
    scope_organization_hidden = {"bank": {"status": AppStatus.DRAFT}}

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
    # priority group (point (十三)) or epidemic: kept current under the row lock at every write so queues
    # sort on an index; the reasons are read live from the registry
    priority = models.BooleanField(_("优先办理"), default=False)
    bank = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("经办银行"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by loan_queue_bank_idx
    )
    guarantee_org = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("担保机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by loan_queue_guarantee_idx
    )
    counter_guarantee = models.CharField(
        _("反担保方式"), max_length=20, blank=True, choices=CounterGuarantee.choices
    )
    counter_guarantee_detail = models.CharField(_("反担保说明"), max_length=200, blank=True)
    recommender = models.ForeignKey(
        "credit.Recommender",
        verbose_name=_("免反担保推荐单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=AppStatus.choices, default=AppStatus.DRAFT, db_index=True
    )
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
    # the bank's number of the loan contract, recorded at signing (unique per bank)
    contract_no = models.CharField(_("合同编号"), max_length=64, blank=True, default="")
    repayment_method = models.CharField(_("还款方式"), max_length=20, default="interest_monthly")
    disbursed_total = models.DecimalField(_("已放款（元）"), default=Decimal0, **MONEY)
    principal_outstanding = models.DecimalField(_("贷款余额（元）"), default=Decimal0, **MONEY)
    days_past_due = models.PositiveIntegerField(_("逾期天数"), default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # the apply date: the (latest) submission day; the policy in force on it governs the application
    applied_on = models.DateField(_("申请日期"), null=True, blank=True)
    # review mode fixed at submission from the policy in force (多审合一: HR, guarantee and bank in parallel)
    merged_review = models.BooleanField(_("多审合一"), default=False)
    extension_months = models.PositiveSmallIntegerField(_("展期（月）"), default=0)
    created_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # the Chinese labels of codes stored without declared choices, for the change log (core.history)
    history_value_labels: ClassVar[dict] = {
        "borrower_categories": BorrowerCategory.choices,
        "repayment_method": RepaymentMethod.choices,
    }

    class Meta:
        verbose_name = _("创业担保贷款申请")
        verbose_name_plural = _("创业担保贷款申请")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "step_due"]),
            # reviewer queues: covering indexes (filter, priority-then-deadline order, scope) per owner
            models.Index(
                fields=["status", "merged_review", "region", "priority", "step_due"],
                name="loan_queue_region_idx",
            ),
            models.Index(
                fields=["bank", "status", "merged_review", "priority", "step_due", "region"],
                name="loan_queue_bank_idx",
            ),
            models.Index(
                fields=["guarantee_org", "status", "merged_review", "priority", "step_due", "region"],
                name="loan_queue_guarantee_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="loan_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(disbursed_total__gte=0), name="loan_disbursed_non_negative"
            ),
            # the last line of defence behind the row lock: never more out than approved
            models.CheckConstraint(
                condition=models.Q(approved_amount__isnull=True)
                | models.Q(disbursed_total__lte=models.F("approved_amount")),
                name="loan_disbursed_within_approved",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_amount__isnull=True)
                | models.Q(approved_amount__lte=models.F("amount")),
                name="loan_approved_within_requested",
            ),
            models.UniqueConstraint(
                fields=["bank", "contract_no"],
                condition=~models.Q(contract_no=""),
                name="uniq_loan_contract_no_per_bank",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ApplicationSequence(models.Model):
    """The last application number issued per year and county (``DB2020-411625-00001``); the row is
    locked while a number is drawn, so concurrent drafts never share one."""

    year = models.PositiveSmallIntegerField()
    county_code = models.CharField(max_length=12)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("申请编号序列")
        verbose_name_plural = _("申请编号序列")
        constraints = [
            models.UniqueConstraint(fields=["year", "county_code"], name="uniq_loan_application_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.year}-{self.county_code}: {self.last}"


class LoanEvent(WorkflowEvent):
    """A typed workflow event (one per transition, written in the transition's transaction): the loan's
    timeline. The generic change log keeps the field-level before/after alongside."""

    application = models.ForeignKey(
        LoanApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta:
        verbose_name = _("贷款流程事件")
        verbose_name_plural = _("贷款流程事件")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action} {self.from_status}→{self.to_status}"


def document_path(instance: ApplicationDocument, filename: str) -> str:
    """Stored under MEDIA_ROOT with a random name: the client's file name is kept only as data."""
    return stored_name("loan_documents", instance.application_id, filename)


class ApplicationDocument(StoredFile):
    """An uploaded document of an application (type and size checked by the service)."""

    application = models.ForeignKey(
        LoanApplication, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("材料类别"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=document_path, max_length=255)
    uploaded_by = user_ref()

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.original_name}"


class Disbursement(models.Model):
    """One tranche paid out by the handling bank; the tranches never add up to more than the approved
    amount (checked under the application's row lock, and by a constraint on the application)."""

    application = models.ForeignKey(
        LoanApplication, verbose_name=_("贷款"), on_delete=models.PROTECT, related_name="disbursements"
    )
    seq = models.PositiveSmallIntegerField(_("笔次"))
    amount = models.DecimalField(_("放款金额（元）"), **MONEY)
    date = models.DateField(_("放款日期"))
    annual_rate = models.DecimalField(_("年利率（%）"), max_digits=6, decimal_places=4)
    # the bank's loan note (借据) of this tranche, recorded at disbursement (unique per bank); the bank is
    # the loan's handling bank, kept here for the constraint
    loan_note_no = models.CharField(_("借据号"), max_length=64, blank=True, default="")
    bank = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("经办银行"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by uniq_loan_note_no_per_bank
    )
    recorded_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("放款记录")
        verbose_name_plural = _("放款记录")
        ordering = ["application_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["application", "seq"], name="uniq_disbursement_seq"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="disbursement_amount_positive"),
            models.UniqueConstraint(
                fields=["bank", "loan_note_no"],
                condition=~models.Q(loan_note_no=""),
                name="uniq_loan_note_no_per_bank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}#{self.seq} {self.amount}"
