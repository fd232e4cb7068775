from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from fanxiang.accounts.roles import Role, role_label
from fanxiang.core.scope import RegionScopedModel


class OrganizationKind(models.TextChoices):
    LEADING_GROUP = "leading_group", _("领导小组办公室")
    MEMBER_UNIT = "member_unit", _("成员单位")
    BANK = "bank", _("经办银行")
    GUARANTEE = "guarantee", _("担保机构")
    SERVICE_CENTRE = "service_centre", _("返乡创业综合服务中心")
    EXPERT_TEAM = "expert_team", _("专家服务团")
    OTHER = "other", _("其他")


class Organization(models.Model):
    """A member unit of the leading group, a handling bank, a guarantee institution …"""

    code = models.CharField(_("机构编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=OrganizationKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="organizations"
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("机构")
        verbose_name_plural = _("机构")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.short_name or self.name


class User(AbstractUser):
    real_name = models.CharField(_("姓名"), max_length=32, blank=True)
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所在机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("首次登录须修改密码"), default=False)
    locked_reason = models.CharField(_("锁定原因"), max_length=200, blank=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Bumped to sign the user out of every session (see get_session_auth_hash and
    # services.credentials_revoke): a lock, a role removal, an admin's password reset.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.real_name}（{self.username}）" if self.real_name else self.username

    def save(self, *args, **kwargs):
        # The session epoch is only ever raised by a queryset update (services.credentials_revoke): a save
        # of an instance loaded before that must not write the old epoch back and revive the sessions.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "session_epoch"
            ]
        super().save(*args, **kwargs)

    def get_session_auth_hash(self) -> str:
        """Django keeps a session only while this hash is unchanged. It covers the password (Django's own
        rule) and the session epoch, so bumping the epoch ends every session of the user on its next
        request, whatever the session backend. Epoch 0 keeps Django's hash (no one is signed out when this
        is deployed)."""
        if not self.session_epoch:
            return super().get_session_auth_hash()
        return self._epoch_session_hash(None)

    def get_session_auth_fallback_hash(self):
        if not self.session_epoch:
            yield from super().get_session_auth_fallback_hash()
            return
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._epoch_session_hash(secret)

    def _epoch_session_hash(self, secret: str | None) -> str:
        return salted_hmac(
            "fanxiang.accounts.User.get_session_auth_hash",
            f"{self.password}\x00{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return self.real_name or self.username

    def assignments(self) -> list[RoleAssignment]:
        """Role assignments, cached on the instance for the request. A list of users read with
        ``prefetch_related("role_assignments__region")`` answers from the prefetch (no query per user)."""
        cached = getattr(self, "_fx_assignments", None)
        if cached is None:
            prefetched = getattr(self, "_prefetched_objects_cache", {}).get("role_assignments")
            if prefetched is not None:
                cached = sorted(prefetched, key=lambda a: (a.region.tree_path, a.role))
            else:
                cached = list(
                    self.role_assignments.select_related("region").order_by("region__tree_path", "role")
                )
            self._fx_assignments = cached
        return cached

    def roles(self) -> set[str]:
        return {a.role for a in self.assignments()}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles() & set(roles))

    @property
    def primary_role(self) -> str | None:
        order = [r.value for r in Role]
        roles = self.roles()
        for role in order:
            if role in roles:
                return role
        return None

    @property
    def role_label(self) -> str:
        """The Chinese label of the main role ("" without one): how change logs name a person."""
        role = self.primary_role
        return role_label(role) if role else ""


class RoleAssignment(RegionScopedModel):
    """``(role, region)``: the role says what, the region says where."""

    scope_region = "region"

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("负责区划"),
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="uniq_role_assignment")
        ]
        ordering = ["user__username", "role"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.region}"


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class BearerToken(models.Model):
    """What every bearer token stores: the hash of its key (never the key) and when it was made, expires,
    was revoked and was last used. ``ApiToken`` and the portal's token each add whom it belongs to."""

    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True


class ApiToken(BearerToken):
    """A bearer token for the API. Only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"token#{self.pk} {self.user}"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class TrustedAddress(models.Model):
    """An address the user recently signed in from successfully (web login or API token). The failed-login
    lockout by username does not apply there: an outsider can lock the username for everyone else, but
    the holder at their usual address still gets in with the right password (failures *from* the trusted
    address still lock it). See :mod:`fanxiang.accounts.lockout`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="trusted_addresses")
    address = models.GenericIPAddressField()
    first_success_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField()

    class Meta:
        verbose_name = _("常用登录地址")
        verbose_name_plural = _("常用登录地址")
        constraints = [models.UniqueConstraint(fields=["user", "address"], name="uniq_trusted_address")]

    def __str__(self) -> str:
        return f"{self.user} · {self.address}"
