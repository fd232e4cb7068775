"""Start-up training (创业培训, point (八)): programmes, providers and bases, classes with their sessions,
enrolments, attendance, certificates and subsidy claims with their 公示.

:class:`Programme` is city reference data; what the work plan does not fix (attendance shares, subsidy
amount and split rule, age window, the pensioner/student rule) lives in the effective-dated
:class:`ProgrammeRule`, and the app-wide figures (class capacity, filing lead time, 公示 days, check-in
window) in :class:`Parameters` — all **unconfirmed defaults** until the city confirms them (``basis``).

:class:`TrainingClass` belongs to its county and runs on the platform's workflow machine
(:data:`fanxiang.training.workflows.CLASSES`); :class:`SubsidyClaim` likewise (``CLAIMS``). Their steps are
written as typed events (:class:`TrainingClassEvent`, :class:`SubsidyClaimEvent`).

Check-in codes are not stored: a code is the HMAC of the session's secret ``checkin_seed`` and the number
of the current time window (``Parameters.checkin_window_seconds``), so nothing per window is written, a
code is worthless outside its window, and resetting the seed invalidates every code of the session.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fanxiang.accounts.roles import Role
from fanxiang.core.models import WorkflowEvent
from fanxiang.core.scope import RegionScopedModel
from fanxiang.training.choices import (
    AttendanceSource,
    ClaimStatus,
    ClassMode,
    ClassStatus,
    EnrolmentSource,
    EnrolmentStatus,
    ExclusionRule,
    ObjectionStatus,
    ProgrammeKind,
    VillagePost,
)

UNCONFIRMED = "默认值，待市级确认（工作方案未规定）"
SHARE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))]
CLASS_REGION = "training_class__region"
ENROLMENT_REGION = "enrolment__training_class__region"


def provider_bound(to_class: str = "") -> dict[str, str]:
    """``scope_organization`` of a model ``to_class`` away from its class: the training institution's staff
    (``training_provider``) reach only the records of classes their own institution runs."""
    return {Role.TRAINING_PROVIDER.value: f"{to_class}provider__organization"}


def new_seed() -> str:
    """A session's check-in secret (hex, 32 characters)."""
    return secrets.token_hex(16)


def new_verify_code() -> str:
    """The public verification code of a certificate (URL-safe, unguessable)."""
    return secrets.token_urlsafe(16)


