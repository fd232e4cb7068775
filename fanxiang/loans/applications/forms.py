"""Page forms of loan applications: the steps of the application form and the workflow actions.

They collect raw input and hand it to the services (``fanxiang.loans.applications``), which run the one
validation and refuse with stable codes; the forms only offer the choices the user may pick, parse the
few values a service takes typed (dates), and put a service's refusal back on the fields with its code
(:func:`add_service_error`). The same forms serve the staff pages and the entrepreneur portal: pass
``applicant=`` (the portal user's own registry record) and the applicant picker disappears.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from fanxiang.core.errors import DomainError
from fanxiang.core.views import CodeListField
from fanxiang.entrepreneurs.forms import founder_label
from fanxiang.loans.choices import (
    BorrowerCategory,
    BorrowerType,
    CounterGuarantee,
    DocumentKind,
    RepaymentMethod,
)
from fanxiang.loans.models import LoanApplication

EMPTY = [("", "请选择")]


def add_service_error(form: forms.BaseForm, exc: DomainError) -> None:
    """A service's refusal on the form: each field problem under its field with its code, everything the
    service listed (missing items, failing eligibility checks) and the overall message with the code."""
    items = (exc.details or {}).get("items") or []
    checks = (exc.details or {}).get("checks") or []
    placed = False
    for item in items:
        field = item.get("field")
        target = field if field in form.fields else None
        form.add_error(target, f"{item['message']}（{item.get('code', exc.code)}）")
        placed = True
    for check in checks:
        form.add_error(None, f"{check['message']}（{check['code']}）")
        placed = True
    if not items:
        for field, messages in (exc.errors or {}).items():
            target = field if field in form.fields else None
            if target is None and placed:
                continue
            for message in messages:
                form.add_error(target, f"{message}（{exc.code}）")
    form.add_error(None, f"{exc.message}（{exc.code}）")
    form.error_code = exc.code


def _text(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    kwargs.setdefault("required", False)
    return forms.CharField(
        label=label, strip=True, widget=forms.TextInput(attrs={"maxlength": max_length}), **kwargs
    )


def _raw(label: str, *, inputmode: str = "decimal", **kwargs: Any) -> forms.CharField:
    """A number passed to the service as typed (the service parses it and refuses it by code)."""
    kwargs.setdefault("required", False)
    return forms.CharField(
        label=label, strip=True, widget=forms.TextInput(attrs={"inputmode": inputmode}), **kwargs
    )


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _none_if_blank(value: Any) -> Any:
    return None if value in (None, "") else value


class ApplicationForm(forms.Form):
    """Base of the step forms: the user, the draft being edited (None before step 1 is saved), the
    applicant when fixed (portal) and the day (recommender validity)."""

    starred: frozenset[str] = frozenset()
    error_code = ""

    def __init__(
        self,
        *args: Any,
        user: Any = None,
        application: LoanApplication | None = None,
        applicant: Any = None,
        today: dt.date | None = None,
        options: Any = None,
        **kwargs: Any,
    ) -> None:
        if application is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(application)
        super().__init__(*args, **kwargs)
        self.user = user
        self.application = application
        self.applicant = applicant if applicant is not None else getattr(application, "entrepreneur", None)
        self.today = today or timezone.localdate()
        self.options = options

    @classmethod
    def initial_from(cls, app: LoanApplication) -> dict[str, Any]:
        return {}

    def service_data(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError


# --------------------------------------------------------------------------- step 1: borrower


class BorrowerStepForm(ApplicationForm):
    """Who borrows: the applicant (picked from the user's scope, only when opening a draft), the borrower
    type, partners (partnership), the business (required for an enterprise), the borrower categories."""

    starred = frozenset({"entrepreneur", "borrower_type"})

    entrepreneur = forms.CharField(
        label="申请人",
        required=False,
        widget=forms.Select(attrs={"size": 6}),
        help_text="只列出本人负责区划内在册的人员；可在上方按姓名、拼音首字母、身份证号或身份证后4位查找。",
    )
    borrower_type = forms.ChoiceField(
        label="借款人类型", required=False, choices=EMPTY + list(BorrowerType.choices)
    )
    partners = CodeListField(
        label="合伙人",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text="合伙创业时选择其他合伙人（不含申请人本人），可多选。",
    )
    business = forms.CharField(
        label="经营主体",
        required=False,
        widget=forms.Select,
        help_text="小微企业贷款必选借款企业；个人和合伙创业贷款可选申请人（或合伙人）创办的经营主体。",
    )
    staff_count = _raw("企业现有职工人数", inputmode="numeric", help_text="仅小微企业贷款填写。")
    new_eligible_hires = _raw(
        "当年新招用符合条件人员人数", inputmode="numeric", help_text="仅小微企业贷款填写。"
    )
    borrower_categories = CodeListField(
        label="扶持对象类别",
        required=False,
        help_text="不勾选时按人员登记的类别自动认定。",
    )
    epidemic_affected = forms.BooleanField(label="受疫情影响（优先办理）", required=False)
    declared_other_debts = forms.BooleanField(
        label="本人或配偶有其他未结清贷款",
        required=False,
        help_text="如实申报；申报后须县区人社经办人员核实征信并人工认定后才能提交。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.application is not None or self.applicant is not None:
            del self.fields["entrepreneur"]  # fixed: the draft's (or the portal user's own) record
        self.fields["borrower_categories"].widget.choices = list(BorrowerCategory.choices)
        options = self.options
        if options is not None:
            if "entrepreneur" in self.fields:
                chosen = self._chosen("entrepreneur")
                self.fields["entrepreneur"].widget.choices = [
                    (p.pk, founder_label(p)) for p in options.people(chosen)
                ]
            partners = self._chosen("partners")
            self.fields["partners"].widget.choices = [
                (p.pk, founder_label(p)) for p in options.people(partners)
            ]
            owners = [*self._chosen("entrepreneur"), *partners]
            if self.applicant is not None:
                owners.append(self.applicant.pk)
            self.fields["business"].widget.choices = EMPTY + [
                (b.pk, f"{b.name}（{b.get_kind_display()}）")
                for b in options.businesses(owners, self._chosen("business"))
            ]

    def _chosen(self, name: str) -> list[int]:
        if self.is_bound:
            raw = self.data.getlist(name) if hasattr(self.data, "getlist") else self.data.get(name) or []
        else:
            raw = self.initial.get(name) or []
        if not isinstance(raw, list | tuple):
            raw = [raw]
        return [int(v) for v in raw if str(v).isdigit()]

    @classmethod
    def initial_from(cls, app: LoanApplication) -> dict[str, Any]:
        return {
            "borrower_type": app.borrower_type,
            "partners": [p.pk for p in app.partners.all()],
            "business": app.business_id or "",
            "staff_count": "" if app.staff_count is None else app.staff_count,
            "new_eligible_hires": "" if app.new_eligible_hires is None else app.new_eligible_hires,
            "borrower_categories": list(app.borrower_categories or []),
            "epidemic_affected": app.epidemic_affected,
            "declared_other_debts": app.declared_other_debts,
        }

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        borrower_type = d.get("borrower_type") or ""
        enterprise = borrower_type == BorrowerType.ENTERPRISE
        data: dict[str, Any] = {
            "borrower_type": borrower_type,
            "partners": list(d.get("partners") or []) if borrower_type == BorrowerType.PARTNERSHIP else [],
            "business": _none_if_blank(d.get("business")),
            # outside an enterprise loan the staff figures are cleared (the service refuses them there)
            "staff_count": _none_if_blank(d.get("staff_count")) if enterprise else None,
            "new_eligible_hires": _none_if_blank(d.get("new_eligible_hires")) if enterprise else None,
            "borrower_categories": list(d.get("borrower_categories") or []),
            "epidemic_affected": bool(d.get("epidemic_affected")),
            "declared_other_debts": bool(d.get("declared_other_debts")),
        }
        if "entrepreneur" in self.fields:
            data["entrepreneur"] = d.get("entrepreneur") or ""
        elif self.application is None and self.applicant is not None:
            data["entrepreneur"] = self.applicant.pk
        return data


# --------------------------------------------------------------------------- step 2: loan


class LoanStepForm(ApplicationForm):
    """How much, how long, what for, which bank and guarantee institution."""

    starred = frozenset({"amount", "term_months", "purpose", "bank", "guarantee_org"})

    amount = _raw("申请金额（元）", required=True)
    term_months = _raw("贷款期限（月）", inputmode="numeric", required=True)
    purpose = _text("贷款用途", 200, required=True)
    bank = forms.CharField(label="经办银行", required=False, widget=forms.Select)
    guarantee_org = forms.CharField(label="担保机构", required=False, widget=forms.Select)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("amount", "term_months", "purpose"):
            self.fields[name].error_messages["required"] = "此项必填。（loan.field_required）"
        if self.options is not None:
            self.fields["bank"].widget.choices = EMPTY + [(o.pk, str(o)) for o in self.options.banks()]
            self.fields["guarantee_org"].widget.choices = EMPTY + [
                (o.pk, str(o)) for o in self.options.guarantee_orgs()
            ]

    @classmethod
    def initial_from(cls, app: LoanApplication) -> dict[str, Any]:
        initial = {
            "purpose": app.purpose,
            "bank": app.bank_id or "",
            "guarantee_org": app.guarantee_org_id or "",
        }
        # Opening a draft (step 1) needs an amount and a term, so it starts from the policy maximum; until
        # this step has been saved once (the purpose is required here and for submission) the clerk types
        # the applicant's own figures instead of confirming a default.
        if app.purpose:
            initial.update(amount=app.amount, term_months=app.term_months)
        return initial

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "amount": d["amount"],
            "term_months": d["term_months"],
            "purpose": d.get("purpose") or "",
            "bank": _none_if_blank(d.get("bank")),
            "guarantee_org": _none_if_blank(d.get("guarantee_org")),
        }


# --------------------------------------------------------------------------- step 3: counter-guarantee


class GuaranteeStepForm(ApplicationForm):
    """A counter-guarantee (natural person, park, property, real estate, collateral of point (五)) or a
    waiver on the recommendation of a credit village / park / incubation base valid today in the
    applicant's county."""

    starred = frozenset({"counter_guarantee"})

    counter_guarantee = forms.ChoiceField(
        label="反担保方式", required=False, choices=EMPTY + list(CounterGuarantee.choices)
    )
    counter_guarantee_detail = _text(
        "反担保说明",
        200,
        help_text="担保人姓名及身份、抵质押物名称及权属证号等；选择免反担保时可不填。",
    )
    recommender = forms.CharField(
        label="免反担保推荐单位",
        required=False,
        widget=forms.Select,
        help_text="选择“免反担保（推荐）”时必选；只列出今天在认定有效期内、位于申请人所在县（市、区）的推荐单位。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.options is not None:
            chosen = self.initial.get("recommender") if not self.is_bound else self.data.get("recommender")
            self.fields["recommender"].widget.choices = EMPTY + [
                (r.pk, f"{r}（{r.region.name}，{r.valid_from:%Y-%m-%d}至{r.valid_to or '长期'}）")
                for r in self.options.recommenders(self.applicant, self.today, chosen)
            ]

    @classmethod
    def initial_from(cls, app: LoanApplication) -> dict[str, Any]:
        return {
            "counter_guarantee": app.counter_guarantee,
            "counter_guarantee_detail": app.counter_guarantee_detail,
            "recommender": app.recommender_id or "",
        }

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        waiver = d.get("counter_guarantee") == CounterGuarantee.WAIVER
        return {
            "counter_guarantee": d.get("counter_guarantee") or "",
            "counter_guarantee_detail": d.get("counter_guarantee_detail") or "",
            # a recommender only goes with a waiver (the service refuses it otherwise)
            "recommender": _none_if_blank(d.get("recommender")) if waiver else None,
        }


# --------------------------------------------------------------------------- step 4: documents


class DocumentForm(forms.Form):
    """One upload; the service checks the type (PDF/JPG/PNG by content) and the size."""

    kind = forms.ChoiceField(label="材料类别", choices=EMPTY + list(DocumentKind.choices), required=False)
    file = forms.FileField(
        label="文件",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        help_text="PDF、JPG 或 PNG，不超过10MB。",
    )
    error_code = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.pop("user", None)
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        if not data.get("kind"):
            self.add_error("kind", "请选择材料类别。（loan.document_kind_invalid）")
        if not data.get("file"):
            self.add_error("file", "请选择要上传的文件。（loan.document_type_invalid）")
        return data


# --------------------------------------------------------------------------- workflow actions


class ActionForm(forms.Form):
    """A workflow step's input; ``service_kwargs()`` are the keyword arguments of its service."""

    error_code = ""

    def __init__(
        self,
        *args: Any,
        application: LoanApplication | None = None,
        today: dt.date | None = None,
        extra: dict | None = None,
        **kwargs: Any,
    ) -> None:
        self.application = application
        self.today = today or timezone.localdate()
        self.extra = extra or {}
        kwargs.setdefault("initial", self.initial_for(application) if application is not None else {})
        super().__init__(*args, **kwargs)

    def initial_for(self, app: LoanApplication) -> dict[str, Any]:
        return {}

    def service_kwargs(self) -> dict[str, Any]:
        return {}


def _note(label: str = "意见/说明") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000})
    )


