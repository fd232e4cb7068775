"""The declarative rule form: every malformed rule is refused with its JSON path and a stable code; a valid
rule explains each condition in Chinese, tri-state (unknown facts are not guessed)."""

import datetime as dt

import pytest

from fanxiang.core.errors import InvalidInput
from fanxiang.policies.rules import (
    Lookups,
    Rule,
    describe_rule,
    formula_amount,
    validate_formula,
    validate_rule,
)

LOOKUPS = Lookups(
    regions={"411625": ("/411600/411625/", "郸城县"), "411628": ("/411600/411628/", "鹿邑县")},
    priority_groups={"poor_household": "贫困家庭/建档立卡", "formerly_in_hubei": "原在湖北务工"},
    industry_tags={},
    items={"x-once": "一次性补贴"},
)

WORKING_AGE = {
    "all": [
        {"field": "age", "op": "gte", "value": 18},
        {"field": "age", "op": "lte", "value": 60, "when": {"field": "sex", "op": "eq", "value": "M"}},
        {"field": "age", "op": "lte", "value": 55, "when": {"field": "sex", "op": "eq", "value": "F"}},
    ]
}


def refused(rule) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        validate_rule(rule, LOOKUPS)
    return info.value


@pytest.mark.parametrize(
    "rule, path, code, words",
    [
        ({"all": [{"field": "salary", "op": "gte", "value": 1}]}, "rule.all[0].field", "policy.rule_unknown_field", "未知字段“salary”"),
        ({"all": [{"field": "age", "op": "in", "value": [1]}]}, "rule.all[0].op", "policy.rule_bad_operator", "不支持运算符“in”"),
        ({"all": [{"field": "sex", "op": "lte", "value": "M"}]}, "rule.all[0].op", "policy.rule_bad_operator", "可用："),
        ({"all": [{"field": "sex", "op": ["eq"], "value": "M"}]}, "rule.all[0].op", "policy.rule_bad_operator", "不支持"),
        ({"all": [{"field": "age", "op": "lte", "value": "60"}]}, "rule.all[0].value", "policy.rule_type_mismatch", "应为整数"),
        ({"all": [{"field": "age", "op": "lte", "value": True}]}, "rule.all[0].value", "policy.rule_type_mismatch", "应为整数"),
        ({"all": [{"field": "age", "op": "between", "value": [18]}]}, "rule.all[0].value", "policy.rule_type_mismatch", "[下限, 上限]"),
        ({"all": [{"field": "return_date", "op": "after", "value": "2020/01/01"}]}, "rule.all[0].value", "policy.rule_type_mismatch", "日期"),
        ({"all": [{"field": "category", "op": "in", "value": "veteran"}]}, "rule.all[0].value", "policy.rule_type_mismatch", "列表"),
        ({"all": [{"field": "category", "op": "eq", "value": "astronaut"}]}, "rule.all[0].value", "policy.rule_bad_value", "不是“人员类别”的有效取值"),
        ({"all": [{"field": "region", "op": "within", "value": ["999999"]}]}, "rule.all[0].value", "policy.rule_bad_value", "区划代码“999999”不存在"),
        ({"all": [{"field": "age", "op": "between", "value": [60, 18]}]}, "rule.all[0].value", "policy.rule_bad_value", "下限不能大于上限"),
        ({"all": [{"field": "has_business", "op": "eq", "value": "yes"}]}, "rule.all[0].value", "policy.rule_type_mismatch", "true 或 false"),
        ({"all": [{"field": "priority_groups", "op": "is_empty", "value": "x"}]}, "rule.all[0].value", "policy.rule_type_mismatch", "不需要取值"),
        ({"all": []}, "rule.all", "policy.rule_malformed", "非空列表"),
        ({"all": [1]}, "rule.all[0]", "policy.rule_malformed", "JSON 对象"),
        ({"all": [{"field": "age", "op": "lte", "value": 60, "unit": "岁"}]}, "rule.all[0]", "policy.rule_malformed", "unit"),
        ({"all": [{"op": "lte", "value": 60}]}, "rule.all[0].field", "policy.rule_malformed", "缺少字段"),
        ({"all": [], "any": []}, "rule", "policy.rule_malformed", "只能有一个键"),
        ({"any": [{"all": [{"any": [{"all": [{"any": [{"field": "age", "op": "gte", "value": 1}]}]}]}]}]}, "rule.any[0].all[0].any[0].all[0]", "policy.rule_malformed", "不能超过"),
        ({"all": [{"field": "age", "op": "lte", "value": 55, "when": {"field": "sex", "op": "eq", "value": "X"}}]}, "rule.all[0].when.value", "policy.rule_bad_value", "有效取值"),
        ({"all": [{"field": "age", "op": "lte", "value": 55, "when": {"all": []}}]}, "rule.all[0].when", "policy.rule_malformed", "单个条件"),
    ],
)  # fmt: skip
def test_malformed_rule_is_refused_with_path_and_code(rule, path, code, words):
    exc = refused(rule)
    assert exc.code == code
    assert path in exc.errors, exc.errors
    assert any(words in m for m in exc.errors[path]), exc.errors[path]
    assert {"field": path, "code": code} in [
        {"field": i["field"], "code": i["code"]} for i in exc.details["items"]
    ]


