from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from fanxiang.accounts.models import ApiToken, hash_token


class TokenAuthenticationMiddleware:
    """``Authorization: Bearer <token>`` sets request.user (before the audit middleware reads it).
    A token request is not a browser session, so it is exempt from CSRF."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        request.auth_via_token = False
        request.token_error = None
        if header.lower().startswith("bearer "):
            key = header[7:].strip()
            token = (
                ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
                if key
                else None
            )
            now = timezone.now()
            if token is None:
                request.token_error = "auth.token_invalid"
            elif token.revoked_at is not None:
                request.token_error = "auth.token_revoked"
            elif token.expires_at <= now:
                request.token_error = "auth.token_expired"
            elif not token.user.is_active:
                request.token_error = "auth.account_locked"
            else:
                request.user = token.user
                request.auth_via_token = True
                request.api_token = token
                request._dont_enforce_csrf_checks = True
                if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
                    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return self.get_response(request)


class ActiveRegionMiddleware:
    """A user holding several regions may narrow their working region (the region switcher)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            active = request.session.get("active_region_path")
            if active and any(a.region.tree_path == active for a in user.assignments()):
                user.active_region_path = active
        return self.get_response(request)


_ALLOWED_PREFIXES = ("/static/", "/accounts/password/", "/accounts/logout/", "/api/v1/auth/", "/api/v1/me")


class PasswordChangeRequiredMiddleware:
    """Accounts created by an admin must change their password before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {
                        "code": "auth.password_change_required",
                        "message": "首次登录须先修改密码（POST /api/v1/me/password）。",
                        "errors": {},
                    },
                    status=403,
                )
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)
