from django.db import models
from django.utils.translation import gettext_lazy as _


class Collateral(models.TextChoices):
    """What a borrower can offer: new collateral types of point (五) and the guarantee kinds."""

    EQUIPMENT = "equipment", _("设备")
    FOREST_RIGHTS = "forest_rights", _("林权")
    COLLECTIVE_LAND_USE = "collective_land_use", _("集体土地使用权")
    FRANCHISE_RIGHTS = "franchise_rights", _("特种经营权")
    RECEIVABLES = "receivables", _("应收账款")
    EQUITY = "equity", _("股权")
    NATURAL_PERSON_GUARANTEE = "natural_person_guarantee", _("自然人保证")
    GUARANTEE_INSTITUTION = "guarantee_institution", _("担保机构担保")
    CREDIT = "credit", _("信用（免抵押担保）")


# How the acceptance of each kind reads in a sentence ("不接受林权抵押").
COLLATERAL_PHRASE = {
    Collateral.EQUIPMENT: "设备抵押",
    Collateral.FOREST_RIGHTS: "林权抵押",
    Collateral.COLLECTIVE_LAND_USE: "集体土地使用权抵押",
    Collateral.FRANCHISE_RIGHTS: "特种经营权质押",
    Collateral.RECEIVABLES: "应收账款质押",
    Collateral.EQUITY: "股权质押",
    Collateral.NATURAL_PERSON_GUARANTEE: "自然人保证",
    Collateral.GUARANTEE_INSTITUTION: "担保机构担保",
    Collateral.CREDIT: "信用方式（免抵押担保）",
}


class ProductStatus(models.TextChoices):
    ACTIVE = "active", _("在售")
    WITHDRAWN = "withdrawn", _("已下架")
