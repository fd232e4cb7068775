"""Field types shared by every API input schema: strict numbers, money as decimal strings, coded values.

- Numbers are strict: JSON ``true``/``false`` is not a number (pydantic would read ``false`` as ``0``).
  ``InputSchema`` (fanxiang.core.api) refuses booleans for every int/Decimal field in one validator.
- Money and other decimals (``Money``) arrive as a decimal string (``"12000.50"``) or an integer; a JSON
  float (``12000.5``) is refused, since a binary float cannot carry every amount exactly.
- Coded fields (``choice(SomeTextChoices)``) are documented with their allowed values as an ``enum`` and
  refuse any other value.

Errors from these types carry their own codes (``number.not_boolean``, ``money.float_not_allowed``,
``money.invalid``, ``choice.invalid``); the API puts them in ``details.items`` beside the field.
"""

from __future__ import annotations

import re
import types
import typing
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from django.db import models
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

# A decimal number as text: optional sign, digits, optional fraction. No exponent, no spaces, no NaN.
DECIMAL_PATTERN = r"^-?[0-9]{1,20}(\.[0-9]{1,10})?$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)
MONEY_INT_MAX = 10**20 - 1  # the 20 integer digits the pattern admits

NOT_BOOLEAN = "number.not_boolean"
MONEY_FLOAT = "money.float_not_allowed"
MONEY_INVALID = "money.invalid"
CHOICE_INVALID = "choice.invalid"
CODES = (NOT_BOOLEAN, MONEY_FLOAT, MONEY_INVALID, CHOICE_INVALID)


def _money(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise PydanticCustomError(NOT_BOOLEAN, "应为数值，不能是 true/false。")
    if isinstance(value, int) and abs(value) <= MONEY_INT_MAX:
        return Decimal(value)
    if isinstance(value, float):
        raise PydanticCustomError(MONEY_FLOAT, '金额应以字符串形式填写（如 "12000.50"），不接受浮点数。')
    if isinstance(value, str) and _DECIMAL_RE.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
            pass
    raise PydanticCustomError(MONEY_INVALID, '金额格式有误，应为数字（如 "12000.50"）。')


# Money and other exact decimals (rates, target values): decimal string or integer, never a float.
Money = Annotated[
    Decimal,
    BeforeValidator(_money),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": -MONEY_INT_MAX, "maximum": MONEY_INT_MAX},
                {"type": "string", "pattern": DECIMAL_PATTERN},
            ],
            "description": '十进制字符串（如 "12000.50"）或整数；不接受浮点数。',
        },
        mode="validation",
    ),
]


# The largest primary key (BigAutoField, a signed 64-bit integer): a larger id is refused as input before it
# reaches a query (SQLite raises OverflowError on it, PostgreSQL a DataError). The pages' batch forms use
# the same bound (core.views.is_record_id).
MAX_RECORD_ID = 2**63 - 1
# A record id in a request body (1 … MAX_RECORD_ID; out of range is 422, never a 500)
RecordId = Annotated[int, Field(ge=1, le=MAX_RECORD_ID)]


def choice(choices: type[models.TextChoices], *, blank: bool = False, enforce: bool = True) -> Any:
    """A string field whose values are those of ``choices`` (``""`` too when ``blank``), documented as an
    ``enum`` and refused (422 ``choice.invalid``) otherwise.

    ``enforce=False`` documents the values but leaves the check to the one place that already makes it with
    its own code: a service that reports every field of an input at once (``loan.counter_guarantee_invalid``
    beside ``loan.amount_invalid``), or a filter set on query parameters (``filter.invalid``)."""
    values = [str(v) for v in choices.values] + ([""] if blank else [])
    allowed = frozenset(values)

    def check(value: Any) -> Any:
        if isinstance(value, str) and value in allowed:
            return value
        raise PydanticCustomError(CHOICE_INVALID, "取值不在可选范围内，可选值见接口文档。")

    documented = WithJsonSchema({"type": "string", "enum": values})
    if not enforce:
        return Annotated[str, documented]
    return Annotated[str, BeforeValidator(check), documented]


def _is_numeric(annotation: Any) -> bool:
    """Whether an annotation is, or contains (``int | None``, ``list[int]``, ``Annotated[Decimal, …]``), a
    number type."""
    if annotation in (int, float, Decimal):
        return True
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _is_numeric(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, set, frozenset):
        return any(_is_numeric(arg) for arg in typing.get_args(annotation))
    return False


def refuse_booleans(annotation: Any, value: Any) -> Any:
    """Refuse ``true``/``false`` (also inside a list) for a numeric field; other values pass through."""
    if not _is_numeric(annotation):
        return value
    items = value if isinstance(value, list) else [value]
    if any(isinstance(item, bool) for item in items):
        raise PydanticCustomError(NOT_BOOLEAN, "应为数值，不能是 true/false。")
    return value
