"""How form errors and choices reach a person: Chinese text only, the stable code in a ``data-code``.

* :func:`coded_errors` turns a form's error list (``field.errors``, ``form.non_field_errors``) into
  ``CodedError(message, code)`` items: the code of the ``ValidationError`` (a service's ``loan.…`` code
  put there by :func:`fanxiang.core.views.apply_domain_error`, or Django's own ``required``/``invalid``…),
  and, for older messages that still end in ``（app.reason）``, that code taken out of the text. Templates
  use it through the ``coded`` filter: ``<li data-code="{{ e.code }}">{{ e }}</li>``.
* :class:`FormRenderer` (``settings.FORM_RENDERER``) shows Django's empty choice "---------" of a form
  select as "请选择" (filter forms say "全部": ``settings.FILTERS_EMPTY_CHOICE_LABEL``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates

# A code at the end of a message, in full-width brackets: "请填写姓名。（name.required）".
_CODE_SUFFIX = re.compile(r"\s*（([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)）\s*$")

DJANGO_EMPTY_LABEL = "---------"
SELECT_EMPTY_LABEL = "请选择"


@dataclass(frozen=True)
class CodedError:
    message: str
    code: str = ""

    def __str__(self) -> str:
        return self.message


def split_code(text: Any) -> tuple[str, str]:
    """``("请填写姓名。", "name.required")`` from ``"请填写姓名。（name.required）"``; a text without a
    trailing code comes back whole with ``""``."""
    text = str(text)
    match = _CODE_SUFFIX.search(text)
    if match is None:
        return text, ""
    return text[: match.start()], match.group(1)


def _validation_errors(errors: Any) -> list[Any]:
    if errors is None:
        return []
    as_data = getattr(errors, "as_data", None)
    if callable(as_data):  # django.forms.utils.ErrorList
        return list(as_data())
    if isinstance(errors, ValidationError):
        return list(errors.error_list)
    if isinstance(errors, (str, CodedError)) or not hasattr(errors, "__iter__"):
        return [errors]
    return list(errors)


def coded_errors(errors: Any) -> list[CodedError]:
    """Each error of ``errors`` (an ErrorList, a ValidationError, strings) as message + code."""
    items = []
    for error in _validation_errors(errors):
        if isinstance(error, CodedError):
            items.append(error)
            continue
        if isinstance(error, ValidationError):
            for one in error.error_list:
                message, code = split_code(next(iter(one)))
                items.append(CodedError(message, code or one.code or ""))
            continue
        message, code = split_code(error)
        items.append(CodedError(message, code))
    return items


class FormRenderer(DjangoTemplates):
    """Django's renderer, with the empty choice of a select reading "请选择" instead of "---------"."""

    def render(self, template_name: str, context: dict, request: Any = None) -> str:
        widget = context.get("widget") if isinstance(context, dict) else None
        if isinstance(widget, dict) and widget.get("optgroups"):
            for _group, options, _index in widget["optgroups"]:
                for option in options:
                    if option.get("value") in ("", None) and str(option.get("label")) == DJANGO_EMPTY_LABEL:
                        option["label"] = SELECT_EMPTY_LABEL
        return super().render(template_name, context, request=request)
