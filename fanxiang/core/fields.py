"""Model fields every app declares alike."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


def user_ref(verbose_name: Any = None, **kwargs: Any) -> models.ForeignKey:
    """The staff user who did something to a record (登记人, 经办人 …): optional, kept when the user is
    deleted (the name stays in the audit trail), no reverse accessor on the user."""
    options: dict[str, Any] = {
        "null": True,
        "blank": True,
        "on_delete": models.SET_NULL,
        "related_name": "+",
    }
    if verbose_name is not None:
        options["verbose_name"] = verbose_name
    options.update(kwargs)
    return models.ForeignKey(settings.AUTH_USER_MODEL, **options)
