"""Reference data (always) and the demo data set (make run). Both idempotent."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from fanxiang.accounts.data import ORGANIZATIONS
from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.entrepreneurs.choices import DEFAULT_INDUSTRY_TAGS, DEFAULT_PRIORITY_GROUPS
from fanxiang.entrepreneurs.models import IndustryTag, PriorityGroup
from fanxiang.loans.reference import load_loan_reference
from fanxiang.regions.data import COUNTIES
from fanxiang.regions.models import Region
from fanxiang.regions.services import regions_load_reference
from fanxiang.targets.models import Indicator, Target

DEMO_PASSWORD = "Demo@2020fx"

# The seed's 2020 city targets: point (一) and point (四).
CITY_TARGETS_2020 = {
    Indicator.NEW_ENTREPRENEURS: Decimal("11200"),
    Indicator.JOBS_CREATED: Decimal("74700"),
    Indicator.GUARANTEED_LOANS: Decimal("290000000.00"),
}
TARGET_SOURCE = "周口市推进农民工返乡创业工作领导小组2020年工作要点（2020-04-16）"

DEMO_ORGANIZATIONS = [
    ("DEMO-BANK-PSBC", "中国邮政储蓄银行周口市分行（演示）", "邮储银行周口分行", "bank", "411600"),
    ("DEMO-BANK-RCB", "周口农商银行（演示）", "周口农商银行", "bank", "411600"),
    ("DEMO-GUAR", "周口市创业贷款担保中心（演示）", "市创业担保中心", "guarantee", "411600"),
    ("DEMO-SC-411625", "郸城县返乡创业综合服务中心（演示）", "郸城县服务中心", "service_centre", "411625"),
    ("DEMO-EXPERT", "周口市返乡创业专家服务团（演示）", "市专家服务团", "expert_team", "411600"),
]

# username, real name, organization code, [(role, region code)]
DEMO_USERS = [
    ("city_admin", "王市管", "ZK-RSJ", [(Role.CITY_ADMIN, "411600")]),
    ("leader", "李组长", "ZK-LG", [(Role.LEADER, "411600")]),
    ("unit_liaison", "赵联络", "ZK-CZJ", [(Role.UNIT_LIAISON, "411600")]),
    ("guarantee_officer", "钱担保", "DEMO-GUAR", [(Role.GUARANTEE_OFFICER, "411600")]),
    ("bank_officer", "孙信贷", "DEMO-BANK-PSBC", [(Role.BANK_OFFICER, "411600")]),
    ("expert", "周专家", "DEMO-EXPERT", [(Role.EXPERT, "411600")]),
    ("service_clerk", "吴窗口", "DEMO-SC-411625", [(Role.SERVICE_CLERK, "411625")]),
    ("officer_411625", "郑郸城", "ZK-RSJ", [(Role.COUNTY_OFFICER, "411625")]),
    ("officer_411628", "冯鹿邑", "ZK-RSJ", [(Role.COUNTY_OFFICER, "411628")]),
    ("officer_411602", "陈川汇", "ZK-RSJ", [(Role.COUNTY_OFFICER, "411602")]),
]


@transaction.atomic
def load_reference_data() -> dict:
    report = regions_load_reference()
    city = Region.objects.get(code="411600")
    for code, name, short, kind in ORGANIZATIONS:
        Organization.objects.update_or_create(
            code=code, defaults={"name": name, "short_name": short, "kind": kind, "region": city}
        )
    for indicator, value in CITY_TARGETS_2020.items():
        Target.objects.get_or_create(
            year=2020, indicator=indicator, region=city, defaults={"value": value, "source": TARGET_SOURCE}
        )
    for code, name, order in DEFAULT_PRIORITY_GROUPS:
        PriorityGroup.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for code, name in DEFAULT_INDUSTRY_TAGS:
        IndustryTag.objects.get_or_create(code=code, defaults={"name": name})
    load_loan_reference()
    from fanxiang.notifications.services import load_default_templates

    load_default_templates()  # Chinese notification texts per event (city admin edits them)
    from fanxiang.policies.reference import load_policy_reference

    report["policies"] = load_policy_reference()
    report["organizations"] = Organization.objects.count()
    return report


def split_by_weight(total: Decimal, weights: list[int], step: Decimal) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` in units of ``step``; the parts add up exactly."""
    units = int(total / step)
    wsum = sum(weights)
    raw = [units * w / wsum for w in weights]
    parts = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[: units - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) * step for p in parts]


@transaction.atomic
def load_demo_data() -> list[str]:
    """Demo organizations and users (password Demo@2020fx) and a 2020 county breakdown of the city targets."""
    for code, name, short, kind, region_code in DEMO_ORGANIZATIONS:
        Organization.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "short_name": short,
                "kind": kind,
                "region": Region.objects.get(code=region_code),
            },
        )
    created = []
    for username, real_name, org_code, roles in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, real_name=real_name)
            user.set_password(DEMO_PASSWORD)
            created.append(username)
        user.real_name = real_name
        user.organization = Organization.objects.get(code=org_code)
        user.is_active = True
        user.must_change_password = False
        user.save()
        for role, region_code in roles:
            RoleAssignment.objects.get_or_create(
                user=user, role=role, region=Region.objects.get(code=region_code)
            )
    city = Region.objects.get(code="411600")
    counties = [Region.objects.get(code=c[0]) for c in COUNTIES]
    weights = [c[3] for c in COUNTIES]
    for indicator, total in CITY_TARGETS_2020.items():
        if Target.objects.filter(year=2020, indicator=indicator, region__parent=city).exists():
            continue
        step = Decimal("10000.00") if indicator == Indicator.GUARANTEED_LOANS else Decimal(1)
        for region, value in zip(counties, split_by_weight(total, weights, step), strict=True):
            Target.objects.create(
                year=2020, indicator=indicator, region=region, value=value, source="演示分解（按常住人口）"
            )
    return created
