"""Role-aware navigation. Apps add their entries in ready(); an entry shows when the user may
``action`` the model somewhere (or holds one of ``roles``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from fanxiang.core.scope import resolve


@dataclass(frozen=True)
class NavItem:
    section: str
    label: str
    url_name: str
    model_label: str | None = None
    action: str = "view"
    roles: tuple[str, ...] = ()
    order: int = 100


NAV_ITEMS: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    if item not in NAV_ITEMS:
        NAV_ITEMS.append(item)


def nav_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    sections: dict[str, list[dict]] = {}
    user_roles = user.roles()
    for item in sorted(NAV_ITEMS, key=lambda i: i.order):
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
