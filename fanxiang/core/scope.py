"""The one region-scope rule.

A region-owned model subclasses :class:`RegionScopedModel` and names its path to a region in one line::

    class Target(RegionScopedModel):
        scope_region = "region"          # path to a ``regions.Region`` foreign key

Every read then starts from ``Model.objects.for_user(user, action)``; every write is re-checked with
:func:`ensure_in_scope` inside the transaction. Which region subtrees a user holds for an action is
answered by a resolver that the accounts app installs (core knows no roles). Regions carry a
materialised ``tree_path`` (``/411600/411625/``) so a subtree is a prefix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.apps import apps
from django.db import models
from django.db.models import Q

from fanxiang.core.errors import Forbidden

VIEW = "view"
ADD = "add"
CHANGE = "change"
DELETE = "delete"
EXPORT = "export"
REVEAL = "reveal"


@dataclass(frozen=True)
class OrgGrant:
    """A region subtree reachable only for records routed to one organization (a handling bank sees
    the loans routed to it): ``field`` is the record's foreign key to the organization."""

    region_path: str
    field: str
    org_id: int


@dataclass(frozen=True)
class Scope:
    """What a user may reach for one model and action: everything, some region subtrees, and region
    subtrees limited to records of their organization."""

    all: bool = False
    region_paths: tuple[str, ...] = field(default_factory=tuple)
    org_grants: tuple[OrgGrant, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.all and not self.region_paths and not self.org_grants

    def covers_path(self, tree_path: str | None) -> bool:
        """Whether a record at ``tree_path`` is reachable through a region grant (org grants need the
        record itself: see :meth:`covers`)."""
        if self.all:
            return True
        if not tree_path:
            return False
        return any(tree_path.startswith(p) for p in self.region_paths)

    def covers(self, obj: Any) -> bool:
        if self.all:
            return True
        paths = obj.scope_tree_paths()
        if any(self.covers_path(p) for p in paths):
            return True
        return any(
            org_id_of(obj, g.field) == g.org_id
            and any(p.startswith(g.region_path) for p in paths)
            and not any(related_value(obj, k) == v for k, v in org_hidden_of(type(obj), g.field).items())
            for g in self.org_grants
        )

    def covers_org(self, tree_path: str | None, org_id: int | None) -> bool:
        """Whether a record at ``tree_path`` routed to organization ``org_id`` is reachable, through a region
        grant or an organization grant (``scope_organization_hidden`` needs the record: see :meth:`covers`)."""
        if self.covers_path(tree_path):
            return True
        return (
            bool(tree_path)
            and org_id is not None
            and any(g.org_id == org_id and tree_path.startswith(g.region_path) for g in self.org_grants)
        )


def related_value(obj: Any, path: str) -> Any:
    """The value at a ``__`` path from ``obj`` (``training_class__provider__organization_id``); None when a
    hop is missing."""
    for part in path.split("__"):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def org_id_of(obj: Any, org_field: str) -> int | None:
    """The organization a record is routed to through ``org_field``: a foreign key to the organization, or a
    path of foreign keys ending in one (``provider__organization``), as ``scope_organization`` names it."""
    return related_value(obj, f"{org_field}_id")


NO_SCOPE = Scope()
FULL_SCOPE = Scope(all=True)

Resolver = Callable[[Any, type[models.Model], str], Scope]
_resolver: Resolver | None = None


def install_resolver(resolver: Resolver) -> None:
    global _resolver
    _resolver = resolver


def resolve(user: Any, model: type[models.Model], action: str = VIEW) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return NO_SCOPE
    if _resolver is None:  # pragma: no cover - installed by accounts.apps
        return NO_SCOPE
    return _resolver(user, model, action)


def region_paths_of(model: type[models.Model]) -> tuple[str, ...]:
    """The model's declared path(s) to its region. A record with several (a transfer between two
    counties) is inside a scope when any of them is."""
    path = getattr(model, "scope_region", None)
    if path is None:
        raise TypeError(f"{model.__name__} declares no scope_region")
    return tuple(path) if isinstance(path, (tuple, list)) else (path,)


def region_lookups(model: type[models.Model]) -> list[str]:
    """The ORM lookups from ``model`` to each region's ``tree_path``."""
    return [f"{p}__tree_path" if p else "tree_path" for p in region_paths_of(model)]


def org_hidden_of(model: type[models.Model], org_field: str) -> dict[str, Any]:
    """Field values a record must not have to be reached through an organization grant on ``org_field``
    (``scope_organization_hidden``)."""
    return (getattr(model, "scope_organization_hidden", None) or {}).get(org_field, {})


def _under(model: type[models.Model], path: str, prefix: str, *, nested: bool) -> Q:
    """Records whose region at ``path`` lies in the subtree ``prefix``. ``nested`` turns every hop into
    ``fk IN (subquery)`` instead of a join: a record with several region paths then ORs independent
    semi-joins, which the database can test row by row while it reads an index in the page's order,
    where an OR across joined tables makes it join, filter and sort every row first."""
    if not nested or not path:
        lookup = f"{path}__tree_path" if path else "tree_path"
        return Q(**{f"{lookup}__startswith": prefix})
    first, _, rest = path.partition("__")
    related = model._meta.get_field(first).related_model
    inner = related._base_manager.filter(_under(related, rest, prefix, nested=True)).values("pk")
    return Q(**{f"{first}__in": inner})


def scope_q(model: type[models.Model], scope: Scope) -> Q:
    q = Q()
    paths = region_paths_of(model)
    nested = len(paths) > 1
    for path in paths:
        for prefix in scope.region_paths:
            q |= _under(model, path, prefix, nested=nested)
        for grant in scope.org_grants:
            cond = _under(model, path, grant.region_path, nested=nested) & Q(
                **{f"{grant.field}_id": grant.org_id}
            )
            for key, value in org_hidden_of(model, grant.field).items():
                cond &= ~Q(**{key: value})
            q |= cond
    return q


class ScopedQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = VIEW) -> ScopedQuerySet:
        scope = resolve(user, self.model, action)
        if scope.all:
            return self
        if scope.empty:
            return self.none()
        return self.filter(scope_q(self.model, scope))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    pass


