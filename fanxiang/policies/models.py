"""Policy library (政策库): documents, their items (benefits) with eligibility rules, rule versions and the
benefits actually granted (享受记录).

Documents and items are city-wide reference data (public, not region-owned): an item's applicable regions
say *where it applies*, not who may read it. Grants are region-owned (the beneficiary's region)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.fields import user_ref
from fanxiang.core.scope import RegionScopedModel


class DocumentLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCIAL = "provincial", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")


class DocumentStatus(models.TextChoices):
    IN_FORCE = "in_force", _("现行有效")
    AMENDED = "amended", _("已修订")
    REPEALED = "repealed", _("已废止")
    EXPIRED = "expired", _("已失效")


class BenefitType(models.TextChoices):
    TAX_RELIEF = "tax_relief", _("税费减免")
    STARTUP_SUBSIDY = "startup_subsidy", _("一次性创业补贴")
    SOCIAL_INSURANCE_SUBSIDY = "social_insurance_subsidy", _("社保补贴")
    PREMISES_SUBSIDY = "premises_subsidy", _("场租/物业补贴")
    LOAN_INTEREST_SUBSIDY = "loan_interest_subsidy", _("贷款贴息")
    AWARD = "award", _("奖补资金")
    LAND = "land", _("用地保障")
    TRAINING_SUBSIDY = "training_subsidy", _("培训补贴")
    OTHER = "other", _("其他")


class AmountKind(models.TextChoices):
    FIXED = "fixed", _("固定金额")
    RANGE = "range", _("金额区间")
    FORMULA = "formula", _("按公式计算")
    UNKNOWN = "unknown", _("金额待核实/不以金额计")


class RuleStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    SUPERSEDED = "superseded", _("已被替代")


class PolicyDocument(models.Model):
    """A policy document (政策文件), e.g. 人社部发〔2019〕129号."""

    number = models.CharField(_("文号"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=200)
    level = models.CharField(_("层级"), max_length=16, choices=DocumentLevel.choices)
    issued_on = models.DateField(_("发布日期"), null=True, blank=True)
    effective_from = models.DateField(_("施行日期"), null=True, blank=True)
    effective_to = models.DateField(_("有效期至"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.IN_FORCE
    )
    source_url = models.URLField(_("来源链接"), max_length=500, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    full_text = models.TextField(_("全文"), blank=True)
    unconfirmed = models.BooleanField(_("内容待核实"), default=False)
    unconfirmed_note = models.TextField(_("待核实说明"), blank=True)
    created_by = user_ref()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")
        ordering = ["-issued_on", "number"]
        indexes = [models.Index(fields=["level", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def in_force_on(self, day) -> bool:
        if self.status not in (DocumentStatus.IN_FORCE, DocumentStatus.AMENDED):
            return False
        if self.effective_from and day < self.effective_from:
            return False
        return not (self.effective_to and day > self.effective_to)


class PolicyAttachment(models.Model):
    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("附件"), upload_to="policies/%Y/%m/")
    original_name = models.CharField(_("文件名"), max_length=255)
    content_type = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = user_ref()
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("政策附件")
        verbose_name_plural = _("政策附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class PolicyItem(models.Model):
    """One benefit (政策条款) of a document, with its amount rule and eligibility rule."""

    document = models.ForeignKey(
        PolicyDocument, verbose_name=_("政策文件"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.SlugField(_("条款代码"), max_length=48, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    benefit_type = models.CharField(_("政策类型"), max_length=32, choices=BenefitType.choices)
    summary = models.TextField(_("内容摘要"), blank=True)
    amount_kind = models.CharField(
        _("金额规则"), max_length=16, choices=AmountKind.choices, default=AmountKind.UNKNOWN
    )
    amount_fixed = models.DecimalField(
        _("固定金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_min = models.DecimalField(
        _("最低金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    amount_max = models.DecimalField(
        _("最高金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # {"base": "0", "terms": [{"field": "jobs_created", "rate": "1000"}], "min": null, "max": "30000"}
    amount_formula = models.JSONField(_("金额公式"), default=dict, blank=True)
    amount_note = models.CharField(_("金额说明"), max_length=300, blank=True)
    regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("适用区域（空为全市）"), blank=True, related_name="+"
    )
    effective_from = models.DateField(_("起始日期"), null=True, blank=True)
    effective_to = models.DateField(_("截止日期"), null=True, blank=True)
    once_only = models.BooleanField(_("一次性（不可重复享受）"), default=False)
    responsible_unit = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible_unit_name = models.CharField(_("责任单位（名称）"), max_length=100, blank=True)
    materials = models.TextField(_("申请材料（每行一项）"), blank=True)
    apply_where = models.CharField(_("办理地点"), max_length=300, blank=True)
    apply_link = models.CharField(_("系统内办理入口"), max_length=200, blank=True)
    rule = models.ForeignKey(
        "PolicyRuleVersion",
        verbose_name=_("已发布的资格规则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    unconfirmed = models.BooleanField(_("内容待核实"), default=False)
    unconfirmed_note = models.TextField(_("待核实说明"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("政策条款")
        verbose_name_plural = _("政策条款")
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["benefit_type", "is_active"])]

    def __str__(self) -> str:
        return self.title

    @property
    def material_list(self) -> list[str]:
        return [line.strip() for line in self.materials.splitlines() if line.strip()]


class PolicyRuleVersion(models.Model):
    """One version of an item's eligibility rule. Every change is a new row; the item points at the published
    one. ``rule`` is the declarative form ``{"all": [{"field", "op", "value"}, {"any": [...]}]}``."""

    item = models.ForeignKey(PolicyItem, on_delete=models.CASCADE, related_name="rule_versions")
    version = models.PositiveIntegerField(_("版本号"))
    rule = models.JSONField(_("规则"), default=dict)
    status = models.CharField(_("状态"), max_length=12, choices=RuleStatus.choices, default=RuleStatus.DRAFT)
    note = models.CharField(_("修改说明"), max_length=200, blank=True)
    created_by = user_ref()
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = user_ref()
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资格规则版本")
        verbose_name_plural = _("资格规则版本")
        ordering = ["item", "-version"]
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="uniq_policy_rule_version")]

    def __str__(self) -> str:
        return f"{self.item_id} v{self.version}"


class GrantSource(models.TextChoices):
    SYSTEM = "system", _("系统登记")
    IMPORT = "import", _("批量导入")


class BenefitGrant(RegionScopedModel):
    """A benefit actually granted (享受记录) to a person or business. Owned by the beneficiary's region."""

    scope_region = "region"

    item = models.ForeignKey(
        PolicyItem, verbose_name=_("政策条款"), on_delete=models.PROTECT, related_name="grants"
    )
    entrepreneur = models.ForeignKey(
        "entrepreneurs.Entrepreneur",
        verbose_name=_("享受人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="benefit_grants",
    )
    business = models.ForeignKey(
        "entrepreneurs.Business",
        verbose_name=_("享受主体"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="benefit_grants",
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=14, decimal_places=2)
    granted_on = models.DateField(_("享受日期"))
    granting_org = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("发放单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granting_unit_name = models.CharField(_("发放单位（名称）"), max_length=100, blank=True)
    batch = models.CharField(_("批次"), max_length=64, blank=True)
    source = models.CharField(
        _("来源"), max_length=16, choices=GrantSource.choices, default=GrantSource.SYSTEM
    )
    note = models.TextField(_("备注"), blank=True)
    created_by = user_ref()
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("政策享受记录")
        verbose_name_plural = _("政策享受记录")
        ordering = ["-granted_on", "-id"]
        indexes = [
            models.Index(fields=["item", "entrepreneur"]),
            models.Index(fields=["region", "granted_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.amount} {self.granted_on}"
