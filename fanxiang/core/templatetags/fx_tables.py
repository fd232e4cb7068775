"""Tags of the shared list machinery: links that keep the list's filters, the page-size choice, and the
breadcrumb trail (a view's ``breadcrumbs`` or, by default, the side-navigation entry the page lies under)."""

from __future__ import annotations

from django import template
from django.http import QueryDict
from django.urls import reverse

from fanxiang.core.views import MAX_PAGE_SIZE, PAGE_SIZES

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with ``changes`` applied (a value of ``None`` or "" drops the key), so a
    pager or page-size link keeps every filter; starts with "?"."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_size_choices(context, page_obj=None) -> list[dict]:
    """The page sizes offered (20/50/100), the current one marked."""
    size = getattr(getattr(page_obj, "paginator", None), "per_page", None)
    sizes = sorted({*PAGE_SIZES, *([int(size)] if size and int(size) <= MAX_PAGE_SIZE else [])})
    return [{"size": s, "current": s == size} for s in sizes]


def default_trail(path: str, nav: list, title: str | None) -> list[tuple[str, str | None]]:
    """The trail of a page under the navigation: the entry whose address is the longest start of the
    path (linked unless it is this page), then the page's own title."""
    best = None
    for group in nav or []:
        for item in group.get("items", []):
            url = item.get("url") or ""
            if url and url != "/" and path.startswith(url) and (best is None or len(url) > len(best["url"])):
                best = item
    trail: list[tuple[str, str | None]] = []
    if best is not None:
        here = best["url"] == path
        trail.append((str(best["label"]), None if here else best["url"]))
        if not here and title and str(title) != str(best["label"]):
            trail.append((str(title), None))
    elif title:
        trail.append((str(title), None))
    return trail


@register.inclusion_tag("core/_breadcrumbs.html", takes_context=True)
def breadcrumbs(context) -> dict:
    """首页 › section page › this page, for every staff page below the home page (none on the home page).
    A view may give its own ``breadcrumbs`` as (label, url-or-None) pairs after 首页."""
    request = context.get("request")
    user = context.get("user")
    if request is None or user is None or not getattr(user, "is_authenticated", False):
        return {"crumbs": []}
    home = reverse("home")
    if request.path == home:
        return {"crumbs": []}
    trail = context.get("breadcrumbs")
    if trail is None:
        trail = default_trail(request.path, context.get("nav") or [], context.get("title"))
    if not trail:
        return {"crumbs": []}
    return {"crumbs": [("首页", home), *[(str(label), url) for label, url in trail]]}
