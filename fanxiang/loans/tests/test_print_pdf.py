"""The printed loan papers: GET /loans/applications/<id>/print.pdf answers a PDF holding the application
form (申请表, with the eligibility results) and the approval sheet (审批表, each step's holder, Beijing time
and opinion); ?doc= prints one of them; the ID number is masked; each print is audited; another county's
officer gets 404 and an anonymous visitor is sent to the login page."""

from __future__ import annotations

import inspect
import io

import pypdf
import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from fanxiang.loans import applications as services
from fanxiang.loans.models import Disbursement
from fanxiang.loans.tests.factories import advance, make_person, ready_draft

pytestmark = pytest.mark.django_db


def print_url(app_id: int, doc: str = "") -> str:
    return f"/loans/applications/{app_id}/print.pdf" + (f"?doc={doc}" if doc else "")


def pdf_pages(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return [page.extract_text() for page in reader.pages]


@pytest.fixture
def person(demo):
    return make_person(demo["officer_411625"], name="张返乡")


@pytest.fixture
def reviewed(demo, person):
    """Returned once by the county officer with a reason, resubmitted, then approved through to the bank."""
    officer = demo["officer_411625"]
    app = ready_draft(officer, person)
    app = services.application_submit(actor=officer, application=app)
    app = services.application_return(
        actor=officer, application=app, missing_items=["补充营业执照副本"], note="材料不全"
    )
    app = services.application_submit(actor=officer, application=app)
    app = services.application_hr_approve(actor=officer, application=app, note="符合返乡创业农民工条件")
    return advance(app, demo, "bank_approved", approved="80000.00", rate="3.40")


def test_both_papers_print_with_name_eligibility_steps_holders_and_opinions(demo, web, reviewed, person):
    response = web("officer_411625").get(print_url(reviewed.pk))
    pages = pdf_pages(response)
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Cache-Control"] == "no-store"
    text = "\n".join(pages)

    # 申请表: the applicant, the application, the eligibility results as people read them (no codes)
    assert "创业担保贷款申请表" in pages[0] and reviewed.number in pages[0]
    assert "张返乡" in text and "100,000.00" in text and "扩大养殖规模" in text
    assert "提交时的资格检查" in text and "✓ 通过" in text
    assert "属于扶持对象：返乡创业农民工" in text and "符合创业担保贷款条件" in text
    assert "loan." not in text and "returning_migrant_worker" not in text
    # the ID number is masked on paper
    assert person.id_number not in text and person.id_number_masked in text

    # 审批表 on its own page: every step of the chain with its holder, Beijing time and opinion
    approval = "\n".join(p for p in pages if "创业担保贷款审批表" in p)
    assert approval and "创业担保贷款审批表" not in pages[0]
    for step in (
        "受理（提交申请）",
        "人社部门资格审核",
        "担保机构审核",
        "经办银行审批",
        "签订借款合同",
        "放款",
    ):
        assert step in approval
    assert "郑郸城（县级人社部门）" in approval or "郑郸城" in approval
    assert "同意（资格审核通过）" in approval and "意见：符合返乡创业农民工条件" in approval
    assert "同意（审批通过）" in approval and "批准金额 80,000.00" in approval
    assert "退回补正" in approval and "补正：补充营业执照副本" in approval and "意见：材料不全" in approval
    assert "未办理" in approval  # the contract and disbursement are still ahead
    hr = reviewed.events.filter(action="hr_approve").get()
    assert timezone.localtime(hr.at).strftime("%Y-%m-%d %H:%M") in approval
    assert "北京时间" in approval


def test_doc_parameter_prints_one_paper(demo, web, reviewed):
    client = web("officer_411625")
    application = "\n".join(pdf_pages(client.get(print_url(reviewed.pk, "application"))))
    approval = "\n".join(pdf_pages(client.get(print_url(reviewed.pk, "approval"))))
    assert "创业担保贷款申请表" in application and "创业担保贷款审批表" not in application
    assert "创业担保贷款审批表" in approval and "资格检查" not in approval
    assert client.get(print_url(reviewed.pk, "other")).status_code == 404


def test_a_draft_prints_a_pre_check_as_of_today(demo, web, person):
    app = ready_draft(demo["officer_411625"], person)
    text = "\n".join(pdf_pages(web("officer_411625").get(print_url(app.pk))))
    assert "资格预检（尚未提交" in text and "张返乡" in text
    assert "人社部门资格审核" in text and "未办理" in text


def _accepts(service, name: str) -> bool:
    return name in inspect.signature(service).parameters


def test_disbursed_loan_shows_contract_and_disbursement_holders(demo, web, reviewed):
    bank = demo["bank_officer"]
    numbers = {"contract_no": "PSBC-JK-2026-0001", "loan_note_no": "PSBC-JJ-2026-0001"}
    sign = (
        {"contract_no": numbers["contract_no"]}
        if _accepts(services.application_sign_contract, "contract_no")
        else {}
    )
    app = services.application_sign_contract(actor=bank, application=reviewed, **sign)
    note = (
        {"loan_note_no": numbers["loan_note_no"]}
        if _accepts(services.application_disburse, "loan_note_no")
        else {}
    )
    app = services.application_disburse(
        actor=bank, application=app, amount=app.approved_amount, date=timezone.localdate(), **note
    )
    approval = "\n".join(pdf_pages(web("bank_officer").get(print_url(app.pk, "approval"))))
    assert "已签订借款合同" in approval and "已放款" in approval and "第1笔 80,000.00" in approval
    assert "孙信贷（经办银行人员）" in approval
    # the contract number and the tranche's loan-note number, where the loan records them
    if hasattr(app, "contract_no"):
        assert "借款合同编号" in approval and numbers["contract_no"] in approval
    if hasattr(Disbursement, "loan_note_no"):
        assert "借据号" in approval and numbers["loan_note_no"] in approval
    assert "放款记录" in approval


def test_each_print_is_audited_as_a_masked_export(demo, web, reviewed):
    before = LogEntry.objects.filter(additional_data__event="export").count()
    web("officer_411625").get(print_url(reviewed.pk, "approval"))
    entry = LogEntry.objects.filter(additional_data__event="export").latest("pk")
    assert LogEntry.objects.filter(additional_data__event="export").count() == before + 1
    assert entry.object_pk == str(reviewed.pk) and entry.actor == demo["officer_411625"]
    assert entry.additional_data["format"] == "pdf" and entry.additional_data["reveal"] is False
    assert entry.additional_data["document"] == "创业担保贷款审批表"


def test_other_county_officer_gets_404_and_anonymous_goes_to_login(demo, web, client, reviewed):
    assert web("officer_411628").get(print_url(reviewed.pk)).status_code == 404
    assert web("officer_411628").get(print_url(reviewed.pk, "approval")).status_code == 404
    response = client.get(print_url(reviewed.pk))
    assert response.status_code == 302 and "/login" in response["Location"]
    assert not LogEntry.objects.filter(additional_data__event="export", object_pk=str(reviewed.pk)).exists()


def test_the_detail_page_offers_the_print_links(demo, web, reviewed):
    body = web("officer_411625").get(f"/loans/applications/{reviewed.pk}/").content.decode()
    assert f'href="{print_url(reviewed.pk)}"' in body
    assert f'href="{print_url(reviewed.pk, "approval")}"' in body
