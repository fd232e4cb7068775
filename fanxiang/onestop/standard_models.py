"""The centre construction standard (建设标准) and the assessments of centres against it (point (六)).

:class:`StandardVersion` is data the city edits: its items (:class:`StandardItem`: title, description,
weight in points, the evidence each needs) and its grade bands (:class:`GradeBand`: the lowest score of
each grade). Bands are per version because no source fixes them (优秀/良好/合格/不合格 at 90/75/60 is the
seed's choice, see :mod:`fanxiang.onestop.reference`). A version is edited while it is a draft and frozen
once published; assessments always name the version they were made against, so a later version never
changes an earlier result.

:class:`Assessment` (region-scoped to the centre's county) runs on
:data:`fanxiang.onestop.standard.ASSESSMENTS`: ``draft → submitted → confirmed`` or ``returned →
submitted``; its :class:`AssessmentItem` rows (one per standard item) carry the county's finding and
:class:`Evidence` files. On confirmation the score (weighted), the grade and the list of gaps (items not
fully met) are stored on the assessment.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.fields import user_ref
from fanxiang.core.models import StoredFile, WorkflowEvent, stored_name
from fanxiang.core.scope import RegionScopedModel


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("照片")
    DOCUMENT = "document", _("文件")
    NONE = "none", _("无需佐证")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("待市级确认")
    CONFIRMED = "confirmed", _("已确认")
    RETURNED = "returned", _("已退回")


class ItemResult(models.TextChoices):
    MET = "met", _("达标")
    PARTLY = "partly", _("部分达标")
    NOT_MET = "not_met", _("未达标")


class StandardVersion(models.Model):
    """One version of the construction standard (reference data, edited by the city)."""

    code = models.CharField(_("版本编号"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    valid_from = models.DateField(_("生效日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    partly_percent = models.PositiveSmallIntegerField(
        _("部分达标计分比例（%）"), default=50, validators=[MaxValueValidator(100)]
    )
    basis = models.TextField(_("依据/说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务中心建设标准")
        verbose_name_plural = _("服务中心建设标准")
        ordering = ["-valid_from", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class StandardItem(models.Model):
    """One item of a standard version: what a centre must have, its weight and the evidence it needs."""

    version = models.ForeignKey(
        StandardVersion, verbose_name=_("标准版本"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("条目编号"), max_length=16)
    category = models.CharField(_("类别"), max_length=32, blank=True)
    title = models.CharField(_("条目"), max_length=128)
    description = models.TextField(_("要求"), blank=True)
    weight = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    evidence = models.CharField(
        _("佐证材料"), max_length=16, choices=EvidenceKind.choices, default=EvidenceKind.NONE
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("建设标准条目")
        verbose_name_plural = _("建设标准条目")
        ordering = ["version", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="onestop_one_item_code_per_version"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="onestop_item_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class GradeBand(models.Model):
    """A grade of a version: a score at or above ``min_score`` earns it (the highest band reached)."""

    version = models.ForeignKey(
        StandardVersion, verbose_name=_("标准版本"), on_delete=models.CASCADE, related_name="bands"
    )
    code = models.CharField(_("等级编码"), max_length=16)
    label = models.CharField(_("等级"), max_length=16)
    min_score = models.DecimalField(_("最低分"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("评定等级")
        verbose_name_plural = _("评定等级")
        ordering = ["version", "-min_score"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="onestop_one_band_code_per_version"),
            models.UniqueConstraint(fields=["version", "min_score"], name="onestop_one_band_per_score"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ≥{self.min_score}"


class Assessment(RegionScopedModel):
    """A county's assessment of its centre against a published standard version, confirmed by the city."""

    scope_region = "centre__region"

    centre = models.ForeignKey(
        "onestop.Centre", verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="assessments"
    )
    version = models.ForeignKey(
        StandardVersion, verbose_name=_("标准版本"), on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("等级编码"), max_length=16, blank=True)
    grade_label = models.CharField(_("等级"), max_length=16, blank=True)
    gaps = models.JSONField(_("差距条目"), default=list, blank=True)
    submitted_on = models.DateField(_("提交日期"), null=True, blank=True)
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    created_by = user_ref(_("评估人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("建设标准评估")
        verbose_name_plural = _("建设标准评估")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["centre", "status", "confirmed_on"], name="onestop_assess_centre")]

    def __str__(self) -> str:
        return f"{self.centre} · {self.version.code}"


class AssessmentItem(models.Model):
    """The county's finding on one standard item (blank until filled in)."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="items"
    )
    item = models.ForeignKey(
        StandardItem, verbose_name=_("标准条目"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(_("评估结果"), max_length=16, choices=ItemResult.choices, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("评估条目")
        verbose_name_plural = _("评估条目")
        ordering = ["assessment", "item__order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="onestop_one_finding_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.result or '—'}"


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random stored name under MEDIA_ROOT: the client's file name is kept only as data."""
    return stored_name("onestop_evidence", instance.finding.assessment_id, filename)


class Evidence(StoredFile):
    """A photo (JPG/PNG) or document (PDF) proving one finding (type and size checked by the service)."""

    finding = models.ForeignKey(
        AssessmentItem, verbose_name=_("评估条目"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=EvidenceKind.choices)
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=255)
    uploaded_by = user_ref()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class AssessmentEvent(WorkflowEvent):
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("评估记录")
        verbose_name_plural = _("评估记录")
