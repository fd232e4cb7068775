"""Eligibility rules clerks can write: a small declarative form, validated, compiled and explained.

A rule is JSON::

    {"all": [
        {"field": "category", "op": "in", "value": ["returning_migrant_worker", "veteran"]},
        {"field": "age", "op": "lte", "value": 60, "when": {"field": "sex", "op": "eq", "value": "M"}},
        {"any": [{"field": "jobs_created", "op": "gte", "value": 3}, {"field": "priority_groups",
                 "op": "includes", "value": "poor_household"}]}
    ]}

Groups are ``{"all": [...]}`` or ``{"any": [...]}`` (nested); a condition is ``{field, op, value}`` over the
field catalogue below, with an optional guard ``when`` (one condition): the condition only applies when the
guard holds (age limits by sex). An empty rule ``{}`` means "no conditions".

Nothing here evaluates text as code. Validation reports every problem with its JSON path
(``rule.all[1].op``) and a stable code; compiled rules answer fast (a boolean, for outreach lists over many
people) or explain (each condition with a Chinese message, tri-state: a missing fact is "unknown")."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from fanxiang.core.errors import ErrorCollector, InvalidInput
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry, Sex

INT = "int"
DECIMAL = "decimal"
DATE = "date"
CHOICE = "choice"
MULTI = "multi"
REGION = "region"
BOOL = "bool"

CODE_MALFORMED = "policy.rule_malformed"
CODE_UNKNOWN_FIELD = "policy.rule_unknown_field"
CODE_BAD_OPERATOR = "policy.rule_bad_operator"
CODE_TYPE_MISMATCH = "policy.rule_type_mismatch"
CODE_BAD_VALUE = "policy.rule_bad_value"

MAX_DEPTH = 4
MAX_CONDITIONS = 60

OPERATORS: dict[str, dict[str, str]] = {
    INT: {"eq": "等于", "ne": "不等于", "lt": "小于", "lte": "不超过", "gt": "大于", "gte": "不低于",
          "between": "介于"},
    DECIMAL: {"eq": "等于", "ne": "不等于", "lt": "小于", "lte": "不超过", "gt": "大于", "gte": "不低于",
              "between": "介于"},
    DATE: {"before": "早于", "on_or_before": "不晚于", "after": "晚于", "on_or_after": "不早于",
           "between": "介于"},
    CHOICE: {"eq": "等于", "ne": "不等于", "in": "属于其一", "not_in": "不属于"},
    MULTI: {"includes": "包含", "excludes": "不包含", "includes_any": "包含任一", "includes_none": "不含任何",
            "is_empty": "为空", "not_empty": "不为空"},
    REGION: {"within": "位于（含下级）", "not_within": "不位于"},
    BOOL: {"eq": "为"},
}  # fmt: skip
LIST_OPS = {"in", "not_in", "includes_any", "includes_none", "within", "not_within"}
NO_VALUE_OPS = {"is_empty", "not_empty"}
ALL_OPERATOR_LABELS = {op: label for ops in OPERATORS.values() for op, label in ops.items()}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str
    unit: str = ""
    # static choices, or a key resolved from the database ("priority_groups", "items")
    choices: tuple[tuple[str, str], ...] | None = None
    dynamic_choices: str = ""
    help: str = ""
    # where the fact comes from: registry (entrepreneur / business / grants) or only declared (self-check)
    declared_only: bool = False

    @property
    def operators(self) -> dict[str, str]:
        return OPERATORS[self.type]


def _choices(tc) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label)) for value, label in tc.choices)


FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in [
        FieldSpec("age", "年龄", INT, " 岁", help="按判断日期计算的周岁"),
        FieldSpec("sex", "性别", CHOICE, choices=_choices(Sex)),
        FieldSpec("category", "人员类别", CHOICE, choices=_choices(Category)),
        FieldSpec("priority_groups", "重点群体", MULTI, dynamic_choices="priority_groups"),
        FieldSpec("education", "文化程度", CHOICE, choices=_choices(Education)),
        FieldSpec("region", "现居住地", REGION, help="区划代码，含下级区划"),
        FieldSpec("hukou_region", "户籍地", REGION, help="区划代码，含下级区划"),
        FieldSpec("return_months", "返乡时长", INT, " 个月", help="自返乡/入乡时间起的整月数"),
        FieldSpec("return_date", "返乡/入乡时间", DATE),
        FieldSpec("started_on", "创业时间", DATE),
        FieldSpec("worked_months", "外出务工时长", INT, " 个月"),
        FieldSpec("has_business", "有经营主体", BOOL),
        FieldSpec("entity_kind", "主体类型", CHOICE, choices=_choices(BusinessKind), help="主要经营主体"),
        FieldSpec("industry", "行业门类", CHOICE, choices=_choices(Industry), help="主要经营主体"),
        FieldSpec("industry_tags", "产业标签", MULTI, dynamic_choices="industry_tags"),
        FieldSpec("business_started_on", "经营主体开业日期", DATE, help="主要经营主体"),
        FieldSpec("business_months", "经营时长", INT, " 个月", help="主要经营主体自开业起的整月数"),
        FieldSpec("jobs_created", "带动就业", INT, " 人", help="名下在营主体合计"),
        FieldSpec("employees", "从业人数", INT, " 人", help="名下在营主体合计"),
        FieldSpec("poor_workers_employed", "吸纳贫困劳动力", INT, " 人", help="名下在营主体合计"),
        FieldSpec("received", "已享受政策", MULTI, dynamic_choices="items", help="条款代码（未撤销的享受记录）"),
        FieldSpec(
            "in_startup_park", "入驻返乡入乡创业园区", BOOL, declared_only=True,
            help="登记信息中没有，由申请人申报、经办部门核实",
        ),
        FieldSpec(
            "national_rd_platform", "获批国家级研发平台", BOOL, declared_only=True,
            help="登记信息中没有，由申请人申报、经办部门核实",
        ),
    ]
}  # fmt: skip
NUMERIC_FIELDS = {name for name, f in FIELDS.items() if f.type in (INT, DECIMAL)}


@dataclass
class Lookups:
    """What validation and messages need from the database: known region codes (code → (tree_path, name)),
    priority groups, industry tags and item codes (code → title). Unknown keys make a value invalid."""

    regions: dict[str, tuple[str, str]] = field(default_factory=dict)
    priority_groups: dict[str, str] = field(default_factory=dict)
    industry_tags: dict[str, str] = field(default_factory=dict)
    items: dict[str, str] = field(default_factory=dict)

    def choices_of(self, spec: FieldSpec) -> dict[str, str] | None:
        if spec.choices is not None:
            return _static_choices(spec.name)
        if spec.dynamic_choices:
            return getattr(self, spec.dynamic_choices)
        return None


@functools.lru_cache(maxsize=64)
def _static_choices(name: str) -> dict[str, str]:
    return dict(FIELDS[name].choices or ())


def load_lookups(region_codes: Iterable[str] | None = None) -> Lookups:
    """Lookups from the database. ``region_codes`` limits the region table to the codes named (a rule's)."""
    from fanxiang.entrepreneurs.models import IndustryTag, PriorityGroup
    from fanxiang.policies.models import PolicyItem
    from fanxiang.regions.models import Region

    regions = Region.objects.all()
    if region_codes is not None:
        regions = regions.filter(code__in=list(region_codes))
    return Lookups(
        regions={code: (path, name) for code, path, name in regions.values_list("code", "tree_path", "name")},
        priority_groups=dict(PriorityGroup.objects.values_list("code", "name")),
        industry_tags=dict(IndustryTag.objects.values_list("code", "name")),
        items=dict(PolicyItem.objects.values_list("code", "title")),
    )


def region_codes_in(rule: Any) -> set[str]:
    """Every region code a rule names (to load only those)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            spec = FIELDS.get(node.get("field")) if isinstance(node.get("field"), str) else None
            if spec is not None and spec.type == REGION:
                value = node.get("value")
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str):
                        found.add(v)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(rule)
    return found


# --------------------------------------------------------------------------- validation


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _as_decimal(v: Any) -> Decimal | None:
    if isinstance(v, bool) or isinstance(v, float):
        return None
    if isinstance(v, int):
        return Decimal(v)
    if isinstance(v, str):
        try:
            d = Decimal(v.strip())
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def _as_date(v: Any) -> dt.date | None:
    if not isinstance(v, str) or len(v) != 10:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        return None


TYPE_WORDS = {INT: "整数", DECIMAL: "数值", DATE: "日期（YYYY-MM-DD）", CHOICE: "取值代码", MULTI: "取值代码",
              REGION: "区划代码", BOOL: "true 或 false"}  # fmt: skip


def _scalar_ok(spec: FieldSpec, v: Any) -> bool:
    if spec.type == INT:
        return _is_int(v)
    if spec.type == DECIMAL:
        return _as_decimal(v) is not None
    if spec.type == DATE:
        return _as_date(v) is not None
    if spec.type == BOOL:
        return isinstance(v, bool)
    return isinstance(v, str) and v != ""


class _Validator:
    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.errors = ErrorCollector()
        self.count = 0

    def add(self, path: str, code: str, message: str) -> None:
        self.errors.add(path, code, message)

    def node(self, node: Any, path: str, depth: int) -> None:
        if not isinstance(node, dict):
            self.add(path, CODE_MALFORMED, "应为条件或条件组（JSON 对象）。")
            return
        groups = [k for k in ("all", "any") if k in node]
        if groups:
            if len(node) != 1:
                extra = sorted(set(node) - {"all", "any"}) or ["all/any"]
                self.add(path, CODE_MALFORMED, f"条件组只能有一个键 all 或 any（多余：{'、'.join(extra)}）。")
                return
            key = groups[0]
            children = node[key]
            if depth >= MAX_DEPTH:
                self.add(path, CODE_MALFORMED, f"条件组嵌套不能超过 {MAX_DEPTH} 层。")
                return
            if not isinstance(children, list) or not children:
                self.add(f"{path}.{key}", CODE_MALFORMED, "条件组应为非空列表。")
                return
            for i, child in enumerate(children):
                self.node(child, f"{path}.{key}[{i}]", depth + 1)
            return
        self.condition(node, path, allow_when=True)

    def condition(self, node: dict, path: str, allow_when: bool) -> None:
        self.count += 1
        if self.count == MAX_CONDITIONS + 1:
            self.add(path, CODE_MALFORMED, f"条件不能超过 {MAX_CONDITIONS} 个。")
        allowed = {"field", "op", "value", "when"} if allow_when else {"field", "op", "value"}
        unknown = sorted(set(node) - allowed)
        if unknown:
            self.add(path, CODE_MALFORMED, f"条件中有无法识别的键：{'、'.join(map(str, unknown))}。")
        name = node.get("field")
        if not isinstance(name, str) or not name:
            self.add(f"{path}.field", CODE_MALFORMED, "缺少字段（field）。")
            return
        spec = FIELDS.get(name)
        if spec is None:
            self.add(f"{path}.field", CODE_UNKNOWN_FIELD, f"未知字段“{name}”。")
            return
        op = node.get("op")
        if not isinstance(op, str) or op not in spec.operators:
            allowed_ops = "、".join(f"{k}（{v}）" for k, v in spec.operators.items())
            self.add(
                f"{path}.op",
                CODE_BAD_OPERATOR,
                f"字段“{spec.label}”不支持运算符“{op}”，可用：{allowed_ops}。",
            )
        else:
            self.value(spec, op, node.get("value"), "value" in node, f"{path}.value")
        if "when" in node and allow_when:
            guard = node["when"]
            if not isinstance(guard, dict) or any(k in guard for k in ("all", "any")):
                self.add(f"{path}.when", CODE_MALFORMED, "适用条件（when）应为单个条件。")
            else:
                self.condition(guard, f"{path}.when", allow_when=False)

    def value(self, spec: FieldSpec, op: str, value: Any, present: bool, path: str) -> None:
        if op in NO_VALUE_OPS:
            if present and value not in (None, "", []):
                self.add(path, CODE_TYPE_MISMATCH, f"运算符“{ALL_OPERATOR_LABELS[op]}”不需要取值。")
            return
        if not present or value is None:
            self.add(path, CODE_TYPE_MISMATCH, f"缺少取值，应为{TYPE_WORDS[spec.type]}。")
            return
        if op == "between":
            if not (isinstance(value, list) and len(value) == 2 and all(_scalar_ok(spec, v) for v in value)):
                self.add(
                    path,
                    CODE_TYPE_MISMATCH,
                    f"“介于”的取值应为两个{TYPE_WORDS[spec.type]}组成的列表 [下限, 上限]。",
                )
                return
            low, high = (self.typed(spec, v) for v in value)
            if low > high:
                self.add(path, CODE_BAD_VALUE, "下限不能大于上限。")
            return
        if op in LIST_OPS:
            if not (isinstance(value, list) and value and all(_scalar_ok(spec, v) for v in value)):
                self.add(path, CODE_TYPE_MISMATCH, f"取值应为非空的{TYPE_WORDS[spec.type]}列表。")
                return
            for v in value:
                self.known(spec, v, path)
            return
        if not _scalar_ok(spec, value):
            got = "列表" if isinstance(value, list) else type(value).__name__
            self.add(path, CODE_TYPE_MISMATCH, f"取值应为{TYPE_WORDS[spec.type]}，收到的是{got}。")
            return
        if spec.type in (INT, DECIMAL) and self.typed(spec, value) < 0:
            self.add(path, CODE_BAD_VALUE, "取值不能为负数。")
        self.known(spec, value, path)

    def typed(self, spec: FieldSpec, v: Any) -> Any:
        if spec.type == DECIMAL:
            return _as_decimal(v)
        if spec.type == DATE:
            return _as_date(v)
        return v

    def known(self, spec: FieldSpec, v: Any, path: str) -> None:
        if spec.type == REGION:
            if v not in self.lookups.regions:
                self.add(path, CODE_BAD_VALUE, f"区划代码“{v}”不存在。")
            return
        choices = self.lookups.choices_of(spec)
        if choices is not None and v not in choices:
            sample = "、".join(list(choices)[:12])
            self.add(path, CODE_BAD_VALUE, f"“{v}”不是“{spec.label}”的有效取值（可选：{sample}）。")


def validate_rule(rule: Any, lookups: Lookups | None = None, *, prefix: str = "rule") -> dict:
    """Check a rule; return it unchanged, or raise InvalidInput listing every problem by JSON path
    (``rule.all[1].op``) with the first problem's code as the error code (each in ``details.items``)."""
    if rule is None:
        rule = {}
    if not isinstance(rule, dict):
        raise InvalidInput.field(prefix, CODE_MALFORMED, '规则应为 JSON 对象，例如 {"all": [...]}。')
    if rule == {}:
        return rule
    if lookups is None:
        lookups = load_lookups(region_codes_in(rule))
    v = _Validator(lookups)
    v.node(rule, prefix, 0)
    v.errors.raise_if_any()
    return rule


# --------------------------------------------------------------------------- compiled rules


class ConditionResult:
    """One condition's outcome. The Chinese message is built on first access: matching decides on many
    items but shows the messages of few."""

    __slots__ = ("_message", "actual", "applicable", "field", "label", "op", "passed", "path", "value")

    def __init__(self, path, field, label, op, value, actual, passed, message, applicable=True):
        self.path = path
        self.field = field
        self.label = label
        self.op = op
        self.value = value
        self.actual = actual
        self.passed: bool | None = passed  # None: the fact is unknown
        self.applicable = applicable
        self._message: str | Callable[[], str] = message

    @property
    def message(self) -> str:
        if callable(self._message):
            self._message = self._message()
        return self._message

    @message.setter
    def message(self, value: str) -> None:
        self._message = value

    def as_dict(self) -> dict:
        return {
            "condition": self.path,
            "field": self.field,
            "label": self.label,
            "op": self.op,
            "value": self.value,
            "actual": _jsonable(self.actual),
            "passed": self.passed,
            "applicable": self.applicable,
            "message": self.message,
        }


def _jsonable(v: Any) -> Any:
    if isinstance(v, (set, frozenset)):
        return sorted(v)
    if isinstance(v, (dt.date, Decimal)):
        return str(v)
    return v


@dataclass
class Evaluation:
    passed: bool | None
    conditions: list[ConditionResult]
    # the failing (or unknown) conditions that would have to change, fewest first through "any" groups
    failed: list[ConditionResult]

    @property
    def failures(self) -> int:
        return len(self.failed)


class _Node:
    fast: Callable[[dict], bool]
    # how many conditions fail (through "any" groups: the fewest of its branches); unknown facts fail.
    # ``count(facts, limit)`` may stop counting once past ``limit``.
    count: Callable[..., int]
    # the failing leaves (the same ones ``explain`` reports as failed), without explaining the rest
    failing: Callable[[dict], list]

    def explain(self, facts: dict, out: list[ConditionResult]) -> tuple[bool | None, list[ConditionResult]]:
        raise NotImplementedError


class _Group(_Node):
    def __init__(self, kind: str, children: list[_Node]) -> None:
        self.kind = kind
        self.children = children
        preds = tuple(c.fast for c in children)
        if kind == "all":

            def fast(f: dict) -> bool:
                for p in preds:
                    if not p(f):
                        return False
                return True

        else:

            def fast(f: dict) -> bool:
                for p in preds:
                    if p(f):
                        return True
                return False

        self.fast = fast
        counts = tuple(c.count for c in children)
        if kind == "all":

            def count(f: dict, limit: int = 1 << 30) -> int:
                n = 0
                for c in counts:
                    n += c(f, limit - n)
                    if n > limit:
                        return n
                return n

        else:

            def count(f: dict, limit: int = 1 << 30) -> int:
                best = limit + 1
                for c in counts:
                    n = c(f, best - 1)
                    if n < best:
                        best = n
                        if not n:
                            return 0
                return best

        self.count = count
        failings = tuple(c.failing for c in children)
        if kind == "all":

            def failing(f: dict) -> list:
                out: list = []
                for c in failings:
                    out += c(f)
                return out

        else:

            def failing(f: dict) -> list:
                best = None
                for c in failings:
                    got = c(f)
                    if not got:
                        return []
                    if best is None or len(got) < len(best):
                        best = got
                return best or []

        self.failing = failing

    def vec(self, ctx: VectorContext) -> int:
        if self.kind == "all":
            m = ctx.full
            for c in self.children:
                m &= c.vec(ctx)
                if not m:
                    break
            return m
        m = 0
        for c in self.children:
            m |= c.vec(ctx)
        return m

    def explain(self, facts, out):
        results = [c.explain(facts, out) for c in self.children]
        states = [r[0] for r in results]
        if self.kind == "all":
            if False in states:
                state = False
            elif None in states:
                state = None
            else:
                state = True
            failed = [leaf for r in results for leaf in r[1]]
            return state, failed
        if True in states:
            return True, []
        state = None if None in states else False
        best = min((r[1] for r in results), key=len)
        return state, best


def _fmt(spec: FieldSpec, v: Any, lookups: Lookups) -> str:
    if v is None:
        return "未知"
    if spec.type == BOOL:
        return "是" if v else "否"
    if spec.type == REGION:
        info = lookups.regions.get(v)
        return info[1] if info else str(v)
    if spec.type in (CHOICE, MULTI):
        choices = lookups.choices_of(spec) or {}
        return choices.get(v, str(v))
    if spec.type in (INT, DECIMAL):
        return f"{v}{spec.unit}"
    return str(v)


def _fmt_list(spec: FieldSpec, values: Iterable[Any], lookups: Lookups) -> str:
    return "、".join(_fmt(spec, v, lookups) for v in values)


class _Leaf(_Node):
    def __init__(self, node: dict, path: str, lookups: Lookups, guard: _Leaf | None = None) -> None:
        self.path = path
        self.spec = spec = FIELDS[node["field"]]
        self.key = key = spec.name
        self.op = op = node["op"]
        self.raw = node.get("value")
        self.guard = guard
        self.lookups = lookups
        self.test = self._make_test(spec, op, self.raw, lookups)
        self.vector = _vector(spec, op, self.raw, lookups)
        self.cache_key = (key, op, json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str))
        test = self.test

        def base(f: dict) -> bool:
            v = f.get(key)
            return v is not None and test(v)

        if guard is not None:
            gfast, gkey = guard.fast, guard.key

            def fast(f: dict) -> bool:
                # an unknown guard fact cannot say the condition does not apply
                if f.get(gkey) is None:
                    return False
                return not gfast(f) or base(f)

            self.fast = fast
        else:
            self.fast = base
        fast_ = self.fast
        self.count = lambda f, limit=0: 0 if fast_(f) else 1
        me = [self]
        self.failing = lambda f: [] if fast_(f) else me

    def vec(self, ctx: VectorContext) -> int:
        base = ctx.mask(self.cache_key, self.key, self.vector)
        if self.guard is None:
            return base
        g = self.guard
        guard = ctx.mask(g.cache_key, g.key, g.vector)
        return ctx.known(g.key) & ((ctx.full ^ guard) | base)

    @staticmethod
    def _make_test(spec: FieldSpec, op: str, raw: Any, lookups: Lookups) -> Callable[[Any], bool]:
        t = spec.type
        if t in (INT, DECIMAL, DATE):
            conv = _as_decimal if t == DECIMAL else (_as_date if t == DATE else (lambda x: x))
            if op == "between":
                lo, hi = conv(raw[0]), conv(raw[1])
                return lambda v: lo <= v <= hi
            b = conv(raw)
            return {
                "eq": lambda v: v == b,
                "ne": lambda v: v != b,
                "lt": lambda v: v < b,
                "lte": lambda v: v <= b,
                "gt": lambda v: v > b,
                "gte": lambda v: v >= b,
                "before": lambda v: v < b,
                "on_or_before": lambda v: v <= b,
                "after": lambda v: v > b,
                "on_or_after": lambda v: v >= b,
            }[op]
        if t == CHOICE:
            if op in ("in", "not_in"):
                s = frozenset(raw)
                return (lambda v: v in s) if op == "in" else (lambda v: v not in s)
            return (lambda v: v == raw) if op == "eq" else (lambda v: v != raw)
        if t == BOOL:
            return lambda v: bool(v) is raw
        if t == MULTI:
            if op == "includes":
                return lambda v: raw in v
            if op == "excludes":
                return lambda v: raw not in v
            s = frozenset(raw or ())
            if op == "includes_any":
                return lambda v: not s.isdisjoint(v)
            if op == "includes_none":
                return lambda v: s.isdisjoint(v)
            if op == "is_empty":
                return lambda v: not v
            return lambda v: bool(v)
        # REGION: facts hold the person's tree path; the rule's codes resolve to tree paths
        paths = tuple(lookups.regions[c][0] for c in raw if c in lookups.regions)
        if op == "within":
            return lambda v: any(v.startswith(p) for p in paths)
        return lambda v: not any(v.startswith(p) for p in paths)

    # -- explanation

    def explain(self, facts, out):
        if self.guard is not None:
            g = self.guard.result(facts)
            if g.passed is not True:
                guard = self.guard
                res = ConditionResult(
                    self.path, self.key, self.spec.label, self.op, self.raw, facts.get(self.key),
                    True, lambda: f"{self.describe()}：不适用（仅当{guard.describe()}时）", applicable=False,
                )  # fmt: skip
                if g.passed is None:
                    # the guard's fact is unknown: say so, the condition cannot be decided
                    res.passed = None
                    res.applicable = True
                    res.message = lambda: f"{g.message}，无法判断是否适用“{self.describe()}”"
                out.append(res)
                return res.passed, ([] if res.passed else [res])
        res = self.result(facts)
        out.append(res)
        return res.passed, ([] if res.passed else [res])

    def describe(self) -> str:
        spec, op, raw, lk = self.spec, self.op, self.raw, self.lookups
        word = spec.operators[op]
        if spec.type == CHOICE and op == "eq":
            return f"{spec.label}为{_fmt(spec, raw, lk)}"
        if op in NO_VALUE_OPS:
            return f"{spec.label}{word}"
        if op == "between":
            return f"{spec.label}介于 {_fmt(spec, raw[0], lk)} 至 {_fmt(spec, raw[1], lk)}"
        if op in LIST_OPS:
            return f"{spec.label}{word}：{_fmt_list(spec, raw, lk)}"
        if spec.type == BOOL:
            return f"{spec.label}：{'是' if raw else '否'}"
        return f"{spec.label}{word} {_fmt(spec, raw, lk)}"

    def result(self, facts: dict) -> ConditionResult:
        spec, op, raw, lk = self.spec, self.op, self.raw, self.lookups
        actual = facts.get(self.key)
        label = spec.label
        if actual is None:
            return ConditionResult(
                self.path, self.key, label, op, raw, None, None,
                lambda: f"缺少“{label}”信息，无法判断（要求：{self.describe()}）",
            )  # fmt: skip
        ok = bool(self.test(actual))
        region_name = facts.get(f"{self.key}_name") if spec.type == REGION else None

        def message() -> str:
            if spec.type == REGION:
                shown = region_name or actual
            elif spec.type == MULTI:
                shown = _fmt_list(spec, sorted(actual), lk) or "无"
            else:
                shown = _fmt(spec, actual, lk)
            return self._message(ok, shown, actual)

        return ConditionResult(self.path, self.key, label, op, raw, actual, ok, message)

    def _message(self, ok: bool, shown: str, actual: Any) -> str:
        spec, op, raw, lk = self.spec, self.op, self.raw, self.lookups
        label = spec.label
        lead = f"{label} {shown}" if spec.type in (INT, DECIMAL, DATE) else f"{label}为{shown}"
        if op == "between":
            rng = f"{_fmt(spec, raw[0], lk)} 至 {_fmt(spec, raw[1], lk)}"
            return f"{lead}，在 {rng} 之间" if ok else f"{lead}，不在 {rng} 范围内"
        if spec.type in (INT, DECIMAL):
            b = _fmt(spec, raw, lk)
            text = {
                "lte": ("不超过 " + b, "超过上限 " + b),
                "lt": ("小于 " + b, "须小于 " + b),
                "gte": ("不低于 " + b, "低于下限 " + b),
                "gt": ("大于 " + b, "须大于 " + b),
                "eq": ("符合要求 " + b, "要求为 " + b),
                "ne": ("不等于 " + b, "不能为 " + b),
            }[op]
            return f"{lead}，{text[0 if ok else 1]}"
        if spec.type == DATE:
            b = _fmt(spec, raw, lk)
            text = {
                "before": ("早于 " + b, "须早于 " + b),
                "on_or_before": ("不晚于 " + b, "须不晚于 " + b),
                "after": ("晚于 " + b, "须晚于 " + b),
                "on_or_after": ("不早于 " + b, "须不早于 " + b),
            }[op]
            return f"{lead}，{text[0 if ok else 1]}"
        if spec.type == BOOL:
            want = "是" if raw else "否"
            return f"{label}：{shown}" + ("" if ok else f"，要求为“{want}”")
        if spec.type == CHOICE:
            if op == "eq":
                return lead if ok else f"{lead}，要求为{_fmt(spec, raw, lk)}"
            if op == "ne":
                return f"{lead}，不是{_fmt(spec, raw, lk)}" if ok else f"{lead}，不能为{_fmt(spec, raw, lk)}"
            listed = _fmt_list(spec, raw, lk)
            if op == "in":
                return f"{lead}，属于{listed}" if ok else f"{lead}，不在适用范围（{listed}）内"
            return f"{lead}，不属于{listed}" if ok else f"{lead}，属于排除范围（{listed}）"
        if spec.type == REGION:
            listed = _fmt_list(spec, raw, lk)
            if op == "within":
                return f"{lead}，位于{listed}" if ok else f"{lead}，不在{listed}范围内"
            return f"{lead}，不在{listed}" if ok else f"{lead}，位于排除区域（{listed}）"
        # MULTI
        if spec.name == "received":
            if op == "includes":
                name = _fmt(spec, raw, lk)
                return f"已享受“{name}”" if ok else f"未享受“{name}”（要求已享受）"
            if op == "excludes":
                name = _fmt(spec, raw, lk)
                return f"未享受过“{name}”" if ok else f"已享受过“{name}”，不能同时享受"
        if op == "includes":
            name = _fmt(spec, raw, lk)
            return f"{label}包含“{name}”" if ok else f"{label}不含“{name}”（当前：{shown}）"
        if op == "excludes":
            name = _fmt(spec, raw, lk)
            return f"{label}不含“{name}”" if ok else f"{label}包含“{name}”，不符合"
        listed = _fmt_list(spec, raw or (), lk)
        if op == "includes_any":
            return (
                f"{label}为{shown}，符合（{listed}之一）" if ok else f"{label}为{shown}，须属于{listed}之一"
            )
        if op == "includes_none":
            return f"{label}为{shown}，不含{listed}" if ok else f"{label}为{shown}，含有排除项（{listed}）"
        if op == "is_empty":
            return f"{label}为空" if ok else f"{label}为{shown}，要求为空"
        return f"{label}为{shown}" if ok else f"{label}为空，要求不为空"


