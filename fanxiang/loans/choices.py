from django.db import models
from django.utils.translation import gettext_lazy as _


class BorrowerType(models.TextChoices):
    INDIVIDUAL = "individual", _("个人")
    PARTNERSHIP = "partnership", _("合伙创业")
    ENTERPRISE = "enterprise", _("小微企业")


class BorrowerCategory(models.TextChoices):
    """The 10 standing eligible groups (财金〔2018〕22号 / 〔2020〕21号) and the temporary 2020 groups of 21号
    (valid for loans issued up to 2020-12-31, configurable in the loan policy)."""

    URBAN_UNEMPLOYED = "urban_unemployed", _("城镇登记失业人员")
    HARD_TO_EMPLOY = "hard_to_employ", _("就业困难人员（含残疾人）")
    VETERAN = "veteran", _("复员转业退役军人")
    RELEASED_PRISONER = "released_prisoner", _("刑满释放人员")
    COLLEGE_GRADUATE = "college_graduate", _("高校毕业生（含大学生村官、留学回国学生）")
    OVERCAPACITY_WORKER = "overcapacity_worker", _("化解过剩产能企业职工和失业人员")
    RETURNING_MIGRANT_WORKER = "returning_migrant_worker", _("返乡创业农民工")
    ONLINE_MERCHANT = "online_merchant", _("网络商户")
    POOR_HOUSEHOLD = "poor_household", _("建档立卡贫困人口")
    RURAL_ENTREPRENEUR = "rural_entrepreneur", _("农村自主创业农民")
    COVID_SOLE_TRADER = "covid_sole_trader", _("受疫情影响暂时失去收入来源的个体工商户（2020临时）")
    TAXI_BUYER = "taxi_buyer", _("贷款购车出租运营的个人（2020临时）")
    RIDE_HAILING_DRIVER = "ride_hailing_driver", _("贷款购车的专职网约车驾驶员（2020临时）")
    TAXI_COMPANY = "taxi_company", _("出租车、网约车企业（2020临时）")
    REPEAT_HARDSHIP = "repeat_hardship", _("按时还清贴息贷款、受疫情影响经营困难的再次申请人（2020临时）")


STANDING_CATEGORIES = [
    "urban_unemployed", "hard_to_employ", "veteran", "released_prisoner", "college_graduate",
    "overcapacity_worker", "returning_migrant_worker", "online_merchant", "poor_household", "rural_entrepreneur",
]  # fmt: skip
TEMPORARY_2020_CATEGORIES = [
    "covid_sole_trader",
    "taxi_buyer",
    "ride_hailing_driver",
    "taxi_company",
    "repeat_hardship",
]

# registry category -> default borrower category
REGISTRY_TO_BORROWER = {
    "returning_migrant_worker": "returning_migrant_worker",
    "college_graduate": "college_graduate",
    "veteran": "veteran",
}


class SubsidyMode(models.TextChoices):
    """How the interest splits between borrower and fiscal subsidy."""

    LPR_MINUS = "lpr_minus", _("借款人承担 LPR 减点以内利息，其余财政贴息（2021年起）")
    SHARE_BY_YEAR = "share_by_year", _("按贷款年度分担比例贴息（2018–2020 做法）")
    FULL = "full", _("全额贴息")
    # 2018–2020 small/micro enterprises: the subsidy is a share (e.g. 50%) of the interest at the 1-year
    # benchmark rate (贷款基础利率 / LPR) on the contract date (policy-facts §1.4, secondary). Set on a loan's
    # repayment plan from ``LoanPolicy.enterprise_benchmark_share``; not a policy-wide mode.
    RATE_SHARE = "rate_share", _("按贷款基础利率（LPR）的一定比例贴息（2018–2020 小微企业）")


