"""Forms of the repayment pages: a repayment by hand, settlement, prepayment, reversal, the import upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

DATE = {"type": "date"}


# --------------------------------------------------------------------------- repayments


class RepaymentForm(forms.Form):
    date = forms.DateField(
        label="还款日期",
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写还款日期。（repayment.date_invalid）",
            "invalid": "还款日期无效，格式如 2021-03-15。（repayment.date_invalid）",
        },
    )
    amount = forms.CharField(
        label="还款金额（元）",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": "请填写还款金额。（repayment.amount_invalid）"},
    )
    reference = forms.CharField(label="银行流水号", max_length=64, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


class SettlementForm(forms.Form):
    """Confirming an early settlement: the date and the quoted payoff (the service refuses any other sum)."""

    date = forms.DateField(
        label="结清日期",
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写结清日期。（repayment.date_invalid）",
            "invalid": "结清日期无效，格式如 2021-06-10。（repayment.date_invalid）",
        },
    )
    amount = forms.CharField(label="结清金额（元）", max_length=20, required=False)
    reference = forms.CharField(label="银行流水号", max_length=64, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "settle")
        super().__init__(*args, **kwargs)


class PrepaymentForm(forms.Form):
    date = forms.DateField(
        label="还款日期",
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写还款日期。（repayment.date_invalid）",
            "invalid": "还款日期无效，格式如 2021-05-01。（repayment.date_invalid）",
        },
    )
    principal = forms.CharField(
        label="提前归还本金（元）",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        error_messages={"required": "请填写提前归还的本金。（prepayment.principal_invalid）"},
    )
    amount = forms.CharField(
        label="实收金额（元）",
        max_length=20,
        required=False,
        help_text="可不填；填写时须等于本金加其当期已计利息。",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reference = forms.CharField(label="银行流水号", max_length=64, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "prepay")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())


class ReverseForm(forms.Form):
    """冲正: the reason is required by the service (``repayment.reversal_reason_required``)."""

    reason = forms.CharField(label="冲正原因", max_length=200, required=False)


IMPORT_MODES = (
    ("all", "全部正确才导入（有任何错误行则整个文件不写入）"),
    ("partial", "只导入正确的行（错误行列出，不写入）"),
    ("dry_run", "只校验，不写入"),
)


class RepaymentImportForm(forms.Form):
    file = forms.FileField(
        label="选择文件",
        help_text="Excel（.xlsx）或 CSV（UTF-8/GBK）文件，第1行为列名，最多20,000行、10MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    mode = forms.ChoiceField(label="导入方式", choices=IMPORT_MODES, initial="all", widget=forms.RadioSelect)
