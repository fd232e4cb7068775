"""Demo recommenders (信用乡村, 信用园区, 创业孵化基地) of the demo counties and a few blacklist entries
(``make run``); through the credit services, idempotent, deterministic."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

RECOMMENDERS = [
    # kind, name, township code, recognised on, certificate
    ("credit_village", "郸城县吴台镇信用村", "411625", dt.date(2019, 11, 20), "郸信用〔2019〕12号"),
    ("credit_park", "鹿邑县产业集聚区信用园区", "411628", dt.date(2020, 3, 10), "鹿信用〔2020〕3号"),
    (
        "incubation_demo_base",
        "周口市川汇区返乡创业孵化示范基地",
        "411602",
        dt.date(2020, 6, 1),
        "周人社〔2020〕41号",
    ),
    (
        "incubation_training_base",
        "郸城县返乡创业孵化实训基地",
        "411625",
        dt.date(2020, 9, 15),
        "郸人社〔2020〕18号",
    ),
    ("credit_village", "鹿邑县试量镇信用村", "411628", dt.date(2018, 12, 1), "鹿信用〔2018〕9号"),
]
BLACKLIST_REASONS = ["提供虚假经营材料骗取创业补贴，已追回", "恶意逃废银行债务，经法院判决"]


@transaction.atomic
def load_credit_demo() -> list[str]:
    from fanxiang.accounts.models import User
    from fanxiang.credit import services
    from fanxiang.credit.models import Recommender
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.regions.models import Region

    admin = User.objects.filter(username="city_admin").first()
    if admin is None or Recommender.objects.exists() or not Entrepreneur.objects.exists():
        return []
    for kind, name, county, since, certificate in RECOMMENDERS:
        township = Region.objects.filter(parent__code=county).order_by("code").first()
        services.recommender_create(
            actor=admin,
            data={
                "kind": kind,
                "name": name,
                "region": township.code,
                "valid_from": since,
                "valid_to": since.replace(year=since.year + 3) if kind == "credit_village" else None,
                "certificate": certificate,
                "is_active": True,
            },
        )
    for n, reason in enumerate(BLACKLIST_REASONS):
        county = ("411628", "411602")[n]
        person = Entrepreneur.objects.filter(region__code__startswith=county).order_by("-pk").first()
        if person is not None:
            services.blacklist_add(
                actor=admin, entrepreneur=person, reason=reason, start=dt.date(2021, 3 + 4 * n, 18)
            )
    return []