def test_every_problem_is_reported_at_once_each_with_its_code():
    exc = refused(
        {
            "all": [
                {"field": "salary", "op": "gte", "value": 1},
                {"field": "age", "op": "like", "value": 1},
                {"field": "age", "op": "gte", "value": "x"},
            ]
        }
    )
    codes = {i["field"]: i["code"] for i in exc.details["items"]}
    assert codes == {
        "rule.all[0].field": "policy.rule_unknown_field",
        "rule.all[1].op": "policy.rule_bad_operator",
        "rule.all[2].value": "policy.rule_type_mismatch",
    }
    assert exc.code == "policy.rule_unknown_field"


def test_not_an_object_and_empty_rule():
    with pytest.raises(InvalidInput) as info:
        validate_rule([{"field": "age"}], LOOKUPS)
    assert info.value.code == "policy.rule_malformed" and "rule" in info.value.errors
    assert validate_rule({}, LOOKUPS) == {}
    assert Rule({}, LOOKUPS).evaluate({}).passed is True


def test_age_limits_by_sex_explained():
    rule = Rule(WORKING_AGE, LOOKUPS)
    man62 = rule.evaluate({"age": 62, "sex": "M"})
    assert man62.passed is False
    assert [c.message for c in man62.failed] == ["年龄 62 岁，超过上限 60 岁"]
    assert man62.failed[0].path == "rule.all[1]"
    woman57 = rule.evaluate({"age": 57, "sex": "F"})
    assert [c.message for c in woman57.failed] == ["年龄 57 岁，超过上限 55 岁"]
    not_applicable = [c for c in woman57.conditions if not c.applicable]
    assert not_applicable[0].message == "年龄不超过 60 岁：不适用（仅当性别为男时）"
    assert rule.evaluate({"age": 60, "sex": "M"}).passed is True
    assert rule.evaluate({"age": 55, "sex": "F"}).passed is True
    young = rule.evaluate({"age": 17, "sex": "F"})
    assert [c.message for c in young.failed] == ["年龄 17 岁，低于下限 18 岁"]
    # the fast check agrees with the explanation
    for facts in (
        {"age": 62, "sex": "M"},
        {"age": 57, "sex": "F"},
        {"age": 60, "sex": "M"},
        {"age": 17, "sex": "M"},
    ):
        assert rule.check(facts) is (rule.evaluate(facts).passed is True)
        assert rule.failures(facts) == rule.evaluate(facts).failures


def test_unknown_fact_is_not_guessed():
    rule = Rule(WORKING_AGE, LOOKUPS)
    unknown_sex = rule.evaluate({"age": 58})
    assert unknown_sex.passed is None
    assert any("缺少“性别”信息" in c.message for c in unknown_sex.failed)
    assert rule.check({"age": 58}) is False
    no_age = rule.evaluate({"sex": "M"})
    assert no_age.passed is None
    assert no_age.failed[0].message == "缺少“年龄”信息，无法判断（要求：年龄不低于 18 岁）"


def test_any_group_reports_the_branch_with_fewest_failures():
    rule = Rule(
        {"all": [
            {"field": "category", "op": "in", "value": ["returning_migrant_worker", "veteran"]},
            {"any": [
                {"field": "jobs_created", "op": "gte", "value": 3},
                {"all": [{"field": "priority_groups", "op": "includes", "value": "poor_household"},
                         {"field": "region", "op": "within", "value": ["411625"]}]},
            ]},
        ]},
        LOOKUPS,
    )  # fmt: skip
    facts = {"category": "college_graduate", "jobs_created": 1, "priority_groups": frozenset(),
             "region": "/411600/411628/411628100/", "region_name": "某镇"}  # fmt: skip
    ev = rule.evaluate(facts)
    assert [c.message for c in ev.failed] == [
        "人员类别为高校毕业生，不在适用范围（返乡农民工、退役军人）内",
        "带动就业 1 人，低于下限 3 人",
    ]
    assert rule.failures(facts) == 2
    ok = dict(
        facts, category="veteran", priority_groups=frozenset({"poor_household"}), region="/411600/411625/1/"
    )
    assert rule.evaluate(ok).passed is True and rule.check(ok)


