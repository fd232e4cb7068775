"""The list filters' shared pieces, so that every filter form reads Chinese only.

* empty choices read "全部" (``settings.FILTERS_EMPTY_CHOICE_LABEL``, django-filter's own setting);
* :class:`BooleanFilter`: a yes/no filter offers 全部 / 是 / 否 (not Django's 未知 / 是 / 否);
* :class:`OrderingFilter`: the descending choice reads "姓名（降序）", the empty one "默认排序";
* :class:`FilterSet`: the base of every filter set; model boolean fields filter with :class:`BooleanFilter`.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import models
from django.forms import NullBooleanSelect


class BooleanSelect(NullBooleanSelect):
    """全部 / 是 / 否: in a filter, "no value" means "do not filter", not "unknown"."""

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", "全部"), ("true", "是"), ("false", "否")]


class BooleanFilter(django_filters.BooleanFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", BooleanSelect)
        super().__init__(*args, **kwargs)


class OrderingFilter(django_filters.OrderingFilter):
    descending_fmt = "%s（降序）"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "默认排序")
        super().__init__(*args, **kwargs)


class FilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }
