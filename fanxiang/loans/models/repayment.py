"""Repayment, interest subsidy and compensation of a disbursed loan.

* ``RepaymentPlan`` — the terms a loan's schedule was built with, frozen on the contract date: the policy
  in force then, the 1-year LPR of the latest announcement on or before it, the borrower's rate, the
  subsidy mode and how the subsidy is paid (``net`` / ``reimburse``).
* ``ScheduleItem`` — one monthly period: what is due (principal, contract-rate interest), how that interest
  splits into the borrower's share and the subsidy, what has been paid, and whether the period went
  overdue (which forfeits its subsidy unless the policy says otherwise).
* ``Repayment`` — money the bank received, allocated to periods (interest first, then principal).
* ``Compensation`` — the guarantee fund's payment (代偿) of a loan overdue past the policy's threshold,
  then recovered or written off.
* ``SubsidyBatch`` / ``SubsidyLine`` — a bank's quarterly subsidy claim, one line per loan-period, each
  split by fund level; a loan-period is in at most one active line. ``SubsidyBatchEvent``: its timeline.

Formulas and conventions: ``fanxiang/loans/subsidy/services.py``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.fields import user_ref
from fanxiang.core.models import WorkflowEvent
from fanxiang.core.scope import RegionScopedModel
from fanxiang.loans.choices import (
    BatchStatus,
    CompensationStatus,
    RepaymentKind,
    RepaymentMethod,
    RepaymentSource,
    ScheduleStatus,
    SubsidyMode,
    SubsidyPayee,
    SubsidyPayment,
)
from fanxiang.loans.models.policy import MONEY, RATIO, Decimal0

RATE = {"max_digits": 7, "decimal_places": 4}


class RepaymentPlan(models.Model):
    """The frozen terms of one loan's schedule (one per loan)."""

    loan = models.OneToOneField(
        "loans.LoanApplication", verbose_name=_("贷款"), on_delete=models.CASCADE, related_name="plan"
    )
    policy = models.ForeignKey(
        "loans.LoanPolicy", verbose_name=_("适用政策"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("还款方式"), max_length=20, choices=RepaymentMethod.choices)
    principal = models.DecimalField(_("本金（元）"), **MONEY)
    annual_rate = models.DecimalField(_("合同年利率（%）"), **RATE)
    term_months = models.PositiveSmallIntegerField(_("期数（月）"))
    contract_date = models.DateField(_("合同日期"))
    lpr_date = models.DateField(_("LPR 公布日期"), null=True, blank=True)
    lpr_one_year = models.DecimalField(_("1年期 LPR（%）"), null=True, blank=True, **RATE)
    borrower_rate = models.DecimalField(_("借款人承担利率（%）"), null=True, blank=True, **RATE)
    subsidised_rate_cap = models.DecimalField(_("贴息计算利率上限（%）"), null=True, blank=True, **RATE)
    subsidy_mode = models.CharField(_("贴息方式"), max_length=20, choices=SubsidyMode.choices)
    subsidy_shares = models.JSONField(_("按贷款年度的贴息比例"), default=list, blank=True)
    subsidy_payment = models.CharField(_("贴息拨付方式"), max_length=12, choices=SubsidyPayment.choices)
    subsidy_for_overdue = models.BooleanField(_("逾期期间继续贴息"), default=False)
    # rate_share (2018–2020 enterprises): the subsidy is the interest at this rate (share × LPR), capped
    subsidy_rate = models.DecimalField(_("贴息计算利率（%）"), null=True, blank=True, **RATE)
    penalty_multiplier = models.DecimalField(
        _("罚息利率倍数"), max_digits=5, decimal_places=2, default=Decimal("1.50")
    )
    # 展期: the first period added by the extension, and whether the extension periods are subsidised
    extension_from_period = models.PositiveSmallIntegerField(_("展期起始期次"), null=True, blank=True)
    extension_subsidised = models.BooleanField(_("展期期间继续贴息"), default=False)
    # bumped by every rebuild of the schedule (prepayment, extension, further tranche); a repayment can be
    # reversed only while the schedule is the one it was recorded against
    revision = models.PositiveIntegerField(_("计划版本"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = user_ref()

    class Meta:
        verbose_name = _("还款计划")
        verbose_name_plural = _("还款计划")

    def __str__(self) -> str:
        return f"{self.loan_id} {self.get_method_display()} {self.term_months}期"


class ScheduleItem(models.Model):
    """One monthly period of a loan's schedule."""

    plan = models.ForeignKey(RepaymentPlan, on_delete=models.CASCADE, related_name="items")
    loan = models.ForeignKey(
        "loans.LoanApplication",
        verbose_name=_("贷款"),
        on_delete=models.CASCADE,
        related_name="schedule_items",
    )
    period = models.PositiveSmallIntegerField(_("期次"))
    loan_year = models.PositiveSmallIntegerField(_("贷款年度"))
    start_date = models.DateField(_("计息起日"))
    due_date = models.DateField(_("应还日期"))
    opening_principal = models.DecimalField(_("期初本金（元）"), **MONEY)
    principal_due = models.DecimalField(_("应还本金（元）"), **MONEY)
    interest_due = models.DecimalField(_("合同利息（元）"), **MONEY)
    borrower_interest = models.DecimalField(_("借款人承担利息（元）"), **MONEY)
    subsidy = models.DecimalField(_("贴息（元）"), **MONEY)
    # the interest the borrower must pay for this period: the borrower's share (net) or the full interest
    # (reimburse, or a period whose subsidy was forfeited by going overdue)
    interest_charge = models.DecimalField(_("应收借款人利息（元）"), **MONEY)
    principal_paid = models.DecimalField(_("已还本金（元）"), default=Decimal0, **MONEY)
    interest_paid = models.DecimalField(_("已付利息（元）"), default=Decimal0, **MONEY)
    paid_date = models.DateField(_("还清日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=ScheduleStatus.choices, default=ScheduleStatus.PENDING
    )
    was_overdue = models.BooleanField(_("曾逾期"), default=False)
    subsidy_forfeited = models.BooleanField(_("逾期不予贴息"), default=False)
    # db_default: bulk loaders that insert periods with raw SQL (bench/bench_subsidy.py) need not know it
    extension = models.BooleanField(_("展期期间"), default=False, db_default=False)

    class Meta:
        verbose_name = _("还款计划明细")
        verbose_name_plural = _("还款计划明细")
        ordering = ["loan_id", "period"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "period"], name="schedule_item_loan_period"),
            models.CheckConstraint(
                condition=models.Q(principal_paid__gte=0) & models.Q(interest_paid__gte=0),
                name="schedule_item_paid_non_negative",
            ),
        ]
        indexes = [models.Index(fields=["due_date", "status"]), models.Index(fields=["loan", "status"])]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.period} {self.due_date}"

    @property
    def amount_due(self):
        return self.principal_due + self.interest_charge

    @property
    def amount_paid(self):
        return self.principal_paid + self.interest_paid

    @property
    def interest_outstanding(self):
        return max(self.interest_charge - self.interest_paid, Decimal0)

    @property
    def principal_outstanding(self):
        return max(self.principal_due - self.principal_paid, Decimal0)


class Repayment(RegionScopedModel):
    """Money a handling bank received on a loan, allocated to periods (interest first, then principal).
    ``bank`` repeats the loan's bank so a bank officer's scope filters on it directly."""

    scope_region = "loan__region"
    scope_organization = {"bank_officer": "bank"}

    loan = models.ForeignKey(
        "loans.LoanApplication", verbose_name=_("贷款"), on_delete=models.PROTECT, related_name="repayments"
    )
    bank = models.ForeignKey(
        "accounts.Organization", verbose_name=_("经办银行"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("还款日期"))
    amount = models.DecimalField(_("还款金额（元）"), **MONEY)
    principal_part = models.DecimalField(_("其中本金（元）"), **MONEY)
    interest_part = models.DecimalField(_("其中利息（元）"), **MONEY)
    allocations = models.JSONField(_("分配明细"), default=list)
    kind = models.CharField(
        _("类型"), max_length=12, choices=RepaymentKind.choices, default=RepaymentKind.REGULAR
    )
    # what the repayment changed, to undo it exactly on reversal: the schedule items' prior values, the plan
    # revision before it, the credit-ledger lines it wrote
    undo = models.JSONField(_("冲正还原数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    plan_revision = models.PositiveIntegerField(_("计划版本"), default=0)
    reversed_at = models.DateTimeField(_("冲正时间"), null=True, blank=True)
    reversed_by = user_ref(_("冲正人"))
    reversal_reason = models.CharField(_("冲正原因"), max_length=200, blank=True)
    reference = models.CharField(_("银行流水号"), max_length=64, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=RepaymentSource.choices, default=RepaymentSource.MANUAL
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("还款记录")
        verbose_name_plural = _("还款记录")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="repayment_amount_positive"),
            # a reversed entry frees its bank reference for the corrected one
            models.UniqueConstraint(
                fields=["bank", "reference"],
                condition=~models.Q(reference="") & models.Q(reversed_at__isnull=True),
                name="repayment_bank_reference_once",
            ),
        ]
        indexes = [models.Index(fields=["loan", "date"])]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.date} {self.amount}"


class Compensation(RegionScopedModel):
    """The guarantee fund pays the bank ``share × (outstanding principal + unpaid interest due)`` of a loan
    overdue past ``policy.compensation_after_days`` (代偿); later recovered from the borrower or written off."""

    scope_region = "loan__region"
    scope_organization = {"bank_officer": "bank", "guarantee_officer": "guarantee_org"}

    loan = models.OneToOneField(
        "loans.LoanApplication", verbose_name=_("贷款"), on_delete=models.PROTECT, related_name="compensation"
    )
    bank = models.ForeignKey(
        "accounts.Organization", verbose_name=_("经办银行"), on_delete=models.PROTECT, related_name="+"
    )
    guarantee_org = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("担保机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    date = models.DateField(_("代偿日期"))
    days_past_due = models.PositiveIntegerField(_("代偿时逾期天数"))
    share = models.DecimalField(_("代偿比例"), **RATIO)
    principal = models.DecimalField(_("逾期本金余额（元）"), **MONEY)
    interest = models.DecimalField(_("欠息（元）"), **MONEY)
    amount = models.DecimalField(_("代偿金额（元）"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=12, choices=CompensationStatus.choices, default=CompensationStatus.COMPENSATED
    )
    recovered_amount = models.DecimalField(_("已追回（元）"), default=Decimal0, **MONEY)
    closed_date = models.DateField(_("追回/核销日期"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("担保代偿")
        verbose_name_plural = _("担保代偿")
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.loan_id} 代偿 {self.amount}"


class SubsidyBatch(RegionScopedModel):
    """A handling bank's quarterly interest-subsidy claim for the loans of one region (by default the city),
    approved or returned by the finance bureau (``finance_org``: its unit liaisons see and decide it)."""

    scope_region = "region"
    scope_organization = {"bank_officer": "bank", "unit_liaison": "finance_org"}

    number = models.CharField(_("批次号"), max_length=40, unique=True)
    bank = models.ForeignKey(
        "accounts.Organization", verbose_name=_("经办银行"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("申报区划"), on_delete=models.PROTECT, related_name="+"
    )
    finance_org = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("审核财政部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    period_start = models.DateField(_("季度起日"))
    period_end = models.DateField(_("季度止日"))
    status = models.CharField(
        _("状态"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    line_count = models.PositiveIntegerField(_("明细笔数"), default=0)
    loan_count = models.PositiveIntegerField(_("贷款笔数"), default=0)
    interest_total = models.DecimalField(_("合同利息合计（元）"), default=Decimal0, **MONEY)
    borrower_interest_total = models.DecimalField(_("借款人承担合计（元）"), default=Decimal0, **MONEY)
    subsidy_total = models.DecimalField(_("贴息合计（元）"), default=Decimal0, **MONEY)
    central_total = models.DecimalField(_("中央资金（元）"), default=Decimal0, **MONEY)
    provincial_total = models.DecimalField(_("省级资金（元）"), default=Decimal0, **MONEY)
    city_total = models.DecimalField(_("市级资金（元）"), default=Decimal0, **MONEY)
    county_total = models.DecimalField(_("县级资金（元）"), default=Decimal0, **MONEY)
    return_reason = models.CharField(_("退回原因"), max_length=500, blank=True)
    created_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = user_ref()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("贴息申报批次")
        verbose_name_plural = _("贴息申报批次")
        ordering = ["-year", "-quarter", "-id"]
        indexes = [models.Index(fields=["bank", "year", "quarter"])]

    def __str__(self) -> str:
        return self.number


class SubsidyBatchEvent(WorkflowEvent):
    """A typed workflow event of a batch (created, submitted, approved, returned), written by
    :data:`fanxiang.loans.subsidy.workflow.BATCHES` in the step's transaction: the batch's timeline."""

    batch = models.ForeignKey(
        SubsidyBatch, verbose_name=_("批次"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("贴息批次流程事件")
        verbose_name_plural = _("贴息批次流程事件")
        indexes = [models.Index(fields=["batch", "at"])]


class SubsidyLine(models.Model):
    """One loan-period claimed in a batch; ``central + provincial + city + county == subsidy`` exactly.
    ``active`` turns false when the batch is returned, freeing the period for a new claim; the partial
    unique constraint keeps a loan-period in at most one active line."""

    batch = models.ForeignKey(SubsidyBatch, on_delete=models.CASCADE, related_name="lines")
    schedule_item = models.ForeignKey(ScheduleItem, on_delete=models.PROTECT, related_name="claims")
    # The loan repeats the schedule item's (set by the same INSERT … SELECT): no index (lines are read by batch
    # or by period) and no database constraint (the item's foreign key already ties the line to the loan;
    # a second per-row check costs a third of a city-wide claim's commit on PostgreSQL).
    loan = models.ForeignKey(
        "loans.LoanApplication",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    period = models.PositiveSmallIntegerField(_("期次"))
    due_date = models.DateField(_("应还日期"))
    interest = models.DecimalField(_("合同利息（元）"), **MONEY)
    borrower_interest = models.DecimalField(_("借款人承担（元）"), **MONEY)
    subsidy = models.DecimalField(_("贴息（元）"), **MONEY)
    central = models.DecimalField(_("中央（元）"), **MONEY)
    provincial = models.DecimalField(_("省级（元）"), **MONEY)
    city = models.DecimalField(_("市级（元）"), **MONEY)
    county = models.DecimalField(_("县级（元）"), **MONEY)
    payee = models.CharField(_("贴息拨付对象"), max_length=10, choices=SubsidyPayee.choices)
    carried_over = models.BooleanField(_("以前季度补报"), default=False)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("贴息申报明细")
        verbose_name_plural = _("贴息申报明细")
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule_item"], condition=models.Q(active=True), name="subsidy_line_claimed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.loan_id}#{self.period}"
