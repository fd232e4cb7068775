"""Daily overdue run: periods past due become overdue, days past due are recomputed, loans go overdue or
are cured, and loans overdue past the policy's threshold are compensated by the guarantee fund.

    manage.py update_overdue [--date YYYY-MM-DD] [--background]
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fanxiang.loans.repayment import overdue_update, update_overdue_task


class Command(BaseCommand):
    help = "重新计算贷款逾期天数，标记逾期，超过代偿期限的转担保代偿"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="计算基准日（YYYY-MM-DD，默认今天）")
        parser.add_argument("--background", action="store_true", help="交给后台任务队列执行")

    def handle(self, *args, **options):
        as_of = None
        if options["date"]:
            try:
                as_of = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date 应为 YYYY-MM-DD")
        if options["background"]:
            result = update_overdue_task.enqueue(as_of.isoformat() if as_of else None)
            self.stdout.write(f"已排队：{result.id}")
            return
        summary = overdue_update(as_of=as_of)
        self.stdout.write(
            "补建还款计划 {scheduled} 笔，检查 {checked} 笔，新逾期 {overdue} 笔，恢复正常 {cured} 笔，结清 {settled} 笔，转代偿 {compensated} 笔，出错 {errors} 笔".format(
                **summary
            )
        )
