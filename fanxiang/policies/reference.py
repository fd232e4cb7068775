"""Load the shipped policy documents and items with their published rules (idempotent: creates what is
missing, never overwrites a city admin's edits)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fanxiang.accounts.models import Organization
from fanxiang.policies.data import DOCUMENTS, ITEMS
from fanxiang.policies.matching import clear_catalogue_cache
from fanxiang.policies.models import PolicyDocument, PolicyItem, PolicyRuleVersion, RuleStatus
from fanxiang.policies.rules import validate_rule

SEED_NOTE = "系统预置（依据政策文件要点，见条款说明）"


@transaction.atomic
def load_policy_reference() -> dict:
    created = {"documents": 0, "items": 0, "rules": 0}
    for spec in DOCUMENTS:
        _, made = PolicyDocument.objects.get_or_create(number=spec["number"], defaults=spec)
        created["documents"] += made
    documents = {
        d.number: d for d in PolicyDocument.objects.filter(number__in=[s["number"] for s in DOCUMENTS])
    }
    units = dict(Organization.objects.values_list("code", "pk"))
    for spec in ITEMS:
        spec = dict(spec)
        rule = spec.pop("rule", None)
        document = documents[spec.pop("document")]
        unit = spec.pop("responsible_unit", None)
        spec["responsible_unit_id"] = units.get(unit) if unit else None
        item, made = PolicyItem.objects.get_or_create(
            code=spec["code"], defaults={**spec, "document": document}
        )
        created["items"] += made
        if rule is not None and not item.rule_versions.exists():
            validate_rule(rule)
            version = PolicyRuleVersion.objects.create(
                item=item,
                version=1,
                rule=rule,
                status=RuleStatus.PUBLISHED,
                note=SEED_NOTE,
                published_at=timezone.now(),
            )
            item.rule = version
            item.save(update_fields=["rule", "updated_at"])
            created["rules"] += 1
    clear_catalogue_cache()
    return created
