"""Issue 12 items 4, 13, 14: a partner's loans count on their record (lifetime limit of 3, active loan,
pending application), partners' categories are checked, each wizard step checks its own rules, the
refusal messages never read "。；", submission is disabled while a hard rule fails, and the eligibility
table carries codes only as ``data-code``."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from fanxiang.core.errors import DomainError
from fanxiang.credit import selectors as credit_selectors
from fanxiang.entrepreneurs import services as registry
from fanxiang.entrepreneurs.tests.factories import make_id, person_data
from fanxiang.loans import applications as services
from fanxiang.loans.applications import eligibility, selectors
from fanxiang.loans.models import LoanApplication
from fanxiang.loans.tests.factories import draft_data, make_person, ready_draft

pytestmark = pytest.mark.django_db
DAY = dt.date(2020, 6, 1)  # policy of 财金〔2020〕21号: individual cap 200,000 yuan, 36 months, 3 loans


@pytest.fixture
def new_person(demo):
    def _make(name="甲", category="returning_migrant_worker", **kw):
        data = person_data(id_number=make_id(), mobile="", name=name, category=category, **kw)
        return registry.entrepreneur_create(actor=demo["officer_411625"], data=data)

    return _make


_n = iter(range(10_000))


def partnership_loan(lead, partners, status="settled") -> LoanApplication:
    app = LoanApplication.objects.create(
        number=f"P{next(_n):05d}", entrepreneur=lead, region=lead.region, borrower_type="partnership",
        amount=Decimal("10000"), term_months=12, status=status, borrower_categories=["returning_migrant_worker"],
    )  # fmt: skip
    app.partners.set(partners)
    return app


def run(person, partners=(), **kw):
    kw.setdefault("borrower_type", "partnership" if partners else "individual")
    kw.setdefault("borrower_categories", ["returning_migrant_worker"])
    return eligibility.check(
        entrepreneur=person,
        partners=list(partners),
        amount=Decimal(kw.pop("amount", "100000.00")),
        term_months=kw.pop("term", 24),
        apply_date=kw.pop("day", DAY),
        **kw,
    )


def failed(result) -> set[str]:
    return {c.code for c in result.checks if not c.passed}


def rules_failed(result) -> set[str]:
    return {c.rule for c in result.checks if not c.passed}


# --------------------------------------------------------------------------- item 13: partners' history


def test_partner_in_three_loans_is_refused_like_a_lead_borrower(new_person):
    partner, other = new_person("乙"), new_person("丙")
    for _ in range(2):
        partnership_loan(new_person("牵头人"), [partner])
    # two prior loans as a partner: a 3rd is allowed, as lead borrower or as partner
    assert run(partner).eligible
    assert run(other, [partner]).eligible
    partnership_loan(new_person("牵头人"), [partner])
    # three prior loans as a partner: the 4th is refused either way
    alone = run(partner)
    assert failed(alone) == {"loan.repeat_limit"}
    assert "已享受贴息贷款 3 次" in next(c.message for c in alone.checks if c.code == "loan.repeat_limit")
    joint = run(other, [partner])
    assert rules_failed(joint) == {f"repeat_limit:{partner.pk}"}


def test_lead_and_partner_loans_add_up(new_person):
    p = new_person()
    LoanApplication.objects.create(
        number="L-1", entrepreneur=p, region=p.region, borrower_type="individual",
        amount=Decimal("10000"), term_months=12, status="settled",
    )  # fmt: skip
    partnership_loan(new_person("丁"), [p])
    assert run(p).eligible  # 2 so far
    partnership_loan(new_person("戊"), [p])
    assert failed(run(p)) == {"loan.repeat_limit"}


def test_partner_with_active_loan_or_pending_application_is_refused(new_person):
    active, pending, clean = new_person("乙"), new_person("丙"), new_person("丁")
    partnership_loan(new_person("牵头人"), [active], status="repaying")
    partnership_loan(new_person("牵头人"), [pending], status="submitted")
    assert failed(run(active)) == {"loan.active_loan_exists"}
    assert failed(run(pending)) == {"loan.pending_application_exists"}
    assert rules_failed(run(clean, [active])) == {f"active_loan:{active.pk}"}
    assert run(clean, [new_person("戊")]).eligible


def test_the_application_itself_is_not_counted(new_person):
    lead, partner = new_person(), new_person("乙")
    app = partnership_loan(lead, [partner], status="submitted")
    result = run(lead, [partner], exclude_application_id=app.pk)
    assert result.eligible


def test_loans_of_person_and_the_credit_page_list_partner_loans(demo, new_person):
    lead, partner = new_person(), new_person("乙")
    own = partnership_loan(partner, [new_person("丙")])
    joint = partnership_loan(lead, [partner])
    assert set(selectors.loans_of_person(partner)) == {own, joint}
    assert set(selectors.loans_of_person(lead)) == {joint}
    officer = demo["officer_411625"]
    loans = credit_selectors.ledger_loans(officer, entrepreneur=partner)
    assert {loan.pk: loan.person_role for loan in loans} == {own.pk: "借款人", joint.pk: "合伙人"}
    page = credit_selectors.person_ledger(officer, entrepreneur_id=partner.pk)
    assert {loan.pk for loan in page["loans"]} == {own.pk, joint.pk}


def test_partner_history_query_count_does_not_grow(new_person, django_assert_max_num_queries):
    lead = new_person()
    partners = [new_person(f"合伙{i}") for i in range(3)]
    for p in partners:
        partnership_loan(new_person("牵头人"), [p])
    with django_assert_max_num_queries(2):  # policy; loans (lead or partner), blacklist, poor households
        run(lead, partners)


# --------------------------------------------------------------------------- item 14: partners' categories


def test_partner_with_ineligible_category_is_refused_eligible_accepted(demo, new_person):
    lead = new_person()
    researcher = new_person("李研究", category="researcher")
    veteran = new_person("王退役", category="veteran")
    refused = run(lead, [researcher])
    assert failed(refused) == {"loan.partner_category_ineligible"}
    check = next(c for c in refused.checks if c.code == "loan.partner_category_ineligible")
    assert check.rule == f"partner_category:{researcher.pk}" and "李研究" in check.message
    assert "partner_category_ineligible" not in check.message  # the code is never in the text
    accepted = run(lead, [veteran])
    assert accepted.eligible
    assert any(c.rule == f"partner_category:{veteran.pk}" and c.passed for c in accepted.checks)
    # a poor household (priority group) is an eligible category whatever the registry category
    poor = make_person(demo["officer_411625"], priority=["poor_household"], category="other", name="赵脱贫")
    assert run(lead, [poor]).eligible


def test_partner_category_is_a_hard_rule_at_submission(demo, new_person):
    clerk = demo["service_clerk"]
    lead = make_person(clerk, name="钱牵头")
    researcher = make_person(clerk, name="孙研究", category="researcher")
    app = ready_draft(clerk, lead, borrower_type="partnership", partners=[researcher.pk], amount="300000.00")
    with pytest.raises(DomainError) as exc:
        services.application_submit(actor=clerk, application=app)
    assert exc.value.code == "loan.not_eligible"
    assert {c["code"] for c in exc.value.details["checks"]} == {"loan.partner_category_ineligible"}
    assert "。；" not in exc.value.message and exc.value.message.endswith("。")


# --------------------------------------------------------------------------- item 4: messages and checks


def test_join_messages_never_doubles_punctuation():
    text = eligibility.join_messages("不符合条件：", ["申请金额超过上限。", "期限超过上限。"])
    assert text == "不符合条件：申请金额超过上限；期限超过上限。"
    assert eligibility.join_messages("前缀：", ["一；", "二"]) == "前缀：一；二。"


def test_one_check_per_subject_no_pass_and_fail_for_the_amount(new_person):
    p = new_person()
    result = run(p, amount="300000.00", term=48, borrower_type="individual")
    amount = [c for c in result.checks if c.rule.startswith("amount")]
    term = [c for c in result.checks if c.rule.startswith("term")]
    assert [(c.passed, c.code) for c in amount] == [(False, "loan.amount_over_limit")]
    assert [(c.passed, c.code) for c in term] == [(False, "loan.term_over_limit")]
    assert [c.code for c in run(p, amount="0").checks if c.rule == "amount_limit"] == ["loan.amount_invalid"]
    assert [c.code for c in run(p, term=0).checks if c.rule == "term_limit"] == ["loan.term_invalid"]


def test_not_eligible_message_has_no_doubled_punctuation(demo):
    clerk = demo["service_clerk"]
    app = ready_draft(clerk, make_person(clerk), amount="300000.00", term_months=48)
    with pytest.raises(DomainError) as exc:
        services.application_submit(actor=clerk, application=app)
    assert exc.value.code == "loan.not_eligible"
    assert "。；" not in exc.value.message
    assert "超过上限 200,000.00元；贷款期限 48 个月超过上限 36 个月。" in exc.value.message


# --------------------------------------------------------------------------- the wizard's pages


def step_url(app_id: int, step: str) -> str:
    return f"/loans/applications/{app_id}/edit/{step}/"


def field_error(body: str, field: str) -> str:
    match = re.search(rf'data-testid="error-{field}">(.*?)</ul>', body, re.S)
    return match.group(1) if match else ""


def loan_post(**kw) -> dict:
    from fanxiang.loans.tests.factories import org

    data = {
        "amount": "120000.00",
        "term_months": "24",
        "purpose": "购置冷链设备",
        "bank": org("DEMO-BANK-PSBC").pk,
        "guarantee_org": org("DEMO-GUAR").pk,
        "nav": "next",
    }
    data.update(kw)
    return data


def test_step_two_refuses_amount_and_term_over_the_limit_of_the_kind(demo, web):
    clerk = web("service_clerk")
    app = services.application_create(
        actor=demo["service_clerk"], data=draft_data(make_person(demo["service_clerk"]), purpose="")
    )
    before = (app.amount, app.term_months, app.purpose)
    refused = clerk.post(step_url(app.pk, "loan"), loan_post(amount="300000.00", term_months="48"))
    body = refused.content.decode()
    assert refused.status_code == 422
    assert "超过上限 200,000.00元" in field_error(body, "amount")
    assert "loan.amount_over_limit" in field_error(body, "amount")
    assert "loan.term_over_limit" in field_error(body, "term_months")
    assert "上限 36 个月" in field_error(body, "term_months")
    app.refresh_from_db()
    assert (app.amount, app.term_months, app.purpose) == before  # nothing stored
    # at the limit it is accepted and the wizard moves on
    ok = clerk.post(step_url(app.pk, "loan"), loan_post(amount="200000.00", term_months="36"))
    assert ok.status_code == 302 and ok["Location"] == step_url(app.pk, "guarantee")
    app.refresh_from_db()
    assert (str(app.amount), app.term_months) == ("200000.00", 36)


def test_step_two_limit_of_an_enterprise_is_its_own(demo, web):
    from fanxiang.entrepreneurs.tests.factories import business_data

    actor = demo["service_clerk"]
    owner = make_person(actor)
    biz = registry.business_create(actor=demo["officer_411625"], data=business_data(), founders=[owner.pk])
    app = services.application_create(
        actor=actor,
        data=draft_data(
            owner, borrower_type="enterprise", business=biz.pk, staff_count=20, new_eligible_hires=3,
            amount="3000000.00", term_months=24, purpose="",
        ),
    )  # fmt: skip
    clerk = web("service_clerk")
    assert (
        clerk.post(step_url(app.pk, "loan"), loan_post(amount="3000000.00", term_months="24")).status_code
        == 302
    )
    refused = clerk.post(step_url(app.pk, "loan"), loan_post(amount="3000000.00", term_months="25"))
    assert refused.status_code == 422
    assert "loan.term_over_limit" in field_error(refused.content.decode(), "term_months")


def test_step_one_refuses_an_ineligible_partner(demo, web):
    actor = demo["service_clerk"]
    lead = make_person(actor, name="周牵头")
    researcher = make_person(actor, name="吴研究", category="researcher")
    app = services.application_create(actor=actor, data=draft_data(lead))
    refused = web("service_clerk").post(
        step_url(app.pk, "borrower"),
        {"borrower_type": "partnership", "partners": [researcher.pk], "nav": "next",
         "borrower_categories": ["returning_migrant_worker"]},
    )  # fmt: skip
    body = refused.content.decode()
    assert refused.status_code == 422
    assert "loan.partner_category_ineligible" in field_error(body, "partners")
    assert "吴研究" in field_error(body, "partners")
    app.refresh_from_db()
    assert app.borrower_type == "individual" and not app.partners.exists()


def test_review_table_has_no_code_column_and_submit_is_disabled_while_a_hard_rule_fails(demo, web):
    actor = demo["service_clerk"]
    app = ready_draft(actor, make_person(actor), amount="300000.00")
    page = web("service_clerk").get(step_url(app.pk, "review"))
    body = page.content.decode()
    table = re.search(r'data-testid="eligibility-checks">(.*?)</table>', body, re.S).group(1)
    assert "<th>代码</th>" not in table
    assert 'data-code="loan.amount_over_limit"' in table and 'data-code="ok"' in table
    cells = re.sub(r"<[^>]+>", " ", table)
    assert "loan.amount_over_limit" not in cells and " ok " not in cells  # codes only in attributes
    assert "申请金额有效" not in table  # one check per subject: no ✓ beside the ✗ of the amount
    button = re.search(r'<button[^>]*data-testid="submit"[^>]*>', body).group(0)
    assert "disabled" in button
    assert 'data-testid="submit-blocked"' in body and "硬性条件未通过" in body

    # within the limit: the button is active
    app.amount = Decimal("200000.00")
    app.save(update_fields=["amount"])
    body = web("service_clerk").get(step_url(app.pk, "review")).content.decode()
    button = re.search(r'<button[^>]*data-testid="submit"[^>]*>', body).group(0)
    assert "disabled" not in button and 'data-testid="submit-blocked"' not in body
