"""Page forms of the registry.

They collect raw input and hand it to the services, which run the one validation (``validation.py``) and
report every error with its stable code; the forms themselves only narrow dropdowns to the user's scope
and parse the few values a service takes typed (dates of a job report).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from fanxiang.core.errors import DomainError
from fanxiang.core.scope import ADD, CHANGE
from fanxiang.core.validators import check_credit_code
from fanxiang.core.views import CodeListField, ScopedForm, apply_domain_error
from fanxiang.entrepreneurs import selectors
from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry
from fanxiang.entrepreneurs.models import Business, Entrepreneur
from fanxiang.regions.models import Region, RegionLevel

REGION_OUT_OF_SCOPE = "所选区划不存在或不在您负责的范围内。（scope.region_forbidden）"


def add_service_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on the form (core's ``apply_domain_error``), and where the refusal is a
    duplicate ID number, the link to the existing record inside the user's scope, else to a transfer."""
    apply_domain_error(form, exc)
    if (exc.details or {}).get("items"):
        return
    if exc.details.get("url"):
        form.conflict_url = exc.details["url"]
    elif exc.code == "entrepreneur.duplicate_id_number":
        form.transfer_url = reverse("entrepreneurs:transfers")


def region_label(region: Region) -> str:
    return region.name if region.level == RegionLevel.COUNTY else f"\u3000{region.name}"


class RegionField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("empty_label", "请选择")
        kwargs.setdefault("error_messages", {"invalid_choice": REGION_OUT_OF_SCOPE})
        # option values are region codes, as in the API and the Excel import
        super().__init__(queryset=selectors.registry_regions(), to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Region) -> str:
        return region_label(obj)


def _select(label: str, choices, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.Select(choices=[("", "请选择"), *choices]), **kwargs
    )


def _date(label: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _text(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"maxlength": max_length}),
        **kwargs,
    )


def _count(label: str, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, widget=forms.NumberInput(attrs={"min": 0, "step": 1}), **kwargs
    )


class RegistryForm(ScopedForm):
    # fields marked * on the page (the service decides what is required)
    starred: frozenset[str] = frozenset()
    conflict_url: str | None = None
    transfer_url: str | None = None


# --------------------------------------------------------------------------- entrepreneurs

ENTREPRENEUR_TEXT = (
    "name", "id_number", "mobile", "category", "return_date", "started_on", "worked_province", "worked_city",
    "worked_months", "education", "skills", "notes",
)  # fmt: skip


class EntrepreneurForm(RegistryForm):
    scope_model = Entrepreneur
    scope_action = ADD
    starred = frozenset({"name", "id_number", "region", "category"})

    name = _text("姓名", 32)
    id_number = forms.CharField(
        label="身份证号码",
        required=False,
        widget=forms.TextInput(
            attrs={
                "maxlength": 20,
                "autocomplete": "off",
                "hx-trigger": "input changed delay:500ms, change",
                "hx-target": "#id-check",
                "hx-params": "id_number",
                "hx-sync": "this:replace",
                "spellcheck": "false",
            }
        ),
        help_text="输入后自动校验并显示性别、出生日期和出生地，同时检查是否已登记。",
    )
    mobile = forms.CharField(
        label="手机号码", required=False, widget=forms.TextInput(attrs={"inputmode": "tel", "maxlength": 20})
    )
    region = RegionField(label="现居住地", help_text="县（市、区）或乡镇（街道）；决定由哪个县区管理此记录。")
    hukou_region = RegionField(label="户籍地", help_text="户籍不在本人负责区划内的可不选。")
    category = _select("人员类别", Category.choices)
    return_date = _date("返乡/入乡时间")
    started_on = _date("创业时间", help_text="计入当月新增创业人数；未填的按登记月份计。")
    worked_province = _text("原务工省份", 32, help_text="原在湖北务工的自动列入重点群体。")
    worked_city = _text("原务工城市", 32)
    worked_months = _count("外出务工时长（月）")
    education = _select("文化程度", Education.choices)
    skills = _text("技能特长", 200)
    priority_groups = CodeListField(label="重点群体", required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, check_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority_groups"].widget.choices = [
            (g.code, g.name) for g in selectors.active_priority_groups()
        ]
        if check_url:
            self.fields["id_number"].widget.attrs["hx-post"] = check_url

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {key: d.get(key) or "" for key in ENTREPRENEUR_TEXT}
        data["region"] = d["region"].code if d.get("region") else ""
        data["hukou_region"] = d["hukou_region"].code if d.get("hukou_region") else ""
        data["priority_groups"] = list(d.get("priority_groups") or [])
        return data


