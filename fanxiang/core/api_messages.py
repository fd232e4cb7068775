"""Chinese text for the API's refusals that come from pydantic and django-ninja, not from a service.

Pydantic's ``msg`` is English ("Input should be a valid integer"); the error ``type`` (``int_parsing``) is
stable and stays the item's ``code``. :func:`pydantic_message` gives a person's Chinese sentence for a type,
with its limits filled in from ``ctx``; a type not listed gets "输入格式不正确。" unless pydantic already
carries Chinese text (our own ``PydanticCustomError`` codes and validators raising ``ValueError``).
"""

from __future__ import annotations

import re
from typing import Any

GENERIC = "输入格式不正确。"

_DATE = "日期格式不正确，应为 YYYY-MM-DD（如 2021-03-15）。"
_DATETIME = "时间格式不正确，应为 ISO 8601 格式（如 2021-03-15T09:30:00+08:00）。"
_CHOICE = "不在可选范围内，可选值：{expected}。"

PYDANTIC_MESSAGES: dict[str, str] = {
    "missing": "此项必填。",
    "extra_forbidden": "不接受此字段。",
    "string_type": "应为文本。",
    "string_too_short": "至少 {min_length} 个字符。",
    "string_too_long": "最多 {max_length} 个字符。",
    "string_pattern_mismatch": "格式不正确。",
    "int_type": "应为整数。",
    "int_parsing": "应为整数。",
    "int_parsing_size": "整数超出允许范围。",
    "int_from_float": "应为整数，不能带小数。",
    "float_type": "应为数字。",
    "float_parsing": "应为数字。",
    "finite_number": "应为有限的数字。",
    "decimal_type": '应为数字（如 "12000.50"）。',
    "decimal_parsing": '应为数字（如 "12000.50"）。',
    "decimal_max_digits": "数字位数过多（最多 {max_digits} 位）。",
    "decimal_max_places": "小数位数过多（最多 {decimal_places} 位）。",
    "decimal_whole_digits": "整数部分位数过多（最多 {whole_digits} 位）。",
    "bool_type": "应为 true 或 false。",
    "bool_parsing": "应为 true 或 false。",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "应为日期，不能带时间。",
    "date_future": "应为将来的日期。",
    "date_past": "应为过去的日期。",
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "time_type": "时间格式不正确，应为 HH:MM（如 09:30）。",
    "time_parsing": "时间格式不正确，应为 HH:MM（如 09:30）。",
    "greater_than": "应大于 {gt}。",
    "greater_than_equal": "不能小于 {ge}。",
    "less_than": "应小于 {lt}。",
    "less_than_equal": "不能大于 {le}。",
    "multiple_of": "应为 {multiple_of} 的整数倍。",
    "too_short": "至少 {min_length} 项。",
    "too_long": "最多 {max_length} 项。",
    "list_type": "应为列表（JSON 数组）。",
    "tuple_type": "应为列表（JSON 数组）。",
    "set_type": "应为列表（JSON 数组）。",
    "dict_type": "应为对象（JSON 对象）。",
    "model_type": "应为对象（JSON 对象）。",
    "model_attributes_type": "应为对象（JSON 对象）。",
    "enum": _CHOICE,
    "literal_error": _CHOICE,
    "json_invalid": "不是有效的 JSON。",
    "json_type": "应为 JSON 文本。",
    "uuid_type": "应为 UUID。",
    "uuid_parsing": "应为 UUID。",
    "url_type": "应为网址。",
    "url_parsing": "网址格式不正确。",
    "bytes_type": "应为文本。",
    "none_required": "此项应为空。",
    "is_instance_of": GENERIC,
    "union_tag_invalid": GENERIC,
}

_CJK = re.compile(r"[\u4e00-\u9fff]")
_VALUE_ERROR_PREFIX = re.compile(r"^(?:Value error|Assertion failed),\s*")


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _expected(value: Any) -> str:
    # pydantic says "'a', 'b' or 'c'"
    return str(value).replace(" or ", "、").replace(", ", "、").replace("'", "")


def pydantic_message(error: dict[str, Any]) -> str:
    """The Chinese message of one pydantic error (``{"type", "msg", "ctx", ...}``)."""
    kind = str(error.get("type", ""))
    msg = str(error.get("msg", ""))
    if kind in ("value_error", "assertion_error"):
        text = _VALUE_ERROR_PREFIX.sub("", msg)
        return text if _CJK.search(text) else GENERIC
    template = PYDANTIC_MESSAGES.get(kind)
    if template is None:
        return msg if _CJK.search(msg) else GENERIC
    ctx = _Blank({k: str(v) for k, v in (error.get("ctx") or {}).items()})
    if "expected" in ctx:
        ctx["expected"] = _expected(ctx["expected"])
    text = template.format_map(ctx)
    return text.replace("，可选值：。", "。")


# ninja's own HttpError texts, and a Chinese fallback per status for any other English text.
HTTP_MESSAGES = {
    "Cannot parse request body": "请求体无法解析，请发送有效的 JSON。",
    "CSRF check Failed": "页面已过期（CSRF 校验失败），请刷新页面后重试。",
}
HTTP_STATUS_MESSAGES = {
    400: "请求格式有误。",
    401: "请先登录或提供有效的访问令牌。",
    403: "无权执行此操作。",
    404: "记录不存在或无权访问。",
    405: "该接口不支持此请求方法。",
    409: "与当前状态冲突。",
    413: "请求内容过大。",
    422: "请求数据有误。",
    429: "请求过于频繁，请稍后再试。",
}


def http_error_message(status: int, text: str) -> str:
    """The Chinese message of a ninja ``HttpError`` (its code stays ``http.<status>``): a known text gets its
    own sentence, other English text the status's; Chinese text raised by our code is kept."""
    for known, message in HTTP_MESSAGES.items():
        if text.startswith(known):
            return message
    return text if _CJK.search(text) else HTTP_STATUS_MESSAGES.get(status, "请求无法处理。")
