"""What a person reads, for every template (a built-in library: ``TEMPLATES[...]["OPTIONS"]["builtins"]``).

* ``coded``: a form's errors as items shown as ``<li data-code="{{ e.code }}">{{ e }}</li>``;
* ``actor_label``, ``action_label``, ``change_rows``: a change-log entry's actor (name and Chinese role),
  action (新增/修改/删除 …) and changed fields by Chinese label (:mod:`fanxiang.core.history`).
"""

from django import template

from fanxiang.core import history
from fanxiang.core.forms import coded_errors

register = template.Library()


@register.filter
def coded(errors) -> list:
    """The errors with ``.message`` (what a person reads, Chinese) and ``.code`` (for ``data-code``)."""
    return coded_errors(errors)


@register.filter
def actor_label(actor) -> str:
    return history.actor_label(actor or None)


@register.filter
def action_label(entry) -> str:
    return history.action_label(entry)


@register.filter
def change_rows(entry) -> list:
    return history.change_rows(entry)
