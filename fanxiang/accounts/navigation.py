"""Role-aware navigation. Apps register their entries in ready() (``fanxiang.core.registry.register_nav``);
an entry shows when the user may ``action`` the model somewhere (or holds one of ``roles``)."""

from __future__ import annotations

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from fanxiang.core.registry import nav_items
from fanxiang.core.scope import resolve


def nav_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    sections: dict[str, list[dict]] = {}
    user_roles = user.roles()
    for item in nav_items():
        visible = False
        if item.roles and (user_roles & set(item.roles) or user.is_superuser):
            visible = True
        elif item.model_label:
            model = apps.get_model(item.model_label)
            visible = not resolve(user, model, item.action).empty
        if not visible:
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        sections.setdefault(str(item.section), []).append({"label": item.label, "url": url})
    return [{"section": s, "items": items} for s, items in sections.items()]