# --------------------------------------------------------------------------- vectorised evaluation
#
# Outreach lists evaluate every rule for thousands of people. Instead of one call per person and item, a
# chunk of people is laid out as columns (one list per fact) and each distinct condition becomes a bit mask
# over the chunk (bit set: the person passes), computed once per chunk by one comprehension and shared by
# every item that uses the same condition; groups are AND / OR of masks. Position i of the chunk is bit
# n-1-i (the leftmost character of the binary string). Semantics equal ``Rule.check``: an unknown fact fails.


def _bits(chars: list[str]) -> int:
    return int("".join(chars), 2) if chars else 0


class VectorContext:
    """Columns and the per-condition masks of one chunk of people."""

    def __init__(self, facts: list[dict]) -> None:
        self.facts = facts
        self.n = len(facts)
        self.full = (1 << self.n) - 1
        self._cols: dict[str, list] = {}
        self._masks: dict[Any, int] = {}

    def column(self, key: str) -> list:
        col = self._cols.get(key)
        if col is None:
            col = self._cols[key] = [f.get(key) for f in self.facts]
        return col

    def mask(self, cache_key: Any, key: str, vector: Callable[[list], int]) -> int:
        m = self._masks.get(cache_key)
        if m is None:
            m = self._masks[cache_key] = vector(self.column(key))
        return m

    def known(self, key: str) -> int:
        return self.mask(("known", key), key, lambda col: _bits(["0" if v is None else "1" for v in col]))

    def positions(self, mask: int) -> list[int]:
        text = format(mask, f"0{self.n}b") if self.n else ""
        return [i for i, c in enumerate(text) if c == "1"]


