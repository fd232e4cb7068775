"""A checked file's report offers only what can succeed: the valid rows, or fixing the file; never
"import everything" while rows are bad, and the server refuses such a commit with a stable code."""

from __future__ import annotations

import pytest

from fanxiang.core.errors import InvalidInput
from fanxiang.core.import_report import check_commit, commit_offers
from fanxiang.entrepreneurs import tasks
from fanxiang.entrepreneurs.models import Entrepreneur, ImportJob
from fanxiang.entrepreneurs.tests.test_import_export import _media_in_tmp, person_row, upload, xlsx  # noqa: F401

pytestmark = pytest.mark.django_db


def test_offers():
    assert commit_offers(valid_rows=3, error_rows=0) == ["all"]
    assert commit_offers(valid_rows=2, error_rows=1) == ["partial", "fix"]
    assert commit_offers(valid_rows=0, error_rows=2) == ["fix"]
    assert commit_offers(valid_rows=0, error_rows=0) == []


def test_check_commit_codes():
    check_commit(partial=False, valid_rows=3, error_rows=0)
    check_commit(partial=True, valid_rows=2, error_rows=1)
    with pytest.raises(InvalidInput) as exc:
        check_commit(partial=False, valid_rows=2, error_rows=1)
    assert exc.value.code == "import.has_bad_rows"
    for partial in (True, False):
        with pytest.raises(InvalidInput) as exc:
            check_commit(partial=partial, valid_rows=0, error_rows=2)
        assert exc.value.code == "import.no_valid_rows"


def _dry(demo, rows) -> ImportJob:
    return tasks.import_job_create(actor=demo["officer_411625"], upload=upload(xlsx(rows)), dry_run=True)


def test_report_with_bad_rows_offers_valid_rows_and_fix(web, demo):
    dry = _dry(demo, [person_row(姓名="甲一"), person_row(姓名="乙二", 手机号码="1")])
    html = web("officer_411625").get(f"/entrepreneurs/import/{dry.pk}/").content.decode()
    assert 'data-testid="offer-partial"' in html and "仅导入有效的1行" in html
    assert 'data-testid="offer-fix"' in html and "修改文件后重新上传" in html
    assert "全部导入" not in html and 'value="all"' not in html


def test_report_with_no_valid_rows_offers_only_fix(web, demo):
    dry = _dry(demo, [person_row(姓名="乙二", 手机号码="1")])
    html = web("officer_411625").get(f"/entrepreneurs/import/{dry.pk}/").content.decode()
    assert 'data-testid="offer-fix"' in html and "修改文件后重新上传" in html
    assert "offer-partial" not in html and "offer-all" not in html and "全部导入" not in html
    assert 'name="mode"' not in html


def test_clean_report_offers_import_all(web, demo):
    dry = _dry(demo, [person_row(姓名="甲一"), person_row(姓名="丙三")])
    html = web("officer_411625").get(f"/entrepreneurs/import/{dry.pk}/").content.decode()
    assert 'data-testid="offer-all"' in html and "确认导入 2 行" in html
    assert "offer-fix" not in html and "offer-partial" not in html


def test_server_refuses_all_commit_with_bad_rows(demo):
    dry = _dry(demo, [person_row(姓名="甲一"), person_row(姓名="乙二", 手机号码="1")])
    with pytest.raises(InvalidInput) as exc:
        tasks.import_job_commit(actor=demo["officer_411625"], dry_run_job=dry, partial=False)
    assert exc.value.code == "import.has_bad_rows"
    assert ImportJob.objects.count() == 1 and not Entrepreneur.objects.exists()
    job = tasks.import_job_commit(actor=demo["officer_411625"], dry_run_job=dry, partial=True)
    assert job.committed and job.created == 1


def test_server_refuses_commit_without_valid_rows(demo):
    dry = _dry(demo, [person_row(姓名="乙二", 手机号码="1")])
    with pytest.raises(InvalidInput) as exc:
        tasks.import_job_commit(actor=demo["officer_411625"], dry_run_job=dry, partial=True)
    assert exc.value.code == "import.no_valid_rows"
    assert ImportJob.objects.count() == 1
