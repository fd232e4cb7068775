"""Forms of the one-stop staff pages: quick intake at the window, one form per step of a request, the
counter's rating pad, and the centre form. Forms only shape the input; the services validate it and refuse
with their codes (each refusal goes back onto its form through ``core.views.apply_domain_error``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from fanxiang.accounts.models import Organization, OrganizationKind
from fanxiang.core.forms import SELECT_EMPTY_LABEL
from fanxiang.core.views import CodeListField, ScopedForm
from fanxiang.onestop import outcomes, selectors
from fanxiang.onestop.choices import CentreStatus, Mode, RatingLevel
from fanxiang.onestop.models import Centre, ServiceRequest

OUTCOME_CHOICES = 10  # the person's newest records of each kind
TRANSFER_UNIT_KINDS = (OrganizationKind.LEADING_GROUP, OrganizationKind.MEMBER_UNIT, OrganizationKind.OTHER)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --------------------------------------------------------------------------- window intake


class LookupForm(forms.Form):
    """The ID number typed or scanned at the window (a USB scanner types the number and Enter)."""

    id_number = forms.CharField(
        label="身份证号码",
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autofocus": True,
                "inputmode": "text",
                "placeholder": "输入或扫描身份证号码",
            }
        ),
    )


class IntakeForm(ScopedForm):
    """A request taken at the window (or with full assistance): for a registry person in scope or a visitor
    not yet registered (by a validated ID number)."""

    entrepreneur = forms.IntegerField(required=False, widget=forms.HiddenInput)
    visitor_id_number = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    centre = forms.ModelChoiceField(label="受理中心", queryset=Centre.objects.none(), empty_label=None)
    service_type = forms.ChoiceField(label="服务事项", choices=())
    channel = forms.ChoiceField(
        label="办理方式",
        choices=[(Mode.WINDOW, Mode.WINDOW.label), (Mode.ASSISTED, Mode.ASSISTED.label)],
        initial=Mode.WINDOW,
        widget=forms.RadioSelect,
    )
    assist_session = forms.TypedChoiceField(
        label="帮办授权", coerce=int, required=False, choices=(), empty_value=None
    )
    description = forms.CharField(label="诉求描述", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, assist_sessions: list | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = selectors.centres_for_user(self.user).filter(status="active")
        self.fields["service_type"].choices = [("", SELECT_EMPTY_LABEL)] + [
            (t.code, f"{t.name}（{t.time_limit_days or '—'}个工作日）") for t in selectors.service_types()
        ]
        self.fields["assist_session"].choices = [("", SELECT_EMPTY_LABEL)] + [
            (
                s.pk,
                f"帮办#{s.pk}（{s.get_consent_method_display()}，有效至{timezone.localtime(s.expires_at):%H:%M}）",
            )
            for s in assist_sessions or []
        ]


# --------------------------------------------------------------------------- the steps of a request


class StepForm(forms.Form):
    """Base of the step forms: ``kwargs()`` gives the service's keyword arguments."""

    action = ""
    note = forms.CharField(label="意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self, *args: Any, req: ServiceRequest | None = None, user: Any = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("prefix", self.action)
        super().__init__(*args, **kwargs)
        self.req, self.user = req, user

    def kwargs(self) -> dict:
        return {"note": self.cleaned_data.get("note", "")}


class AcceptForm(StepForm):
    action = "accept"
    complete_now = forms.BooleanField(label="马上办：受理即办结", required=False)
    result = forms.CharField(
        label="办理结果（马上办时必填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def kwargs(self) -> dict:
        d = self.cleaned_data
        return {"note": d["note"], "complete_now": d["complete_now"], "result": d["result"]}


class StartForm(StepForm):
    action = "start"


class SupplementForm(StepForm):
    action = "request_supplement"
    missing = forms.CharField(
        label="需补正的材料或事项（一次性告知，每行一项）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def kwargs(self) -> dict:
        return {"note": self.cleaned_data["note"], "missing": _lines(self.cleaned_data["missing"])}


class ResubmitForm(StepForm):
    action = "resubmit"
    note = forms.CharField(label="补正说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CompleteForm(StepForm):
    """办结, optionally naming what the request produced: a loan application, a policy grant … of the
    request's person that the user may see (``outcomes.kinds()``; the resolver checks again)."""

    action = "complete"
    note = None
    result = forms.CharField(label="办理结果", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label="办理成果（选填）", required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", "无"), *self.outcome_choices()]
        if len(self.fields["outcome"].choices) == 1:
            del self.fields["outcome"]

    def outcome_choices(self) -> list[tuple[str, str]]:
        if self.req is None or self.user is None or self.req.entrepreneur_id is None:
            return []
        choices = []
        for code, kind in outcomes.kinds().items():
            model = kind.model_class()
            if "entrepreneur" not in {f.name for f in model._meta.get_fields()}:
                continue
            rows = model.objects.for_user(self.user, "view").filter(entrepreneur_id=self.req.entrepreneur_id)
            for obj in rows.order_by("-pk")[:OUTCOME_CHOICES]:
                choices.append((f"{code}:{obj.pk}", kind.describe(obj)))
        return choices

    def outcome_ref(self) -> dict | None:
        value = self.cleaned_data.get("outcome") or ""
        kind, _, pk = value.partition(":")
        return {"kind": kind, "id": int(pk)} if pk.isdigit() else None

    def kwargs(self) -> dict:
        return {"result": self.cleaned_data["result"]}


class TransferForm(StepForm):
    action = "transfer"
    note = None
    to_centre = forms.TypedChoiceField(
        label="转至服务中心", coerce=int, required=False, choices=(), empty_value=None
    )
    to_unit = forms.TypedChoiceField(
        label="或转至单位", coerce=int, required=False, choices=(), empty_value=None
    )
    reason = forms.CharField(label="转办原因", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    starred = ("reason",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.req is not None:
            self.fields["to_centre"].choices = [("", SELECT_EMPTY_LABEL)] + [
                (c.pk, f"{c.name}（{c.region.name}）") for c in selectors.transfer_centres(self.req)
            ]
        units = Organization.objects.filter(is_active=True, kind__in=TRANSFER_UNIT_KINDS).order_by("code")
        self.fields["to_unit"].choices = [("", SELECT_EMPTY_LABEL)] + [(u.pk, u.name) for u in units]

    def kwargs(self) -> dict:
        d = self.cleaned_data
        return {"reason": d["reason"], "to_centre": d["to_centre"], "to_unit": d["to_unit"]}


class RejectForm(StepForm):
    action = "reject"
    note = None
    reason = forms.CharField(label="不予办理的原因", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    starred = ("reason",)

    def kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class WithdrawForm(StepForm):
    action = "withdraw"
    note = forms.CharField(label="撤回说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


STEP_FORMS: dict[str, type[StepForm]] = {
    f.action: f
    for f in (
        AcceptForm,
        StartForm,
        SupplementForm,
        ResubmitForm,
        CompleteForm,
        TransferForm,
        RejectForm,
        WithdrawForm,
    )
}


class RatingPadForm(forms.Form):
    """The counter's rating pad: the applicant taps a level and may add a comment."""

    level = forms.TypedChoiceField(
        label="您对本次服务的评价", coerce=int, choices=RatingLevel.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label="意见建议（选填）", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


# --------------------------------------------------------------------------- centres


class CentreForm(ScopedForm):
    region = forms.ChoiceField(label="所属县（市、区）", choices=(), required=False)
    name = forms.CharField(label="名称", max_length=200, required=False)
    starred = ("region", "name")
    address = forms.CharField(label="地址", required=False, max_length=400)
    hours = forms.CharField(label="办公时间", required=False, max_length=400)
    phone = forms.CharField(label="咨询电话", required=False, max_length=80)
    staff_note = forms.CharField(label="人员配备", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    services = CodeListField(label="服务事项", required=False)
    status = forms.ChoiceField(label="状态", choices=CentreStatus.choices, initial=CentreStatus.ACTIVE)
    opened_on = forms.DateField(
        label="建成日期", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(
        self, *args: Any, counties: list | None = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["services"].widget.choices = [(t.code, t.name) for t in selectors.service_types()]
        if editing:
            del self.fields["region"]
        else:
            self.fields["region"].choices = [("", SELECT_EMPTY_LABEL)] + [
                (r.code, r.name) for r in counties or []
            ]
