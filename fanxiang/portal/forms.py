"""Portal forms: plain Django forms rendered for a phone (the services do the real checks)."""

from __future__ import annotations

from django import forms

from fanxiang.entrepreneurs.choices import BusinessKind, Category, Education, Industry
from fanxiang.loans.choices import BorrowerCategory, CounterGuarantee, DocumentKind
from fanxiang.regions.cascade import RegionCascade
from fanxiang.regions.models import Region, RegionLevel

PHONE = {"inputmode": "numeric", "autocomplete": "tel", "maxlength": "13", "placeholder": "11位手机号"}
CODE = {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "6", "placeholder": "6位验证码"}


def blank(choices) -> list[tuple[str, str]]:
    return [("", "请选择"), *choices]


def region_choices() -> list:
    """Counties of the city, each with its townships (an optgroup per county)."""
    counties = Region.objects.filter(level=RegionLevel.COUNTY, is_active=True).order_by("tree_path")
    townships: dict[int, list[Region]] = {}
    for t in Region.objects.filter(level=RegionLevel.TOWNSHIP, is_active=True).order_by("tree_path"):
        townships.setdefault(t.parent_id, []).append(t)
    groups: list = [("", "请选择")]
    for county in counties:
        options = [(county.code, f"{county.name}（乡镇不确定）")]
        options += [(t.code, t.name) for t in townships.get(county.pk, [])]
        groups.append((county.name, options))
    return groups


class MobileForm(forms.Form):
    mobile = forms.CharField(label="手机号", max_length=20, widget=forms.TextInput(attrs=PHONE))


class CodeLoginForm(forms.Form):
    mobile = forms.CharField(label="手机号", max_length=20, widget=forms.TextInput(attrs=PHONE))
    code = forms.CharField(label="验证码", max_length=6, required=False, widget=forms.TextInput(attrs=CODE))


