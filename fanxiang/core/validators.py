"""Identifier validators shared by forms, API and import.

* citizen ID number (GB 11643-1999): ISO 7064 MOD 11-2 check character (python-stdnum), a real birth
  date not in the future, and an address code from the national GB/T 2260 list, current or historic
  (python-stdnum ships the list). A number carries the code in force when it was *first issued*, which
  may be years after birth, so a code created after the birth year is fine; a code retired before the
  birth year is not (the number could not have been issued under it).
* unified social credit code (GB 32100-2015): a check-character mismatch is a *warning* an officer can
  override with a reason, since some issued codes fail it.
* mainland mobile numbers: +86 / 0086 / spaces / dashes normalised, ``1[3-9]`` + 9 digits.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from stdnum import numdb
from stdnum.cn import ric

from fanxiang.core.errors import InvalidInput


@dataclass
class CheckResult:
    valid: bool
    code: str
    message: str
    value: str = ""
    warning: bool = False
    info: dict = field(default_factory=dict)

    def raise_for(self, field_name: str) -> str:
        if not self.valid:
            raise InvalidInput.field(field_name, self.code, self.message)
        return self.value


# --------------------------------------------------------------------------- citizen ID number

_PERIOD = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@functools.lru_cache(maxsize=8192)
def _birthplace_periods(code6: str) -> tuple[str, tuple[tuple[int | None, int | None, str], ...]]:
    """Province name and the (start, end, name) periods of a 6-digit address code, or ('', ()).
    Cached: the code list is static and the look-up dominates bulk validation (Excel import)."""
    results = numdb.get("cn/loc").info(code6)
    info: dict[str, str] = {}
    for _part, props in results:
        info.update(props)
    county = info.get("county")
    if not county:
        return "", ()
    periods: list[tuple[int | None, int | None, str]] = []
    for item in county.split(","):
        m = _PERIOD.match(item)
        if m:
            start, end, name = m.groups()
            periods.append((int(start) if start else None, int(end) if end else None, name))
        else:
            periods.append((None, None, item))
    return info.get("province", ""), tuple(periods)


@functools.lru_cache(maxsize=8192)
def birthplace_name(code6: str) -> str:
    province, periods = _birthplace_periods(code6)
    if not periods:
        return ""
    name = periods[-1][2]
    if code6.endswith("0000"):
        return province
    return f"{province}{name}" if province and name != province else name


def _id_fail(code: str, message: str, value: str) -> CheckResult:
    return CheckResult(valid=False, code=code, message=message, value=value)


def check_id_number(raw: str | None, *, today: dt.date | None = None) -> CheckResult:
    value = ric.compact(raw or "").replace(" ", "")
    if not value:
        return _id_fail("id.required", "请填写身份证号码。", value)
    converted_from = ""
    if len(value) == 15:
        if not value.isdigit():
            return _id_fail("id.invalid_format", "15位旧版身份证号码应全部为数字。", value)
        # GB 11643-1989 numbers: insert the century "19" and compute the check character.
        converted_from = value
        body = value[:6] + "19" + value[6:]
        value = body + ric.calc_check_digit(body + "0")
    if len(value) != 18:
        return _id_fail("id.invalid_length", f"身份证号码应为18位，当前为{len(value)}位。", value)
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return _id_fail("id.invalid_format", "身份证号码前17位应为数字，最后一位为数字或X。", value)
    if value[17] != ric.calc_check_digit(value):
        return _id_fail("id.invalid_checksum", "身份证号码校验位不正确，请核对是否输错。", value)
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return _id_fail(
            "id.invalid_birth_date", f"身份证号码中的出生日期 {value[6:14]} 不是有效日期。", value
        )
    today = today or timezone.localdate()
    if birth > today:
        return _id_fail("id.birth_date_in_future", "身份证号码中的出生日期晚于今天。", value)
    if birth.year < 1900:
        return _id_fail("id.invalid_birth_date", "身份证号码中的出生日期早于1900年。", value)
    _province, periods = _birthplace_periods(value[:6])
    if not periods:
        return _id_fail(
            "id.unknown_birthplace_code",
            f"身份证号码前6位 {value[:6]} 不是有效的行政区划代码（现行或历史）。",
            value,
        )
    # A code retired before the birth year cannot have been used to issue this number.
    if all(end is not None and end < birth.year for _start, end, _name in periods):
        return _id_fail(
            "id.birthplace_code_retired",
            f"行政区划代码 {value[:6]} 在 {birth.year} 年之前已撤销，不可能用于签发该号码。",
            value,
        )
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    info = {
        "birth_date": birth,
        "sex": sex,
        "birthplace": {"code": value[:6], "name": birthplace_name(value[:6])},
    }
    if converted_from:
        info["converted_from"] = converted_from
        return CheckResult(
            valid=True,
            code="id.converted_from_15_digit",
            message=f"已将15位旧版号码 {converted_from} 按国标转换为18位号码 {value}。",
            value=value,
            info=info,
        )
    return CheckResult(valid=True, code="id.valid", message="身份证号码有效。", value=value, info=info)


def validate_id_number(raw: str | None, field_name: str = "id_number") -> str:
    return check_id_number(raw).raise_for(field_name)


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


# --------------------------------------------------------------------------- unified social credit code

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_ORG_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def uscc_check_character(code17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(code17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_credit_code(raw: str | None) -> CheckResult:
    value = re.sub(r"[\s-]", "", raw or "").upper()
    if not value:
        return CheckResult(False, "uscc.required", "请填写统一社会信用代码。", value)
    if len(value) != 18:
        return CheckResult(
            False, "uscc.invalid_length", f"统一社会信用代码应为18位，当前为{len(value)}位。", value
        )
    bad = sorted({c for c in value if c not in USCC_CHARSET})
    if bad:
        return CheckResult(
            False,
            "uscc.invalid_character",
            f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）。",
            value,
        )
    if not value[2:8].isdigit():
        return CheckResult(
            False, "uscc.invalid_area_code", "统一社会信用代码第3–8位应为行政区划代码（数字）。", value
        )
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        return CheckResult(
            False,
            "uscc.checksum_mismatch",
            f"统一社会信用代码校验位不符（按国标应为 {expected}）。如确认营业执照上的代码无误，可填写理由后强制保存。",
            value,
            warning=True,
        )
    return CheckResult(True, "uscc.valid", "统一社会信用代码有效。", value)


def validate_credit_code(
    raw: str | None, *, override_reason: str = "", field_name: str = "credit_code"
) -> tuple[str, bool]:
    """Return (normalised code, overridden). A checksum mismatch passes only with a reason."""
    result = check_credit_code(raw)
    if result.valid:
        return result.value, False
    if result.warning and override_reason.strip():
        return result.value, True
    raise InvalidInput.field(field_name, result.code, result.message)


# --------------------------------------------------------------------------- mobile numbers

_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(raw: str | None) -> str:
    value = re.sub(r"[\s\-()（）]", "", raw or "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value


def check_mobile(raw: str | None) -> CheckResult:
    value = normalize_mobile(raw)
    if not value:
        return CheckResult(False, "mobile.required", "请填写手机号码。", value)
    if not _MOBILE.match(value):
        return CheckResult(
            False, "mobile.invalid", "手机号码应为以1开头的11位数字（如 13800138000）。", value
        )
    return CheckResult(True, "mobile.valid", "手机号码有效。", value)


def validate_mobile(raw: str | None, field_name: str = "mobile") -> str:
    return check_mobile(raw).raise_for(field_name)


def mask_mobile(value: str | None) -> str:
    if not value:
        return ""
    return value[:3] + "****" + value[-4:] if len(value) == 11 else "*" * len(value)


def mask_name(name: str | None, empty: str = "来访群众") -> str:
    """A person's name as public pages show it: the family name and one star per other character."""
    name = (name or "").strip()
    if not name:
        return empty
    return name[0] + "*" * max(1, len(name) - 1)