def test_messages_of_sets_regions_dates_and_received():
    rule = Rule(
        {"all": [
            {"field": "received", "op": "excludes", "value": "x-once"},
            {"field": "region", "op": "within", "value": ["411625"]},
            {"field": "return_date", "op": "on_or_after", "value": "2020-01-01"},
            {"field": "priority_groups", "op": "includes_any", "value": ["poor_household", "formerly_in_hubei"]},
        ]},
        LOOKUPS,
    )  # fmt: skip
    ev = rule.evaluate(
        {"received": frozenset({"x-once"}), "region": "/411600/411628/", "region_name": "鹿邑县",
         "return_date": dt.date(2019, 12, 31), "priority_groups": frozenset()}
    )  # fmt: skip
    assert [c.message for c in ev.failed] == [
        "已享受过“一次性补贴”，不能同时享受",
        "现居住地为鹿邑县，不在郸城县范围内",
        "返乡/入乡时间 2019-12-31，须不早于 2020-01-01",
        "重点群体为无，须属于贫困家庭/建档立卡、原在湖北务工之一",
    ]


def test_describe_rule_in_plain_chinese():
    lines = describe_rule(WORKING_AGE, LOOKUPS)
    assert lines == [
        "· 年龄不低于 18 岁",
        "· 年龄不超过 60 岁（仅当性别为男）",
        "· 年龄不超过 55 岁（仅当性别为女）",
    ]
    assert describe_rule({}, LOOKUPS) == ["无资格条件"]


def test_formula_amounts_and_validation():
    formula = {"terms": [{"field": "jobs_created", "rate": "1000"}], "max": "30000"}
    validate_formula(formula)
    assert str(formula_amount(formula, {"jobs_created": 7})) == "7000.00"
    assert str(formula_amount(formula, {"jobs_created": 70})) == "30000.00"
    assert formula_amount(formula, {}) is None
    with pytest.raises(InvalidInput) as info:
        validate_formula({"terms": [{"field": "sex", "rate": "1"}]})
    assert info.value.code == "policy.rule_type_mismatch"
    assert "amount_formula.terms[0].field" in info.value.errors
    with pytest.raises(InvalidInput) as info:
        validate_formula({"terms": [{"field": "wage", "rate": "1"}], "max": "abc"})
    assert {i["code"] for i in info.value.details["items"]} == {
        "policy.rule_unknown_field",
        "policy.rule_type_mismatch",
    }


def test_vectorised_masks_agree_with_the_per_person_check():
    import random

    from fanxiang.policies.rules import VectorContext, region_mask

    rng = random.Random(5)
    rules = [
        WORKING_AGE,
        {"any": [{"field": "jobs_created", "op": "between", "value": [2, 5]},
                 {"all": [{"field": "priority_groups", "op": "includes_any", "value": ["poor_household"]},
                          {"field": "region", "op": "not_within", "value": ["411628"]}]}]},
        {"all": [{"field": "category", "op": "not_in", "value": ["veteran"]},
                 {"field": "received", "op": "excludes", "value": "x-once"},
                 {"field": "has_business", "op": "eq", "value": True},
                 {"field": "return_date", "op": "before", "value": "2020-06-01"},
                 {"field": "priority_groups", "op": "is_empty"}]},
    ]  # fmt: skip
    people = []
    for _ in range(2000):
        people.append(
            {
                "age": rng.choice([None, 17, 18, 40, 55, 56, 60, 61]),
                "sex": rng.choice([None, "M", "F"]),
                "category": rng.choice([None, "veteran", "other"]),
                "jobs_created": rng.choice([None, 0, 2, 5, 6]),
                "priority_groups": rng.choice([frozenset(), frozenset({"poor_household"}), None]),
                "region": rng.choice(["/411600/411625/1/", "/411600/411628/2/", None]),
                "received": rng.choice([frozenset(), frozenset({"x-once"})]),
                "has_business": rng.choice([True, False, None]),
                "return_date": rng.choice([None, dt.date(2020, 1, 1), dt.date(2020, 6, 1)]),
            }
        )
    ctx = VectorContext(people)
    for source in rules:
        rule = Rule(source, LOOKUPS)
        expected = [i for i, f in enumerate(people) if rule.check(f)]
        assert ctx.positions(rule.mask(ctx)) == expected
        assert 0 < len(expected) < len(people)  # the case is not trivial
    inside = ctx.positions(region_mask(ctx, ("/411600/411625/",)))
    assert inside == [i for i, f in enumerate(people) if (f["region"] or "").startswith("/411600/411625/")]
