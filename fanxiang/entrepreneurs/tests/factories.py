"""Test data for the registry: valid ID numbers and entrepreneur/business input."""

from __future__ import annotations

import itertools

from stdnum.cn import ric

_seq = itertools.count(100)


def make_id(
    area: str = "411625", birth: str = "19850101", seq: int | None = None, female: bool = False
) -> str:
    n = next(_seq) if seq is None else seq
    n = n * 2 + (0 if female else 1)
    body = f"{area}{birth}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def person_data(**overrides) -> dict:
    data = {
        "name": "张三",
        "id_number": make_id(),
        "mobile": "13800138000",
        "region": "411625101",
        "category": "returning_migrant_worker",
        "return_date": "2020-03-01",
        "started_on": "2020-05-10",
        "worked_province": "广东省",
        "worked_city": "深圳市",
        "worked_months": 60,
        "education": "senior",
        "priority_groups": [],
    }
    data.update(overrides)
    return data


def business_data(**overrides) -> dict:
    data = {
        "kind": "enterprise",
        "name": "郸城县示例农业科技有限公司",
        "credit_code": "91110000600037341L",
        "industry": "A",
        "region": "411625101",
        "started_on": "2020-05-10",
        "registered_capital": "500000",
        "employees": 12,
        "tags": ["eco_planting"],
    }
    data.update(overrides)
    return data
