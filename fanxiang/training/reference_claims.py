"""Reference data of training-subsidy claims: one once-only policy item of the ``training_subsidy`` type per
programme kind (the subsidy paid at payment) and one per kind for the top-up after the follow-up.

A paid claim line becomes a policy grant of its kind's item through the policies app's
:func:`fanxiang.policies.grants.grant_create`, so the policies' totals count it and its once-only rule
refuses a second subsidy for the same programme kind (``policy.grant_once_only``).

The items hang on the work plan itself (point (八), 创业培训), added to the policy library as a city
document whose number is not known (``unconfirmed``); the amount is the programme rule's
``subsidy_per_trainee`` (no source fixes it), so every item is marked unconfirmed. Each item carries the
published matching rule every seeded item has: the programmes' age window 16–60 (unconfirmed defaults).
Idempotent; a document or item the city edited is left alone.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fanxiang.policies.matching import clear_catalogue_cache
from fanxiang.policies.models import (
    AmountKind,
    BenefitType,
    PolicyDocument,
    PolicyItem,
    PolicyRuleVersion,
    RuleStatus,
)
from fanxiang.policies.rules import validate_rule
from fanxiang.training.choices import ProgrammeKind

DOCUMENT = {
    "number": "周口市2020年返乡入乡创业工作方案",
    "title": "周口市2020年返乡入乡创业工作方案（第（八）项 创业培训）",
    "issuer": "周口市推进农民工返乡创业工作领导小组办公室",
    "level": "city",
    "status": "in_force",
    "summary": "大规模开展返乡人员创业培训，培训贫困村创业致富带头人和省级示范项目负责人，推行“互联网+培训”。",
    "unconfirmed": True,
    "unconfirmed_note": "文号和发布日期未取得，以工作方案名称登记；培训补贴标准未规定，由培训项目参数设定。",
}
RULE = {"all": [{"field": "age", "op": "gte", "value": 16}, {"field": "age", "op": "lte", "value": 60}]}
NOTE = (
    "依据周口市返乡入乡创业工作方案第（八）项（创业培训）；补贴标准、拆分比例由培训项目参数设定，"
    "工作方案未规定，待市级确认。"
)


def item_code(kind: str, *, top_up: bool = False) -> str:
    return f"training-subsidy-{kind.replace('_', '-')}{'-topup' if top_up else ''}"


@transaction.atomic
def load() -> dict:
    document, _ = PolicyDocument.objects.get_or_create(number=DOCUMENT["number"], defaults=DOCUMENT)
    validate_rule(RULE)
    created = 0
    for order, (kind, label) in enumerate(ProgrammeKind.choices, 1):
        for top_up in (False, True):
            title = f"创业培训补贴（{label}）{'跟踪补拨' if top_up else ''}"
            item, made = PolicyItem.objects.get_or_create(
                code=item_code(kind, top_up=top_up),
                defaults={
                    "document": document,
                    "title": title[:200],
                    "benefit_type": BenefitType.TRAINING_SUBSIDY,
                    "summary": "培训班结业学员经公示、审批后拨付培训补贴；结业后期限内创业的，跟踪核查后补拨。",
                    "amount_kind": AmountKind.UNKNOWN,
                    "amount_note": "按培训项目参数核定（每名结业学员补贴及拆分比例）",
                    "once_only": True,
                    "unconfirmed": True,
                    "unconfirmed_note": NOTE,
                    "sort_order": 200 + order * 2 + top_up,
                },
            )
            created += made
            if made:
                version = PolicyRuleVersion.objects.create(
                    item=item,
                    version=1,
                    rule=RULE,
                    status=RuleStatus.PUBLISHED,
                    note="系统预置（培训项目年龄范围，待确认）",
                    published_at=timezone.now(),
                )
                item.rule = version
                item.save(update_fields=["rule", "updated_at"])
    clear_catalogue_cache()
    return {"training.subsidy_items": created}
