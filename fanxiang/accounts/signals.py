from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from fanxiang.core import audit

# The failed-login lockout's own signal, ``account_locked_out``, is defined in fanxiang.accounts.lockout.


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    from fanxiang.accounts.services import trust_record

    audit.record_event(event=audit.EVENT_LOGIN, actor=user, obj=user, request=request, data={"via": "web"})
    trust_record(user=user, request=request)


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record_event(
            event=audit.EVENT_LOGOUT, actor=user, obj=user, request=request, data={"via": "web"}
        )


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    from fanxiang.accounts.models import User

    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    audit.record_event(
        event=audit.EVENT_LOGIN_FAILED,
        obj=user,
        model=User,
        object_repr=username,
        request=request,
        data={"username": username, "locked_out": bool(getattr(request, "axes_locked_out", False))},
    )


@receiver(user_locked_out)
def on_locked_out(sender, request=None, username=None, **kwargs):
    from fanxiang.accounts.lockout import on_locked_out as handle

    handle(sender, request=request, username=username, **kwargs)