def _vector(spec: FieldSpec, op: str, raw: Any, lookups: Lookups) -> Callable[[list], int]:
    """One comprehension per operator (no call per person)."""
    t = spec.type
    if t in (INT, DECIMAL, DATE):
        conv = _as_decimal if t == DECIMAL else (_as_date if t == DATE else (lambda x: x))
        if op == "between":
            lo, hi = conv(raw[0]), conv(raw[1])
            return lambda col: _bits(["1" if v is not None and lo <= v <= hi else "0" for v in col])
        b = conv(raw)
        cmp = {"eq": "eq", "ne": "ne", "lt": "lt", "before": "lt", "lte": "le", "on_or_before": "le",
               "gt": "gt", "after": "gt", "gte": "ge", "on_or_after": "ge"}[op]  # fmt: skip
        if cmp == "le":
            return lambda col: _bits(["1" if v is not None and v <= b else "0" for v in col])
        if cmp == "lt":
            return lambda col: _bits(["1" if v is not None and v < b else "0" for v in col])
        if cmp == "ge":
            return lambda col: _bits(["1" if v is not None and v >= b else "0" for v in col])
        if cmp == "gt":
            return lambda col: _bits(["1" if v is not None and v > b else "0" for v in col])
        if cmp == "eq":
            return lambda col: _bits(["1" if v is not None and v == b else "0" for v in col])
        return lambda col: _bits(["1" if v is not None and v != b else "0" for v in col])
    if t == CHOICE:
        if op in ("in", "not_in"):
            s = frozenset(raw)
            if op == "in":
                return lambda col: _bits(["1" if v in s else "0" for v in col])
            return lambda col: _bits(["1" if v is not None and v not in s else "0" for v in col])
        if op == "eq":
            return lambda col: _bits(["1" if v == raw else "0" for v in col])
        return lambda col: _bits(["1" if v is not None and v != raw else "0" for v in col])
    if t == BOOL:
        return lambda col: _bits(["1" if v is not None and bool(v) is raw else "0" for v in col])
    if t == MULTI:
        if op == "includes":
            return lambda col: _bits(["1" if v is not None and raw in v else "0" for v in col])
        if op == "excludes":
            return lambda col: _bits(["1" if v is not None and raw not in v else "0" for v in col])
        s = frozenset(raw or ())
        if op == "includes_any":
            return lambda col: _bits(["1" if v is not None and not s.isdisjoint(v) else "0" for v in col])
        if op == "includes_none":
            return lambda col: _bits(["1" if v is not None and s.isdisjoint(v) else "0" for v in col])
        if op == "is_empty":
            return lambda col: _bits(["1" if v is not None and not v else "0" for v in col])
        return lambda col: _bits(["1" if v else "0" for v in col])
    paths = tuple(lookups.regions[c][0] for c in raw if c in lookups.regions)
    if op == "within":
        return lambda col: _bits(["1" if v is not None and v.startswith(paths) else "0" for v in col])
    return lambda col: _bits(["1" if v is not None and not v.startswith(paths) else "0" for v in col])


