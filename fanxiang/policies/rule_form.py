"""The rule editor's condition rows ↔ the rule JSON.

A row is one condition: field, operator, value(s), an optional guard (``when``: field = value) and an
optional group label. Rows sharing a group label form one sub-group of the opposite kind of the top
combinator (top "all" → the group is "any": A and B and (C or D)). Each row has a random token in its input
names (``c-<token>-field`` …), so HTMX can add and remove rows without numbering them; rows keep the order
the browser submits them in. Values are coerced by the field's type where they parse; what does not parse is
passed on as typed so the rule validator reports it on that row's path."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from fanxiang.policies.rules import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    FIELDS,
    INT,
    LIST_OPS,
    MULTI,
    NO_VALUE_OPS,
    REGION,
)

_NAME = re.compile(r"^c-([A-Za-z0-9]{4,16})-field$")
GUARD_TYPES = (CHOICE, BOOL)


def new_token() -> str:
    return secrets.token_hex(4)


@dataclass
class Row:
    token: str = dc_field(default_factory=new_token)
    field: str = ""
    op: str = ""
    values: list[str] = dc_field(default_factory=list)
    value2: str = ""
    when_field: str = ""
    when_value: str = ""
    group: str = ""
    errors: list[str] = dc_field(default_factory=list)
    path: str = ""
    result: Any = None  # a ConditionResult after a trial

    @property
    def spec(self):
        return FIELDS.get(self.field)

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""


def rows_from_post(data) -> list[Row]:
    rows = []
    for key in data.keys():
        m = _NAME.match(key)
        if not m:
            continue
        t = m.group(1)
        rows.append(
            Row(
                token=t,
                field=data.get(f"c-{t}-field", "").strip(),
                op=data.get(f"c-{t}-op", "").strip(),
                values=[v.strip() for v in data.getlist(f"c-{t}-value") if v.strip()],
                value2=data.get(f"c-{t}-value2", "").strip(),
                when_field=data.get(f"c-{t}-when_field", "").strip(),
                when_value=data.get(f"c-{t}-when_value", "").strip(),
                group=data.get(f"c-{t}-group", "").strip(),
            )
        )
    return rows


def _coerce(spec, raw: str) -> Any:
    if spec is None:
        return raw
    if spec.type == INT:
        return int(raw) if re.fullmatch(r"-?\d{1,9}", raw) else raw
    if spec.type == DECIMAL:
        return raw
    if spec.type == BOOL:
        return {"true": True, "false": False, "1": True, "0": False}.get(raw.lower(), raw)
    return raw


def _split(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in re.split(r"[,，、\s]+", v) if p.strip())
    return out


def row_to_condition(row: Row) -> dict:
    spec = row.spec
    node: dict[str, Any] = {"field": row.field, "op": row.op}
    if row.op in NO_VALUE_OPS:
        pass
    elif row.op == "between":
        node["value"] = [_coerce(spec, row.value), _coerce(spec, row.value2)]
    elif row.op in LIST_OPS:
        values = _split(row.values) if spec is not None and spec.type == REGION else row.values
        node["value"] = [_coerce(spec, v) for v in values]
    else:
        node["value"] = _coerce(spec, row.value) if row.values else None
    if row.when_field:
        wspec = FIELDS.get(row.when_field)
        node["when"] = {"field": row.when_field, "op": "eq", "value": _coerce(wspec, row.when_value)}
    return node


def rows_to_rule(rows: list[Row], combinator: str) -> dict:
    """Build the rule; set each row's JSON path (for errors and trial results)."""
    if combinator not in ("all", "any"):
        combinator = "all"
    inner = "any" if combinator == "all" else "all"
    if not rows:
        return {}
    entries: list[Any] = []  # a row, or (group label, [rows])
    groups: dict[str, list[Row]] = {}
    for row in rows:
        if row.group:
            if row.group not in groups:
                groups[row.group] = []
                entries.append((row.group, groups[row.group]))
            groups[row.group].append(row)
        else:
            entries.append(row)
    children = []
    for i, entry in enumerate(entries):
        base = f"rule.{combinator}[{i}]"
        if isinstance(entry, Row):
            entry.path = base
            children.append(row_to_condition(entry))
            continue
        _label, members = entry
        if len(members) == 1:
            members[0].path = base
            children.append(row_to_condition(members[0]))
            continue
        sub = []
        for j, row in enumerate(members):
            row.path = f"{base}.{inner}[{j}]"
            sub.append(row_to_condition(row))
        children.append({inner: sub})
    return {combinator: children}


