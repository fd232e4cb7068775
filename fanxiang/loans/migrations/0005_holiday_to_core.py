"""The holiday calendar moves to ``core`` (one calendar for every deadline): copy the rows, then drop the
loans table."""

from django.db import migrations


def copy_holidays(apps, schema_editor):
    Old = apps.get_model("loans", "Holiday")
    New = apps.get_model("core", "Holiday")
    for row in Old.objects.all().order_by("date"):
        New.objects.update_or_create(date=row.date, defaults={"is_workday": row.is_workday, "name": row.name})


def copy_back(apps, schema_editor):
    Old = apps.get_model("loans", "Holiday")
    New = apps.get_model("core", "Holiday")
    for row in New.objects.all().order_by("date"):
        Old.objects.update_or_create(date=row.date, defaults={"is_workday": row.is_workday, "name": row.name})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("loans", "0004_prepayment_penalty_reversal"),
    ]

    operations = [
        migrations.RunPython(copy_holidays, copy_back),
        migrations.DeleteModel(name="Holiday"),
    ]