def region_mask(ctx: VectorContext, paths: tuple[str, ...]) -> int:
    """People of the chunk living inside any of ``paths`` (all when ``paths`` is empty)."""
    if not paths:
        return ctx.full
    return ctx.mask(("region", paths), "region",
                    lambda col: _bits(["1" if v is not None and v.startswith(paths) else "0" for v in col]))  # fmt: skip


class Rule:
    """A validated rule compiled once: ``check(facts)`` (fast boolean; unknown facts fail) and
    ``evaluate(facts)`` (per-condition results and messages)."""

    def __init__(self, rule: dict, lookups: Lookups, *, prefix: str = "rule") -> None:
        self.source = rule or {}
        self.root: _Node | None = self._compile(self.source, prefix, lookups) if self.source else None
        self.check: Callable[[dict], bool] = self.root.fast if self.root else (lambda f: True)
        self.failures: Callable[..., int] = self.root.count if self.root else (lambda f, limit=0: 0)
        self.fields = sorted(_fields_of(self.source))

    def _compile(self, node: dict, path: str, lookups: Lookups) -> _Node:
        for kind in ("all", "any"):
            if kind in node:
                return _Group(
                    kind, [self._compile(c, f"{path}.{kind}[{i}]", lookups) for i, c in enumerate(node[kind])]
                )
        guard = _Leaf(node["when"], f"{path}.when", lookups) if "when" in node else None
        return _Leaf(node, path, lookups, guard)

    def failed_conditions(self, facts: dict) -> list[ConditionResult]:
        """What ``evaluate(facts).failed`` says, without explaining the conditions that pass."""
        if self.root is None:
            return []
        out: list[ConditionResult] = []
        for leaf in self.root.failing(facts):
            leaf.explain(facts, out)
        return out

    def mask(self, ctx: VectorContext) -> int:
        """The people of ``ctx`` who pass (as ``check`` would say for each)."""
        return self.root.vec(ctx) if self.root is not None else ctx.full

    def evaluate(self, facts: dict) -> Evaluation:
        if self.root is None:
            return Evaluation(True, [], [])
        out: list[ConditionResult] = []
        state, failed = self.root.explain(facts, out)
        return Evaluation(state, out, failed)


