from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core import pii
from fanxiang.core.fields import user_ref
from fanxiang.core.models import WorkflowEvent
from fanxiang.core.scope import RegionScopedModel
from fanxiang.entrepreneurs.choices import (
    BusinessKind,
    Category,
    DuplicateReason,
    Education,
    Industry,
    RecordStatus,
    ReviewStatus,
    Sex,
    TransferStatus,
)


class PriorityGroup(models.Model):
    """Priority groups of point (十三); configurable (city admin may add more)."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("重点群体")
        verbose_name_plural = _("重点群体")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class IndustryTag(models.Model):
    """The programme's own industry tags (生态种植, 特色养殖, 农村电商 …); configurable."""

    code = models.CharField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("产业标签")
        verbose_name_plural = _("产业标签")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Entrepreneur(RegionScopedModel):
    """A returnee entrepreneur (返乡入乡创业人员). Owned by the region of residence (``region``)."""

    scope_region = "region"

    name = models.CharField(_("姓名"), max_length=32)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=32, db_index=True, editable=False)
    id_number_enc = models.TextField(_("身份证号码（密文）"), editable=False)
    id_number_hash = models.CharField(max_length=64, editable=False)  # unique: see Meta.constraints
    id_number_masked = models.CharField(_("身份证号码"), max_length=24, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("出生日期"), editable=False)
    birthplace_code = models.CharField(_("出生地代码"), max_length=6, editable=False)
    birthplace_name = models.CharField(_("出生地"), max_length=64, blank=True, editable=False)
    mobile_enc = models.TextField(_("手机号码（密文）"), blank=True, editable=False)
    mobile_hash = models.CharField(max_length=64, blank=True, editable=False)  # indexed: see Meta
    mobile_masked = models.CharField(_("手机号码"), max_length=16, blank=True, editable=False)
    hukou_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("户籍地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("现居住地"), on_delete=models.PROTECT, related_name="entrepreneurs"
    )
    category = models.CharField(_("人员类别"), max_length=32, choices=Category.choices)
    return_date = models.DateField(_("返乡/入乡时间"), null=True, blank=True)
    started_on = models.DateField(_("创业时间"), null=True, blank=True)
    worked_province = models.CharField(_("原务工省份"), max_length=32, blank=True)
    worked_city = models.CharField(_("原务工城市"), max_length=32, blank=True)
    worked_months = models.PositiveIntegerField(_("外出务工时长（月）"), null=True, blank=True)
    education = models.CharField(_("文化程度"), max_length=16, choices=Education.choices, blank=True)
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    priority_groups = models.ManyToManyField(PriorityGroup, verbose_name=_("重点群体"), blank=True)
    notes = models.TextField(_("备注"), blank=True)
    # marked by the registry or an import; start-up training refuses or flags them (training subsidy fraud)
    is_pensioner = models.BooleanField(_("退休人员（领取养老金）"), default=False)
    is_full_time_student = models.BooleanField(_("全日制在校学生"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    closed_reason = models.CharField(_("注销原因"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    counted_on = models.DateField(_("计入新增的月份"), editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = user_ref()
    # 点对点对接服务: the staff member who follows the person up (fanxiang.entrepreneurs.contacts)
    contact = user_ref(_("对接服务人员"))
    contact_assigned_at = models.DateTimeField(_("对接人指派时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("返乡入乡创业人员")
        verbose_name_plural = _("返乡入乡创业人员")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"]),
            models.Index(fields=["name"]),
            models.Index(fields=["birth_date"]),
            models.Index(fields=["counted_on"]),
            # the list's default order: newest first, read off the index instead of sorting the table
            models.Index(fields=["-created_at", "-id"], name="entrepreneur_newest_idx"),
            # counts of a category filter (index-only, with the region for the scope join)
            models.Index(fields=["category", "region"], name="entrepreneur_category_idx"),
            # Keyed hashes are only ever matched exactly: plain indexes, not unique=/db_index=, which on
            # PostgreSQL add a second, never used LIKE-pattern index on each 64-character column.
            models.Index(fields=["mobile_hash"], name="entrepreneur_mobile_hash_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="uniq_entrepreneur_id_number_hash")
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def id_number(self) -> str:
        """The clear ID number. Callers must check the right to see it and log the reveal."""
        return pii.decrypt(self.id_number_enc)

    @property
    def mobile(self) -> str:
        return pii.decrypt(self.mobile_enc)


class Business(RegionScopedModel):
    """A business entity (经营主体) founded by one or more entrepreneurs."""

    scope_region = "region"

    kind = models.CharField(_("主体类型"), max_length=24, choices=BusinessKind.choices)
    name = models.CharField(_("名称"), max_length=128)
    name_initials = models.CharField(max_length=64, db_index=True, editable=False, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    credit_code_override_reason = models.CharField(_("信用代码校验例外理由"), max_length=200, blank=True)
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    started_on = models.DateField(_("开业日期"), null=True, blank=True)
    industry = models.CharField(_("行业门类"), max_length=1, choices=Industry.choices)
    tags = models.ManyToManyField(IndustryTag, verbose_name=_("产业标签"), blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("经营地址"), on_delete=models.PROTECT, related_name="businesses"
    )
    address = models.CharField(_("详细地址"), max_length=200, blank=True)
    registered_capital = models.DecimalField(
        _("注册资本（元）"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    employees = models.PositiveIntegerField(_("从业人数"), default=0)
    jobs_created = models.PositiveIntegerField(_("带动就业人数"), default=0)
    poor_workers_employed = models.PositiveIntegerField(_("吸纳建档立卡贫困劳动力"), default=0)
    founders = models.ManyToManyField(
        Entrepreneur, through="BusinessFounder", verbose_name=_("创办人"), related_name="businesses"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    closed_reason = models.CharField(_("注销原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("经营主体")
        verbose_name_plural = _("经营主体")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="business_newest_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~models.Q(credit_code=""), name="uniq_business_credit_code"
            )
        ]

    def __str__(self) -> str:
        return self.name


class BusinessFounder(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="founder_links")
    entrepreneur = models.ForeignKey(Entrepreneur, on_delete=models.PROTECT, related_name="founder_links")
    is_primary = models.BooleanField(_("主要创办人"), default=False)

    class Meta:
        verbose_name = _("创办人")
        verbose_name_plural = _("创办人")
        constraints = [
            models.UniqueConstraint(fields=["business", "entrepreneur"], name="uniq_business_founder")
        ]

    def __str__(self) -> str:
        return f"{self.entrepreneur_id}@{self.business_id}"


class JobReport(RegionScopedModel):
    """A dated report of a business's jobs created, so progress counts by month."""

    scope_region = "business__region"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="job_reports")
    report_date = models.DateField(_("报告日期"))
    jobs_created = models.PositiveIntegerField(_("带动就业人数"))
    poor_workers_employed = models.PositiveIntegerField(_("吸纳贫困劳动力"), default=0)
    delta = models.IntegerField(_("较上次增减"), default=0, editable=False)
    reported_by = user_ref()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("带动就业报告")
        verbose_name_plural = _("带动就业报告")
        ordering = ["-report_date", "-id"]

    def __str__(self) -> str:
        return f"{self.business} {self.report_date} {self.jobs_created}"


class DuplicateCandidate(RegionScopedModel):
    """A likely duplicate pair (same name and birth date, or same mobile) waiting for an officer."""

    scope_region = ("entrepreneur__region", "other__region")

    entrepreneur = models.ForeignKey(Entrepreneur, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Entrepreneur, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("疑似原因"), max_length=20, choices=DuplicateReason.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    decided_by = user_ref()
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("疑似重复")
        verbose_name_plural = _("疑似重复")
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["entrepreneur", "other", "reason"], name="uniq_duplicate_candidate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entrepreneur.name} ~ {self.other.name}"


class TransferRequest(RegionScopedModel):
    """A county asks to take over a person another county holds; the holding county or the city decides."""

    scope_region = ("from_region", "to_region")

    entrepreneur = models.ForeignKey(Entrepreneur, on_delete=models.CASCADE, related_name="transfers")
    from_region = models.ForeignKey(
        "regions.Region", verbose_name=_("转出地"), on_delete=models.PROTECT, related_name="+"
    )
    to_region = models.ForeignKey(
        "regions.Region", verbose_name=_("转入地"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("申请理由"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by = user_ref()
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("转移申请")
        verbose_name_plural = _("转移申请")
        ordering = ["status", "-created_at"]

    def __str__(self) -> str:
        return f"{self.entrepreneur.name}: {self.from_region} → {self.to_region}"


class TransferEvent(WorkflowEvent):
    """One step of a transfer (request, approve, reject), written by the transfer workflow
    (:data:`fanxiang.entrepreneurs.workflows.TRANSFERS`) in the step's transaction."""

    transfer = models.ForeignKey(
        TransferRequest, verbose_name=_("转移申请"), on_delete=models.CASCADE, related_name="events"
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("转移申请记录")
        verbose_name_plural = _("转移申请记录")


class ImportJob(models.Model):
    """One Excel/CSV import of entrepreneurs: the uploaded file (encrypted at rest), its progress and its
    report.

    Owner-only, not region-scoped: a job belongs to the user who uploaded it. Every row it writes is
    scope-checked on its own (region inside the uploader's ADD scope), and the job's file and error report
    hold the uploader's raw input (clear ID numbers, rows of any region they typed), so nobody else —
    not even a user holding the same region — may read them."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    class Stage(models.TextChoices):
        QUEUED = "queued", _("等待处理")
        VALIDATING = "validating", _("逐行校验")
        WRITING = "writing", _("写入数据库")
        FINISHED = "finished", _("结束")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.CASCADE, related_name="+"
    )
    active_region_path = models.CharField(_("工作区划"), max_length=80, blank=True)
    source = models.FileField(_("上传文件（加密保存）"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    dry_run = models.BooleanField(_("仅校验"), default=True)
    partial = models.BooleanField(_("只导入正确的行"), default=False)
    parent = models.ForeignKey(
        "self", verbose_name=_("对应的校验任务"), null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    stage = models.CharField(_("阶段"), max_length=12, choices=Stage.choices, default=Stage.QUEUED)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("正确行数"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    ignored_columns = models.JSONField(_("未识别的列"), default=list, blank=True)
    committed = models.BooleanField(_("已写入"), default=False)
    error_code = models.CharField(_("失败代码"), max_length=64, blank=True)
    error_message = models.CharField(_("失败原因"), max_length=500, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量导入任务")
        verbose_name_plural = _("批量导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(self.rows_done * 100 / self.total_rows))