class SubmitForm(ActionForm):
    pass


class NoteForm(ActionForm):
    note = _note()

    def service_kwargs(self) -> dict[str, Any]:
        return {"note": self.cleaned_data.get("note") or ""}


class BankApproveForm(NoteForm):
    field_order = ["approved_amount", "annual_rate", "note"]

    approved_amount = _raw("批准金额（元）", help_text="不超过申请金额和政策上限；不填按申请金额。")
    annual_rate = _raw("年利率（%）", required=True)
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["annual_rate"].error_messages["required"] = "请填写年利率。（loan.rate_invalid）"
        cap = self.extra.get("rate_cap")
        if cap:
            self.fields[
                "annual_rate"
            ].help_text = f"不超过 {cap['cap']}%（{cap['lpr_date']} 1年期LPR {cap['lpr']}% 加点上限）。"

    def initial_for(self, app: LoanApplication) -> dict[str, Any]:
        return {"approved_amount": app.amount}

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "approved_amount": _none_if_blank(d.get("approved_amount")),
            "annual_rate": d.get("annual_rate"),
            "note": d.get("note") or "",
        }


class ContractForm(NoteForm):
    field_order = ["contract_no", "contract_date", "annual_rate", "repayment_method", "note"]

    contract_no = _text("合同编号", 64, help_text="借款合同上的编号，本行内不得重复。")
    contract_date = forms.DateField(
        label="合同日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    annual_rate = _raw("合同年利率（%）", help_text="不填按审批利率。")
    repayment_method = forms.ChoiceField(
        label="还款方式", required=False, choices=EMPTY + list(RepaymentMethod.choices)
    )
    note = _note()

    def initial_for(self, app: LoanApplication) -> dict[str, Any]:
        return {
            "contract_date": self.today,
            "annual_rate": app.annual_rate,
            "repayment_method": app.repayment_method,
        }

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "contract_no": d.get("contract_no") or "",
            "contract_date": d.get("contract_date"),
            "annual_rate": _none_if_blank(d.get("annual_rate")),
            "repayment_method": d.get("repayment_method") or None,
            "note": d.get("note") or "",
        }


