from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fanxiang.regions.services import regions_import_csv


class Command(BaseCommand):
    help = "导入乡级/村级行政区划（CSV: code,name,parent_code）。有错误行时默认不写入任何数据。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--partial", action="store_true", help="写入有效行，报告错误行")

    def handle(self, *args, file: Path, partial: bool, **options):
        if not file.exists():
            raise CommandError(f"文件不存在：{file}")
        try:
            text = file.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise CommandError("文件不是 UTF-8 编码的 CSV。")
        report = regions_import_csv(text=text, partial=partial)
        for err in report.errors:
            self.stderr.write(str(err))
        self.stdout.write(
            f"共 {report.total_rows} 行：新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}，"
            f"错误 {len(report.errors)}"
        )
        if report.errors:
            if not partial:
                raise CommandError("存在错误行，未写入任何数据。修正后重新导入，或使用 --partial。")
            raise CommandError("部分行有错误，已写入其余有效行。")
