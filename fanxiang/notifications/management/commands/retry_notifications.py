"""Send every SMS delivery that is due: new ones the task queue has not sent, failed ones whose back-off
has passed, and attempts lost mid-send. Run it every few minutes from cron (or rely on the task queue,
which re-enqueues failed attempts itself; this is the safety net).

    manage.py retry_notifications [--limit N]
"""

from django.core.management.base import BaseCommand

from fanxiang.notifications.services import deliveries_retry_due


class Command(BaseCommand):
    help = "发送到期的短信通知（新消息与失败后等待重试的消息）"

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="本次最多发送条数")

    def handle(self, *args, **options):
        counts = deliveries_retry_due(limit=options["limit"])
        total = sum(counts.values())
        detail = "，".join(f"{k} {v}" for k, v in sorted(counts.items())) or "无"
        self.stdout.write(f"处理短信 {total} 条：{detail}")