class RegionScopedModel(models.Model):
    """Base for every region-owned model: set ``scope_region`` to the path of its region FK."""

    scope_region: ClassVar[str | tuple[str, ...]]
    # role -> foreign key (or path of foreign keys) to Organization: users of that role reach only records
    # routed to their own organization (e.g. {"bank_officer": "bank"},
    # {"training_provider": "training_class__provider__organization"}).
    scope_organization: ClassVar[dict[str, str]] = {}
    # organization FK -> {field: value}: records with that value stay hidden from that organization's
    # grant (a bank sees an application only from submission on: {"bank": {"status": "draft"}}).
    scope_organization_hidden: ClassVar[dict[str, dict[str, Any]]] = {}

    objects = ScopedManager()

    class Meta:
        abstract = True

    def scope_tree_paths(self) -> list[str]:
        paths = []
        for path in region_paths_of(type(self)):
            obj: Any = self
            for part in path.split("__") if path else []:
                obj = getattr(obj, part, None)
                if obj is None:
                    break
            tree_path = getattr(obj, "tree_path", None) if obj is not None else None
            if tree_path:
                paths.append(tree_path)
        return paths

    def scope_tree_path(self) -> str | None:
        paths = self.scope_tree_paths()
        return paths[0] if paths else None


def scoped_models() -> list[type[RegionScopedModel]]:
    """The registry of region-owned models; the generic scope tests iterate it."""
    return [m for m in apps.get_models() if issubclass(m, RegionScopedModel) and not m._meta.abstract]


def can(
    user: Any,
    model: type[models.Model],
    action: str,
    tree_path: str | None,
    *,
    organization_id: int | None = None,
) -> bool:
    """Whether ``user`` may ``action`` a record of ``model`` at ``tree_path``; with ``organization_id`` (the
    organization the record is routed to) an organization-bound role counts too."""
    scope = resolve(user, model, action)
    if organization_id is None:
        return scope.covers_path(tree_path)
    return scope.covers_org(tree_path, organization_id)


def ensure_in_scope(user: Any, obj: RegionScopedModel, action: str = CHANGE) -> None:
    """Re-check after a write, inside the transaction: the object must still be inside the user's
    scope for ``action``; raising here rolls the transaction back."""
    if not resolve(user, type(obj), action).covers(obj):
        raise Forbidden(
            "scope.region_forbidden",
            "无权在该行政区划范围内进行此操作。",
            errors={"region": ["不在您负责的行政区划范围内。"]},
        )


def ensure_regions_in_scope(user: Any, model: type[models.Model], action: str, paths: Iterable[str]) -> None:
    scope = resolve(user, model, action)
    if not all(scope.covers_path(p) for p in paths):
        raise Forbidden(
            "scope.region_forbidden",
            "无权在该行政区划范围内进行此操作。",
            errors={"region": ["不在您负责的行政区划范围内。"]},
        )


def get_for_user(model: type[models.Model], user: Any, action: str = VIEW, **lookup: Any) -> Any:
    """Fetch one object within the user's scope, or raise NotFound (never reveal existence)."""
    from fanxiang.core.errors import NotFound

    obj = model.objects.for_user(user, action).filter(**lookup).first()
    if obj is None:
        raise NotFound("not_found", "记录不存在或无权访问。")
    return obj