class PasswordLoginForm(forms.Form):
    mobile = forms.CharField(label="手机号", max_length=20, widget=forms.TextInput(attrs=PHONE))
    password = forms.CharField(
        label="密码", max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordSetForm(forms.Form):
    password = forms.CharField(
        label="新密码",
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少10位，含大写字母、小写字母、数字、符号中的三类。",
    )
    password2 = forms.CharField(
        label="再输入一次", max_length=128, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class BindForm(forms.Form):
    name = forms.CharField(
        label="姓名", max_length=32, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    id_number = forms.CharField(
        label="身份证号码",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": "18"}),
    )


class ReturnHistoryForm(forms.Form):
    """The return-home and work history a person gives on the portal, at registration and in later edits.
    Its fields come after those a subclass names in ``field_order``."""

    return_date = forms.DateField(
        label="返乡/入乡时间", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    started_on = forms.DateField(
        label="创业时间", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    worked_province = forms.CharField(label="原务工省份", max_length=32, required=False)
    worked_city = forms.CharField(label="原务工城市", max_length=32, required=False)
    worked_months = forms.IntegerField(label="外出务工时长（月）", required=False, min_value=0, max_value=720)
    education = forms.ChoiceField(label="文化程度", choices=blank(Education.choices), required=False)

    HISTORY = (
        "return_date",
        "started_on",
        "worked_province",
        "worked_city",
        "worked_months",
        "education",
    )


class RegistrationForm(ReturnHistoryForm):
    name = forms.CharField(label="姓名", max_length=32)
    id_number = forms.CharField(label="身份证号码", max_length=20)
    region = forms.ChoiceField(label="现居住地（乡镇/街道）", choices=())
    category = forms.ChoiceField(label="人员类别", choices=blank(Category.choices))
    priority_groups = forms.MultipleChoiceField(
        label="重点群体（如属于请勾选，县区将核实）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
    )
    business_name = forms.CharField(label="经营主体名称", max_length=128, required=False)
    business_kind = forms.ChoiceField(label="主体类型", choices=blank(BusinessKind.choices), required=False)
    business_credit_code = forms.CharField(
        label="统一社会信用代码（未登记经营可不填）", max_length=20, required=False
    )
    business_industry = forms.ChoiceField(label="行业", choices=blank(Industry.choices), required=False)
    business_address = forms.CharField(label="经营地址", max_length=200, required=False)
    business_employees = forms.IntegerField(label="从业人数", required=False, min_value=0)
    business_started_on = forms.DateField(
        label="开业日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    field_order = ["name", "id_number", "region", "category"]
    PERSON = ("category", *ReturnHistoryForm.HISTORY, "priority_groups")
    BUSINESS = ("name", "kind", "credit_code", "industry", "address", "employees", "started_on")

    def __init__(self, *args, **kwargs):
        from fanxiang.entrepreneurs.selectors import active_priority_groups

        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices()
        self.fields["priority_groups"].choices = [(g.code, g.name) for g in active_priority_groups()]

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {"name": d["name"], "id_number": d["id_number"], "region": d["region"]}
        for key in self.PERSON:
            value = d.get(key)
            data[key] = value.isoformat() if hasattr(value, "isoformat") else value
        business = {}
        for key in self.BUSINESS:
            value = d.get(f"business_{key}")
            if value not in (None, ""):
                business[key] = value.isoformat() if hasattr(value, "isoformat") else value
        data["business"] = business
        return data


class LoanForm(forms.Form):
    amount = forms.DecimalField(
        label="申请金额（元）",
        max_digits=12,
        decimal_places=2,
        min_value=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "1000"}),
        help_text="个人最高20万元。",
    )
    term_months = forms.IntegerField(
        label="期限（月）",
        min_value=1,
        max_value=360,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text="个人贷款最长36个月。",
    )
    purpose = forms.CharField(label="贷款用途", max_length=200, required=False)
    bank = forms.ChoiceField(label="经办银行", choices=(), required=False)
    counter_guarantee = forms.ChoiceField(
        label="反担保方式", choices=blank(CounterGuarantee.choices), required=False
    )
    counter_guarantee_detail = forms.CharField(
        label="反担保说明", max_length=200, required=False, help_text="如担保人姓名和单位、抵押物名称。"
    )
    recommender = forms.ChoiceField(label="免反担保推荐单位", choices=(), required=False)
    borrower_categories = forms.MultipleChoiceField(
        label="扶持对象类别（不选则按登记信息）",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=BorrowerCategory.choices,
    )
    epidemic_affected = forms.BooleanField(label="受新冠肺炎疫情影响", required=False)
    declared_other_debts = forms.BooleanField(label="本人或配偶有其他未结清的经营性贷款", required=False)

    FIELDS = (
        "amount", "term_months", "purpose", "bank", "counter_guarantee", "counter_guarantee_detail", "recommender",
        "borrower_categories", "epidemic_affected", "declared_other_debts",
    )  # fmt: skip

    def __init__(self, *args, banks=(), recommenders=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = blank([(str(b.pk), str(b)) for b in banks])
        self.fields["recommender"].choices = [("", "不适用")] + [(str(r.pk), str(r)) for r in recommenders]

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "amount": str(d["amount"]),
            "term_months": d["term_months"],
            "purpose": d.get("purpose") or "",
            "bank": d.get("bank") or None,
            "counter_guarantee": d.get("counter_guarantee") or "",
            "counter_guarantee_detail": d.get("counter_guarantee_detail") or "",
            "recommender": d.get("recommender") or None,
            "borrower_categories": list(d.get("borrower_categories") or []) or None,
            "epidemic_affected": bool(d.get("epidemic_affected")),
            "declared_other_debts": bool(d.get("declared_other_debts")),
        }

    @staticmethod
    def initial_from(app) -> dict:
        return {
            "amount": app.amount,
            "term_months": app.term_months,
            "purpose": app.purpose,
            "bank": str(app.bank_id or ""),
            "counter_guarantee": app.counter_guarantee,
            "counter_guarantee_detail": app.counter_guarantee_detail,
            "recommender": str(app.recommender_id or ""),
            "borrower_categories": app.borrower_categories,
            "epidemic_affected": app.epidemic_affected,
            "declared_other_debts": app.declared_other_debts,
        }


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="材料类别", choices=blank(DocumentKind.choices))
    file = forms.FileField(
        label="文件（拍照或选择 PDF/JPG/PNG，不超过10MB）",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class PersonEditForm(ReturnHistoryForm):
    region = forms.ChoiceField(label="现居住地", choices=(), required=False)
    skills = forms.CharField(label="技能特长", max_length=200, required=False)
    note = forms.CharField(label="申请说明", max_length=200, required=False)

    field_order = ["region"]
    FIELDS = ("region", *ReturnHistoryForm.HISTORY, "skills")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = region_choices()

    @staticmethod
    def initial_from(person) -> dict:
        return {
            "region": person.region.code,
            "return_date": person.return_date,
            "started_on": person.started_on,
            "worked_province": person.worked_province,
            "worked_city": person.worked_city,
            "worked_months": person.worked_months,
            "education": person.education,
            "skills": person.skills,
        }

    def changes(self) -> dict:
        out = {}
        for key in self.FIELDS:
            value = self.cleaned_data.get(key)
            out[key] = value.isoformat() if hasattr(value, "isoformat") else ("" if value is None else value)
        return out


# 经营地: a county, then its townships loaded for it (regions.cascade); "not sure of the township" keeps the
# county, as the flat list's "（乡镇不确定）" did.
BUSINESS_PLACE = RegionCascade(
    county="county", township="region", county_label="经营地所在县（市、区）",
    township_label="经营地（乡镇/街道）", allow_county=True,
)  # fmt: skip


class BusinessEditForm(forms.Form):
    name = forms.CharField(label="名称", max_length=128)
    kind = forms.ChoiceField(label="主体类型", choices=blank(BusinessKind.choices))
    credit_code = forms.CharField(label="统一社会信用代码", max_length=20, required=False)
    industry = forms.ChoiceField(label="行业", choices=blank(Industry.choices))
    county, region = BUSINESS_PLACE.fields()
    address = forms.CharField(label="详细地址", max_length=200, required=False)
    employees = forms.IntegerField(label="从业人数", min_value=0, required=False)
    started_on = forms.DateField(
        label="开业日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    jobs_created = forms.IntegerField(label="带动就业人数", min_value=0, required=False)
    poor_workers_employed = forms.IntegerField(label="其中吸纳贫困劳动力", min_value=0, required=False)
    note = forms.CharField(label="申请说明", max_length=200, required=False)

    FIELDS = ("name", "kind", "credit_code", "industry", "region", "address", "employees", "started_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        BUSINESS_PLACE.bind(self)

    def clean(self):
        data = super().clean()
        BUSINESS_PLACE.clean(self, data)
        return data

    @staticmethod
    def initial_from(business) -> dict:
        return {
            "name": business.name,
            "kind": business.kind,
            "credit_code": business.credit_code,
            "industry": business.industry,
            "region": business.region.code,
            "address": business.address,
            "employees": business.employees,
            "started_on": business.started_on,
            "jobs_created": business.jobs_created,
            "poor_workers_employed": business.poor_workers_employed,
        }

    def values(self, keys) -> dict:
        out = {}
        for key in keys:
            value = self.cleaned_data.get(key)
            if value is None:
                continue
            out[key] = value.isoformat() if hasattr(value, "isoformat") else value
        return out


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因（将告知申请人）", max_length=200, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssistStartForm(forms.Form):
    id_number = forms.CharField(label="办理对象身份证号码", max_length=20)
    purpose = forms.CharField(
        label="办理事项", max_length=100, required=False, help_text="如：创业担保贷款申请"
    )


class ConsentCodeForm(forms.Form):
    code = forms.CharField(label="本人手机收到的授权码", max_length=6, widget=forms.TextInput(attrs=CODE))


class ConsentFileForm(forms.Form):
    file = forms.FileField(
        label="本人签字的授权书（扫描件或照片）",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
