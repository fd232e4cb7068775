"""The entrepreneurs' portal: accounts signed in by mobile + one-time code, real-name binding to the registry,
self-registrations and edit requests decided by the county, and the service clerk's assisted sessions.

A portal account is a ``PortalAccount`` with its own ``accounts.User`` row (so the change log, loan events
and uploads can name who acted) that holds *no role assignment and no usable password*: it can never sign in
on the staff login page nor obtain a staff API token, and staff scope resolves to nothing for it. Its own
credentials — one-time codes, an optional password, ``PortalToken`` bearer tokens and the portal session key
— are separate from the staff ones (see :mod:`fanxiang.portal.auth`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fanxiang.accounts.models import BearerToken
from fanxiang.core import pii
from fanxiang.core.fields import user_ref
from fanxiang.core.models import WorkflowEvent
from fanxiang.core.scope import RegionScopedModel


class PortalAccount(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account", editable=False
    )
    mobile_enc = models.TextField(_("手机号码（密文）"), editable=False)
    mobile_hash = models.CharField(max_length=64, unique=True, editable=False)
    mobile_masked = models.CharField(_("手机号码"), max_length=16, editable=False)
    entrepreneur = models.OneToOneField(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("绑定的登记人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="portal_account",
    )
    bound_at = models.DateTimeField(_("实名绑定时间"), null=True, blank=True)
    password = models.CharField(_("登录密码（哈希）"), max_length=128, blank=True, editable=False)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    last_login_at = models.DateTimeField(_("最近登录"), null=True, blank=True)

    class Meta:
        verbose_name = _("门户账号")
        verbose_name_plural = _("门户账号")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.mobile_masked

    @property
    def mobile(self) -> str:
        return pii.decrypt(self.mobile_enc)

    @property
    def has_password(self) -> bool:
        return bool(self.password)


class PortalToken(BearerToken):
    """A portal bearer token (only its hash is stored). Not an ``ApiToken``: staff endpoints never accept it."""

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="tokens")

    class Meta:
        verbose_name = _("门户令牌")
        verbose_name_plural = _("门户令牌")

    def __str__(self) -> str:
        return f"portal-token#{self.pk}"


class OtpPurpose(models.TextChoices):
    LOGIN = "login", _("登录/注册")
    CONSENT = "consent", _("帮办授权")


class OtpCode(models.Model):
    """A one-time code sent to a mobile. Only a keyed hash (with a per-code salt) of the code is stored."""

    purpose = models.CharField(max_length=10, choices=OtpPurpose.choices, default=OtpPurpose.LOGIN)
    mobile_hash = models.CharField(max_length=64)
    code_hash = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    sms_status = models.CharField(max_length=10, blank=True)
    sms_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["mobile_hash", "created_at"], name="otp_mobile_idx"),
            models.Index(fields=["ip", "created_at"], name="otp_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"otp#{self.pk} {self.purpose}"

    def usable(self, now) -> bool:
        return self.consumed_at is None and self.invalidated_at is None and self.expires_at > now


class OtpThrottle(models.Model):
    """Wrong-code counter and lockout of one mobile (per purpose). Locked rows are also the serialisation
    point of code requests for that mobile (``select_for_update``)."""

    key = models.CharField(max_length=80, unique=True)
    failures = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("验证码限制")
        verbose_name_plural = _("验证码限制")

    def __str__(self) -> str:
        return self.key

    def locked(self, now) -> bool:
        return self.locked_until is not None and self.locked_until > now


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待县区审核")
    CONFIRMED = "confirmed", _("已确认登记")
    MERGED = "merged", _("已合并到已有记录")
    APPROVED = "approved", _("已同意")
    REJECTED = "rejected", _("未通过")
    CANCELLED = "cancelled", _("已撤回")


class Registration(RegionScopedModel):
    """A self-registration (person + business facts) from a portal account whose name and ID number the
    registry could not bind; the county of the current residence confirms it (a new registry record), merges
    it into an existing record, or rejects it with a reason sent back to the person."""

    scope_region = "region"

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("姓名"), max_length=32)
    id_number_enc = models.TextField(editable=False)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField(_("身份证号码"), max_length=24, editable=False)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("现居住地"), on_delete=models.PROTECT, related_name="+"
    )
    # person facts as entered (entrepreneur_create input keys: category, return_date, started_on, …)
    person = models.JSONField(_("个人信息"), default=dict, blank=True)
    # business facts as entered (business_create input keys), empty when the person has none yet
    business = models.JSONField(_("经营主体信息"), default=dict, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("登记结果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    decided_by = user_ref()
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    assisted_by = user_ref(_("帮办人员"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("自助登记申请")
        verbose_name_plural = _("自助登记申请")
        ordering = ["status", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def id_number(self) -> str:
        return pii.decrypt(self.id_number_enc)


class EditKind(models.TextChoices):
    PERSON = "person", _("个人信息")
    BUSINESS = "business", _("经营主体信息")
    BUSINESS_NEW = "business_new", _("新增经营主体")
    JOBS = "jobs", _("带动就业人数")


class EditRequest(RegionScopedModel):
    """A bound person asks to change their registry facts; the county approves (applied through the
    registry's own services, so validation, scope and the change log apply) or rejects with a reason."""

    scope_region = "entrepreneur__region"

    account = models.ForeignKey(PortalAccount, on_delete=models.CASCADE, related_name="edit_requests")
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur", verbose_name=_("登记人员"), on_delete=models.CASCADE, related_name="+"
    )
    business = models.ForeignKey(
        "entrepreneurs.Business",
        verbose_name=_("经营主体"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("变更类别"), max_length=16, choices=EditKind.choices)
    changes = models.JSONField(_("申请变更为"), default=dict)
    previous = models.JSONField(_("变更前"), default=dict, blank=True)
    note = models.CharField(_("申请说明"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True
    )
    reason = models.CharField(_("审核意见"), max_length=200, blank=True)
    decided_by = user_ref()
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("信息变更申请")
        verbose_name_plural = _("信息变更申请")
        ordering = ["status", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class ConsentMethod(models.TextChoices):
    OTP = "otp", _("短信验证码授权")
    SIGNED_FORM = "signed_form", _("书面授权书（签字扫描件）")


class AssistStatus(models.TextChoices):
    AWAITING_CONSENT = "awaiting_consent", _("等待本人授权")
    ACTIVE = "active", _("帮办中")
    ENDED = "ended", _("已结束")


def consent_path(instance: AssistSession, filename: str) -> str:
    import uuid
    from pathlib import PurePath

    return f"assist_consents/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class AssistSession(models.Model):
    """全程帮办: a service clerk acts for a registry person at the service centre, with the person's consent
    recorded (a code sent to their phone and read back, or a signed consent form uploaded). Every audit
    record written while the clerk acts in the session carries ``additional_data["assisted"]``.
    Owner-only (the clerk who opened it); the audit trail is the record for everyone else."""

    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur", verbose_name=_("办理对象"), on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("办理事项"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=AssistStatus.choices, default=AssistStatus.AWAITING_CONSENT
    )
    consent_method = models.CharField(_("授权方式"), max_length=12, choices=ConsentMethod.choices, blank=True)
    consent_mobile_masked = models.CharField(_("授权手机号"), max_length=16, blank=True)
    consent_file = models.FileField(_("授权书"), upload_to=consent_path, blank=True, max_length=255)
    consent_file_sha256 = models.CharField(max_length=64, blank=True)
    consent_at = models.DateTimeField(_("授权时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("全程帮办")
        verbose_name_plural = _("全程帮办")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"帮办#{self.pk}"

    def active(self, now) -> bool:
        return self.status == AssistStatus.ACTIVE and self.expires_at > now and self.ended_at is None


class RegistrationEvent(WorkflowEvent):
    """One step of a self-registration (confirmed / merged / rejected), written by the workflow machine."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("自助登记办理记录")
        verbose_name_plural = _("自助登记办理记录")


class EditRequestEvent(WorkflowEvent):
    """One step of an edit request (approved / rejected), written by the workflow machine."""

    edit_request = models.ForeignKey(EditRequest, on_delete=models.CASCADE, related_name="events")

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("信息变更办理记录")
        verbose_name_plural = _("信息变更办理记录")