class EntrepreneurEditForm(EntrepreneurForm):
    """Editing: the ID number and mobile show masked and are changed only when typed in again."""

    scope_action = CHANGE
    starred = frozenset({"name", "region", "category"})

    def __init__(self, *args: Any, entrepreneur: Entrepreneur, **kwargs: Any) -> None:
        e = entrepreneur
        kwargs.setdefault(
            "initial",
            {
                "name": e.name,
                "region": e.region,
                "hukou_region": e.hukou_region,
                "category": e.category,
                "return_date": e.return_date,
                "started_on": e.started_on,
                "worked_province": e.worked_province,
                "worked_city": e.worked_city,
                "worked_months": e.worked_months,
                "education": e.education,
                "skills": e.skills,
                "priority_groups": [g.code for g in e.priority_groups.all()],
                "notes": e.notes,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields[
            "id_number"
        ].help_text = f"当前：{e.id_number_masked}。留空则不修改；如需更正，请输入完整的新号码（自动校验）。"
        self.fields["id_number"].widget.attrs["placeholder"] = e.id_number_masked
        self.fields["mobile"].help_text = f"当前：{e.mobile_masked or '未填'}。留空则不修改。"
        self.fields["mobile"].widget.attrs["placeholder"] = e.mobile_masked

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        for key in ("id_number", "mobile"):
            if not data[key]:
                del data[key]
        return data


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="注销原因",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 200}),
        help_text="记录不会被删除，注销后不再计入统计；原因将记入变更记录。",
    )
    starred = frozenset({"reason"})

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


# --------------------------------------------------------------------------- businesses


def founder_label(person: Entrepreneur) -> str:
    return f"{person.name}（{person.id_number_masked}，{person.region.name}）"


class FounderField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Entrepreneur) -> str:
        return founder_label(obj)


BUSINESS_TEXT = (
    "kind", "name", "credit_code", "credit_code_override_reason", "registered_on", "started_on", "industry",
    "address", "registered_capital", "employees",
)  # fmt: skip


