"""Forms of the subsidy batch pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

DATE = {"type": "date"}


# --------------------------------------------------------------------------- subsidy batches


class BatchCreateForm(forms.Form):
    bank = forms.ModelChoiceField(label="经办银行", queryset=None, empty_label=None)
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="季度", coerce=int, choices=[(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]
    )
    region = forms.ModelChoiceField(
        label="申报区划", queryset=None, required=False, empty_label="全市（默认）"
    )

    def __init__(self, *args: Any, banks: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks
        self.fields["region"].queryset = regions
        self.fields["region"].label_from_instance = lambda r: f"{r.name}（{r.code}）"
        if not self.is_bound:
            today = timezone.localdate()
            quarter = (today.month - 1) // 3  # the last quarter that has ended
            year = today.year if quarter else today.year - 1
            self.initial.update(year=year, quarter=quarter or 4)


class BatchReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
