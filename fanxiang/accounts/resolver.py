"""Answers the core scope question for staff users: which region subtrees does ``user`` hold for
``action`` on ``model``. Installed into ``fanxiang.core.scope`` by the app config."""

from __future__ import annotations

from typing import Any

from django.db import models

from fanxiang.accounts import roles
from fanxiang.core.scope import FULL_SCOPE, NO_SCOPE, OrgGrant, Scope


def resolve_scope(user: Any, model: type[models.Model], action: str) -> Scope:
    if not user.is_active:
        return NO_SCOPE
    if user.is_superuser:
        return FULL_SCOPE
    label = model._meta.label_lower
    assignments = user.assignments()
    active = getattr(user, "active_region_path", None)
    if active:
        narrowed = [a for a in assignments if a.region.tree_path == active]
        assignments = narrowed or assignments
    org_fields = getattr(model, "scope_organization", {}) or {}
    granted = [a for a in assignments if roles.allows(a.role, label, action)]
    paths = sorted({a.region.tree_path for a in granted if a.role not in org_fields})
    org_grants = tuple(
        sorted(
            {
                OrgGrant(a.region.tree_path, org_fields[a.role], user.organization_id)
                for a in granted
                if a.role in org_fields and user.organization_id
            },
            key=lambda g: (g.region_path, g.field),
        )
    )
    if not paths and not org_grants:
        return NO_SCOPE
    # Drop paths already covered by a shorter one.
    kept: list[str] = []
    for p in paths:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return Scope(region_paths=tuple(kept), org_grants=org_grants)