class BusinessForm(RegistryForm):
    scope_model = Business
    scope_action = ADD
    starred = frozenset({"kind", "name", "industry", "region", "founders"})

    founders = FounderField(
        label="创办人",
        required=False,
        queryset=Entrepreneur.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages={
            "invalid_choice": "所选创办人不存在、已注销或不在您负责的范围内。（business.founder_unknown）",
            "invalid_pk_value": "创办人选择有误。（business.founder_unknown）",
        },
        help_text="可多选（合伙创办）；第一位为主要创办人。列表只显示最近登记的人员，可在上方输入姓名、拼音首字母或身份证号搜索。",
    )
    kind = _select("主体类型", BusinessKind.choices)
    name = _text("主体名称", 128)
    credit_code = forms.CharField(
        label="统一社会信用代码",
        required=False,
        widget=forms.TextInput(
            attrs={
                "maxlength": 24,
                "autocomplete": "off",
                "spellcheck": "false",
                "hx-trigger": "input changed delay:500ms, change",
                "hx-target": "#credit-check",
                "hx-params": "credit_code,credit_code_override_reason",
                "hx-sync": "this:replace",
            }
        ),
        help_text="未登记经营可不填。",
    )
    credit_code_override_reason = forms.CharField(label="校验例外理由", required=False)
    industry = _select("行业门类（GB/T 4754）", Industry.choices)
    tags = CodeListField(label="产业标签", required=False)
    region = RegionField(label="经营地址（县区/乡镇）")
    address = _text("详细地址", 200)
    registered_on = _date("登记日期")
    started_on = _date("开业日期")
    registered_capital = forms.CharField(
        label="注册资本（元）", required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    employees = _count("从业人数")
    jobs_created = _count(
        "带动就业人数", help_text="按开业日期计入当月；以后的变化请在主体页面“填报带动就业”。"
    )
    poor_workers_employed = _count("吸纳建档立卡贫困劳动力")

    def __init__(self, *args: Any, check_url: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        founders = self.fields["founders"]
        # the full scoped queryset validates; only the latest (and the chosen) are rendered
        founders.queryset = selectors.founder_queryset(self.user, self.scope_action)
        founders.widget.choices = [
            (p.pk, founder_label(p))
            for p in selectors.founder_options(
                self.user, action=self.scope_action, selected=self.chosen_founders()
            )
        ]
        self.fields["tags"].widget.choices = [(t.code, t.name) for t in selectors.active_industry_tags()]
        if check_url:
            self.fields["credit_code"].widget.attrs["hx-post"] = check_url

    def chosen_founders(self) -> list[int]:
        raw = self.data.getlist("founders") if self.is_bound else self.initial.get("founders") or []
        chosen = []
        for value in raw:
            value = getattr(value, "pk", value)
            try:
                chosen.append(int(value))
            except (TypeError, ValueError):
                continue
        return chosen

    def credit_check(self):
        """The live check of the credit code as typed (None when empty)."""
        raw = (self.data.get("credit_code") if self.is_bound else self.initial.get("credit_code")) or ""
        return check_credit_code(raw) if raw.strip() else None

    def show_override(self) -> bool:
        check = self.credit_check()
        reason = (self.data.get("credit_code_override_reason") if self.is_bound else "") or self.initial.get(
            "credit_code_override_reason"
        )
        return bool((check and check.warning) or reason)

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {key: d.get(key) or "" for key in BUSINESS_TEXT}
        data["region"] = d["region"].code if d.get("region") else ""
        data["tags"] = list(d.get("tags") or [])
        for key in ("jobs_created", "poor_workers_employed"):
            if key in self.fields:
                data[key] = d.get(key) or ""
        return data

    def founder_ids(self) -> list[int]:
        # keep the order of the posted values: the first is the primary founder
        chosen = {p.pk for p in self.cleaned_data.get("founders") or []}
        return [pk for pk in self.chosen_founders() if pk in chosen]


class BusinessEditForm(BusinessForm):
    scope_action = CHANGE

    def __init__(self, *args: Any, business: Business, **kwargs: Any) -> None:
        b = business
        kwargs.setdefault(
            "initial",
            {
                "kind": b.kind,
                "name": b.name,
                "credit_code": b.credit_code,
                "credit_code_override_reason": b.credit_code_override_reason,
                "industry": b.industry,
                "tags": [t.code for t in b.tags.all()],
                "region": b.region,
                "address": b.address,
                "registered_on": b.registered_on,
                "started_on": b.started_on,
                "registered_capital": b.registered_capital,
                "employees": b.employees,
                "founders": [ln.entrepreneur_id for ln in b.founder_links.order_by("-is_primary", "id")],
            },
        )
        super().__init__(*args, **kwargs)
        # jobs are reported with a date on the business page, so they count in the right month
        del self.fields["jobs_created"]
        del self.fields["poor_workers_employed"]


class JobReportForm(forms.Form):
    report_date = forms.DateField(
        label="报告日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写报告日期。（report_date.required）",
            "invalid": "报告日期不是有效日期（格式：2020-04-16）。（date.invalid）",
        },
    )
    jobs_created = forms.CharField(
        label="带动就业人数（当前总数）",
        widget=forms.NumberInput(attrs={"min": 0, "step": 1}),
        error_messages={"required": "请填写带动就业人数。（jobs_created.required）"},
        help_text="填写截至报告日期的总人数，较上次的增减计入该月。",
    )
    poor_workers_employed = _count("其中吸纳贫困劳动力")
    starred = frozenset({"report_date", "jobs_created"})

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user


# --------------------------------------------------------------------------- duplicates and transfers


class TransferRequestForm(RegistryForm):
    scope_model = Entrepreneur
    scope_action = ADD
    starred = frozenset({"id_number", "to_region", "reason"})

    id_number = forms.CharField(
        label="身份证号码",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 20, "autocomplete": "off", "spellcheck": "false"}),
        help_text="须输入完整号码，按号码精确查找。",
    )
    to_region = RegionField(label="转入地")
    reason = forms.CharField(
        label="申请理由", required=False, widget=forms.TextInput(attrs={"maxlength": 200})
    )


class DuplicateResolveForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("merge", "合并"), ("dismiss", "不是同一人")],
        error_messages={"invalid_choice": "处理方式有误。（duplicate.invalid_action）"},
    )
    keep = forms.IntegerField(required=False)
    note = forms.CharField(required=False, max_length=200)


class TransferDecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "同意"), ("reject", "拒绝")],
        error_messages={"invalid_choice": "审批结果有误。（transfer.invalid_decision）"},
    )
    note = forms.CharField(required=False, max_length=200)
