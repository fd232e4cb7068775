"""Notification texts: ``{placeholder}`` substitution only (no attribute access, no format specs, no code).

A text is validated when a city admin saves it: every ``{…}`` must name one of the event's placeholders,
and no brace may stand alone. Rendering substitutes the names and nothing else, so a template can never
reach into an object the way ``str.format`` would (``{x.__class__}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from fanxiang.core.errors import ErrorCollector

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def problems(text: str, allowed: Iterable[str]) -> list[tuple[str, str]]:
    """(code, message) for each problem of ``text`` (empty when it is fine)."""
    allowed = set(allowed)
    found: list[tuple[str, str]] = []
    for name in PLACEHOLDER.findall(text):
        if name not in allowed:
            found.append(
                (
                    "template.unknown_placeholder",
                    f"占位符 {{{name}}} 不可用。可用：{'、'.join('{' + a + '}' for a in sorted(allowed))}",
                )
            )
    stripped = PLACEHOLDER.sub("", text)
    if "{" in stripped or "}" in stripped:
        found.append(
            ("template.syntax", "花括号只能用于占位符，如 {name}；请检查是否有多余或不成对的花括号。")
        )
    return found


def check(errors: ErrorCollector, field: str, text: str, allowed: Iterable[str]) -> None:
    for code, message in problems(text, allowed):
        errors.add(field, code, message)


def render(text: str, context: Mapping[str, Any]) -> str:
    def sub(match: re.Match) -> str:
        value = context.get(match.group(1), "")
        return "" if value is None else str(value)

    return PLACEHOLDER.sub(sub, text)
