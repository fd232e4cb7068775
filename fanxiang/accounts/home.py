"""The role-aware home page. Apps register panels in ready() (``fanxiang.core.registry.register_home_panel``):
a panel is shown to the roles it names (every role if it names none) and renders its own template with
the context its callable returns (already scoped to the user). Above them, for every user, the 我的待办 panel:
the to-do inbox of :mod:`fanxiang.core.tasks` (the same figures as ``GET /api/v1/me/tasks``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string

from fanxiang.accounts.roles import Role
from fanxiang.core.registry import home_panels
from fanxiang.core.tasks import tasks_for

# What each role does here: only work that has a page today (tests check each promise against the URLconf).
ROLE_INTRO = {
    Role.CITY_ADMIN: "配置贷款政策、年度目标和政策库，管理全市用户、角色授权与审计日志。",
    Role.LEADER: "查看全市年度目标完成进度和返乡创业人员、贷款、政策享受等数据（只读）。",
    Role.COUNTY_OFFICER: "办理本县（市、区）返乡创业人员登记、贷款资格初审、门户登记与信息变更审核、政策享受登记。",
    Role.UNIT_LIAISON: "查看年度目标完成进度与政策享受记录；财政部门联络员审核贴息申报批次。",
    Role.SERVICE_CLERK: "在综合服务中心窗口登记返乡创业人员、受理贷款申请，并为申请人全程帮办门户业务。",
    Role.GUARANTEE_OFFICER: "审核分配给本机构的创业担保贷款申请（担保、反担保与免反担保推荐）。",
    Role.BANK_OFFICER: "审批、签约、发放贷款，登记还款，申报贴息（仅限分配给本行的贷款）。",
    Role.EXPERT: "查阅政策库与年度目标完成进度。",
    Role.TRAINING_PROVIDER: "办理本机构承办的创业培训班：备案、开班、结业，签到点名，发放结业证书，结业后申领培训补贴（由县区审核）。",
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
    tasks = tasks_for(user)
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
            "tasks": tasks,
            "panels": rendered,
        },
    )
