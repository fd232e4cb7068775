from django.core.management.base import BaseCommand, CommandError

from fanxiang.demo import generator
from fanxiang.demo.services import load_reference_data
from fanxiang.entrepreneurs.models import PriorityGroup
from fanxiang.regions.models import Region


class Command(BaseCommand):
    help = (
        "生成演示用返乡创业人员、经营主体与带动就业报告（身份证号、信用代码均可通过校验，按人口分布到各县）。"
        "同一 --seed 生成相同的数据；已登记的身份证号会跳过，因此重复执行不会重复创建，"
        "加大 --entrepreneurs 会补足到该人数，换一个 --seed 则新增另一批人员。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--entrepreneurs", type=int, required=True, help="人员数（同一种子的前 N 人）")
        parser.add_argument("--seed", type=int, default=generator.DEFAULT_SEED, help="随机种子（默认 2020）")
        parser.add_argument(
            "--businesses-per-person",
            type=float,
            default=generator.DEFAULT_BUSINESSES_PER_PERSON,
            help="人均经营主体数（默认 1.1）",
        )
        parser.add_argument("--batch-size", type=int, default=10000, help="每批写入的人数")
        parser.add_argument(
            "--if-empty", action="store_true", help="登记库中已有人员时什么也不做（make run 用）"
        )
        parser.add_argument(
            "--defer-indexes",
            action="store_true",
            help="PostgreSQL 大批量载入：先撤下登记库各表的二级索引和外键、载入后一次重建（载入期间锁表）",
        )

    def handle(self, *args, **options):
        n = options["entrepreneurs"]
        if n < 0 or options["businesses_per_person"] < 0 or options["batch_size"] < 1:
            raise CommandError("人数、人均经营主体数须不小于 0，批大小须大于 0。")
        if options["if_empty"]:
            from fanxiang.entrepreneurs.models import Entrepreneur

            if Entrepreneur.objects.exists():
                self.stdout.write("登记库中已有人员，跳过演示数据生成。")
                return
        if not Region.objects.filter(code="411600").exists() or not PriorityGroup.objects.exists():
            load_reference_data()
        verbose = options["verbosity"] > 1

        def progress(done: int, total: int) -> None:
            if verbose:
                self.stdout.write(f"  {done:,}/{total:,}")

        report = generator.generate(
            n=n,
            seed=options["seed"],
            businesses_per_person=options["businesses_per_person"],
            batch_size=options["batch_size"],
            progress=progress,
            defer_indexes=options["defer_indexes"],
        )
        self.stdout.write(
            f"演示数据：新增人员 {report.created:,} 人（已存在跳过 {report.skipped:,}，其中已注销 {report.closed:,}），"
            f"经营主体 {report.businesses:,} 个（合伙 {report.partnerships:,}），就业报告 {report.job_reports:,} 条，"
            f"疑似重复 {report.duplicates:,} 对；用时 {report.seconds:.1f} 秒。"
        )
