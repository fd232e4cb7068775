from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.loans.choices import BorrowerCategory, SubsidyMode, SubsidyPayment

RATIO = {"max_digits": 6, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}
MONEY = {"max_digits": 16, "decimal_places": 2}
POLICY_SUBSIDY_MODES = [
    (value, label) for value, label in SubsidyMode.choices if value != SubsidyMode.RATE_SHARE
]


class LoanPolicy(models.Model):
    """The guaranteed-loan rules in force over a period (effective-dated data a city admin edits).
    The shipped defaults carry their sources; values the sources do not confirm are listed in
    ``unconfirmed`` and must be checked before they are relied on."""

    name = models.CharField(_("名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    source = models.TextField(_("政策依据"), blank=True)
    unconfirmed = models.TextField(_("待核实事项"), blank=True)

    individual_max_amount = models.DecimalField(_("个人贷款最高额度（元）"), **MONEY)
    individual_max_term_months = models.PositiveSmallIntegerField(_("个人贷款最长期限（月）"))
    partnership_uplift_ratio = models.DecimalField(_("合伙创业额度上浮比例上限"), **RATIO)
    enterprise_max_amount = models.DecimalField(_("小微企业贷款最高额度（元）"), **MONEY)
    enterprise_max_term_months = models.PositiveSmallIntegerField(_("小微企业贷款最长期限（月）"))
    hire_ratio_small = models.DecimalField(_("当年新招符合条件人员占比下限"), **RATIO)
    hire_ratio_large = models.DecimalField(_("超过规定人数企业的占比下限"), **RATIO)
    large_staff_threshold = models.PositiveIntegerField(_("企业人数分档（超过此数适用较低占比）"))
    max_subsidised_loans = models.PositiveSmallIntegerField(_("累计享受贴息贷款次数上限"))
    min_age = models.PositiveSmallIntegerField(_("最低年龄"))
    max_age_male = models.PositiveSmallIntegerField(_("男性最高年龄"))
    max_age_female = models.PositiveSmallIntegerField(_("女性最高年龄"))
    eligible_categories = models.JSONField(_("常设扶持对象"), default=list)
    temporary_categories = models.JSONField(_("阶段性扶持对象"), default=list, blank=True)
    temporary_until = models.DateField(_("阶段性扶持对象截止日期"), null=True, blank=True)
    existing_debt_exclusion = models.BooleanField(
        _("本人及配偶有其他贷款（特定种类除外）不予支持"), default=True
    )
    rate_cap_bp_over_lpr = models.PositiveIntegerField(_("利率上限（LPR 加点，基点）"))
    # ``rate_share`` is not a policy-wide mode: it is the enterprise rule below
    subsidy_mode = models.CharField(_("贴息方式"), max_length=20, choices=POLICY_SUBSIDY_MODES)
    borrower_bp_below_lpr = models.PositiveIntegerField(_("借款人承担利率（LPR 减点，基点）"), default=150)
    subsidy_share_by_year = models.JSONField(_("按贷款年度的贴息比例"), default=list, blank=True)
    subsidy_for_overdue = models.BooleanField(_("逾期期间继续贴息"), default=False)
    # 2018–2020 small/micro enterprises (policy-facts §1.4, secondary; whether it applied Apr–Dec 2020 is
    # unconfirmed): the subsidy is this share of the interest at the 1-year benchmark rate (LPR) on the
    # contract date, never above the contract interest. Empty: enterprises follow ``subsidy_mode``.
    enterprise_benchmark_share = models.DecimalField(
        _("小微企业贴息：贷款基础利率（LPR）的比例（空为与个人相同）"), null=True, blank=True, **RATIO
    )
    # 展期: whether the periods added by an extension are subsidised (general rule: no, policy-facts §1.4,
    # secondary; 2020 Covid measures: the subsidy continues, §1.5). Read from the policy in force on the
    # extension date.
    extension_subsidised = models.BooleanField(_("展期期间继续贴息"), default=False)
    # 罚息: overdue principal and interest accrue penalty interest at the contract rate times this multiplier
    # (not in the policy texts: unconfirmed; 1.5 is common bank practice). Never subsidised.
    penalty_rate_multiplier = models.DecimalField(
        _("罚息利率（合同利率的倍数）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # net: the bank charges the borrower only their share and claims the rest from the finance bureau;
    # reimburse (先付后贴): the borrower pays the full contract interest and is reimbursed quarterly.
    subsidy_payment = models.CharField(
        _("贴息拨付方式"), max_length=12, choices=SubsidyPayment.choices, default=SubsidyPayment.NET
    )
    compensation_after_days = models.PositiveIntegerField(_("逾期多少天转代偿"), default=90)
    compensation_share = models.DecimalField(_("担保基金代偿比例"), **RATIO)
    fund_split = models.JSONField(_("贴息资金分担（中央/省/市/县）"), default=dict)
    hr_review_days = models.PositiveSmallIntegerField(_("人社资格审核时限（工作日）"), default=7)
    guarantee_review_days = models.PositiveSmallIntegerField(_("担保审核时限（工作日）"), default=3)
    bank_review_days = models.PositiveSmallIntegerField(_("银行审批时限（工作日）"), default=5)
    merged_review = models.BooleanField(_("多审合一（并联审核）"), default=False)
    # 展期: up to this many months (0: no extension), granted no later than ``extension_until`` if set
    extension_max_months = models.PositiveSmallIntegerField(_("展期最长月数（0为不允许）"), default=12)
    extension_until = models.DateField(_("展期受理截止日期"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # the Chinese labels of codes stored without declared choices, for the change log (core.history)
    history_value_labels: ClassVar[dict] = {
        "eligible_categories": BorrowerCategory.choices,
        "temporary_categories": BorrowerCategory.choices,
    }

    class Meta:
        verbose_name = _("创业担保贷款政策")
        verbose_name_plural = _("创业担保贷款政策")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from}起）"

    def covers(self, day) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class LprRate(models.Model):
    """Loan Prime Rate (贷款市场报价利率) announcements, in percent per year."""

    effective_date = models.DateField(_("公布日期"), unique=True)
    one_year = models.DecimalField(_("1年期（%）"), max_digits=6, decimal_places=4)
    five_year = models.DecimalField(_("5年期以上（%）"), max_digits=6, decimal_places=4)
    confirmed = models.BooleanField(_("已核实"), default=False)

    class Meta:
        verbose_name = _("LPR")
        verbose_name_plural = _("LPR")
        ordering = ["-effective_date"]

    def __str__(self) -> str:
        return f"{self.effective_date} {self.one_year}%"


Decimal0 = Decimal("0.00")
