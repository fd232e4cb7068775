"""Forms of the loan settings pages: policy version, LPR, holiday."""

from __future__ import annotations

from typing import Any

from django import forms

from fanxiang.loans.choices import (
    STANDING_CATEGORIES,
    TEMPORARY_2020_CATEGORIES,
    BorrowerCategory,
    SubsidyMode,
    SubsidyPayment,
)
from fanxiang.loans.settings import services as policy_services

DATE = {"type": "date"}


# --------------------------------------------------------------------------- policy settings


def _category_choices(codes: list[str]) -> list[tuple[str, str]]:
    labels = dict(BorrowerCategory.choices)
    extra = [c for c in BorrowerCategory.values if c not in codes]
    return [(c, labels[c]) for c in [*codes, *extra]]  # the code only as the value, never in the label


class PolicyForm(forms.Form):
    """Every field of a policy version as the admin types it; ``policy_services`` validates."""

    name = forms.CharField(label="名称", required=False)
    effective_from = forms.CharField(
        label="生效日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    effective_to = forms.CharField(
        label="失效日期",
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text="留空表示长期有效。",
    )
    source = forms.CharField(
        label="政策依据",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="文件名称、文号及要点。",
    )
    unconfirmed = forms.CharField(
        label="待核实事项", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="依据文件未明确、需核实的参数。",
    )  # fmt: skip
    individual_max_amount = forms.CharField(label="个人贷款最高额度（元）", required=False)
    individual_max_term_months = forms.CharField(label="个人贷款最长期限（月）", required=False)
    partnership_uplift_ratio = forms.CharField(
        label="合伙创业额度上浮比例上限", required=False, help_text="0到1之间，如 0.10 表示10%。"
    )
    enterprise_max_amount = forms.CharField(label="小微企业贷款最高额度（元）", required=False)
    enterprise_max_term_months = forms.CharField(label="小微企业贷款最长期限（月）", required=False)
    hire_ratio_small = forms.CharField(
        label="当年新招符合条件人员占比下限", required=False, help_text="如 0.15。"
    )
    hire_ratio_large = forms.CharField(
        label="超过规定人数企业的占比下限", required=False, help_text="如 0.08。"
    )
    large_staff_threshold = forms.CharField(label="企业人数分档（超过此数适用较低占比）", required=False)
    max_subsidised_loans = forms.CharField(label="累计享受贴息贷款次数上限", required=False)
    existing_debt_exclusion = forms.BooleanField(
        label="本人及配偶有其他贷款（特定种类除外）不予支持", required=False
    )
    min_age = forms.CharField(label="最低年龄", required=False)
    max_age_male = forms.CharField(label="男性最高年龄", required=False)
    max_age_female = forms.CharField(label="女性最高年龄", required=False)
    eligible_categories = forms.MultipleChoiceField(
        label="常设扶持对象",
        required=False,
        choices=_category_choices(STANDING_CATEGORIES),
        widget=forms.CheckboxSelectMultiple,
    )
    temporary_categories = forms.MultipleChoiceField(
        label="阶段性扶持对象",
        required=False,
        choices=_category_choices(TEMPORARY_2020_CATEGORIES),
        widget=forms.CheckboxSelectMultiple,
    )
    temporary_until = forms.CharField(
        label="阶段性扶持对象截止日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    rate_cap_bp_over_lpr = forms.CharField(label="利率上限（LPR 加点，基点）", required=False)
    subsidy_mode = forms.CharField(label="贴息方式", required=False, widget=forms.Select())
    borrower_bp_below_lpr = forms.CharField(
        label="借款人承担利率（LPR 减点，基点）", required=False, help_text="仅“LPR 减点”方式使用，如 150。"
    )
    subsidy_share_by_year = forms.CharField(
        label="按贷款年度的贴息比例",
        required=False,
        help_text="逐年填写，用逗号分隔，可用小数或分数，如“1, 2/3, 1/3”；仅“按贷款年度分担”方式使用。",
    )
    subsidy_payment = forms.CharField(
        label="贴息拨付方式",
        required=False,
        widget=forms.Select(choices=[("", "请选择"), *SubsidyPayment.choices]),
    )
    subsidy_for_overdue = forms.BooleanField(label="逾期期间继续贴息", required=False)
    fund_central = forms.CharField(label="中央", required=False)
    fund_provincial = forms.CharField(label="省级", required=False)
    fund_city = forms.CharField(label="市级", required=False)
    fund_county = forms.CharField(label="县级", required=False)
    fund_split = forms.CharField(required=False, widget=forms.HiddenInput)  # carries the split's errors
    compensation_after_days = forms.CharField(label="逾期多少天转代偿", required=False)
    compensation_share = forms.CharField(label="担保基金代偿比例", required=False, help_text="如 0.80。")
    hr_review_days = forms.CharField(label="人社资格审核时限（工作日）", required=False)
    guarantee_review_days = forms.CharField(label="担保审核时限（工作日）", required=False)
    bank_review_days = forms.CharField(label="银行审批时限（工作日）", required=False)
    merged_review = forms.BooleanField(label="多审合一（并联审核）", required=False)
    extension_max_months = forms.CharField(label="展期最长月数（0为不允许）", required=False)
    extension_until = forms.CharField(
        label="展期受理截止日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )

    GROUPS = (
        ("基本信息", ("name", "effective_from", "effective_to", "source", "unconfirmed")),
        (
            "额度与期限",
            (
                "individual_max_amount", "individual_max_term_months", "partnership_uplift_ratio",
                "enterprise_max_amount", "enterprise_max_term_months", "hire_ratio_small", "hire_ratio_large",
                "large_staff_threshold", "max_subsidised_loans", "existing_debt_exclusion",
            ),
        ),
        ("年龄与扶持对象", ("min_age", "max_age_male", "max_age_female", "eligible_categories",
                         "temporary_categories", "temporary_until")),
        ("利率与贴息", ("rate_cap_bp_over_lpr", "subsidy_mode", "borrower_bp_below_lpr", "subsidy_share_by_year",
                     "subsidy_payment", "subsidy_for_overdue", "enterprise_benchmark_share",
                     "penalty_rate_multiplier")),
        ("代偿、审核时限与展期", ("compensation_after_days", "compensation_share", "hr_review_days",
                            "guarantee_review_days", "bank_review_days", "merged_review",
                            "extension_max_months", "extension_until", "extension_subsidised")),
    )  # fmt: skip
    FUND_FIELDS = ("fund_central", "fund_provincial", "fund_city", "fund_county")
    # fields of newer policy models (added when the model has them)
    OPTIONAL = {
        "enterprise_benchmark_share": lambda: forms.CharField(
            label="小微企业贴息：贷款基础利率（LPR）的比例",
            required=False,
            help_text="如 0.50；留空表示小微企业与个人按同一贴息方式。",
        ),
        "penalty_rate_multiplier": lambda: forms.CharField(
            label="罚息利率（合同利率的倍数）", required=False, help_text="1至5，如 1.50。"
        ),
        "extension_subsidised": lambda: forms.BooleanField(label="展期期间继续贴息", required=False),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, make in self.OPTIONAL.items():
            if name in policy_services.POLICY_FIELDS:
                self.fields[name] = make()
        labels = dict(SubsidyMode.choices)
        self.fields["subsidy_mode"].widget.choices = [
            ("", "请选择"),
            *((m, labels.get(m, m)) for m in policy_services.subsidy_modes()),
        ]

    @classmethod
    def initial_from(cls, policy: Any) -> dict[str, Any]:
        values = policy_services.policy_fields_of(policy)
        initial: dict[str, Any] = {}
        for name, value in values.items():
            if name == "fund_split":
                for level in policy_services.FUND_LEVELS:
                    initial[f"fund_{level}"] = str((value or {}).get(level, ""))
            elif name == "subsidy_share_by_year":
                initial[name] = ", ".join(str(s) for s in value or [])
            elif name in ("eligible_categories", "temporary_categories"):
                initial[name] = list(value or [])
            elif hasattr(value, "isoformat"):
                initial[name] = value.isoformat()
            elif value is None:
                initial[name] = ""
            else:
                initial[name] = value
        initial["effective_from"] = ""
        initial["effective_to"] = ""
        return initial

    def groups(self) -> list[tuple[str, list]]:
        return [
            (title, [self[name] for name in names if name in self.fields]) for title, names in self.GROUPS
        ]

    def fund_fields(self) -> list:
        return [self[name] for name in self.FUND_FIELDS]

    def service_data(self) -> dict[str, Any]:
        data = {
            name: self.cleaned_data.get(name)
            for name in policy_services.POLICY_FIELDS
            if name != "fund_split"
        }
        data["fund_split"] = {
            level: self.cleaned_data.get(f"fund_{level}") or "" for level in policy_services.FUND_LEVELS
        }
        return data


class LprForm(forms.Form):
    effective_date = forms.CharField(
        label="公布日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    one_year = forms.CharField(label="1年期（%）", required=False, widget=forms.TextInput(attrs={"size": 8}))
    five_year = forms.CharField(
        label="5年期以上（%）", required=False, widget=forms.TextInput(attrs={"size": 8})
    )
    confirmed = forms.BooleanField(label="已核实（与人民银行公告一致）", required=False)


class HolidayForm(forms.Form):
    date = forms.CharField(
        label="日期", required=False, widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d")
    )
    is_workday = forms.TypedChoiceField(
        label="类型",
        coerce=lambda v: v == "1",
        choices=[("0", "放假（工作日不上班）"), ("1", "调休上班（周末上班）")],
        initial="0",
    )
    name = forms.CharField(label="名称", required=False, max_length=40)
