"""The recommender list on core's list machinery: 操作 (编辑 only for who may change the unit), selection
export of exactly the ticked units, and the count line."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from fanxiang.credit.tests.scope_cases import make_recommender

pytestmark = pytest.mark.django_db


def test_recommender_list_actions_and_selected_export(demo, web):
    mine, other, theirs = make_recommender("411625"), make_recommender("411625"), make_recommender("411628")
    officer = web("officer_411625")
    html = officer.get("/credit/recommenders/").content.decode()
    assert re.search(r'data-testid="count">共 2 条<', html)
    assert f'href="/credit/recommenders/{mine.pk}/edit/">编辑<' in html
    assert f"/credit/recommenders/{theirs.pk}/" not in html
    # a bank officer reads the units but changes none: 查看 only
    bank = web("bank_officer").get("/credit/recommenders/").content.decode()
    assert f'href="/credit/recommenders/{mine.pk}/">查看<' in bank and "/edit/" not in bank
    response = officer.post("/credit/recommenders/export/", {"action": "export", "ids": [mine.pk]})
    assert response.status_code == 200
    names = [
        r[0]
        for r in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert names == [mine.name] and other.name not in names
    refused = officer.post("/credit/recommenders/export/", {"action": "export", "ids": [mine.pk, theirs.pk]})
    assert refused.status_code == 422 and 'data-code="batch.selection_invalid"' in refused.content.decode()
    assert theirs.name not in refused.content.decode()
