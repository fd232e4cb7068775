"""Page forms of the policy library. They collect input and hand it to the services (which validate and
report errors by code) or to the self-check (which stores nothing)."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from fanxiang.accounts.models import Organization
from fanxiang.core.views import ScopedForm
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Industry, Sex
from fanxiang.entrepreneurs.models import PriorityGroup
from fanxiang.policies.models import AmountKind, BenefitType, DocumentLevel, DocumentStatus
from fanxiang.regions.models import Region

DATE = forms.DateInput(attrs={"type": "date"})


def blank(choices, label: str = "不限") -> list[tuple[str, str]]:
    return [("", label), *[(v, str(lbl)) for v, lbl in choices]]


def public_regions():
    """The city and its county-level units (the self-check and item regions offer these)."""
    return Region.objects.filter(is_active=True, level__in=["city", "county"]).order_by("tree_path")


class RegionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label="关键词（文号、标题、全文）", required=False)
    level = forms.ChoiceField(label="层级", choices=blank(DocumentLevel.choices), required=False)
    status = forms.ChoiceField(label="状态", choices=blank(DocumentStatus.choices), required=False)
    benefit_type = forms.ChoiceField(label="政策类型", choices=blank(BenefitType.choices), required=False)


class DocumentForm(ScopedForm):
    number = forms.CharField(label="文号", max_length=64, help_text="例如：人社部发〔2019〕129号")
    title = forms.CharField(label="标题", max_length=200)
    issuer = forms.CharField(label="发文机关", max_length=200)
    level = forms.ChoiceField(label="层级", choices=DocumentLevel.choices)
    issued_on = forms.DateField(label="发布日期", required=False, widget=DATE)
    effective_from = forms.DateField(label="施行日期", required=False, widget=DATE)
    effective_to = forms.DateField(label="有效期至", required=False, widget=DATE)
    status = forms.ChoiceField(label="状态", choices=DocumentStatus.choices, initial=DocumentStatus.IN_FORCE)
    source_url = forms.CharField(label="来源链接", max_length=500, required=False)
    summary = forms.CharField(label="摘要", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    full_text = forms.CharField(label="全文", required=False, widget=forms.Textarea(attrs={"rows": 12}))
    unconfirmed = forms.BooleanField(label="内容待核实", required=False)
    unconfirmed_note = forms.CharField(
        label="待核实说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="写明哪些内容尚未核实",
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件", help_text="PDF、Word、Excel、OFD、图片，单个不超过 20 MB")


def _json_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
    )


class ItemForm(ScopedForm):
    code = forms.CharField(
        label="条款代码", max_length=48, help_text="字母、数字、- 和 _，规则中“已享受政策”引用此代码"
    )
    title = forms.CharField(label="名称", max_length=200)
    benefit_type = forms.ChoiceField(label="政策类型", choices=BenefitType.choices)
    summary = forms.CharField(label="内容摘要", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    amount_kind = forms.ChoiceField(label="金额规则", choices=AmountKind.choices)
    amount_fixed = forms.DecimalField(label="固定金额（元）", required=False, max_digits=14, decimal_places=2)
    amount_min = forms.DecimalField(label="最低金额（元）", required=False, max_digits=14, decimal_places=2)
    amount_max = forms.DecimalField(label="最高金额（元）", required=False, max_digits=14, decimal_places=2)
    amount_formula = _json_field(
        "金额公式（JSON）",
        '例如 {"terms": [{"field": "jobs_created", "rate": "1000"}], "max": "30000"}：每带动1人1000元，最高3万元',
    )
    amount_note = forms.CharField(label="金额说明", max_length=300, required=False)
    regions = RegionChoiceField(
        label="适用区域",
        queryset=public_regions(),
        required=False,
        to_field_name="code",
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="不选为全市；选县（市、区）则含其下级",
    )
    effective_from = forms.DateField(label="起始日期", required=False, widget=DATE)
    effective_to = forms.DateField(label="截止日期", required=False, widget=DATE)
    once_only = forms.BooleanField(label="一次性（不可重复享受）", required=False)
    responsible_unit = forms.ModelChoiceField(
        label="责任单位", queryset=Organization.objects.filter(is_active=True), required=False
    )
    responsible_unit_name = forms.CharField(label="责任单位（其他）", max_length=100, required=False)
    materials = forms.CharField(
        label="申请材料（每行一项）", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    apply_where = forms.CharField(label="办理地点", max_length=300, required=False)
    apply_link = forms.CharField(
        label="系统内办理入口", max_length=200, required=False, help_text="以 / 开头的本系统地址"
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    unconfirmed = forms.BooleanField(label="内容待核实", required=False)
    unconfirmed_note = forms.CharField(
        label="待核实说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    sort_order = forms.IntegerField(label="排序", required=False, min_value=0, max_value=100000, initial=100)

    def clean_amount_formula(self) -> Any:
        raw = (self.cleaned_data.get("amount_formula") or "").strip()
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(f"不是有效的 JSON：{exc}") from exc

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["regions"] = [r.code for r in data.get("regions") or []]
        return data


YES_NO = [("", "不清楚/不填"), ("yes", "是"), ("no", "否")]


class SelfCheckForm(forms.Form):
    """The public "what can I get" questions; every answer is optional (unanswered stays unknown)."""

    age = forms.IntegerField(label="年龄（周岁）", required=False, min_value=14, max_value=100)
    sex = forms.ChoiceField(label="性别", choices=blank(Sex.choices, "不填"), required=False)
    category = forms.ChoiceField(label="人员类别", choices=blank(Category.choices, "不填"), required=False)
    priority_groups = forms.MultipleChoiceField(
        label="重点群体（可多选）", required=False, widget=forms.CheckboxSelectMultiple
    )
    region = forms.ChoiceField(label="创业/居住所在县（市、区）", required=False)
    entity_kind = forms.ChoiceField(
        label="经营主体",
        required=False,
        choices=[
            ("", "不填"),
            ("none", "尚未创办经营主体"),
            *[(v, str(lbl)) for v, lbl in BusinessKind.choices],
        ],
    )
    industry = forms.ChoiceField(label="所属行业", choices=blank(Industry.choices, "不填"), required=False)
    business_started_on = forms.DateField(label="开业日期", required=False, widget=DATE)
    jobs_created = forms.IntegerField(label="带动就业人数", required=False, min_value=0, max_value=100000)
    return_date = forms.DateField(label="返乡/入乡时间", required=False, widget=DATE)
    in_startup_park = forms.ChoiceField(label="是否入驻返乡入乡创业园区", choices=YES_NO, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority_groups"].choices = list(
            PriorityGroup.objects.filter(is_active=True).values_list("code", "name")
        )
        self.fields["region"].choices = [("", "不填"), *public_regions().values_list("code", "name")]

    def facts_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {k: d.get(k) for k in (
            "age", "sex", "category", "region", "entity_kind", "industry", "business_started_on",
            "jobs_created", "return_date",
        )}  # fmt: skip
        data["priority_groups"] = list(d.get("priority_groups") or [])
        park = d.get("in_startup_park")
        data["in_startup_park"] = {"yes": True, "no": False}.get(park)
        return {k: v for k, v in data.items() if v not in (None, "")}


class OutreachForm(forms.Form):
    region = forms.ChoiceField(label="区域", required=False)
    on = forms.DateField(label="判断日期", required=False, widget=DATE)

    def __init__(self, *args: Any, regions=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [
            (r.code, ("\u3000" if r.level == "township" else "") + r.name) for r in regions
        ]