class DisburseForm(NoteForm):
    field_order = ["loan_note_no", "amount", "date", "annual_rate", "note"]

    loan_note_no = _text("借据号", 64, help_text="本笔放款的借据编号，本行内不得重复。")
    amount = _raw("放款金额（元）", required=True, help_text="可分笔放款，合计不超过批准金额。")
    date = forms.DateField(
        label="放款日期", required=True, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    annual_rate = _raw("年利率（%）", help_text="不填按合同利率。")
    note = _note()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].error_messages["required"] = "请填写放款金额。（loan.amount_invalid）"
        app = self.application
        if app is not None and app.approved_amount is not None:
            remaining = app.approved_amount - app.disbursed_total
            self.fields["amount"].help_text = (
                f"可分笔放款：批准 {app.approved_amount:,.2f} 元，已放 {app.disbursed_total:,.2f} 元，"
                f"可放款余额 {remaining:,.2f} 元。"
            )
        self.fields["date"].error_messages["required"] = "请填写放款日期。（loan.disbursement_date_invalid）"

    def initial_for(self, app: LoanApplication) -> dict[str, Any]:
        remaining = (app.approved_amount or 0) - app.disbursed_total
        return {
            "amount": remaining if remaining > 0 else "",
            "date": self.today,
            "annual_rate": app.annual_rate,
        }

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "loan_note_no": d.get("loan_note_no") or "",
            "amount": d.get("amount"),
            "date": d.get("date"),
            "annual_rate": _none_if_blank(d.get("annual_rate")),
            "note": d.get("note") or "",
        }


class ReturnForm(NoteForm):
    field_order = ["missing_items", "note"]

    missing_items = forms.CharField(
        label="需补正的事项",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="一次性列明所有需补正的事项，每行一项。",
    )
    note = _note()

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"missing_items": _lines(d.get("missing_items")), "note": d.get("note") or ""}


class RejectForm(NoteForm):
    field_order = ["reasons", "note"]

    reasons = forms.CharField(
        label="不予通过的理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="须写明理由，每行一条。",
    )
    note = _note()

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"reasons": _lines(d.get("reasons")), "note": d.get("note") or ""}


class OverrideForm(ActionForm):
    rule = forms.CharField(label="认定事项", required=False, widget=forms.Select)
    reason = forms.CharField(
        label="认定理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text="如：已核实征信报告，其他贷款属助学、住房等除外情形。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = self.extra.get("soft_checks") or []
        self.fields["rule"].widget.choices = [(c.rule, c.message) for c in choices] or [("", "无需认定")]

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"rule": d.get("rule") or "", "reason": d.get("reason") or ""}


class ExtendForm(ActionForm):
    months = _raw("展期月数", inputmode="numeric", required=False)
    reason = forms.CharField(label="展期原因", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"months": d.get("months") or None, "reason": d.get("reason") or ""}
