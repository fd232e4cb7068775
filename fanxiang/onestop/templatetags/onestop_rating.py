"""Staff template tags of the one-stop app: ``{% rating_link req as link %}`` (the one-time rating link and
QR code of a request; ``None`` when the request is not completed, already rated, or the user may not record
for it) and ``{% request_files req as files %}`` (its uploaded materials in the user's scope)."""

from django import template

from fanxiang.onestop.attachments import attachments_for_user
from fanxiang.onestop.rating_link import link_for

register = template.Library()


@register.simple_tag(takes_context=True)
def rating_link(context, req):
    request = context.get("request")
    return link_for(request, req) if request is not None and req is not None else None


@register.simple_tag(takes_context=True)
def request_files(context, req):
    """``{% request_files req as files %}``: the request's uploaded materials within the staff user's scope."""
    request = context.get("request")
    if request is None or req is None or not request.user.is_authenticated:
        return []
    return list(attachments_for_user(request.user, req))
