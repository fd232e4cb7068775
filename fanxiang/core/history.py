"""The one history query: the generic change log (django-auditlog's ``LogEntry``, see :mod:`fanxiang.core.audit`)
of an object — and, for a page that shows one timeline over several records, of the records that belong
to it — newest first, with the actor and the content type joined.

Scope is the caller's business: pass only objects (and ids) the user may see; a selector computes the ids
from its scoped querysets (``transfers_for_user(user).filter(…)``) and hands them over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from auditlog.models import LogEntry
    from django.db.models import QuerySet

HISTORY_LIMIT = 20


def _entries_of(model: type[models.Model], pks: Iterable) -> Q:
    from django.contrib.contenttypes.models import ContentType

    pks = list(pks)
    ct = ContentType.objects.get_for_model(model)
    if all(isinstance(pk, int) for pk in pks):
        return Q(content_type=ct, object_id__in=pks)
    return Q(content_type=ct, object_pk__in=[str(pk) for pk in pks])


def history_of(
    obj: models.Model,
    *also: tuple[type[models.Model], Iterable],
    limit: int | None = HISTORY_LIMIT,
) -> QuerySet[LogEntry]:
    """The change-log entries of ``obj`` and of ``also`` (``(Model, ids)`` pairs), newest first
    (``-timestamp``, then ``-id`` so that entries of one instant keep their order), at most ``limit``
    (``None``: all). Each entry comes with ``actor`` and ``content_type`` joined."""
    from auditlog.models import LogEntry

    # obj.__class__, not type(obj): request.user is a SimpleLazyObject that proxies __class__
    q = _entries_of(obj.__class__, [obj.pk])
    for model, pks in also:
        pks = list(pks)
        if pks:
            q |= _entries_of(model, pks)
    entries = LogEntry.objects.filter(q).select_related("actor", "content_type").order_by("-timestamp", "-id")
    return entries[:limit] if limit is not None else entries
