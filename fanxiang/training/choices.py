"""States and kinds of start-up training (point (八)), with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeKind(models.TextChoices):
    SYB = "SYB", _("创办你的企业（SYB）")
    IYB = "IYB", _("改善你的企业（IYB）")
    GYB = "GYB", _("产生你的企业想法（GYB）")
    ONLINE_STARTUP = "online_startup", _("网络创业培训")
    VILLAGE_LEADER = "village_leader", _("贫困村创业致富带头人培训")
    PROJECT_HEAD = "project_head", _("示范项目负责人提升培训")
    OTHER = "other", _("其他")


class ExclusionRule(models.TextChoices):
    """How the pensioner / full-time-student flag counts at enrolment."""

    HARD = "hard", _("不得报名")
    SOFT = "soft", _("提示后可报名")


class ClassMode(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")
    MIXED = "mixed", _("线上线下结合")


class ClassStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    FILED = "filed", _("已备案待审")
    APPROVED = "approved", _("已审核（招生中）")
    RUNNING = "running", _("开班中")
    FINISHED = "finished", _("已结业")
    CLAIMED = "claimed", _("已申领补贴")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已取消")


class VillagePost(models.TextChoices):
    SECRETARY = "secretary", _("村党支部书记")
    DIRECTOR = "director", _("村委会主任")
    CADRE = "cadre", _("其他村干部")
    LEADER = "leader", _("致富带头人")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("已报名")
    WITHDRAWN = "withdrawn", _("已退出")


class EnrolmentSource(models.TextChoices):
    STAFF = "staff", _("经办录入")
    PORTAL = "portal", _("门户报名")
    IMPORT = "import", _("批量导入")


class AttendanceSource(models.TextChoices):
    QR = "qr", _("扫码签到")
    TEACHER = "teacher", _("教师补签")
    ONLINE = "online", _("线上学习")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    REVIEWED = "reviewed", _("县级已审核")
    PUBLICISED = "publicised", _("公示中")
    APPROVED = "approved", _("已审批")
    PAID = "paid", _("已拨付")
    RETURNED = "returned", _("已退回")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")
