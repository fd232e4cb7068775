"""What the loans work pages share: role checks, paging, the refusal flash."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from fanxiang.core.errors import DomainError
from fanxiang.core.views import apply_domain_error, paginate, refuse_http

BANK_ROLES = ("bank_officer", "city_admin")
ADMIN_ROLES = ("city_admin",)
PAGE_SIZE = 20
LINES_PAGE_SIZE = 50


def _flash(request, exc: DomainError) -> None:
    refuse_http(exc)
    messages.error(request, f"{exc.message}（{exc.code}）")


def submit_form(form, call):
    """``call(form.cleaned_data)`` when the form is valid; None when it is not or the service refuses (the
    refusal is then on the form, or raised as HTTP when it is not the form's to show)."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except DomainError as exc:
        refuse_http(exc)
        apply_domain_error(form, exc)
        return None


def _page(request, queryset, size: int = PAGE_SIZE):
    return paginate(request, queryset, size)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class RoleRequiredMixin(LoginRequiredMixin):
    """Only users holding one of ``roles`` (or a superuser); anyone else gets 403."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_superuser or user.has_role(*self.roles)):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)
