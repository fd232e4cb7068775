"""States and kinds of the one-stop service centres (points (六)(七)), with their Chinese labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CentreStatus(models.TextChoices):
    ACTIVE = "active", _("运行中")
    BUILDING = "building", _("建设中")
    SUSPENDED = "suspended", _("暂停服务")


class Mode(models.TextChoices):
    """How a service is delivered: 网上办 · 马上办 (at the window) · 全程帮办. A request's channel is one."""

    ONLINE = "online", _("网上办")
    WINDOW = "window", _("窗口办")
    ASSISTED = "assisted", _("全程帮办")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("登记中")  # only inside the intake transaction, before the submit step
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
    RESUBMITTED = "resubmitted", _("已补正")
    TRANSFERRED = "transferred", _("已转办")
    COMPLETED = "completed", _("已办结")
    REJECTED = "rejected", _("不予办理")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.ACCEPTED,
    RequestStatus.IN_PROGRESS,
    RequestStatus.SUPPLEMENT_REQUESTED,
    RequestStatus.RESUBMITTED,
    RequestStatus.TRANSFERRED,
)
# the states in which the clock runs (a supplement request pauses it)
CLOCK_RUNNING = tuple(s for s in OPEN_STATUSES if s != RequestStatus.SUPPLEMENT_REQUESTED)


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIR = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


BAD_RATING_MAX = 2  # 差评: the bottom two levels


class RatingSource(models.TextChoices):
    PORTAL = "portal", _("门户评价")
    PAD = "pad", _("窗口评价器")
    LINK = "link", _("一次性评价链接")


class RectificationStatus(models.TextChoices):
    DRAFT = "draft", _("登记中")
    OPEN = "open", _("整改中")
    CALLED_BACK = "called_back", _("已回访")
    CLOSED = "closed", _("已办结")
