"""``{% centre_assessments centre %}``: the construction-standard box of a centre's detail page."""

from django import template

register = template.Library()


@register.inclusion_tag("onestop/standard_centre_box.html", takes_context=True)
def centre_assessments(context, centre):
    from fanxiang.onestop.views_standard import centre_assessments as rows

    return {
        "centre": centre,
        **rows(context["request"].user, centre),
        "csrf_token": context.get("csrf_token"),
    }
