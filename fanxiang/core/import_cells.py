"""Cell values of an uploaded sheet → the text and dates the shared validations take.

A reader gives ``None``, ``str``, ``int``, ``float`` (Excel numbers), ``bool``, ``date`` or ``datetime``; these
helpers turn them into what a clerk typed: ``411625.0`` → ``"411625"``, a midnight datetime → its date,
``2020/3/1`` or ``2020年3月1日`` → ``2020-03-01``. Part of :mod:`fanxiang.core.imports`.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
DATE8_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if not (value.hour or value.minute or value.second) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def cell_date(value: Any) -> Any:
    """A date cell as the validation takes it: a date (or datetime) as is, a loose date text as
    ``YYYY-MM-DD``, anything else as its text (the validation names it)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    text = cell_text(value)
    m = DATE_RE.match(text) or DATE8_RE.match(text)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return text


def parse_date(value: Any) -> dt.date | None:
    """A date cell → the date, or None when it is not one (``2021-13-40`` included)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    m = DATE_RE.match(text) or DATE8_RE.match(text)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_decimal(value: Any) -> Decimal | None:
    """An amount cell → a finite Decimal (thousands separators allowed), or None."""
    if value is None or isinstance(value, bool):
        return None
    text = repr(value) if isinstance(value, float) else str(value).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None
