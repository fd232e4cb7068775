"""Strip the characters no text field may hold any more (issue 10): NUL and control characters, lone
surrogates, bidi marks, and zero-width characters in short text; notes keep newline, tab and CR.

The patterns are copied here (not imported from fanxiang.core.validators) so that this migration keeps
doing what it did when it was written."""

import re

from django.db import migrations

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_ZERO = "\u200b\u200c\u200d\u2060\ufeff"
SHORT = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_BIDI}{_ZERO}]")
LONG = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\ud800-\\udfff{_BIDI}]")

FIELDS = {
    "Entrepreneur": {"name": SHORT, "worked_province": SHORT, "worked_city": SHORT, "skills": SHORT,
                     "closed_reason": SHORT, "notes": LONG},
    "Business": {"name": SHORT, "address": SHORT, "closed_reason": SHORT},
}  # fmt: skip


def clean_rows(apps, schema_editor):
    for model_name, fields in FIELDS.items():
        model = apps.get_model("entrepreneurs", model_name)
        for obj in model.objects.only("pk", *fields).iterator(chunk_size=2000):
            changed = []
            for field, pattern in fields.items():
                value = getattr(obj, field) or ""
                cleaned = pattern.sub("", value)
                if cleaned != value:
                    setattr(obj, field, cleaned.strip() or value.strip() and "（已清除无效字符）")
                    changed.append(field)
            if changed:
                obj.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("entrepreneurs", "0003_registry_indexes")]

    operations = [migrations.RunPython(clean_rows, migrations.RunPython.noop)]
