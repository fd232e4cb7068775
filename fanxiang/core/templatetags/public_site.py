"""The public footer's facts (who runs the site, where to ask), from the ``FANXIANG_PUBLIC_SITE`` setting."""

from django import template
from django.conf import settings

register = template.Library()

DEFAULTS = {"name": "周口市返乡入乡创业服务平台", "host": "", "phone": "", "phone_label": "咨询电话"}


@register.simple_tag
def public_site() -> dict:
    """The configured site facts; an empty value is left out of the footer."""
    return {**DEFAULTS, **(getattr(settings, "FANXIANG_PUBLIC_SITE", None) or {})}
