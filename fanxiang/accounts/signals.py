from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from fanxiang.core import audit


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    audit.record_event(event=audit.EVENT_LOGIN, actor=user, obj=user, request=request, data={"via": "web"})


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
