"""Forms of the credit pages. They carry input only: the credit services validate (each refusal with its
code)."""

from __future__ import annotations

from typing import Any

from django import forms

from fanxiang.core.scope import ADD, CHANGE
from fanxiang.core.views import ScopedForm
from fanxiang.credit.models import Recommender, RecommenderKind
from fanxiang.regions.models import Region, RegionLevel

DATE = {"type": "date"}


class BlacklistForm(forms.Form):
    reason = forms.CharField(label="列入原因", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    start = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text="默认今天。",
    )
    until = forms.DateField(
        label="失信期限至",
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text="留空表示直至移出。",
    )
    business = forms.ModelChoiceField(
        label="相关经营主体", queryset=None, required=False, empty_label="（无）"
    )

    def __init__(self, *args: Any, businesses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if businesses is None:
            del self.fields["business"]
        else:
            self.fields["business"].queryset = businesses


class LiftForm(forms.Form):
    reason = forms.CharField(label="移出原因", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    date = forms.DateField(
        label="移出日期",
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text="默认今天。",
    )


class RecommenderForm(ScopedForm):
    """A credit village / park / incubation base; the region dropdown offers only the user's scope."""

    scope_model = Recommender
    scope_action = ADD

    kind = forms.ChoiceField(label="类别", choices=RecommenderKind.choices)
    name = forms.CharField(label="名称", max_length=128)
    region = forms.ModelChoiceField(
        label="所在区划",
        to_field_name="code",
        queryset=Region.objects.filter(
            is_active=True,
            level__in=[RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE],
        ).order_by("tree_path"),
    )
    valid_from = forms.DateField(label="认定日期", widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"))
    valid_to = forms.DateField(
        label="有效期至",
        required=False,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        help_text="留空表示长期有效。",
    )
    certificate = forms.CharField(label="认定文号", max_length=100, required=False)
    is_active = forms.BooleanField(label="有效", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].label_from_instance = lambda r: f"{r.name}（{r.code}）"

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["region"] = data["region"].code
        return data


class RecommenderEditForm(RecommenderForm):
    scope_action = CHANGE

    @classmethod
    def initial_from(cls, recommender: Recommender) -> dict[str, Any]:
        return {
            "kind": recommender.kind,
            "name": recommender.name,
            "region": recommender.region.code,
            "valid_from": recommender.valid_from,
            "valid_to": recommender.valid_to,
            "certificate": recommender.certificate,
            "is_active": recommender.is_active,
        }
