"""The platform's own tables: the working-day calendar and the workflow machine's clocks.

``WorkflowEvent`` is the abstract base of every app's typed event rows (one per transition: who, in which
role, when, from which state to which, the reason and a payload). ``WorkflowClock`` and ``WorkflowPause``
record, per workflow object, when the current step's clock started and the intervals during which it was
paused (waiting for the applicant), so that due dates move by the pauses (:mod:`fanxiang.core.workflow`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Holiday(models.Model):
    """Calendar exceptions for working-day deadlines: a holiday on a weekday, or a working weekend day."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("调休上班"), default=False)
    name = models.CharField(_("名称"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class WorkflowEvent(models.Model):
    """Abstract base of the typed event rows every workflow writes (the subclass adds the FK to its
    object). Written by :func:`fanxiang.core.workflow.Workflow.transition` in the step's transaction."""

    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=64, blank=True)
    actor_role = models.CharField(_("操作角色"), max_length=32, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.TextField(_("意见/说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class WorkflowClock(models.Model):
    """The clock of one workflow object's current step: started on entering the state, with a limit in
    working days; pauses (:class:`WorkflowPause`) push the due date back by the working days they cover."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    workflow = models.CharField(_("流程"), max_length=40)
    state = models.CharField(_("环节"), max_length=32)
    started_on = models.DateField(_("起算日"))
    limit_days = models.PositiveIntegerField(_("时限（工作日）"), null=True, blank=True)
    due_date = models.DateField(_("办理时限"), null=True, blank=True)
    paused_since = models.DateField(_("暂停起始"), null=True, blank=True)

    class Meta:
        verbose_name = _("流程时钟")
        verbose_name_plural = _("流程时钟")
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="core_clock_one_per_object")
        ]
        indexes = [models.Index(fields=["workflow", "due_date"])]

    def __str__(self) -> str:
        return f"{self.workflow}#{self.object_id} {self.state} → {self.due_date}"

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None


class WorkflowPause(models.Model):
    """One interval during which a step's clock stood still (``resumed_on`` empty while it still does)."""

    clock = models.ForeignKey(WorkflowClock, on_delete=models.CASCADE, related_name="pauses")
    paused_on = models.DateField(_("暂停日"))
    resumed_on = models.DateField(_("恢复日"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("计时暂停")
        verbose_name_plural = _("计时暂停")
        ordering = ["paused_on", "id"]

    def __str__(self) -> str:
        return f"{self.paused_on} – {self.resumed_on or '…'}"


def stored_name(folder: str, owner_id: object, filename: str) -> str:
    """A random name under MEDIA_ROOT for an upload (``folder/<owner>/<hex><suffix>``): the client's file
    name is kept only as data, never as a path."""
    import uuid
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()[:8]
    return f"{folder}/{owner_id}/{uuid.uuid4().hex}{suffix}"


class StoredFile(models.Model):
    """What every uploaded file records beside its ``file`` field (the subclass declares ``file`` with its own
    ``upload_to``, and its owner): the client's name, the checked type and size, the content hash, when."""

    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True
