"""The one history query: an object's change log (and that of the records shown with it), newest first."""

import datetime as dt

import pytest
from django.utils import timezone

from fanxiang.core import audit
from fanxiang.core.history import history_of
from fanxiang.core.models import Holiday

pytestmark = pytest.mark.django_db


def _event(obj, name: str, minutes: int):
    entry = audit.record_event(event=audit.EVENT_UPDATE, obj=obj, data={"name": name})
    entry.timestamp = timezone.now() - dt.timedelta(minutes=minutes)
    entry.save(update_fields=["timestamp"])
    return entry


def test_history_of_an_object_is_newest_first_and_limited():
    day, other = (Holiday.objects.create(date=dt.date(2040, 1, d)) for d in (1, 2))
    old, new = _event(day, "old", 10), _event(day, "new", 1)
    _event(other, "elsewhere", 5)
    assert list(history_of(day, limit=None).filter(pk__in=[old.pk, new.pk])) == [new, old]
    assert all(e.object_id == day.pk for e in history_of(day, limit=None))
    assert len(history_of(day, limit=1)) == 1


def test_history_of_takes_the_records_shown_with_the_object():
    day, other, third = (Holiday.objects.create(date=dt.date(2040, 2, d)) for d in (1, 2, 3))
    mine, theirs = _event(day, "mine", 3), _event(other, "theirs", 2)
    hidden = _event(third, "not asked for", 1)
    entries = list(history_of(day, (Holiday, [other.pk]), (Holiday, []), limit=None))
    assert theirs in entries and mine in entries and hidden not in entries
    assert entries.index(theirs) < entries.index(mine)
    assert entries[0].content_type.model_class() is Holiday  # joined, no extra query per row


def _logged(model, changes: dict):
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    return LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="1",
        object_id=1,
        object_repr="x",
        action=LogEntry.Action.UPDATE,
        changes=changes,
    )


def test_change_rows_read_yes_no_labels_and_lists_never_codes():
    """A change log shows 是/否, the label of a stored code and a JSON list of codes by their labels, and a
    structured value (a check result) as 已更新 — never True/False, ['returning_migrant_worker'] or a dict."""
    from fanxiang.core.history import change_rows
    from fanxiang.finance.models import FinancialProduct
    from fanxiang.loans.models import LoanApplication

    rows = change_rows(
        _logged(
            LoanApplication,
            {
                "merged_review": ["False", "True"],
                "borrower_categories": ["[]", "['returning_migrant_worker', 'college_graduate']"],
                "repayment_method": ["None", "interest_monthly"],
                "eligibility": ["{}", "{'eligible': True, 'max_amount': '200000.00', 'checks': []}"],
                "missing_items": ["[]", '["身份证复印件", "营业执照"]'],
            },
        )
    )
    assert rows == [
        ("多审合一", "否", "是"),
        ("扶持对象类别", "", "返乡创业农民工、高校毕业生（含大学生村官、留学回国学生）"),
        ("还款方式", "", "按月付息、到期还本"),
        ("资格检查结果", "", "已更新"),
        ("补正事项", "", "身份证复印件、营业执照"),
    ]
    [(label, before, after)] = change_rows(
        _logged(FinancialProduct, {"collateral": ["['credit']", "['equipment', 'natural_person_guarantee']"]})
    )
    assert label == "接受的抵质押或担保方式" and "_" not in before + after and "、" in after
