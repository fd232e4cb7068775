"""The one API: /api/v1/ (django-ninja). Apps register their routers in ready() (fanxiang.core.registry);
core supplies auth, errors, paging."""

from fanxiang.core import registry
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
    """Mount every router the apps registered in ready() (fanxiang.core.registry.register_api)."""
    for prefix, router in registry.api_mounts():
        api.add_router(prefix, router)


_mount()
