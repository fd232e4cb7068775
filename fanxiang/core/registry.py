"""What each app contributes to the project, registered from its ``AppConfig.ready()``.

Adding an app touches ``INSTALLED_APPS`` and nothing else central: the app's ``ready()`` registers its API
routers, URL include, navigation entries, home-page panels, sections of a person's page, notification events,
and its reference-data and demo-data loaders here; ``fanxiang/api.py``, ``fanxiang/urls.py``, the navigation,
the home page, the person page, the notification templates and ``manage.py load_reference_data`` /
``load_demo`` read them back. (The to-do inbox's sources register in :mod:`fanxiang.core.tasks`.)

Example (``fanxiang/targets/apps.py``)::

    def ready(self):
        from fanxiang.core import registry

        registry.register_api("fanxiang.targets.api:router", "/targets", order=30)
        registry.register_urls("targets/", "fanxiang.targets.urls", order=30)
        registry.register_nav(registry.NavItem("目标与统计", "年度目标", "targets:target_list", order=10))
        registry.register_reference_loader("targets.city", "fanxiang.targets.reference:load_city_targets")

Django runs every ``ready()`` before it loads the URLconf, so the URLconf and the API see every
registration. Routers and loaders may be given as ``"module:attribute"`` so that ``ready()`` imports no
API or data module (routers load with the URLconf, as before; loaders when they run). ``order`` fixes
where an entry goes (API paths in the OpenAPI document, URL includes, loaders, events); entries of equal
order keep their registration order. Registering the same entry twice is a no-op, so a ``ready()`` that
runs again does no harm.

Core knows no domain: everything here is plain data and callables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

# --------------------------------------------------------------------------- API routers


@dataclass(frozen=True)
class ApiMount:
    prefix: str
    router: Any  # a ninja Router, or "module:attribute"
    order: int = 100


_API: list[ApiMount] = []


def register_api(router: Any, prefix: str, *, order: int = 100) -> None:
    """Mount ``router`` (a ninja ``Router`` or ``"module:attribute"``) under ``/api/v1<prefix>``."""
    _add(_API, ApiMount(prefix, router, order))


def api_mounts() -> list[tuple[str, Any]]:
    """``(prefix, Router)`` in mounting order, lazy routers imported."""
    return [(m.prefix, _load(m.router)) for m in _sorted(_API)]


# --------------------------------------------------------------------------- URL includes


@dataclass(frozen=True)
class UrlInclude:
    prefix: str  # "loans/"
    module: str  # "fanxiang.loans.urls"
    namespace: str | None = None  # defaults to the module's app_name
    order: int = 100


_URLS: list[UrlInclude] = []


def register_urls(prefix: str, module: str, namespace: str | None = None, *, order: int = 100) -> None:
    """Include the URLconf ``module`` at ``prefix`` in the root URLconf."""
    _add(_URLS, UrlInclude(prefix, module, namespace, order))


def url_includes() -> list[UrlInclude]:
    return _sorted(_URLS)


# --------------------------------------------------------------------------- navigation


@dataclass(frozen=True)
class NavItem:
    """An entry of the side navigation: shown when the user may ``action`` the model somewhere (or holds
    one of ``roles``), under ``section``, sorted by ``order``."""

    section: str
    label: str
    url_name: str
    model_label: str | None = None
    action: str = "view"
    roles: tuple[str, ...] = ()
    order: int = 100


_NAV: list[NavItem] = []


def register_nav(item: NavItem) -> None:
    _add(_NAV, item)


def nav_items() -> list[NavItem]:
    return _sorted(_NAV)


# --------------------------------------------------------------------------- home panels


@dataclass(frozen=True)
class HomePanel:
    """A panel of the home page: rendered with ``template`` and the context ``context(request)`` returns
    (``None``: not shown), for the roles named (``None``: every role)."""

    key: str
    template: str
    context: Callable
    roles: tuple[str, ...] | None = None
    order: int = 100


_PANELS: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    if all(p.key != panel.key for p in _PANELS):
        _PANELS.append(panel)


def home_panels() -> list[HomePanel]:
    return _sorted(_PANELS)


# --------------------------------------------------------------------------- person sections


@dataclass(frozen=True)
class PersonSection:
    """A section of a person's page (the registry's entrepreneur detail): an app shows there what it holds
    on that person — loans, credit ledger, policy grants, services, trainings, awards. ``render(person,
    user)`` returns the section's HTML, already narrowed to what ``user`` may see (the app's own scope
    rule), or ``None`` to leave the section out (e.g. the user may not read that app's records at all).
    The registry app that owns the page imports none of them."""

    key: str
    title: str
    render: Callable | str  # a callable, or "module:function"
    order: int = 100


_PERSON_SECTIONS: list[PersonSection] = []


def register_person_section(section: PersonSection) -> None:
    if all(s.key != section.key for s in _PERSON_SECTIONS):
        _PERSON_SECTIONS.append(section)


def person_sections() -> list[PersonSection]:
    return _sorted(_PERSON_SECTIONS)


def render_person_sections(person: Any, user: Any) -> list[dict]:
    """``[{"key", "title", "html"}]`` of every registered section that has something to show."""
    shown = []
    for section in person_sections():
        html = _load(section.render)(person, user)
        if html is not None:
            shown.append({"key": section.key, "title": section.title, "html": html})
    return shown


# --------------------------------------------------------------------------- notification events


@dataclass(frozen=True)
class NotificationEvent:
    """An event an app may raise (``fanxiang.notifications.services.notify``): its code, a label, the
    placeholders a template of it may use, the default inbox title and body, and whether it is *decisive*
    (also sent by SMS by default)."""

    code: str
    label: str
    placeholders: tuple[str, ...]
    title: str
    body: str
    sms: bool = False
    sms_body: str = ""
    # sample values for the template page's preview
    sample: tuple[tuple[str, str], ...] = ()


# code -> event, in order; the same dict object for the whole process (modules keep a reference to it)
NOTIFICATION_EVENTS: dict[str, NotificationEvent] = {}
_EVENT_ORDER: dict[str, tuple[int, int]] = {}


def register_notification_events(*events: NotificationEvent, order: int = 100) -> None:
    """Declare the events an app raises. A code belongs to one definition."""
    for event in events:
        known = NOTIFICATION_EVENTS.get(event.code)
        if known is not None:
            if known != event:
                raise ValueError(f"notification event {event.code!r} is registered twice, differently")
            continue
        _EVENT_ORDER[event.code] = (order, len(_EVENT_ORDER))
        NOTIFICATION_EVENTS[event.code] = event
    ordered = sorted(NOTIFICATION_EVENTS.values(), key=lambda e: _EVENT_ORDER[e.code])
    NOTIFICATION_EVENTS.clear()
    NOTIFICATION_EVENTS.update((e.code, e) for e in ordered)


# --------------------------------------------------------------------------- data loaders


@dataclass(frozen=True)
class Loader:
    name: str
    load: Callable[[], Any] | str  # a callable, or "module:function"
    order: int = 100

    def run(self) -> Any:
        return _load(self.load)()


_REFERENCE: list[Loader] = []
_DEMO: list[Loader] = []


def register_reference_loader(name: str, load: Callable[[], Any] | str, *, order: int = 100) -> None:
    """Reference data every installation needs (``manage.py load_reference_data``, the test database).
    ``load()`` is idempotent and may return a dict of counts for the report."""
    _add_named(_REFERENCE, Loader(name, load, order))


def register_demo_loader(name: str, load: Callable[[], Any] | str, *, order: int = 100) -> None:
    """Demo data (``manage.py load_demo``), loaded after the reference data. ``load()`` is idempotent and
    may return a list of what it created (usernames)."""
    _add_named(_DEMO, Loader(name, load, order))


def reference_loaders() -> list[Loader]:
    return _sorted(_REFERENCE)


def demo_loaders() -> list[Loader]:
    return _sorted(_DEMO)


# --------------------------------------------------------------------------- hooks


_HOOKS: dict[str, list[Callable]] = {}


def register_hook(point: str, fn: Callable) -> None:
    """Let a higher layer answer a lower one's question without being imported by it: the lower app
    documents the hook point (e.g. ``"credit.ledger_loans"``) and calls :func:`hooks`; the higher app
    registers its function in ``ready()``."""
    fns = _HOOKS.setdefault(point, [])
    if fn not in fns:
        fns.append(fn)


def hooks(point: str) -> list[Callable]:
    return list(_HOOKS.get(point, ()))


# --------------------------------------------------------------------------- helpers


def _add(entries: list, entry: Any) -> None:
    if entry not in entries:
        entries.append(entry)


def _add_named(entries: list[Loader], entry: Loader) -> None:
    if all(e.name != entry.name for e in entries):
        entries.append(entry)


def _sorted(entries: list) -> list:
    return sorted(entries, key=lambda e: e.order)  # stable: equal orders keep registration order


def _load(target: Any) -> Any:
    if isinstance(target, str):
        module, _, attribute = target.partition(":")
        return getattr(import_module(module), attribute)
    return target
