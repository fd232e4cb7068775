from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    RETURNING_MIGRANT_WORKER = "returning_migrant_worker", _("返乡农民工")
    COLLEGE_GRADUATE = "college_graduate", _("高校毕业生")
    VETERAN = "veteran", _("退役军人")
    RESEARCHER = "researcher", _("科技人员")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学及以下")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专/技校")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生及以上")


class RecordStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    CLOSED = "closed", _("已注销")


class BusinessKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL_BUSINESS = "individual_business", _("个体工商户")
    COOPERATIVE = "cooperative", _("农民专业合作社")
    FAMILY_FARM = "family_farm", _("家庭农场")
    UNREGISTERED = "unregistered", _("未登记经营")


class Industry(models.TextChoices):
    """GB/T 4754-2017 sections (门类)."""

    A = "A", _("农、林、牧、渔业")
    B = "B", _("采矿业")
    C = "C", _("制造业")
    D = "D", _("电力、热力、燃气及水生产和供应业")
    E = "E", _("建筑业")
    F = "F", _("批发和零售业")
    G = "G", _("交通运输、仓储和邮政业")
    H = "H", _("住宿和餐饮业")
    I = "I", _("信息传输、软件和信息技术服务业")  # noqa: E741
    J = "J", _("金融业")
    K = "K", _("房地产业")
    L = "L", _("租赁和商务服务业")
    M = "M", _("科学研究和技术服务业")
    N = "N", _("水利、环境和公共设施管理业")
    O = "O", _("居民服务、修理和其他服务业")  # noqa: E741
    P = "P", _("教育")
    Q = "Q", _("卫生和社会工作")
    R = "R", _("文化、体育和娱乐业")
    S = "S", _("公共管理、社会保障和社会组织")
    T = "T", _("国际组织")


class DuplicateReason(models.TextChoices):
    SAME_NAME_BIRTH = "same_name_birth", _("姓名与出生日期相同")
    SAME_MOBILE = "same_mobile", _("手机号码相同")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    MERGED = "merged", _("已合并")
    DISMISSED = "dismissed", _("非重复")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("已拒绝")
    CANCELLED = "cancelled", _("已撤回")


# Indicator keys shared with targets (targets.models.Indicator values).
INDICATOR_NEW_ENTREPRENEURS = "new_entrepreneurs"
INDICATOR_JOBS_CREATED = "jobs_created"

DEFAULT_PRIORITY_GROUPS = [
    ("epidemic_contributor", "疫情防控中做出突出贡献", 10),
    ("formerly_in_hubei", "原在湖北务工", 20),
    ("poor_household", "贫困家庭/建档立卡", 30),
]
DEFAULT_INDUSTRY_TAGS = [
    ("eco_planting", "生态种植"),
    ("specialty_breeding", "特色养殖"),
    ("rural_ecommerce", "农村电商"),
    ("agri_processing", "农产品加工"),
    ("rural_tourism", "乡村旅游"),
    ("handicraft", "传统手工艺"),
    ("logistics", "物流配送"),
    ("catering", "餐饮服务"),
]
