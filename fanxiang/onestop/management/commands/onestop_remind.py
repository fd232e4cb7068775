from django.core.management.base import BaseCommand

from fanxiang.onestop.reminders import send_overdue_reminders


class Command(BaseCommand):
    help = "超期服务工单催办：向服务中心窗口人员和县区人社经办人员发送催办通知（每日运行）。"

    def handle(self, *args, **options):
        sent = send_overdue_reminders()
        self.stdout.write(f"已发送催办通知 {sent} 条。")
