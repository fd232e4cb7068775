"""The role-aware home page. Apps register panels in ready() (``fanxiang.core.registry.register_home_panel``):
a panel is shown to the roles it names (every role if it names none) and renders its own template with
the context its callable returns (already scoped to the user)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string

from fanxiang.accounts.roles import Role
from fanxiang.core.registry import home_panels

ROLE_INTRO = {
    Role.CITY_ADMIN: "配置政策、目标与目录，管理全市用户、数据与审计。",
    Role.LEADER: "全市返乡入乡创业工作驾驶舱（只读）。",
    Role.COUNTY_OFFICER: "办理本县（市、区）返乡创业人员登记、贷款、服务与培训。",
    Role.UNIT_LIAISON: "报送本单位负责的工作要点任务进展。",
    Role.SERVICE_CLERK: "受理、办理综合服务中心的服务事项（网上办、马上办、全程帮办）。",
    Role.GUARANTEE_OFFICER: "审核担保、反担保与免反担保推荐，办理代偿。",
    Role.BANK_OFFICER: "审批授信、发放贷款、登记还款（仅限分配给本行的贷款）。",
    Role.EXPERT: "解答创业咨询，评审分配给您的示范项目与基金申请。",
}


@login_required
def home(request):
    user = request.user
    roles = user.roles()
    rendered = []
    for panel in home_panels():
        if user.is_superuser or roles & set(Role.values if panel.roles is None else panel.roles):
            ctx = panel.context(request)
            if ctx is not None:
                rendered.append(render_to_string(panel.template, ctx, request=request))
    primary = user.primary_role
    return render(
        request,
        "accounts/home.html",
        {
            "title": "工作台",
            "primary_role": primary,
            "role_label": Role(primary).label
            if primary
            else ("系统管理员" if user.is_superuser else "未分配角色"),
            "intro": ROLE_INTRO.get(primary, ""),
            "panels": rendered,
        },
    )
