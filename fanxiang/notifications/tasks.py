"""Background SMS delivery (django-tasks; ``manage.py db_worker`` runs it, FANXIANG_TASKS=immediate runs it
inline). A failed attempt re-enqueues itself for the back-off time; ``manage.py retry_notifications``
sweeps what is due as well. :func:`enqueue_delivery` is the queue ``services.notify`` hands SMS to (hook
``notifications.sms_queue``, registered in ``NotificationsConfig.ready``)."""

from __future__ import annotations

import datetime as dt
import logging

from django_tasks import task

from fanxiang.notifications.models import DeliveryStatus

logger = logging.getLogger("fanxiang.notifications")


@task()
def deliver_sms(delivery_id: int) -> str:
    from fanxiang.notifications import services

    delivery = services.delivery_send(delivery_id=delivery_id)
    if delivery is None:
        return "skipped"
    if delivery.status == DeliveryStatus.RETRYING and delivery.next_attempt_at is not None:
        enqueue_delivery(delivery.pk, run_after=delivery.next_attempt_at)
    return delivery.status


def enqueue_delivery(delivery_id: int, run_after: dt.datetime | None = None) -> None:
    """Hand an SMS delivery to the task queue (never raises: the sweep command picks up what failed)."""
    try:
        queued = deliver_sms
        if run_after is not None:
            if not queued.get_backend().supports_defer:
                return  # the immediate backend cannot wait: retry_notifications picks it up when due
            queued = queued.using(run_after=run_after)
        queued.enqueue(delivery_id)
    except Exception:
        logger.exception("could not enqueue SMS delivery %s", delivery_id)