class CounterGuarantee(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("自然人担保")
    PARK = "park", _("园区担保")
    PROPERTY = "property", _("财产担保")
    REAL_ESTATE = "real_estate", _("房产担保")
    EQUIPMENT = "equipment", _("设备抵押")
    FOREST_RIGHTS = "forest_rights", _("林权抵押")
    COLLECTIVE_LAND = "collective_land", _("集体土地使用权抵押")
    FRANCHISE = "franchise", _("特种经营权质押")
    RECEIVABLES = "receivables", _("应收账款质押")
    EQUITY = "equity", _("股权质押")
    WAIVER = "waiver", _("免反担保（推荐）")


class AppStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待人社资格审核")
    HR_APPROVED = "hr_approved", _("待担保审核")
    GUARANTEE_APPROVED = "guarantee_approved", _("待银行审批")
    BANK_APPROVED = "bank_approved", _("待签订合同")
    CONTRACTED = "contracted", _("待放款")
    DISBURSED = "disbursed", _("已放款")
    REPAYING = "repaying", _("还款中")
    SETTLED = "settled", _("已结清")
    RETURNED = "returned", _("退回补正")
    REJECTED = "rejected", _("不予通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    OVERDUE = "overdue", _("逾期")
    COMPENSATED = "compensated", _("已代偿")
    RECOVERED = "recovered", _("已追回")
    WRITTEN_OFF = "written_off", _("已核销")
    EXTENDED = "extended", _("已展期")


class RepaymentMethod(models.TextChoices):
    INTEREST_MONTHLY = "interest_monthly", _("按月付息、到期还本")
    EQUAL_INSTALMENTS = "equal_instalments", _("等额本息")


class SubsidyPayment(models.TextChoices):
    """How the interest subsidy reaches the money (a city-wide practice, effective-dated on the policy)."""

    NET = "net", _("银行按借款人承担部分收息，其余向财政申请贴息")
    REIMBURSE = "reimburse", _("先付后贴：借款人全额付息，按季度向借款人拨付贴息")


class ScheduleStatus(models.TextChoices):
    PENDING = "pending", _("未到期")
    PARTIAL = "partial", _("部分还款")
    PAID = "paid", _("已还清")
    OVERDUE = "overdue", _("逾期")
    # a future period dropped by an early full settlement (its amounts zeroed, never claimed)
    CANCELLED = "cancelled", _("已取消（提前结清）")


class RepaymentKind(models.TextChoices):
    REGULAR = "regular", _("正常还款")
    PREPAYMENT = "prepayment", _("提前部分还款")
    SETTLEMENT = "settlement", _("提前结清")


class RepaymentSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("批量导入")


class CompensationStatus(models.TextChoices):
    COMPENSATED = "compensated", _("已代偿")
    RECOVERED = "recovered", _("已追回")
    WRITTEN_OFF = "written_off", _("已核销")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交财政审核")
    APPROVED = "approved", _("财政已审核")
    RETURNED = "returned", _("财政已退回")


class SubsidyPayee(models.TextChoices):
    BANK = "bank", _("经办银行")
    BORROWER = "borrower", _("借款人")


class DocumentKind(models.TextChoices):
    """Documents attached to a loan application (scans or photos: PDF, JPG, PNG)."""

    ID_CARD = "id_card", _("身份证")
    BUSINESS_PROOF = "business_proof", _("营业执照或经营场所证明")
    CATEGORY_PROOF = "category_proof", _("扶持对象身份证明")
    STAFF_ROSTER = "staff_roster", _("职工花名册及劳动合同")
    RECOMMENDATION = "recommendation", _("免反担保推荐函")
    COUNTER_GUARANTEE = "counter_guarantee", _("反担保材料")
    CREDIT_REPORT = "credit_report", _("征信报告")
    OTHER = "other", _("其他材料")


# documents that must be on file before an application can be submitted
REQUIRED_DOCUMENTS = {
    "all": ["id_card", "business_proof"],
    "individual": ["category_proof"],
    "partnership": ["category_proof"],
    "enterprise": ["staff_roster"],
    "waiver": ["recommendation"],
}
