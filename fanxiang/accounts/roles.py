"""Roles and what each may do, per model and action.

The table is data: apps add their models with :func:`grant` in their ``ready()``, so ``accounts`` knows
no domain. ``"*"`` stands for every model. Where the region of a role assignment says *where*, this table
says *what*.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from fanxiang.core.scope import ADD, CHANGE, DELETE, EXPORT, REVEAL, VIEW


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级管理员")
    LEADER = "leader", _("领导小组领导")
    COUNTY_OFFICER = "county_officer", _("县区人社经办人员")
    UNIT_LIAISON = "unit_liaison", _("成员单位联络员")
    SERVICE_CLERK = "service_clerk", _("服务中心窗口人员")
    GUARANTEE_OFFICER = "guarantee_officer", _("担保机构人员")
    BANK_OFFICER = "bank_officer", _("经办银行人员")
    EXPERT = "expert", _("创业服务专家")
    # a training institution's staff and teachers: bound to their organization (the class's provider)
    TRAINING_PROVIDER = "training_provider", _("培训机构人员")


# Who else takes workflow steps: the applicant on the portal, and the system (scheduled jobs).
APPLICANT = "entrepreneur"
SYSTEM = "system"


class _Labels(Mapping):
    """Role code → Chinese label, as plain ``str`` (the choices' labels are lazy)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw

    def __getitem__(self, code: str) -> str:
        return str(self._raw[code])

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


ROLE_LABELS: Mapping[str, str] = _Labels(
    {**{role.value: role.label for role in Role}, APPLICANT: "申请人", SYSTEM: "系统"}
)


def role_label(code: str) -> str:
    """The Chinese label of a role code (workflow pseudo-roles included); the code itself if unknown."""
    return ROLE_LABELS.get(code, code)


ALL_ACTIONS = frozenset({VIEW, ADD, CHANGE, DELETE, EXPORT, REVEAL})
READ = frozenset({VIEW, EXPORT})

# role -> model label (or "*") -> actions
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {role.value: {} for role in Role}


def grant(role: str, model_label: str, actions) -> None:
    current = PERMISSIONS.setdefault(role, {}).get(model_label, frozenset())
    PERMISSIONS[role][model_label] = frozenset(current | set(actions))


def allows(role: str, model_label: str, action: str) -> bool:
    table = PERMISSIONS.get(role, {})
    return action in table.get(model_label, frozenset()) or action in table.get("*", frozenset())


def is_staff_role(role: str) -> bool:
    return role in Role.values


# The foundation's own grants.
grant(Role.CITY_ADMIN, "*", ALL_ACTIONS)
grant(Role.LEADER, "*", READ)
for _role in (
    Role.COUNTY_OFFICER,
    Role.UNIT_LIAISON,
    Role.SERVICE_CLERK,
    Role.GUARANTEE_OFFICER,
    Role.BANK_OFFICER,
    Role.EXPERT,
):
    grant(_role, "regions.region", {VIEW, EXPORT})
grant(Role.COUNTY_OFFICER, "accounts.roleassignment", {VIEW, EXPORT})