# --------------------------------------------------------------------------- free text

# Bidirectional embedding/override/isolate marks and zero-width characters: invisible, they let a
# name look like another or reorder what a clerk reads.
_BIDI_CHARS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH_CHARS = frozenset("\u200b\u200c\u200d\u2060\ufeff")
TEXT_INVALID_CHARACTER = "text.invalid_character"


_BIDI = "".join(sorted(_BIDI_CHARS))
_ZERO = "".join(sorted(_ZERO_WIDTH_CHARS))
# One regular expression per kind of field (a C loop, not a Python one: imports check every cell).
# Short text (names, codes, titles): no controls at all, no bidi marks, no zero-width characters.
_INVALID_SHORT_RE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_BIDI}{_ZERO}]")
# Long text (notes, descriptions): newline, tab and CR (browsers send CRLF) allowed; zero-width joiners
# are part of emoji sequences there, so only controls, surrogates and bidi marks are refused.
_INVALID_LONG_RE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_BIDI}]")


def _pattern(multiline: bool) -> re.Pattern[str]:
    return _INVALID_LONG_RE if multiline else _INVALID_SHORT_RE


def is_invalid_text_char(ch: str, *, multiline: bool = False) -> bool:
    """True for a character a text field may not hold: NUL and C0/C1 controls (newline, tab and CR are
    allowed in multi-line text), lone surrogates, bidi controls, and zero-width characters in short text."""
    return _pattern(multiline).match(ch) is not None


