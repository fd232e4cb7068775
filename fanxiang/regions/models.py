from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.scope import RegionScopedModel


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡级")
    VILLAGE = "village", _("村级")


class RegionKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("地级市")
    DISTRICT = "district", _("市辖区")
    COUNTY = "county", _("县")
    COUNTY_CITY = "county_city", _("县级市")
    ZONE = "zone", _("功能区")
    SUBDISTRICT = "subdistrict", _("街道")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    VILLAGE = "village", _("村/社区")


LEVEL_DEPTH = {
    RegionLevel.PROVINCE: 0,
    RegionLevel.CITY: 1,
    RegionLevel.COUNTY: 2,
    RegionLevel.TOWNSHIP: 3,
    RegionLevel.VILLAGE: 4,
}


class Region(RegionScopedModel):
    """An administrative division (GB/T 2260 / NBS statistical code), or a functional zone with a code of
    our scheme (``411600Z01``). ``tree_path`` is the materialised path used for subtree scope."""

    scope_region = ""  # a region is its own scope

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    tree_path = models.CharField(_("路径"), max_length=80, unique=True, editable=False)
    nbs_code = models.CharField(_("统计用区划代码"), max_length=12, blank=True)
    stat_parent = models.ForeignKey(
        "self",
        verbose_name=_("统计归属"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("统计上并入的区划（如功能区并入川汇区统计）"),
    )
    population = models.PositiveIntegerField(_("常住人口"), null=True, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["tree_path"]
        indexes = [models.Index(fields=["level", "tree_path"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        parent_path = self.parent.tree_path if self.parent_id else "/"
        self.tree_path = f"{parent_path}{self.code}/"
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        names = []
        node: Region | None = self
        while node is not None and node.level != RegionLevel.PROVINCE:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    @property
    def county(self) -> Region | None:
        """The county-level unit this region lies in (itself when it is one)."""
        node: Region | None = self
        while node is not None and node.level not in (
            RegionLevel.COUNTY,
            RegionLevel.CITY,
            RegionLevel.PROVINCE,
        ):
            node = node.parent
        return node if node is not None and node.level == RegionLevel.COUNTY else None

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.tree_path.strip("/").split("/") if c]


class HistoricCode(models.Model):
    """A retired division code still carried by ID numbers issued under it (GB/T 2260 history)."""

    code = models.CharField(_("历史代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    valid_from = models.PositiveSmallIntegerField(_("启用年份"), null=True, blank=True)
    valid_to = models.PositiveSmallIntegerField(_("停用年份"), null=True, blank=True)
    successor = models.ForeignKey(
        Region, verbose_name=_("现区划"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("历史区划代码")
        verbose_name_plural = _("历史区划代码")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class RegionMonthStat(models.Model):
    """A per-region, per-month counter (rollup) kept in the same transaction as the writes it counts, so
    progress figures cost the same at 2M records as at 20k. ``indicator`` is the counting app's key."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="month_stats")
    indicator = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    value = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("月度统计")
        verbose_name_plural = _("月度统计")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "year", "month"], name="uniq_region_month_stat"
            )
        ]
        indexes = [models.Index(fields=["indicator", "year"])]

    def __str__(self) -> str:
        return f"{self.region_id} {self.indicator} {self.year}-{self.month:02d} = {self.value}"