def _fields_of(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("field"), str):
            found.add(node["field"])
        for v in node.values():
            found |= _fields_of(v)
    elif isinstance(node, list):
        for v in node:
            found |= _fields_of(v)
    return found


def compile_rule(rule: dict, lookups: Lookups | None = None, *, validate: bool = True) -> Rule:
    if lookups is None:
        lookups = load_lookups(region_codes_in(rule))
    if validate:
        validate_rule(rule, lookups)
    return Rule(rule, lookups)


# --------------------------------------------------------------------------- amount formulas

FORMULA_KEYS = {"base", "terms", "min", "max"}


def validate_formula(formula: Any, *, prefix: str = "amount_formula") -> dict:
    """``{"base": "0", "terms": [{"field": "jobs_created", "rate": "1000"}], "min": null, "max": "30000"}``:
    amount = base + Σ rate × field, then limited to [min, max]. Fields must be numeric catalogue fields."""
    errors = ErrorCollector()
    if not isinstance(formula, dict) or not formula:
        raise InvalidInput.field(
            prefix, CODE_MALFORMED, '公式应为 JSON 对象，如 {"terms": [...], "max": "30000"}。'
        )
    unknown = sorted(set(formula) - FORMULA_KEYS)
    if unknown:
        errors.add(prefix, CODE_MALFORMED, f"公式中有无法识别的键：{'、'.join(unknown)}。")
    for key in ("base", "min", "max"):
        if formula.get(key) is not None and _as_decimal(formula[key]) is None:
            errors.add(f"{prefix}.{key}", CODE_TYPE_MISMATCH, "应为金额数值（字符串或整数）。")
    terms = formula.get("terms", [])
    if not isinstance(terms, list) or not terms:
        errors.add(f"{prefix}.terms", CODE_MALFORMED, "公式至少要有一项（字段 × 单价）。")
        terms = []
    for i, term in enumerate(terms):
        p = f"{prefix}.terms[{i}]"
        if not isinstance(term, dict) or set(term) != {"field", "rate"}:
            errors.add(p, CODE_MALFORMED, '每一项应为 {"field", "rate"}。')
            continue
        if term["field"] not in FIELDS:
            errors.add(f"{p}.field", CODE_UNKNOWN_FIELD, f"未知字段“{term['field']}”。")
        elif term["field"] not in NUMERIC_FIELDS:
            errors.add(
                f"{p}.field",
                CODE_TYPE_MISMATCH,
                f"字段“{FIELDS[term['field']].label}”不是数值，不能参与计算。",
            )
        if _as_decimal(term["rate"]) is None:
            errors.add(f"{p}.rate", CODE_TYPE_MISMATCH, "单价应为金额数值。")
    lo, hi = _as_decimal(formula.get("min")), _as_decimal(formula.get("max"))
    if lo is not None and hi is not None and lo > hi:
        errors.add(f"{prefix}.min", CODE_BAD_VALUE, "下限不能大于上限。")
    errors.raise_if_any()
    return formula