class Programme(models.Model):
    """A training programme (SYB, IYB, 致富带头人 …): city reference data."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    kind = models.CharField(_("类别"), max_length=20, choices=ProgrammeKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    hours_required = models.DecimalField(
        _("规定课时"), max_digits=6, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    assessment = models.TextField(_("考核方式"), blank=True)
    description = models.TextField(_("简介"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def rule_on(self, day: dt.date) -> ProgrammeRule:
        """The rule in force on ``day`` (the latest version valid from then; the defaults if none)."""
        found = max(
            (r for r in self.rules.all() if r.valid_from <= day),
            key=lambda r: r.valid_from,
            default=None,
        )
        return found or ProgrammeRule(programme=self, valid_from=dt.date(2020, 1, 1))


class ProgrammeRule(models.Model):
    """The parameters of a programme from ``valid_from`` on. Every default is unconfirmed (``basis``)."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), on_delete=models.CASCADE, related_name="rules"
    )
    valid_from = models.DateField(_("生效日期"))
    completion_share = models.DecimalField(
        _("结业最低出勤比例（默认0.80，待确认）"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=SHARE,
    )
    subsidy_share = models.DecimalField(
        _("补贴最低出勤比例（默认0.80，待确认）"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.80"),
        validators=SHARE,
    )
    subsidy_per_trainee = models.DecimalField(
        _("每名结业学员补贴（元，待确认）"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    full_if_started_within_months = models.PositiveSmallIntegerField(
        _("结业后几个月内创业全额补贴（默认6，待确认）"), default=6
    )
    share_if_not_started = models.DecimalField(
        _("未在期限内创业的补贴比例（待确认）"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=SHARE,
    )
    age_min = models.PositiveSmallIntegerField(_("最低年龄（周岁，待确认）"), default=16)
    age_max = models.PositiveSmallIntegerField(_("最高年龄（周岁，待确认）"), default=60)
    pensioner_student_rule = models.CharField(
        _("退休人员/全日制在校生（待确认）"),
        max_length=8,
        choices=ExclusionRule.choices,
        default=ExclusionRule.HARD,
    )
    basis = models.CharField(_("依据"), max_length=300, blank=True, default=UNCONFIRMED)

    class Meta:
        verbose_name = _("培训项目参数")
        verbose_name_plural = _("培训项目参数")
        ordering = ["programme", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "valid_from"], name="training_one_rule_per_day"),
            models.CheckConstraint(condition=Q(age_min__lte=models.F("age_max")), name="training_age_window"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.valid_from}"


class Parameters(models.Model):
    """App-wide effective-dated parameters (a new row from a date on). Every default is unconfirmed."""

    valid_from = models.DateField(_("生效日期"), unique=True)
    class_capacity = models.PositiveSmallIntegerField(_("每班人数上限（默认30，待确认）"), default=30)
    filing_lead_workdays = models.PositiveSmallIntegerField(
        _("开班前备案提前工作日（默认3，待确认）"), default=3
    )
    publicity_workdays = models.PositiveSmallIntegerField(_("公示工作日（默认5，待确认）"), default=5)
    checkin_window_seconds = models.PositiveSmallIntegerField(
        _("签到码刷新间隔（秒，默认30）"), default=30, validators=[MinValueValidator(5)]
    )
    basis = models.CharField(_("依据"), max_length=300, blank=True, default=UNCONFIRMED)

    class Meta:
        verbose_name = _("创业培训参数")
        verbose_name_plural = _("创业培训参数")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return str(self.valid_from)

    @classmethod
    def on(cls, day: dt.date) -> Parameters:
        """The parameters in force on ``day`` (the defaults when none are stored)."""
        return cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first() or cls(
            valid_from=dt.date(2020, 1, 1)
        )


class Provider(models.Model):
    """A training institution (定点培训机构): an organisation of the accounts app, with its validity."""

    organization = models.OneToOneField(
        "accounts.Organization",
        verbose_name=_("机构"),
        on_delete=models.PROTECT,
        related_name="training_provider",
    )
    licence = models.CharField(_("办学许可/认定文号"), max_length=100, blank=True)
    programmes = models.ManyToManyField(Programme, verbose_name=_("可承担项目"), blank=True, related_name="+")
    valid_from = models.DateField(_("认定日期"))
    valid_to = models.DateField(_("有效期至"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    contact = models.CharField(_("联系人"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("培训机构")
        verbose_name_plural = _("培训机构")
        ordering = ["organization__code"]

    def __str__(self) -> str:
        return str(self.organization)

    def valid_on(self, day: dt.date) -> bool:
        return self.is_active and self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Base(models.Model):
    """An incubation / training base (创业孵化实训基地): linked to the credit app's recommender record (the
    base's name, region and validity live there, not copied here)."""

    recommender = models.OneToOneField(
        "credit.Recommender",
        verbose_name=_("认定基地"),
        on_delete=models.PROTECT,
        related_name="training_base",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    seats = models.PositiveSmallIntegerField(_("实训工位"), null=True, blank=True)
    is_active = models.BooleanField(_("用于培训"), default=True)

    class Meta:
        verbose_name = _("孵化实训基地")
        verbose_name_plural = _("孵化实训基地")
        ordering = ["recommender__name"]

    def __str__(self) -> str:
        return str(self.recommender)

    def valid_on(self, day: dt.date) -> bool:
        return self.is_active and self.recommender.valid_on(day)


class TrainingClass(RegionScopedModel):
    """A class (培训班) of a programme run by a provider in a county, with its timetable."""

    scope_region = "region"
    scope_organization = provider_bound()

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        Programme, verbose_name=_("培训项目"), on_delete=models.PROTECT, related_name="classes"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("培训机构"), on_delete=models.PROTECT, related_name="classes"
    )
    base = models.ForeignKey(
        Base,
        verbose_name=_("实训基地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="classes",
    )
    name = models.CharField(_("班级名称"), max_length=128)
    place = models.CharField(_("培训地点"), max_length=200, blank=True)
    mode = models.CharField(_("培训方式"), max_length=8, choices=ClassMode.choices, default=ClassMode.OFFLINE)
    start_date = models.DateField(_("开班日期"))
    end_date = models.DateField(_("结业日期"))
    capacity = models.PositiveSmallIntegerField(_("招生人数"), validators=[MinValueValidator(1)])
    teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("授课教师账号"), blank=True, related_name="training_classes"
    )
    teacher_names = models.CharField(_("授课教师"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ClassStatus.choices, default=ClassStatus.DRAFT
    )
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    approved_on = models.DateField(_("审核日期"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["region", "status"], name="training_class_region_status"),
            models.Index(fields=["start_date", "end_date"], name="training_class_dates"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="training_class_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TrainingClassEvent(WorkflowEvent):
    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("培训班办理记录")
        verbose_name_plural = _("培训班办理记录")


class ClassSession(RegionScopedModel):
    """One session of a class's timetable (课次): date, times and the class hours it counts."""

    scope_region = CLASS_REGION
    scope_organization = provider_bound("training_class__")

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("培训班"), on_delete=models.CASCADE, related_name="sessions"
    )
    date = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))
    hours = models.DecimalField(
        _("课时"), max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    topic = models.CharField(_("课程内容"), max_length=200, blank=True)
    mode = models.CharField(_("授课方式"), max_length=8, choices=ClassMode.choices, default=ClassMode.OFFLINE)
    video_seconds = models.PositiveIntegerField(_("线上课程时长（秒）"), null=True, blank=True)
    checkin_seed = models.CharField(_("签到密钥"), max_length=64, default=new_seed, editable=False)

    class Meta:
        verbose_name = _("课次")
        verbose_name_plural = _("课次")
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")), name="training_session_times"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class Enrolment(RegionScopedModel):
    """A registry person enrolled in a class. Seen by the class's county and the person's county."""

    scope_region = (CLASS_REGION, "entrepreneur__region")
    scope_organization = provider_bound("training_class__")

    training_class = models.ForeignKey(
        TrainingClass, verbose_name=_("培训班"), on_delete=models.PROTECT, related_name="enrolments"
    )
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("学员"),
        on_delete=models.PROTECT,
        related_name="training_enrolments",
    )
    # the village-leader programme: the trainee's village by name and its region (the village, or the
    # township where the region tree holds no villages), and the trainee's post
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("所在村（乡镇）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    village_name = models.CharField(_("所在村名称"), max_length=64, blank=True)
    post = models.CharField(_("村内职务"), max_length=12, choices=VillagePost.choices, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    source = models.CharField(
        _("报名渠道"), max_length=8, choices=EnrolmentSource.choices, default=EnrolmentSource.STAFF
    )
    warnings = models.JSONField(_("报名提示（已确认）"), default=list, blank=True)
    hours_attended = models.DecimalField(
        _("已参加课时"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    assessment_passed = models.BooleanField(_("考核通过"), null=True, blank=True)
    completed = models.BooleanField(_("结业"), null=True, blank=True)  # None: not yet decided
    completion_reason = models.CharField(_("结业判定说明"), max_length=300, blank=True)
    completed_on = models.DateField(_("结业日期"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("退出原因"), max_length=200, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报名经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("报名学员")
        verbose_name_plural = _("报名学员")
        ordering = ["training_class", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "entrepreneur"],
                condition=Q(status=EnrolmentStatus.ENROLLED),
                name="training_one_active_enrolment",
            )
        ]
        indexes = [models.Index(fields=["entrepreneur", "status"], name="training_enrol_person")]

    def __str__(self) -> str:
        return f"{self.entrepreneur_id}@{self.training_class_id}"


class Attendance(RegionScopedModel):
    """A trainee present at a session (one mark per session and enrolment; every mark is audited)."""

    scope_region = ENROLMENT_REGION
    scope_organization = provider_bound("enrolment__training_class__")

    session = models.ForeignKey(
        ClassSession, verbose_name=_("课次"), on_delete=models.PROTECT, related_name="attendance"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("学员"), on_delete=models.PROTECT, related_name="attendance"
    )
    source = models.CharField(_("签到方式"), max_length=8, choices=AttendanceSource.choices)
    reason = models.CharField(_("补签原因"), max_length=200, blank=True)
    watched_seconds = models.PositiveIntegerField(_("线上学习时长（秒）"), null=True, blank=True)
    hours = models.DecimalField(_("计入课时"), max_digits=4, decimal_places=1)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签到人/补签人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("签到时间"))

    class Meta:
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["session", "at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "enrolment"], name="training_one_mark_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}@{self.session_id}"


class Certificate(RegionScopedModel):
    """The completion certificate (结业证书) of an enrolment; verified publicly by ``verify_code``."""

    scope_region = ENROLMENT_REGION
    scope_organization = provider_bound("enrolment__training_class__")

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("学员"), on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(_("证书编号"), max_length=40, unique=True)
    verify_code = models.CharField(
        _("核验码"), max_length=32, unique=True, default=new_verify_code, editable=False
    )
    issued_on = models.DateField(_("发证日期"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发证人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked = models.BooleanField(_("已撤销"), default=False)
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("结业证书")
        verbose_name_plural = _("结业证书")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class SubsidyClaim(RegionScopedModel):
    """The training-subsidy claim of a finished class, with its 公示 period and amounts (Decimal yuan)."""

    scope_region = CLASS_REGION
    scope_organization = provider_bound("training_class__")

    training_class = models.OneToOneField(
        TrainingClass, verbose_name=_("培训班"), on_delete=models.PROTECT, related_name="claim"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    trainees = models.PositiveIntegerField(_("申领人数"), default=0)
    amount_claimed = models.DecimalField(
        _("申领金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    amount_approved = models.DecimalField(
        _("核定金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_paid = models.DecimalField(
        _("已拨付金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    publicity_start = models.DateField(_("公示开始"), null=True, blank=True)
    publicity_end = models.DateField(_("公示结束"), null=True, blank=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    payment_ref = models.CharField(_("拨付凭证号"), max_length=64, blank=True)
    follow_up_due = models.DateField(_("创业跟踪核查日"), null=True, blank=True)
    followed_up_on = models.DateField(_("跟踪核查日期"), null=True, blank=True)
    # the top-ups the follow-up decided (split rule), paid as a second payment with its own voucher
    amount_top_up_due = models.DecimalField(
        _("应补拨金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    amount_topped_up = models.DecimalField(
        _("已补拨金额（元）"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    top_up_paid_on = models.DateField(_("补拨日期"), null=True, blank=True)
    top_up_payment_ref = models.CharField(_("补拨凭证号"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申领人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("培训补贴申领")
        verbose_name_plural = _("培训补贴申领")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.training_class} 补贴申领"


class SubsidyClaimLine(RegionScopedModel):
    """One trainee on a claim: the base amount at payment and the top-up after the follow-up (split rule);
    the policy grant it became (policies app)."""

    scope_region = f"claim__{CLASS_REGION}"
    scope_organization = provider_bound("claim__training_class__")

    claim = models.ForeignKey(
        SubsidyClaim, verbose_name=_("补贴申领"), on_delete=models.CASCADE, related_name="lines"
    )
    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("学员"), on_delete=models.PROTECT, related_name="claim_line"
    )
    eligible = models.BooleanField(_("符合补贴条件"), default=True)
    reason = models.CharField(_("说明"), max_length=300, blank=True)
    full_amount = models.DecimalField(_("全额标准（元）"), max_digits=10, decimal_places=2)
    base_amount = models.DecimalField(
        _("先行拨付（元）"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    top_up_amount = models.DecimalField(
        _("跟踪补拨（元）"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    started_business = models.BooleanField(_("期限内已创业"), null=True, blank=True)
    grant = models.ForeignKey(
        "policies.BenefitGrant",
        verbose_name=_("政策享受记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    top_up_grant = models.ForeignKey(
        "policies.BenefitGrant",
        verbose_name=_("补拨政策享受记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("补贴申领明细")
        verbose_name_plural = _("补贴申领明细")
        ordering = ["claim", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.enrolment_id}"


class SubsidyClaimEvent(WorkflowEvent):
    claim = models.ForeignKey(
        SubsidyClaim, verbose_name=_("补贴申领"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("补贴申领办理记录")
        verbose_name_plural = _("补贴申领办理记录")


class Objection(RegionScopedModel):
    """An objection (异议) raised during a claim's 公示, and how it was handled."""

    scope_region = f"claim__{CLASS_REGION}"
    scope_organization = provider_bound("claim__training_class__")

    claim = models.ForeignKey(
        SubsidyClaim, verbose_name=_("补贴申领"), on_delete=models.PROTECT, related_name="objections"
    )
    enrolment = models.ForeignKey(
        Enrolment,
        verbose_name=_("涉及学员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_by = models.CharField(_("异议人"), max_length=64, blank=True)
    # the objector's phone number: encrypted at rest (core.pii), the masked copy for pages and the API;
    # the clear number only through the logged reveal (claims.objection_contact_reveal)
    contact_enc = models.TextField(_("联系方式（密文）"), blank=True, editable=False)
    contact_masked = models.CharField(_("联系方式"), max_length=24, blank=True)
    content = models.TextField(_("异议内容"))
    received_on = models.DateField(_("收到日期"))
    status = models.CharField(
        _("处理状态"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    handling_note = models.TextField(_("处理意见"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_on = models.DateField(_("处理日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["claim", "received_on", "id"]

    def __str__(self) -> str:
        return f"异议 #{self.pk}"
