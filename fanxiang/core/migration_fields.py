"""Field lists that migrations share, frozen as they were when written (a migration must never change).

``workflow_event_fields()``: the columns of :class:`fanxiang.core.models.WorkflowEvent` as of December
2026, for the ``CreateModel`` of every typed event table (the subclass adds its foreign key)."""

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import models


def workflow_event_fields() -> list[tuple[str, models.Field]]:
    return [
        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
        ("action", models.CharField(max_length=32, verbose_name="操作")),
        ("from_status", models.CharField(blank=True, max_length=20, verbose_name="原状态")),
        ("to_status", models.CharField(max_length=20, verbose_name="新状态")),
        ("actor_name", models.CharField(blank=True, max_length=64, verbose_name="操作人姓名")),
        ("actor_role", models.CharField(blank=True, max_length=32, verbose_name="操作角色")),
        ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="时间")),
        ("note", models.TextField(blank=True, verbose_name="意见/说明")),
        (
            "data",
            models.JSONField(
                blank=True,
                default=dict,
                encoder=django.core.serializers.json.DjangoJSONEncoder,
                verbose_name="数据",
            ),
        ),
        (
            "actor",
            models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
    ]
