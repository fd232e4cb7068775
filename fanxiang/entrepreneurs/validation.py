"""The one validation of entrepreneur and business input, used by forms, API and Excel import alike."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from pypinyin import Style, lazy_pinyin

from fanxiang.core.errors import ErrorCollector
from fanxiang.core.validators import (
    TEXT_INVALID_CHARACTER,
    check_credit_code,
    check_id_number,
    check_mobile,
    find_invalid_text_char,
    mask_id_number,
    mask_mobile,
)
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry
from fanxiang.regions.models import Region

ENTREPRENEUR_FIELDS = (
    "name", "id_number", "mobile", "region", "hukou_region", "category", "return_date", "started_on",
    "worked_province", "worked_city", "worked_months", "education", "skills", "priority_groups", "notes",
)  # fmt: skip
HUBEI = ("湖北", "湖北省")


@functools.lru_cache(maxsize=65536)
def initials(text: str) -> str:
    """Pinyin initials: 张三 → zs (letters and digits kept as they are)."""
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s))).lower()[:64]


@dataclass
class RegionIndex:
    """Region look-ups by code, loaded once per import or request."""

    by_code: dict[str, Region] = field(default_factory=dict)

    @classmethod
    def load(cls) -> RegionIndex:
        return cls({r.code: r for r in Region.objects.filter(is_active=True)})

    def get(self, code: str) -> Region | None:
        if code not in self.by_code:
            region = Region.objects.filter(code=code, is_active=True).first()
            if region is None:
                return None
            self.by_code[code] = region
        return self.by_code[code]


def _text(
    data: dict,
    key: str,
    max_len: int,
    errors: ErrorCollector,
    required: bool = False,
    label: str = "",
    multiline: bool = False,
) -> str:
    raw = data.get(key)
    value = "" if raw is None else str(raw).strip()
    if find_invalid_text_char(value, multiline=multiline) is not None:
        errors.add(key, TEXT_INVALID_CHARACTER, f"{label or '内容'}含有不可见或控制字符，请删除后重试。")
    elif required and not value:
        errors.add(key, f"{key}.required", f"请填写{label}。")
    elif len(value) > max_len:
        errors.add(key, f"{key}.too_long", f"{label}不能超过{max_len}个字。")
    return value


def _date(data: dict, key: str, errors: ErrorCollector, label: str, *, today: dt.date) -> dt.date | None:
    raw = data.get(key)
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        value = raw.date()
    elif isinstance(raw, dt.date):
        value = raw
    else:
        try:
            value = dt.date.fromisoformat(str(raw).strip().replace("/", "-"))
        except ValueError:
            errors.add(key, "date.invalid", f"{label}“{raw}”不是有效日期（格式：2020-04-16）。")
            return None
    if value > today:
        errors.add(key, "date.in_future", f"{label}不能晚于今天。")
    if value.year < 1950:
        errors.add(key, "date.too_early", f"{label}早于1950年，请核对。")
    return value


@functools.cache
def _labels(choices, language: str | None) -> dict[str, str]:
    """Label → value of a choices class in one language (cached: rendering lazy labels per call
    dominated bulk validation)."""
    return {str(lbl): val for val, lbl in choices.choices}


def _choice(data: dict, key: str, choices, errors: ErrorCollector, label: str, required: bool) -> str:
    raw = data.get(key)
    value = "" if raw is None else str(raw).strip()
    if not value:
        if required:
            errors.add(key, f"{key}.required", f"请选择{label}。")
        return ""
    by_label = _labels(choices, get_language())
    if value in by_label:
        return by_label[value]
    if value not in choices.values:
        errors.add(key, f"{key}.invalid", f"{label}“{value}”不在可选范围内。")
        return ""
    return value


def _region(data: dict, key: str, regions: RegionIndex, errors: ErrorCollector, label: str, required: bool):
    raw = data.get(key)
    code = "" if raw is None else str(raw).strip()
    if not code:
        if required:
            errors.add(key, "region.required", f"请选择{label}。")
        return None
    region = regions.get(code)
    if region is None:
        errors.add(key, "region.unknown", f"{label}代码 {code} 不存在。")
        return None
    if region.level in ("province", "city"):
        errors.add(key, "region.too_coarse", f"{label}须具体到县（市、区）或乡镇（街道）。")
        return None
    return region


def clean_entrepreneur(
    data: dict[str, Any],
    *,
    regions: RegionIndex | None = None,
    priority_codes: set[str] | dict[str, str] | None = None,
    partial: bool = False,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], ErrorCollector]:
    """Validate and normalise entrepreneur input. With ``partial`` only the given keys are checked.
    ``priority_codes`` preloads the active priority groups (a set of codes, or code → name so names are
    accepted too), sparing a query per call in bulk work.
    Returns (clean values, errors); callers decide whether to raise."""
    from fanxiang.entrepreneurs.models import PriorityGroup

    errors = ErrorCollector()
    regions = regions or RegionIndex()
    today = today or timezone.localdate()
    out: dict[str, Any] = {}
    present = set(data) if partial else set(ENTREPRENEUR_FIELDS)

    if "name" in present:
        out["name"] = _text(data, "name", 32, errors, required=True, label="姓名")
        out["name_initials"] = initials(out["name"])
    if "id_number" in present:
        result = check_id_number(str(data.get("id_number") or ""), today=today)
        if not result.valid:
            errors.add("id_number", result.code, result.message)
        else:
            out.update(
                id_number=result.value,
                id_number_masked=mask_id_number(result.value),
                sex=result.info["sex"],
                birth_date=result.info["birth_date"],
                birthplace_code=result.info["birthplace"]["code"],
                birthplace_name=result.info["birthplace"]["name"][:64],
            )
    if "mobile" in present:
        raw = str(data.get("mobile") or "").strip()
        if raw:
            result = check_mobile(raw)
            if not result.valid:
                errors.add("mobile", result.code, result.message)
            else:
                out["mobile"] = result.value
                out["mobile_masked"] = mask_mobile(result.value)
        else:
            out["mobile"] = ""
            out["mobile_masked"] = ""
    if "region" in present:
        out["region"] = _region(data, "region", regions, errors, "现居住地", required=True)
    if "hukou_region" in present:
        out["hukou_region"] = _region(data, "hukou_region", regions, errors, "户籍地", required=False)
    if "category" in present:
        out["category"] = _choice(data, "category", Category, errors, "人员类别", required=True)
    if "education" in present:
        out["education"] = _choice(data, "education", Education, errors, "文化程度", required=False)
    for key, label in (("return_date", "返乡/入乡时间"), ("started_on", "创业时间")):
        if key in present:
            out[key] = _date(data, key, errors, label, today=today)
    for key, label, max_len in (
        ("worked_province", "原务工省份", 32),
        ("worked_city", "原务工城市", 32),
        ("skills", "技能特长", 200),
        ("notes", "备注", 2000),
    ):
        if key in present:
            out[key] = _text(data, key, max_len, errors, label=label, multiline=key == "notes")
    if "worked_months" in present:
        raw = data.get("worked_months")
        if raw in (None, ""):
            out["worked_months"] = None
        else:
            try:
                months = int(Decimal(str(raw)))
                if months < 0 or months > 720:
                    raise ValueError
                out["worked_months"] = months
            except (InvalidOperation, ValueError):
                errors.add(
                    "worked_months", "worked_months.invalid", "外出务工时长应为0至720之间的整数（月）。"
                )
    if "priority_groups" in present:
        raw = data.get("priority_groups") or []
        if isinstance(raw, str):
            raw = [p for p in raw.replace("，", ",").replace("、", ",").split(",")]
        codes = {str(p).strip() for p in raw if str(p).strip()}
        if priority_codes is None:
            groups = {g.code: g.name for g in PriorityGroup.objects.filter(is_active=True)}
        elif isinstance(priority_codes, dict):
            groups = dict(priority_codes)
        else:
            groups = {c: c for c in priority_codes}
        by_name = {name: code for code, name in groups.items()}
        resolved = set()
        for code in codes:
            if code in groups:
                resolved.add(code)
            elif code in by_name:
                resolved.add(by_name[code])
            else:
                errors.add("priority_groups", "priority_group.unknown", f"重点群体“{code}”不存在。")
        out["priority_groups"] = resolved
    # cross-field rules
    if out.get("return_date") and out.get("birth_date") and out["return_date"] < out["birth_date"]:
        errors.add("return_date", "return_date.before_birth", "返乡/入乡时间早于出生日期。")
    if out.get("started_on") and out.get("birth_date") and out["started_on"] < out["birth_date"]:
        errors.add("started_on", "started_on.before_birth", "创业时间早于出生日期。")
    if "priority_groups" in out and str(out.get("worked_province", "")).startswith(HUBEI):
        out["priority_groups"].add("formerly_in_hubei")  # point (十三): worked in Hubei before returning
    return out, errors


BUSINESS_FIELDS = (
    "kind", "name", "credit_code", "credit_code_override_reason", "registered_on", "started_on", "industry",
    "tags", "region", "address", "registered_capital", "employees", "jobs_created", "poor_workers_employed",
)  # fmt: skip


def clean_business(
    data: dict[str, Any],
    *,
    regions: RegionIndex | None = None,
    partial: bool = False,
    today: dt.date | None = None,
) -> tuple[dict[str, Any], ErrorCollector]:
    from fanxiang.entrepreneurs.models import IndustryTag

    errors = ErrorCollector()
    regions = regions or RegionIndex()
    today = today or timezone.localdate()
    present = set(data) if partial else set(BUSINESS_FIELDS)
    out: dict[str, Any] = {}
    if "name" in present:
        out["name"] = _text(data, "name", 128, errors, required=True, label="主体名称")
        out["name_initials"] = initials(out["name"])
    if "kind" in present:
        out["kind"] = _choice(data, "kind", BusinessKind, errors, "主体类型", required=True)
    if "industry" in present:
        out["industry"] = _choice(data, "industry", Industry, errors, "行业门类", required=True)
    if "region" in present:
        out["region"] = _region(data, "region", regions, errors, "经营地址", required=True)
    if "address" in present:
        out["address"] = _text(data, "address", 200, errors, label="详细地址")
    if "credit_code" in present or "credit_code_override_reason" in present:
        raw = str(data.get("credit_code") or "").strip()
        reason = str(data.get("credit_code_override_reason") or "").strip()[:200]
        out["credit_code"] = ""
        out["credit_code_override_reason"] = ""
        if raw:
            result = check_credit_code(raw)
            if result.valid:
                out["credit_code"] = result.value
            elif result.warning and reason:
                out["credit_code"] = result.value
                out["credit_code_override_reason"] = reason
            else:
                errors.add("credit_code", result.code, result.message)
    kind = out.get("kind") or data.get("kind")
    if (
        "credit_code" in out
        and not out["credit_code"]
        and kind not in ("", None, BusinessKind.UNREGISTERED)
        and not partial
    ):
        if not errors.items or all(i["field"] != "credit_code" for i in errors.items):
            errors.add(
                "credit_code", "uscc.required", "已登记的经营主体须填写统一社会信用代码（未登记经营可不填）。"
            )
    for key, label in (("registered_on", "登记日期"), ("started_on", "开业日期")):
        if key in present:
            out[key] = _date(data, key, errors, label, today=today)
    if "registered_capital" in present:
        raw = data.get("registered_capital")
        if raw in (None, ""):
            out["registered_capital"] = None
        else:
            try:
                value = Decimal(str(raw).replace(",", ""))
                if not value.is_finite() or value < 0 or value >= Decimal("1e14"):
                    raise InvalidOperation
                out["registered_capital"] = value.quantize(Decimal("0.01"))
            except InvalidOperation:
                errors.add("registered_capital", "money.invalid", "注册资本应为不小于0的金额（元）。")
    for key, label in (
        ("employees", "从业人数"),
        ("jobs_created", "带动就业人数"),
        ("poor_workers_employed", "吸纳贫困劳动力"),
    ):
        if key in present:
            raw = data.get(key)
            if raw in (None, ""):
                out[key] = 0
                continue
            try:
                value = Decimal(str(raw))
                if value != value.to_integral_value() or value < 0 or value > 1_000_000:
                    raise InvalidOperation
                out[key] = int(value)
            except InvalidOperation:
                errors.add(key, "count.invalid", f"{label}应为不小于0的整数。")
    if "tags" in present:
        raw = data.get("tags") or []
        if isinstance(raw, str):
            raw = raw.replace("，", ",").replace("、", ",").split(",")
        wanted = {str(t).strip() for t in raw if str(t).strip()}
        tags = {t.code: t for t in IndustryTag.objects.filter(is_active=True)}
        by_name = {t.name: t for t in tags.values()}
        resolved = []
        for t in wanted:
            tag = tags.get(t) or by_name.get(t)
            if tag is None:
                errors.add("tags", "industry_tag.unknown", f"产业标签“{t}”不存在。")
            else:
                resolved.append(tag)
        out["tags"] = resolved
    if (
        out.get("registered_on")
        and out.get("started_on")
        and out["started_on"] < out["registered_on"] - dt.timedelta(days=3650)
    ):
        errors.add("started_on", "started_on.implausible", "开业日期与登记日期相差超过10年，请核对。")
    if (
        "poor_workers_employed" in out
        and "jobs_created" in out
        and out["poor_workers_employed"] > out["jobs_created"]
    ):
        errors.add(
            "poor_workers_employed", "poor_workers.exceeds_jobs", "吸纳贫困劳动力人数不能超过带动就业人数。"
        )
    return out, errors
