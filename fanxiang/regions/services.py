"""Region writes: reference data load and CSV import of townships and villages."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from fanxiang.regions import data
from fanxiang.regions.models import HistoricCode, Region, RegionKind, RegionLevel

TOWNSHIP_CSV = Path(__file__).parent / "data" / "zhoukou-townships-2020.csv"


def _upsert(code: str, **fields) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        region = Region(code=code)
    changed = region.pk is None
    for name, value in fields.items():
        if getattr(region, name) != value:
            setattr(region, name, value)
            changed = True
    if changed:
        region.save()
    return region


@transaction.atomic
def regions_load_reference() -> dict[str, int]:
    """Province, city, the 10 county-level units, the 3 zones, the 207 townships, historic codes.
    Idempotent: a second call changes nothing."""
    province = _upsert(
        data.PROVINCE[0],
        name=data.PROVINCE[1],
        level=RegionLevel.PROVINCE,
        kind=RegionKind.PROVINCE,
        parent=None,
    )
    city = _upsert(
        data.CITY[0], name=data.CITY[1], level=RegionLevel.CITY, kind=RegionKind.CITY, parent=province
    )
    for order, (code, name, kind, population) in enumerate(data.COUNTIES, start=1):
        _upsert(
            code,
            name=name,
            level=RegionLevel.COUNTY,
            kind=kind,
            parent=city,
            population=population,
            sort_order=order,
        )
    stat_parent = Region.objects.get(code=data.ZONE_STAT_PARENT)
    for order, (code, name, nbs_code) in enumerate(data.ZONES, start=len(data.COUNTIES) + 1):
        _upsert(
            code,
            name=name,
            level=RegionLevel.COUNTY,
            kind=RegionKind.ZONE,
            parent=city,
            nbs_code=nbs_code,
            stat_parent=stat_parent,
            sort_order=order,
        )
    report = regions_import_csv(text=TOWNSHIP_CSV.read_text(encoding="utf-8"))
    for code, name, valid_from, valid_to, successor in data.HISTORIC_CODES:
        HistoricCode.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "successor": Region.objects.filter(code=successor).first(),
            },
        )
    return {"regions": Region.objects.count(), "townships_created": report.created}


@dataclass
class RowError:
    line: int
    column: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行 [{self.column}] {self.message} ({self.code})"


@dataclass
class ImportReport:
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


_TOWNSHIP_CODE = re.compile(r"^\d{9}$")
_VILLAGE_CODE = re.compile(r"^\d{12}$")


def _kind_for(code: str) -> tuple[str, str] | None:
    if _TOWNSHIP_CODE.match(code):
        n = int(code[6:9])
        if n < 100:
            return RegionLevel.TOWNSHIP, RegionKind.SUBDISTRICT
        if n < 200:
            return RegionLevel.TOWNSHIP, RegionKind.TOWN
        return RegionLevel.TOWNSHIP, RegionKind.TOWNSHIP
    if _VILLAGE_CODE.match(code):
        return RegionLevel.VILLAGE, RegionKind.VILLAGE
    return None


def regions_import_csv(*, text: str, partial: bool = False) -> ImportReport:
    """Import townships (9-digit codes) and villages (12-digit codes) from ``code,name,parent_code``.

    Every row is checked first; every bad row is reported with its line, column and reason. Unless
    ``partial`` is set nothing is written when any row is bad. Re-importing the same file changes nothing.
    """
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"code", "name", "parent_code"} - set(reader.fieldnames or [])
    if missing:
        report.errors.append(
            RowError(
                1,
                ",".join(sorted(missing)),
                "import.missing_columns",
                f"缺少列：{', '.join(sorted(missing))}",
            )
        )
        return report
    by_code = {r.code: r for r in Region.objects.all()}
    by_nbs = {r.nbs_code: r for r in by_code.values() if r.nbs_code}
    planned: dict[str, dict] = {}
    rows: list[tuple[int, dict]] = []
    for line, row in enumerate(reader, start=2):
        report.total_rows += 1
        code = (row.get("code") or "").strip()
        name = (row.get("name") or "").strip()
        parent_code = (row.get("parent_code") or "").strip()
        kind = _kind_for(code)
        row_errors = []
        if kind is None:
            row_errors.append(
                RowError(
                    line,
                    "code",
                    "region.invalid_code",
                    f"区划代码“{code}”应为9位（乡级）或12位（村级）数字。",
                )
            )
        if not name:
            row_errors.append(RowError(line, "name", "region.name_required", "名称不能为空。"))
        elif len(name) > 64:
            row_errors.append(RowError(line, "name", "region.name_too_long", "名称不能超过64个字。"))
        if code in planned:
            row_errors.append(
                RowError(
                    line,
                    "code",
                    "region.duplicate_in_file",
                    f"区划代码 {code} 在文件中重复出现（第{planned[code]['line']}行）。",
                )
            )
        parent_known = parent_code in by_code or parent_code in by_nbs or parent_code in planned
        if not parent_code:
            row_errors.append(
                RowError(line, "parent_code", "region.parent_required", "上级区划代码不能为空。")
            )
        elif not parent_known:
            row_errors.append(
                RowError(
                    line,
                    "parent_code",
                    "region.parent_unknown",
                    f"上级区划代码 {parent_code} 不存在（须先导入上级）。",
                )
            )
        elif kind is not None and not code.startswith(parent_code) and parent_code not in by_nbs:
            parent_obj = by_code.get(parent_code)
            if parent_obj is None or parent_obj.kind != RegionKind.ZONE:
                row_errors.append(
                    RowError(
                        line,
                        "code",
                        "region.code_not_under_parent",
                        f"区划代码 {code} 不以上级代码 {parent_code} 开头。",
                    )
                )
        if row_errors:
            report.errors.extend(row_errors)
            continue
        planned[code] = {"line": line}
        rows.append((line, {"code": code, "name": name, "parent_code": parent_code, "kind": kind}))
    if report.errors and not partial:
        return report
    with transaction.atomic():
        for _line, item in rows:
            parent = by_code.get(item["parent_code"]) or by_nbs.get(item["parent_code"])
            level, kind = item["kind"]
            existing = by_code.get(item["code"])
            if existing is None:
                region = Region(code=item["code"], name=item["name"], level=level, kind=kind, parent=parent)
                region.save()
                by_code[region.code] = region
                report.created += 1
            elif existing.name != item["name"] or existing.parent_id != parent.pk:
                existing.name = item["name"]
                existing.parent = parent
                existing.save()
                report.updated += 1
            else:
                report.unchanged += 1
    return report
