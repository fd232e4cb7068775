"""Forms of the training pages: the class list's filter, the class, a session of its timetable, the
enrolment (a registry person or a new trainee by ID number) and the enrolment import. The forms only
shape the input; every rule is the service's (``fanxiang.training.services``), whose refusals come back
onto the form with their code (``core.views.apply_domain_error``)."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone

from fanxiang.core import filters
from fanxiang.core.scope import resolve
from fanxiang.core.views import ScopedForm
from fanxiang.regions.models import Region, RegionLevel
from fanxiang.training.choices import ClassMode, ClassStatus, VillagePost
from fanxiang.training.models import Base, Programme, Provider, TrainingClass
from fanxiang.training.todos_classes import LIST_TASKS, classes_waiting

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def county_choices(user, action: str = "view") -> list[tuple[str, str]]:
    """The counties where ``user`` may ``action`` classes."""
    scope = resolve(user, TrainingClass, action)
    if scope.empty:
        return []
    counties = Region.objects.filter(level=RegionLevel.COUNTY).order_by("code")
    return [(r.code, r.name) for r in counties if scope.all or scope.covers_path(r.tree_path)]


class ClassFilter(filters.FilterSet):
    """The class list's one filter definition: county, status, programme and the month the class runs in."""

    region = django_filters.ChoiceFilter(
        label="县（市、区）", choices=(), method="filter_region", empty_label="全部"
    )
    status = django_filters.ChoiceFilter(label="状态", choices=ClassStatus.choices, empty_label="全部")
    programme = django_filters.ModelChoiceFilter(
        label="培训项目", queryset=Programme.objects.filter(is_active=True), empty_label="全部"
    )
    month = django_filters.CharFilter(
        label="月份", method="filter_month", widget=forms.TextInput(attrs={"type": "month"})
    )
    q = django_filters.CharFilter(label="班级名称", method="filter_q")
    # the to-do inbox's kinds (fanxiang.training.todos_classes): exactly the classes an inbox line counts
    task = django_filters.ChoiceFilter(
        label="待办", choices=LIST_TASKS, method="filter_task", empty_label="全部"
    )

    class Meta:
        model = TrainingClass
        fields = ["status", "programme"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].extra["choices"] = county_choices(getattr(self.request, "user", None))

    def filter_region(self, qs, name, value):
        found = Region.objects.filter(code=value).first()
        return qs.filter(region__tree_path__startswith=found.tree_path) if found else qs.none()

    def filter_month(self, qs, name, value):
        first = parse_month(value)
        if first is None:
            return qs.none()
        last = next_month(first) - dt.timedelta(days=1)
        return qs.filter(start_date__lte=last, end_date__gte=first)

    def filter_q(self, qs, name, value):
        return qs.filter(name__icontains=value.strip()[:64])

    def filter_task(self, qs, name, value):
        user = getattr(self.request, "user", None)
        return qs.filter(pk__in=classes_waiting(user, value, timezone.localdate()).values("pk"))


def parse_month(value: str | None) -> dt.date | None:
    """``2026-12`` → 2026-12-01 (None when not a month)."""
    try:
        year, month = str(value or "").split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except (ValueError, TypeError):
        return None


def next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


