"""Shipped defaults of the loan rules (../shared/reference/policy-facts.md §1). City admins edit them;
what the sources do not confirm is listed in each policy's ``unconfirmed`` text."""

import datetime as dt
from decimal import Decimal

from fanxiang.loans.choices import STANDING_CATEGORIES, TEMPORARY_2020_CATEGORIES

COMMON = {
    "partnership_uplift_ratio": Decimal("0.10"),
    "enterprise_max_amount": Decimal("3000000.00"),
    "enterprise_max_term_months": 24,
    "individual_max_term_months": 36,
    "max_subsidised_loans": 3,
    "min_age": 18,
    "max_age_male": 60,
    "max_age_female": 55,
    "eligible_categories": STANDING_CATEGORIES,
    "existing_debt_exclusion": True,
    "rate_cap_bp_over_lpr": 50,
    "subsidy_for_overdue": False,
    "compensation_after_days": 90,
    "compensation_share": Decimal("0.80"),
    "fund_split": {"central": "0.50", "provincial": "0.25", "city": "0.125", "county": "0.125"},
    "hr_review_days": 7,
    "guarantee_review_days": 3,
    "bank_review_days": 5,
    # 罚息: not in the policy texts (unconfirmed); 1.5 × the contract rate is common bank practice (the PBoC's
    # 30%–50% uplift on overdue loans, recalled)
    "penalty_rate_multiplier": Decimal("1.50"),
    # 展期 periods carry no subsidy as a general rule (policy-facts §1.4, secondary); 2020 overrides below
    "extension_subsidised": False,
    "enterprise_benchmark_share": None,
}
PENALTY_NOTE = "罚息利率倍数（1.5倍为银行通行做法，政策文件未载明）"
# 2018–2020 (policy-facts §1.4, secondary): small firms are subsidised 50% of the interest at the benchmark
# rate (贷款基础利率, the 1-year LPR) on the contract date
ENTERPRISE_2018_NOTE = (
    "小微企业按合同日贷款基础利率（1年期LPR）的50%贴息（2018年规则，二手来源；2020年4–12月是否适用未核实）"
)

