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