class ClassForm(ScopedForm):
    region = forms.ChoiceField(label="所属县（市、区）", choices=())
    programme = forms.ModelChoiceField(label="培训项目", queryset=Programme.objects.filter(is_active=True))
    name = forms.CharField(label="班级名称", max_length=128)
    provider = forms.ModelChoiceField(
        label="培训机构", queryset=Provider.objects.filter(is_active=True).select_related("organization")
    )
    base = forms.ModelChoiceField(
        label="实训基地",
        required=False,
        queryset=Base.objects.filter(is_active=True).select_related("recommender"),
        empty_label="（不使用基地）",
    )
    place = forms.CharField(
        label="培训地点", max_length=200, required=False, help_text="线下、线上线下结合时必填。"
    )
    mode = forms.ChoiceField(label="培训方式", choices=ClassMode.choices, initial=ClassMode.OFFLINE)
    start_date = forms.DateField(label="开班日期", widget=DATE)
    end_date = forms.DateField(label="结业日期", widget=DATE)
    capacity = forms.IntegerField(
        label="招生人数", required=False, min_value=0, help_text="不填为参数规定的每班人数上限。"
    )
    teacher_names = forms.CharField(label="授课教师", max_length=200, required=False)
    notes = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = county_choices(self.user, "add") if self.user else []
        self.fields["region"].choices = choices
        if len(choices) == 1:
            self.initial.setdefault("region", choices[0][0])

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "region": d["region"],
            "programme": d["programme"].pk,
            "name": d["name"],
            "provider": d["provider"].pk,
            "base": d["base"].pk if d.get("base") else None,
            "place": d.get("place") or "",
            "mode": d["mode"],
            "start_date": d["start_date"],
            "end_date": d["end_date"],
            "capacity": d.get("capacity"),
            "teacher_names": d.get("teacher_names") or "",
            "notes": d.get("notes") or "",
        }


class SessionForm(forms.Form):
    date = forms.DateField(label="日期", widget=DATE)
    start_time = forms.TimeField(label="开始时间", widget=TIME)
    end_time = forms.TimeField(label="结束时间", widget=TIME)
    hours = forms.DecimalField(label="课时", max_digits=4, decimal_places=1, min_value=0)
    topic = forms.CharField(label="课程内容", max_length=200, required=False)
    mode = forms.ChoiceField(
        label="授课方式", choices=[c for c in ClassMode.choices if c[0] != ClassMode.MIXED], required=False
    )


class ReasonForm(forms.Form):
    note = forms.CharField(label="原因", max_length=500, required=False)


class EnrolForm(forms.Form):
    """A registry person (picked within the user's scope) or a new trainee by ID number."""

    entrepreneur = forms.TypedChoiceField(label="在册人员", coerce=int, required=False, choices=())
    id_number = forms.CharField(
        label="身份证号码（新学员）",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "maxlength": 20}),
    )
    name = forms.CharField(label="姓名（新学员）", max_length=32, required=False)
    mobile = forms.CharField(label="手机号（新学员）", max_length=20, required=False)
    village_name = forms.CharField(label="所在村", max_length=64, required=False)
    post = forms.ChoiceField(label="村内职务", required=False, choices=[("", "—"), *VillagePost.choices])
    confirm = forms.BooleanField(label="已核实提示事项，确认报名", required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entrepreneur"].choices = [("", "请选择")] + [
            (p.pk, f"{p.name}（{p.id_number_masked}，{p.region.name}）") for p in people
        ]

    def clean(self):
        data = super().clean()
        if not data.get("entrepreneur") and not (data.get("id_number") or "").strip():
            raise forms.ValidationError(
                "请选择在册人员，或填写新学员的身份证号码。", code="training.trainee_required"
            )
        return data

    def service_data(self) -> dict:
        d = self.cleaned_data
        data = {"confirm": bool(d.get("confirm"))}
        if d.get("entrepreneur"):
            data["entrepreneur"] = d["entrepreneur"]
        else:
            data.update(
                id_number=d["id_number"].strip(), name=d.get("name") or "", mobile=d.get("mobile") or ""
            )
        if d.get("village_name"):
            data["village_name"] = d["village_name"]
        if d.get("post"):
            data["post"] = d["post"]
        return data


MODES = [("check", "只校验，不导入"), ("partial", "导入正确的行（错误行不导入）"), ("all", "全部正确才导入")]


class ImportForm(forms.Form):
    file = forms.FileField(
        label="选择文件",
        help_text="Excel（.xlsx/.xls）或 CSV（UTF-8/GBK）文件，第1行为列名。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.csv"}),
    )
    mode = forms.ChoiceField(label="方式", choices=MODES, initial="check", widget=forms.RadioSelect)


def today() -> dt.date:
    return timezone.localdate()
