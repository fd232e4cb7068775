"""The demo portal account (``make run``): mobile 13900139000, signing in on /portal/ with a code (shown in the
server log outside production) or the demo password, bound to the demo entrepreneur 刘返乡 of 郸城县.

The registry person is created only when the registry already holds people: ``make run`` runs
``generate_demo --if-empty`` after ``load_demo``, and a person created first would stop the generator. On the
very first run the account is therefore unbound (bind it on /portal/bind/ with the name and ID number printed
by ``load_demo`` — the registry then has no such person, which demonstrates self-registration), and the
second ``load_demo`` creates and binds the person."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction
from stdnum.cn import ric

from fanxiang.core import pii
from fanxiang.core.validators import mask_mobile

DEMO_MOBILE = "13900139000"
DEMO_NAME = "刘返乡"
_BODY = "41162519880808123"
DEMO_ID_NUMBER = _BODY + ric.calc_check_digit(_BODY + "0")


@transaction.atomic
def load_portal_demo(password: str) -> dict:
    from fanxiang.accounts.models import User
    from fanxiang.entrepreneurs import services as registry
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.portal.models import PortalAccount
    from fanxiang.portal.services import _new_user

    admin = User.objects.get(username="city_admin")
    person = Entrepreneur.objects.filter(id_number_hash=pii.index(DEMO_ID_NUMBER)).first()
    if person is None and Entrepreneur.objects.exists():
        person = registry.entrepreneur_create(
            actor=admin,
            data={
                "name": DEMO_NAME,
                "id_number": DEMO_ID_NUMBER,
                "mobile": DEMO_MOBILE,
                "region": "411625101",
                "category": "returning_migrant_worker",
                "return_date": "2020-02-10",
                "started_on": "2020-04-01",
                "worked_province": "湖北省",
                "worked_city": "武汉市",
                "worked_months": 96,
                "education": "senior",
                "priority_groups": ["formerly_in_hubei"],
            },
        )
    account = PortalAccount.objects.filter(mobile_hash=pii.index(DEMO_MOBILE)).first()
    if account is None:
        account = PortalAccount.objects.create(
            user=_new_user(),
            mobile_enc=pii.encrypt(DEMO_MOBILE),
            mobile_hash=pii.index(DEMO_MOBILE),
            mobile_masked=mask_mobile(DEMO_MOBILE),
            password=make_password(password),
        )
    if (
        person is not None
        and account.entrepreneur_id is None
        and not PortalAccount.objects.filter(entrepreneur=person).exists()
    ):
        from django.utils import timezone

        account.entrepreneur = person
        account.bound_at = timezone.now()
        account.save(update_fields=["entrepreneur", "bound_at"])
        User.objects.filter(pk=account.user_id).update(real_name=DEMO_NAME)
    return {
        "mobile": DEMO_MOBILE,
        "name": DEMO_NAME,
        "id_number": DEMO_ID_NUMBER,
        "bound": person is not None,
    }