def rule_to_rows(rule: dict) -> tuple[list[Row], str] | None:
    """Rows for a rule, or None when the rule is deeper than the rows can show (edit it as JSON)."""
    if not rule:
        return [], "all"
    if len(rule) != 1 or next(iter(rule)) not in ("all", "any"):
        return None
    combinator = next(iter(rule))
    inner = "any" if combinator == "all" else "all"
    rows: list[Row] = []
    group_no = 0
    for i, child in enumerate(rule[combinator]):
        if not isinstance(child, dict):
            return None
        if inner in child and len(child) == 1:
            group_no += 1
            for j, leaf in enumerate(child[inner]):
                row = _leaf_row(leaf)
                if row is None:
                    return None
                row.group = str(group_no)
                row.path = f"rule.{combinator}[{i}].{inner}[{j}]"
                rows.append(row)
            continue
        row = _leaf_row(child)
        if row is None:
            return None
        row.path = f"rule.{combinator}[{i}]"
        rows.append(row)
    return rows, combinator


def _leaf_row(node: dict) -> Row | None:
    if not isinstance(node, dict) or "field" not in node or any(k in node for k in ("all", "any")):
        return None
    value = node.get("value")
    row = Row(field=str(node.get("field", "")), op=str(node.get("op", "")))
    if node.get("op") == "between" and isinstance(value, list) and len(value) == 2:
        row.values, row.value2 = [_text(value[0])], _text(value[1])
    elif isinstance(value, list):
        row.values = [_text(v) for v in value]
    elif value is not None:
        row.values = [_text(value)]
    when = node.get("when")
    if isinstance(when, dict):
        if when.get("op") != "eq":
            return None
        row.when_field = str(when.get("field", ""))
        row.when_value = _text(when.get("value"))
    return row


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return "" if v is None else str(v)


def attach_errors(rows: list[Row], errors: dict[str, list[str]]) -> list[str]:
    """Put each error on the row whose path it falls under; return the rest."""
    rest: list[str] = []
    for path, messages in errors.items():
        owner = None
        for row in rows:
            if row.path and (path == row.path or path.startswith(row.path + ".")):
                if owner is None or len(row.path) > len(owner.path):
                    owner = row
        if owner is None:
            rest.extend(messages)
            continue
        suffix = path[len(owner.path) :].lstrip(".")
        prefix = {"field": "字段", "op": "运算符", "value": "取值", "when": "适用条件"}.get(
            suffix.split(".")[0], ""
        )
        owner.errors.extend(f"{prefix}：{m}" if prefix else m for m in messages)
    return rest


def guard_fields() -> list:
    return [f for f in FIELDS.values() if f.type in GUARD_TYPES]


def value_widget(row: Row) -> str:
    """Which value input the row needs: none, number, date, select, multi, region, bool, text."""
    spec = row.spec
    if spec is None or not row.op or row.op in NO_VALUE_OPS:
        return "none" if row.op in NO_VALUE_OPS else "text"
    if spec.type in (INT, DECIMAL):
        return "number"
    if spec.type == DATE:
        return "date"
    if spec.type == BOOL:
        return "bool"
    if spec.type == REGION:
        return "region"
    if spec.type in (CHOICE, MULTI):
        return "multi" if row.op in LIST_OPS else "select"
    return "text"
