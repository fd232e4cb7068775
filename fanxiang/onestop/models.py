"""One-stop service centres (point (六)) and their service requests (工单, point (七)).

:class:`Centre` belongs to its county. :class:`ServiceType` is reference data (the five services of point
(七)); its time limit is effective-dated (:class:`ServiceTimeLimit`) because the limits are parameters the
city confirms, not facts of the plan. :class:`ServiceRequest` runs on the platform's workflow machine
(:data:`fanxiang.onestop.workflows.REQUESTS`): its status, due date and paused intervals (the machine's
``WorkflowClock`` / ``WorkflowPause``) change only through a step. A transferred request stays visible to the
centre that received it (``origin_centre``) and is handled by the centre now holding it (``centre``).
:class:`Rating` (好差评) is written once and never changed; a 差评 (level 1–2) opens a
:class:`Rectification` (整改) with its own clock.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fanxiang.core import pii
from fanxiang.core.errors import Conflict
from fanxiang.core.fields import user_ref
from fanxiang.core.models import WorkflowEvent
from fanxiang.core.scope import RegionScopedModel
from fanxiang.onestop.choices import (
    BAD_RATING_MAX,
    CentreStatus,
    Mode,
    RatingLevel,
    RatingSource,
    RectificationStatus,
    RequestStatus,
)

REQUEST_REGIONS = ("centre__region", "origin_centre__region")


class ServiceType(models.Model):
    """A service a centre offers (reference data, edited by the city)."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    materials = models.JSONField(_("所需材料"), default=list, blank=True)
    modes = models.JSONField(_("办理方式"), default=list, blank=True)
    responsible_unit = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    responsible_unit_name = models.CharField(_("责任单位名称"), max_length=128, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def time_limit_on(self, day: dt.date) -> int | None:
        """The time limit in working days in force on ``day`` (the latest version valid from then)."""
        # over .all(): a list of service types prefetches its limits once instead of a query per type
        found = max(
            (t for t in self.time_limits.all() if t.valid_from <= day),
            key=lambda t: t.valid_from,
            default=None,
        )
        return found.days if found is not None else None

    @property
    def time_limit_days(self) -> int | None:
        return self.time_limit_on(timezone.localdate())


class ServiceTimeLimit(models.Model):
    """The promised time limit of a service type, in working days, from ``valid_from`` on."""

    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="time_limits"
    )
    valid_from = models.DateField(_("生效日期"))
    days = models.PositiveSmallIntegerField(_("办理时限（工作日）"))
    basis = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("服务时限")
        verbose_name_plural = _("服务时限")
        ordering = ["service_type", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["service_type", "valid_from"], name="onestop_one_limit_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.service_type} {self.valid_from}: {self.days}"


class Parameters(models.Model):
    """Effective-dated parameters of the app (the city edits them; a new row from a date on)."""

    valid_from = models.DateField(_("生效日期"), unique=True)
    rectification_days = models.PositiveSmallIntegerField(_("整改时限（工作日）"), default=15)
    due_soon_percent = models.PositiveSmallIntegerField(_("临期提醒（已用时限百分比）"), default=80)
    basis = models.CharField(_("依据"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("一站式服务参数")
        verbose_name_plural = _("一站式服务参数")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return str(self.valid_from)

    @classmethod
    def on(cls, day: dt.date) -> Parameters:
        """The parameters in force on ``day`` (the defaults when none are stored)."""
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first() or cls(
            valid_from=dt.date(2020, 1, 1)
        )


class Centre(RegionScopedModel):
    """A county's returnee-entrepreneurship service centre (返乡创业综合服务中心)."""

    scope_region = "region"

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("对应机构"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=128)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=40, blank=True)
    staff_note = models.TextField(_("人员配备"), blank=True)
    services = models.ManyToManyField(ServiceType, verbose_name=_("服务事项"), blank=True, related_name="+")
    status = models.CharField(
        _("状态"), max_length=16, choices=CentreStatus.choices, default=CentreStatus.ACTIVE
    )
    opened_on = models.DateField(_("建成日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务中心")
        verbose_name_plural = _("服务中心")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class ServiceRequest(RegionScopedModel):
    """A service request (工单) taken online, at the window or with full assistance."""

    scope_region = REQUEST_REGIONS

    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务事项"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("办理渠道"), max_length=16, choices=Mode.choices)
    centre = models.ForeignKey(
        Centre, verbose_name=_("承办中心"), on_delete=models.PROTECT, related_name="requests"
    )
    origin_centre = models.ForeignKey(
        Centre, verbose_name=_("受理中心"), on_delete=models.PROTECT, related_name="+"
    )
    transferred_to_unit = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("转办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("登记人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # a visitor not yet in the registry, by ID number (encrypted, keyed hash for search, masked)
    visitor_id_enc = models.TextField(_("身份证号码（密文）"), blank=True, editable=False)
    visitor_id_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    visitor_id_masked = models.CharField(_("来访人身份证号码"), max_length=24, blank=True, editable=False)
    description = models.TextField(_("诉求描述"), blank=True)
    status = models.CharField(
        _("状态"), max_length=24, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    time_limit_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), null=True, blank=True)
    due_date = models.DateField(_("办结期限"), null=True, blank=True)
    due_soon_on = models.DateField(_("临期日"), null=True, blank=True)
    missing = models.JSONField(_("待补正材料"), default=list, blank=True)
    result = models.TextField(_("办理结果"), blank=True)
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    completed_on = models.DateField(_("办结日期"), null=True, blank=True)
    # what the request led to (a loan application, a policy grant, a training enrolment …)
    outcome_type = models.ForeignKey(
        ContentType, verbose_name=_("办理成果类型"), null=True, blank=True, on_delete=models.PROTECT
    )
    outcome_id = models.PositiveBigIntegerField(_("办理成果编号"), null=True, blank=True)
    outcome = GenericForeignKey("outcome_type", "outcome_id")
    created_by = user_ref(_("登记人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="onestop_req_status_due"),
            models.Index(fields=["centre", "status"], name="onestop_req_centre_status"),
            # the queues' order: the first page read from the index instead of sorting every row in scope
            models.Index(fields=["-created_at", "-id"], name="onestop_req_created"),
        ]

    def __str__(self) -> str:
        return f"{self.service_type} #{self.pk}"

    @property
    def visitor_id_number(self) -> str:
        """The full ID number (only for a role that may reveal it; the page shows the masked one)."""
        return pii.decrypt(self.visitor_id_enc)


class ServiceRequestEvent(WorkflowEvent):
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("服务工单"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("工单办理记录")
        verbose_name_plural = _("工单办理记录")


class Rating(RegionScopedModel):
    """The applicant's rating (好差评) of a completed request: one per request, never changed."""

    scope_region = tuple(f"request__{p}" for p in REQUEST_REGIONS)

    request = models.OneToOneField(
        ServiceRequest, verbose_name=_("服务工单"), on_delete=models.PROTECT, related_name="rating"
    )
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=RatingLevel.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    source = models.CharField(_("评价渠道"), max_length=16, choices=RatingSource.choices)
    recorded_by = user_ref(_("录入人"))
    created_at = models.DateTimeField(_("评价时间"), default=timezone.now)

    class Meta:
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=5), name="onestop_rating_level_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.level}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise Conflict("onestop.rating_immutable", "评价提交后不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Conflict("onestop.rating_immutable", "评价提交后不能删除。")

    @property
    def is_bad(self) -> bool:
        return self.level <= BAD_RATING_MAX


class Rectification(RegionScopedModel):
    """整改 of a 差评: a deadline, a call-back to the applicant, and the applicant's second rating."""

    scope_region = tuple(f"request__{p}" for p in REQUEST_REGIONS)

    request = models.OneToOneField(
        ServiceRequest, verbose_name=_("服务工单"), on_delete=models.PROTECT, related_name="rectification"
    )
    rating = models.OneToOneField(
        Rating, verbose_name=_("差评"), on_delete=models.PROTECT, related_name="rectification"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.DRAFT
    )
    limit_days = models.PositiveSmallIntegerField(_("整改时限（工作日）"))
    due_date = models.DateField(_("整改期限"), null=True, blank=True)
    callback_on = models.DateField(_("回访日期"), null=True, blank=True)
    callback_note = models.TextField(_("回访记录"), blank=True)
    second_level = models.PositiveSmallIntegerField(
        _("整改后评价"), choices=RatingLevel.choices, null=True, blank=True
    )
    second_comment = models.TextField(_("整改后评价内容"), blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"整改 #{self.pk}"


class RectificationEvent(WorkflowEvent):
    rectification = models.ForeignKey(
        Rectification, verbose_name=_("差评整改"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")


class SatisfactionMonth(RegionScopedModel):
    """Satisfaction rollup per centre, service type and month (好差评 figures without scanning ratings):
    updated in the transaction that records each rating."""

    scope_region = "centre__region"

    centre = models.ForeignKey(Centre, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="+")
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("服务事项"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("月份"))  # the first day of the month (Asia/Shanghai)
    ratings = models.PositiveIntegerField(_("评价数"), default=0)
    level_sum = models.PositiveIntegerField(_("等级合计"), default=0)
    bad = models.PositiveIntegerField(_("差评数"), default=0)
    level_5 = models.PositiveIntegerField(_("非常满意"), default=0)
    level_4 = models.PositiveIntegerField(_("满意"), default=0)
    level_3 = models.PositiveIntegerField(_("基本满意"), default=0)
    level_2 = models.PositiveIntegerField(_("不满意"), default=0)
    level_1 = models.PositiveIntegerField(_("非常不满意"), default=0)

    class Meta:
        verbose_name = _("满意度月度汇总")
        verbose_name_plural = _("满意度月度汇总")
        ordering = ["-month", "centre", "service_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "service_type", "month"], name="onestop_one_rollup_per_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.centre} {self.service_type} {self.month:%Y-%m}"


from fanxiang.onestop import standard_models  # noqa: E402, F401  (the construction standard's models)
