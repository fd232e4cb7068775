import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fanxiang.regions.models import HistoricCode, Region
from fanxiang.regions.services import regions_import_csv, regions_load_reference

pytestmark = pytest.mark.django_db


def test_reference_regions_are_complete():
    assert Region.objects.filter(level="county", parent__code="411600").count() == 13  # 10 + 3 zones
    assert Region.objects.filter(level="township").count() == 207
    assert Region.objects.get(code="411603").name == "淮阳区"
    zone = Region.objects.get(code="411600Z01")
    assert zone.kind == "zone" and zone.nbs_code == "411671" and zone.stat_parent.code == "411602"
    # the NBS sub-districts of the development zone hang under the zone
    assert Region.objects.get(code="411671011").parent == zone
    assert HistoricCode.objects.get(code="411626").successor.code == "411603"


def test_reference_load_is_idempotent():
    before = Region.objects.count()
    regions_load_reference()
    assert Region.objects.count() == before


def test_villages_import_and_reimport_changes_nothing():
    text = "code,name,parent_code\n411625101201,示例村,411625101\n411625101202,示例二村,411625101\n"
    first = regions_import_csv(text=text)
    assert (first.created, first.errors) == (2, [])
    second = regions_import_csv(text=text)
    assert (second.created, second.unchanged) == (0, 2)
    village = Region.objects.get(code="411625101201")
    assert village.level == "village" and village.tree_path.startswith("/410000/411600/411625/411625101/")


def test_every_bad_row_is_reported_and_nothing_written():
    text = (
        "code,name,parent_code\n"
        "411625101301,好村,411625101\n"  # line 2 fine
        "41162510030,坏代码,411625101\n"  # line 3 bad code
        "411625101302,,411625101\n"  # line 4 no name
        "411625101303,孤村,411699100\n"  # line 5 unknown parent
        "411628100301,错挂村,411625101\n"  # line 6 not under parent
        "411625101301,重复村,411625101\n"  # line 7 duplicate
    )
    report = regions_import_csv(text=text)
    got = {(e.line, e.column, e.code) for e in report.errors}
    assert got == {
        (3, "code", "region.invalid_code"),
        (4, "name", "region.name_required"),
        (5, "parent_code", "region.parent_unknown"),
        (6, "code", "region.code_not_under_parent"),
        (7, "code", "region.duplicate_in_file"),
    }
    assert report.created == 0
    assert not Region.objects.filter(code="411625101301").exists()


def test_partial_import_writes_the_valid_rows():
    text = "code,name,parent_code\n411625101401,好村,411625101\nbad,坏,411625101\n"
    report = regions_import_csv(text=text, partial=True)
    assert report.created == 1 and len(report.errors) == 1


def test_missing_columns_reported():
    report = regions_import_csv(text="code,name\n1,2\n")
    assert report.errors[0].code == "import.missing_columns"


def test_command_reports_lines_and_fails(tmp_path, capsys):
    f = tmp_path / "v.csv"
    f.write_text("code,name,parent_code\nxx,坏,411625101\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_regions", str(f))
    assert "第2行" in capsys.readouterr().err
