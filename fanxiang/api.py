"""The one API: /api/v1/ (django-ninja). Apps contribute routers; core supplies auth, errors, paging."""

from fanxiang.core.api import FanxiangAPI, JSONRenderer, install_error_handlers, staff_auth

api = FanxiangAPI(
    title="周口市返乡入乡创业服务平台 API",
    version="1.0.0",
    description=(
        "认证：POST /api/v1/auth/token 取得令牌，之后在请求头携带 `Authorization: Bearer <token>`。"
        '错误格式：`{"code", "message", "errors": {"字段": ["原因"]}}`；列表：`?page=&page_size=` → '
        '`{"count", "items"}`。金额：十进制字符串（如 `"12000.50"`）或整数，不接受浮点数；数值字段不接受 true/false；'
        "代码字段只接受文档列出的取值。"
    ),
    auth=staff_auth,
    urls_namespace="api",
    docs_url="/docs",
    renderer=JSONRenderer(),
)
install_error_handlers(api)


def _mount() -> None:
    from fanxiang.accounts.api import assignment_router, audit_router, auth_router, me_router, org_router
    from fanxiang.core.api_tools import router as tools_router
    from fanxiang.credit.api import router as credit_router
    from fanxiang.entrepreneurs.api import business_router
    from fanxiang.entrepreneurs.api import router as entrepreneurs_router
    from fanxiang.finance.api import router as finance_router
    from fanxiang.loans.api import router as loans_router
    from fanxiang.loans.api_repayment import router as repayment_router
    from fanxiang.notifications.api import router as notifications_router
    from fanxiang.policies.api import router as policies_router
    from fanxiang.policies.api_grants import router as policy_grants_router
    from fanxiang.portal.api import router as portal_router
    from fanxiang.regions.api import router as regions_router
    from fanxiang.targets.api import router as targets_router

    api.add_router("/auth", auth_router)
    api.add_router("/me", me_router)
    api.add_router("/audit", audit_router)
    api.add_router("/organizations", org_router)
    api.add_router("/role-assignments", assignment_router)
    api.add_router("/regions", regions_router)
    api.add_router("/tools", tools_router)
    api.add_router("/targets", targets_router)
    api.add_router("/entrepreneurs", entrepreneurs_router)
    api.add_router("/businesses", business_router)
    api.add_router("/loans", loans_router)
    api.add_router("/loans", repayment_router)  # schedule, subsidy, repayments, compensation, subsidy batches
    api.add_router("/credit", credit_router)
    api.add_router("/policies", policies_router)
    api.add_router("/policies/grants", policy_grants_router)  # benefit grants (享受记录)
    api.add_router("/finance", finance_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/portal", portal_router)


_mount()
