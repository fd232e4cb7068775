"""Resolvers that API output schemas share.

Use them in a ninja Schema as ``resolve_region = staticmethod(region_code)``; ninja picks up
any ``resolve_<field>`` staticmethod, so the output is the same as a hand-written resolver.
"""

from typing import Any


def region_code(obj: Any) -> str:
    return obj.region.code


def region_name(obj: Any) -> str:
    return obj.region.name


def region_full_name(obj: Any) -> str:
    return obj.region.full_name
