"""Reference data (always) and the demo data set (make run). Both idempotent.

Every app registers its reference-data and demo-data loaders in its ``ready()``
(``fanxiang.core.registry.register_reference_loader`` / ``register_demo_loader``); this module runs them in
their registered order, in one transaction each. The demo organizations and users are the demo app's own
loader (below).
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from fanxiang.accounts.models import Organization, RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core import registry
from fanxiang.regions.models import Region

DEMO_PASSWORD = "Demo@2020fx"

DEMO_ORGANIZATIONS = [
    ("DEMO-BANK-PSBC", "中国邮政储蓄银行周口市分行（演示）", "邮储银行周口分行", "bank", "411600"),
    ("DEMO-BANK-RCB", "周口农商银行（演示）", "周口农商银行", "bank", "411600"),
    ("DEMO-GUAR", "周口市创业贷款担保中心（演示）", "市创业担保中心", "guarantee", "411600"),
    ("DEMO-SC-411625", "郸城县返乡创业综合服务中心（演示）", "郸城县服务中心", "service_centre", "411625"),
    ("DEMO-EXPERT", "周口市返乡创业专家服务团（演示）", "市专家服务团", "expert_team", "411600"),
    # the training institution of most of 郸城县's demo classes (its Provider record is training's demo)
    ("DEMO-TRN-01", "周口市就业训练中心", "市就业训练中心", "other", "411600"),
]

# username, real name, organization code, [(role, region code)]
DEMO_USERS = [
    ("city_admin", "王市管", "ZK-RSJ", [(Role.CITY_ADMIN, "411600")]),
    ("leader", "李组长", "ZK-LG", [(Role.LEADER, "411600")]),
    ("unit_liaison", "赵联络", "ZK-CZJ", [(Role.UNIT_LIAISON, "411600")]),
    ("guarantee_officer", "钱担保", "DEMO-GUAR", [(Role.GUARANTEE_OFFICER, "411600")]),
    ("bank_officer", "孙信贷", "DEMO-BANK-PSBC", [(Role.BANK_OFFICER, "411600")]),
    ("bank_officer_rcb", "周农信", "DEMO-BANK-RCB", [(Role.BANK_OFFICER, "411600")]),
    ("expert", "周专家", "DEMO-EXPERT", [(Role.EXPERT, "411600")]),
    ("service_clerk", "吴窗口", "DEMO-SC-411625", [(Role.SERVICE_CLERK, "411625")]),
    ("officer_411625", "郑郸城", "ZK-RSJ", [(Role.COUNTY_OFFICER, "411625")]),
    ("officer_411628", "冯鹿邑", "ZK-RSJ", [(Role.COUNTY_OFFICER, "411628")]),
    ("officer_411602", "陈川汇", "ZK-RSJ", [(Role.COUNTY_OFFICER, "411602")]),
    ("provider_411625", "何培训", "DEMO-TRN-01", [(Role.TRAINING_PROVIDER, "411625")]),
    ("teacher_411625", "李明", "DEMO-TRN-01", [(Role.TRAINING_PROVIDER, "411625")]),
]


@transaction.atomic
def load_reference_data() -> dict:
    """Run every registered reference loader in order; the counts they return make the report."""
    report: dict = {}
    for loader in registry.reference_loaders():
        result = loader.run()
        if isinstance(result, dict):
            report.update(result)
    return report


@transaction.atomic
def load_demo_data() -> list[str]:
    """Run every registered demo loader in order (after the reference data); the usernames created."""
    created: list[str] = []
    for loader in registry.demo_loaders():
        created.extend(loader.run() or [])
    return created


@transaction.atomic
def load_demo_users() -> list[str]:
    """Demo organizations and users (password Demo@2020fx); the usernames created."""
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
    hashed = None  # the one documented demo password, hashed once (each hash costs about half a second)
    for username, real_name, org_code, roles in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = User(username=username, real_name=real_name, password=hashed)
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
    return created
