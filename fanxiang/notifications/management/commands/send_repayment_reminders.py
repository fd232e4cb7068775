"""Daily repayment reminders: a period due within the next 7 days gets a "repayment due" notification, an
overdue period a "repayment overdue" one — each once per period (idempotent: run it as often as you like).
Run it after ``update_overdue`` (which marks periods overdue).

    manage.py send_repayment_reminders [--date YYYY-MM-DD] [--days 7]
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fanxiang.notifications.reminders import send_repayment_reminders


class Command(BaseCommand):
    help = "发送还款到期提醒（7天内到期）和逾期提醒（每期一次）"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="基准日（YYYY-MM-DD，默认今天）")
        parser.add_argument("--days", type=int, default=7, help="提前提醒天数（默认7）")

    def handle(self, *args, **options):
        today = None
        if options["date"]:
            try:
                today = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date 应为 YYYY-MM-DD")
        summary = send_repayment_reminders(today=today, days=options["days"])
        self.stdout.write(
            "到期提醒 {due} 条，逾期提醒 {overdue} 条（已提醒过的跳过 {skipped} 条）".format(**summary)
        )