POLICIES = [
    {
        "name": "2019年规则（财金〔2018〕22号及2018年提高额度）",
        "effective_from": dt.date(2019, 1, 1),
        "effective_to": dt.date(2020, 4, 14),
        "source": "财金〔2018〕22号；2018-11-16 国务院稳就业措施（个人15万、小微企业300万）；21号称小微企业比例“由20%下降为15%”。",
        "unconfirmed": "超过100人企业的较低比例此前是否存在（暂按20%）；贴息分担比例（按年度100%/2/3/1/3，二手来源）；利率上限（LPR+50BP 为他地做法）；资金分担比例；"
        + f"{ENTERPRISE_2018_NOTE}；展期期间不贴息（一般规则，二手来源）；{PENALTY_NOTE}。",
        **COMMON,
        "enterprise_benchmark_share": Decimal("0.50"),
        "individual_max_amount": Decimal("150000.00"),
        "hire_ratio_small": Decimal("0.20"),
        "hire_ratio_large": Decimal("0.20"),
        "large_staff_threshold": 100,
        "temporary_categories": [],
        "temporary_until": None,
        "subsidy_mode": "share_by_year",
        "subsidy_share_by_year": ["1", "2/3", "1/3"],
    },
    {
        "name": "2020年规则（财金〔2020〕21号）",
        "effective_from": dt.date(2020, 4, 15),
        "effective_to": dt.date(2020, 12, 31),
        "source": "财金〔2020〕21号《关于进一步加大创业担保贷款贴息力度全力支持重点群体创业就业的通知》：个人20万元、合伙上浮不超过10%、小微企业15%（超过100人8%）、阶段性扶持对象至2020-12-31。",
        "unconfirmed": "2020年4–12月发放贷款的贴息分担方式（暂按年度100%/2/3/1/3）；利率上限（LPR+50BP 为他地做法）；年龄上限（按法定劳动年龄 男60 女55）；资金分担比例；免反担保额度门槛；"
        + f"{ENTERPRISE_2018_NOTE}；展期期间继续贴息（疫情期间措施，地方来源，截止日期未核实）；{PENALTY_NOTE}。",
        **COMMON,
        "enterprise_benchmark_share": Decimal("0.50"),
        "extension_subsidised": True,
        "individual_max_amount": Decimal("200000.00"),
        "hire_ratio_small": Decimal("0.15"),
        "hire_ratio_large": Decimal("0.08"),
        "large_staff_threshold": 100,
        "temporary_categories": TEMPORARY_2020_CATEGORIES,
        "temporary_until": dt.date(2020, 12, 31),
        "subsidy_mode": "share_by_year",
        "subsidy_share_by_year": ["1", "2/3", "1/3"],
    },
    {
        "name": "2021年起规则（LPR−150BP）",
        "effective_from": dt.date(2021, 1, 1),
        "effective_to": None,
        "source": "财金〔2020〕21号第二阶段：2021年1月1日起新发放贷款，借款人承担 LPR−150BP 以内部分，其余财政贴息。",
        "unconfirmed": "利率上限（LPR+50BP 为他地做法）；资金分担比例（河南2022年5月起个人贷款全额贴息未纳入）；"
        + f"展期期间不贴息（一般规则，二手来源）；{PENALTY_NOTE}。",
        **COMMON,
        "individual_max_amount": Decimal("200000.00"),
        "hire_ratio_small": Decimal("0.15"),
        "hire_ratio_large": Decimal("0.08"),
        "large_staff_threshold": 100,
        "temporary_categories": [],
        "temporary_until": None,
        "subsidy_mode": "lpr_minus",
        "borrower_bp_below_lpr": 150,
        "subsidy_share_by_year": [],
    },
]

# LPR announcements (percent): (date, 1-year, 5-year and over, confirmed). ``confirmed`` is True only for a
# value checked against a source; the loader ships it as LprRate.confirmed and a city admin confirms or
# corrects the others on the LPR settings page. All values below are recalled, not checked against the
# PBoC / CFETS releases (the 2024–2025 ones were named in issue 12; a search of the stored pages did not
# find the announcements): all unconfirmed.
LPR = [
    # before the August 2019 reform: the 1-year 贷款基础利率 (4.31% from late October 2015; recalled); the
    # old rate had no 5-year tenor, the column holds the 5-year+ benchmark lending rate (4.90%). Needed by the
    # 2019 policy's rate cap and enterprise subsidy for contracts before 2019-08-20.
    (dt.date(2015, 10, 26), "4.31", "4.90", False),
    (dt.date(2019, 8, 20), "4.25", "4.85", False),
    (dt.date(2019, 9, 20), "4.20", "4.85", False),
    (dt.date(2019, 11, 20), "4.15", "4.80", False),
    (dt.date(2020, 2, 20), "4.05", "4.75", False),
    (dt.date(2020, 4, 20), "3.85", "4.65", False),
    (dt.date(2021, 12, 20), "3.80", "4.65", False),
    (dt.date(2022, 1, 20), "3.70", "4.60", False),
    (dt.date(2022, 8, 22), "3.65", "4.30", False),
    (dt.date(2023, 6, 20), "3.55", "4.20", False),
    (dt.date(2023, 8, 21), "3.45", "4.20", False),
    # 2024–2025 announcements (issue 12; 5-year+ cut alone on 2024-02-20)
    (dt.date(2024, 2, 20), "3.45", "3.95", False),
    (dt.date(2024, 7, 22), "3.35", "3.85", False),
    (dt.date(2024, 10, 21), "3.10", "3.60", False),
    (dt.date(2025, 5, 20), "3.00", "3.50", False),
]
