"""Background SMS delivery (django-tasks; ``manage.py db_worker`` runs it, FANXIANG_TASKS=immediate runs it
inline). A failed attempt re-enqueues itself for the back-off time; ``manage.py retry_notifications``
sweeps what is due as well."""

from __future__ import annotations

from django_tasks import task

from fanxiang.notifications.models import DeliveryStatus


@task()
def deliver_sms(delivery_id: int) -> str:
    from fanxiang.notifications import services

    delivery = services.delivery_send(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.status == DeliveryStatus.RETRYING and delivery.next_attempt_at is not None:
        services.enqueue_delivery(delivery.pk, run_after=delivery.next_attempt_at)
    return delivery.status