def formula_amount(formula: dict, facts: dict) -> Decimal | None:
    """The formula's amount on ``facts`` (None when a fact it needs is unknown)."""
    total = _as_decimal(formula.get("base") or 0) or Decimal(0)
    for term in formula.get("terms", []):
        v = facts.get(term["field"])
        if v is None:
            return None
        total += Decimal(v) * _as_decimal(term["rate"])
    lo, hi = _as_decimal(formula.get("min")), _as_decimal(formula.get("max"))
    if lo is not None:
        total = max(total, lo)
    if hi is not None:
        total = min(total, hi)
    return total.quantize(Decimal("0.01"))


def describe_formula(formula: dict) -> str:
    parts = []
    for term in formula.get("terms", []):
        spec = FIELDS.get(term["field"])
        parts.append(f"{term['rate']}元 × {spec.label if spec else term['field']}")
    text = " + ".join(parts)
    base = _as_decimal(formula.get("base") or 0)
    if base:
        text = f"{base}元 + {text}"
    if formula.get("max") is not None:
        text += f"，最高 {formula['max']} 元"
    if formula.get("min") is not None:
        text += f"，最低 {formula['min']} 元"
    return text


# --------------------------------------------------------------------------- catalogue as data (UI, API)


def catalogue(lookups: Lookups | None = None) -> list[dict]:
    """The field catalogue with types, operators and (where finite) choices."""
    rows = []
    for spec in FIELDS.values():
        choices = None
        if spec.choices is not None:
            choices = list(spec.choices)
        elif spec.dynamic_choices and lookups is not None:
            choices = sorted(lookups.choices_of(spec).items())
        rows.append(
            {
                "field": spec.name,
                "label": spec.label,
                "type": spec.type,
                "unit": spec.unit.strip(),
                "operators": [{"op": k, "label": v} for k, v in spec.operators.items()],
                "choices": [{"value": v, "label": label} for v, label in choices] if choices else None,
                "help": spec.help,
                "declared_only": spec.declared_only,
            }
        )
    return rows


def describe_rule(rule: dict, lookups: Lookups) -> list[str]:
    """The rule in plain Chinese, one line per condition (groups indented by a prefix)."""
    if not rule:
        return ["无资格条件"]
    lines: list[str] = []

    def leaf_text(node: dict) -> str:
        text = _Leaf(node, "", lookups).describe()
        if "when" in node:
            text += f"（仅当{_Leaf(node['when'], '', lookups).describe()}）"
        return text

    def walk(node: dict, depth: int) -> None:
        for kind, word in (("all", "同时满足以下全部条件"), ("any", "满足以下任一条件")):
            if kind in node:
                if depth > 0:
                    lines.append("　" * (depth - 1) + word + "：")
                for child in node[kind]:
                    walk(child, depth + 1)
                return
        lines.append("　" * max(0, depth - 1) + "· " + leaf_text(node))

    if "any" in rule:
        lines.append("满足以下任一条件：")
    walk(rule, 0)
    return lines