def find_invalid_text_char(value: str, *, multiline: bool = False) -> str | None:
    found = _pattern(multiline).search(value)
    return found.group() if found else None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """The value with every invalid character removed (used by data migrations)."""
    return _pattern(multiline).sub("", value)


def validate_text(value: str, *, field_name: str, label: str = "", multiline: bool = False) -> str:
    """Refuse text holding control, invisible or unencodable characters with
    ``text.invalid_character`` naming the field."""
    if value and find_invalid_text_char(value, multiline=multiline) is not None:
        raise InvalidInput.field(
            field_name,
            TEXT_INVALID_CHARACTER,
            f"{label or '内容'}含有不可见或控制字符，请删除后重试",
        )
    return value


def checked_text(
    value: Any, field: str, label: str, *, app: str, required: bool = False, max_length: int = 2000
) -> str:
    """A free-text input of a service, checked by the shared text rule and stripped; ``required`` and
    ``max_length`` refused with the app's codes (``<app>.<field>_required``, ``<app>.text_too_long``)."""
    text = validate_text(str(value or ""), field_name=field, label=label, multiline=True).strip()
    if required and not text:
        raise InvalidInput.field(field, f"{app}.{field}_required", f"请填写{label}。")
    if len(text) > max_length:
        raise InvalidInput.field(field, f"{app}.text_too_long", f"{label}不能超过{max_length}字。")
    return text


# --------------------------------------------------------------------------- document numbers

# contract, loan-note and similar document numbers (合同编号, 借据号): letters, digits, CJK characters and
# the punctuation such numbers carry (豫农信（2020）借字第0012号, JK-2020/0012); no spaces
_REFERENCE_RE = re.compile(r"^[0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\-_/.()#\[\]〔〕【】（）·]+$")
REFERENCE_MAX_LENGTH = 64


def check_reference_number(
    raw: str | None, *, code: str, label: str, max_length: int = REFERENCE_MAX_LENGTH
) -> CheckResult:
    """A document number as typed, normalised (NFKC: full-width letters and digits to half-width; spaces
    around it stripped). Refusals: ``<code>_required`` (empty), ``<code>_too_long``, ``<code>_invalid``
    (a character outside letters, digits, CJK and ``- _ / . ( ) # [ ] 〔〕 【】 ·``)."""
    import unicodedata

    value = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not value:
        return CheckResult(False, f"{code}_required", f"请填写{label}。", value)
    if len(value) > max_length:
        return CheckResult(
            False, f"{code}_too_long", f"{label}不能超过{max_length}个字符（当前{len(value)}个）。", value
        )
    if not _REFERENCE_RE.match(value):
        return CheckResult(
            False,
            f"{code}_invalid",
            f"{label}只能由汉字、字母、数字和 - _ / . ( ) # 〔〕【】 等符号组成，不能含空格。",
            value,
        )
    return CheckResult(True, f"{code}_valid", f"{label}有效。", value)


def validate_reference_number(
    raw: str | None, *, field_name: str, code: str, label: str, max_length: int = REFERENCE_MAX_LENGTH
) -> str:
    return check_reference_number(raw, code=code, label=label, max_length=max_length).raise_for(field_name)
