from django import template

from fanxiang.core import audit

register = template.Library()


@register.filter
def audit_event_label(entry) -> str:
    event = audit.event_of(entry)
    return str(audit.EVENT_LABELS.get(event, event))


@register.filter
def yuan(value) -> str:
    """Money in yuan with thousands separators and 2 places."""
    if value in (None, ""):
        return ""
    return f"{value:,.2f}"


@register.filter
def intcomma0(value) -> str:
    if value in (None, ""):
        return ""
    return f"{int(value):,}"
