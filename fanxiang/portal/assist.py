"""全程帮办 marking: while a service clerk acts inside an assisted session, every audit record written —
the generic change log, service events, workflow transitions — carries ``additional_data["assisted"]``
naming the session, the person acted for and how they consented.

:func:`assisting` sets a context variable; :func:`mark_assisted` (a ``pre_save`` receiver on auditlog's
``LogEntry``, connected in ``PortalConfig.ready``) copies it onto each entry. Nothing in core changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_assisted: ContextVar[dict | None] = ContextVar("fanxiang_assisted", default=None)


def marker(session: Any) -> dict:
    return {
        "session": session.pk,
        "clerk": getattr(session.clerk, "username", ""),
        "entrepreneur": session.entrepreneur_id,
        "consent": session.consent_method,
        "consent_at": session.consent_at.isoformat() if session.consent_at else None,
    }


@contextmanager
def assisting(session: Any) -> Iterator[None]:
    token = _assisted.set(marker(session))
    try:
        yield
    finally:
        _assisted.reset(token)


def current() -> dict | None:
    return _assisted.get()


def mark_assisted(sender: Any, instance: Any, **kwargs: Any) -> None:
    data = _assisted.get()
    if data is None:
        return
    additional = dict(instance.additional_data or {})
    additional["assisted"] = data
    instance.additional_data = additional
