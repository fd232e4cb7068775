"""Notifications: the in-app inbox, the per-channel delivery record and the editable Chinese templates.

* ``NotificationTemplate`` — one per event (:mod:`fanxiang.notifications.events`): inbox title and body, SMS
  switch and SMS text; edited by the city admin, validated placeholders, change-logged.
* ``Notification`` — one inbox item for a staff or portal user (``recipient_user``) or for a registry person
  (``recipient_entrepreneur``: the portal account bound to that person reads it). Owner-only, not
  region-scoped: nobody but the recipient reads an inbox (the city admin sees delivery status).
* ``Delivery`` — one channel of one notification (``inbox`` always, ``sms`` for decisive events): status,
  attempts, last error, provider id. The mobile number is never stored here: it is looked up at send time
  (masked copy kept for the delivery log).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.fields import user_ref


class NotificationTemplate(models.Model):
    event = models.CharField(_("事件"), max_length=40, unique=True)
    title = models.CharField(_("站内消息标题"), max_length=100)
    body = models.TextField(_("站内消息内容"), max_length=1000)
    sms_enabled = models.BooleanField(_("发送短信"), default=False)
    sms_body = models.CharField(_("短信内容"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = user_ref()

    class Meta:
        verbose_name = _("消息模板")
        verbose_name_plural = _("消息模板")
        ordering = ["event"]

    def __str__(self) -> str:
        from fanxiang.notifications.events import EVENTS

        spec = EVENTS.get(self.event)
        return spec.label if spec else self.event


class Notification(models.Model):
    event = models.CharField(_("事件"), max_length=40, db_index=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient_entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("接收人（登记人员）"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=200, blank=True)
    context = models.JSONField(_("数据"), default=dict, blank=True)
    # idempotence for scheduled reminders ("repayment_due:<item>"): one notification per key
    dedup_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient_user", "-created_at"], name="notification_user_idx"),
            models.Index(fields=["recipient_entrepreneur", "-created_at"], name="notification_person_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_user__isnull=False)
                | models.Q(recipient_entrepreneur__isnull=False),
                name="notification_has_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    INBOX = "inbox", _("站内消息")
    SMS = "sms", _("短信")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    RETRYING = "retrying", _("发送失败，等待重试")
    FAILED = "failed", _("发送失败")
    SKIPPED = "skipped", _("未发送")


class Delivery(models.Model):
    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=8, choices=Channel.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    text = models.CharField(_("短信内容"), max_length=500, blank=True)
    to_masked = models.CharField(_("接收号码"), max_length=16, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    provider_id = models.CharField(_("网关消息编号"), max_length=100, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"
