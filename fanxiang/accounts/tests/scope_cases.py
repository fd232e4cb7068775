from fanxiang.accounts import services
from fanxiang.accounts.models import RoleAssignment, User
from fanxiang.accounts.roles import Role
from fanxiang.core.errors import Forbidden
from fanxiang.core.testing import ScopeCase
from fanxiang.regions.models import Region


def make_assignment(county: str) -> RoleAssignment:
    user = User.objects.create(username=f"clerk_{county}", real_name=f"经办{county}")
    region = Region.objects.filter(parent__code=county).order_by("code").first()
    return RoleAssignment.objects.create(user=user, role=Role.SERVICE_CLERK, region=region)


def write_assignment(api_client, web_client, other_region: str) -> None:
    actor = User.objects.get(username="officer_411625")
    target_user = User.objects.get(username="officer_411602")
    try:
        services.role_assign(
            actor=actor,
            user=target_user,
            role=Role.COUNTY_OFFICER,
            region=Region.objects.get(code=other_region),
        )
    except Forbidden as exc:
        assert exc.code == "accounts.admin_required"
    else:
        raise AssertionError("a county officer assigned a role in another county")


CASES = [
    ScopeCase(
        model=RoleAssignment,
        make=make_assignment,
        list_url="/accounts/assignments/",
        detail_url=lambda a: f"/accounts/assignments/{a.pk}/",
        export_url="/accounts/assignments/export/",
        api_list="/api/v1/role-assignments/",
        api_detail=lambda a: f"/api/v1/role-assignments/{a.pk}",
        marker=lambda a: a.user.username,
        write=write_assignment,
    )
]
