from django.core.management.base import BaseCommand

from fanxiang.demo.services import load_reference_data


class Command(BaseCommand):
    help = "载入参考数据：周口市区划（含207个乡级单位）、历史区划代码、领导小组成员单位、2020年市级目标。可重复执行。"

    def handle(self, *args, **options):
        report = load_reference_data()
        self.stdout.write(f"参考数据已就绪：区划 {report['regions']} 个，机构 {report['organizations']} 个。")
