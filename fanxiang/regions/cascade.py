"""County → township cascade for forms: a county select, then a township select loaded for that county
(HTMX: the county select asks ``regions:townships`` for the options when it changes).

``RegionCascade`` is the small form field helper. Declare the two fields where they belong in the form,
fill them in ``__init__`` and check them in ``clean``::

    PLACE = RegionCascade(township_label="经营地（乡镇/街道）")

    class BusinessForm(forms.Form):
        name = forms.CharField(...)
        county, region = PLACE.fields()

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PLACE.bind(self)                # or PLACE.bind(self, counties=scope-narrowed counties)

        def clean(self):
            data = super().clean()
            PLACE.clean(self, data)         # the township must lie in the chosen county
            return data

The township field's cleaned value stays a region code (what the services take). Templates render the
fields like any others; ``regions/_cascade.html`` lays the pair out side by side on staff forms. Divisions
are public reference data, so the options endpoint needs no login; a form narrows the counties to the
user's scope and the service re-checks the region as always."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.urls import reverse

from fanxiang.regions.models import Region, RegionLevel
from fanxiang.regions.selectors import region_by_code

NOT_IN_COUNTY = "regions.township_not_in_county"
NO_COUNTY = "regions.county_required"
COUNTY_ONLY_LABEL = "（乡镇/街道不确定）"


def cascade_counties() -> QuerySet[Region]:
    """The county-level units a cascade offers by default (active, in tree order)."""
    return Region.objects.filter(level=RegionLevel.COUNTY, is_active=True).order_by("tree_path")


def township_options(county: Region | None, *, allow_county: bool = False) -> list[tuple[str, str]]:
    """The township select's options for ``county``: a prompt, "not sure" (the county itself) when allowed,
    then the county's active townships in tree order."""
    if county is None:
        return [("", "请先选择县（市、区）")]
    options = [("", "请选择乡镇/街道")]
    if allow_county:
        options.append((county.code, COUNTY_ONLY_LABEL))
    townships = Region.objects.filter(parent=county, level=RegionLevel.TOWNSHIP, is_active=True)
    options += [(t.code, t.name) for t in townships.order_by("tree_path")]
    return options


def county_by_code(code: str | None, counties: QuerySet[Region] | None = None) -> Region | None:
    code = (code or "").strip()
    if not code:
        return None
    return (counties if counties is not None else cascade_counties()).filter(code=code).first()


class TownshipChoiceField(forms.ChoiceField):
    """A township code; which codes are valid depends on the county chosen with it, so the check is the
    cascade's (``RegionCascade.clean``), not the options rendered."""

    def valid_value(self, value: Any) -> bool:
        return True


class RegionCascade:
    def __init__(
        self,
        *,
        county: str = "county",
        township: str = "region",
        county_label: str = "县（市、区）",
        township_label: str = "乡镇/街道",
        allow_county: bool = False,
        required: bool = True,
    ) -> None:
        self.county = county
        self.township = township
        self.county_label = county_label
        self.township_label = township_label
        self.allow_county = allow_county
        self.required = required

    def fields(self) -> tuple[forms.ChoiceField, TownshipChoiceField]:
        return (
            forms.ChoiceField(label=self.county_label, required=self.required, choices=()),
            TownshipChoiceField(label=self.township_label, required=self.required, choices=()),
        )

    # -- filling

    def _initial_region(self, form: forms.BaseForm) -> Region | None:
        code = form.initial.get(self.township) or form.fields[self.township].initial
        if hasattr(code, "code"):
            code = code.code
        return Region.objects.filter(code=code).select_related("parent").first() if code else None

    def bind(self, form: forms.BaseForm, *, counties: QuerySet[Region] | None = None) -> None:
        """Fill the county options (``counties``, e.g. narrowed to the user's scope; default every county)
        and the township options of the county the form is bound to, or of its initial region."""
        counties = counties if counties is not None else cascade_counties()
        form._cascade_counties = counties  # the same set is checked in clean
        county_field = form.fields[self.county]
        township_field = form.fields[self.township]
        county_field.choices = [("", "请选择"), *((c.code, c.name) for c in counties)]
        if form.is_bound:
            county = county_by_code(form.data.get(form.add_prefix(self.county)), counties)
        else:
            county = None
            region = self._initial_region(form)
            if region is not None:
                county = region if region.level == RegionLevel.COUNTY else region.county
                if county is not None and counties.filter(pk=county.pk).exists():
                    form.initial.setdefault(self.county, county.code)
                    if region.level == RegionLevel.COUNTY and not self.allow_county:
                        form.initial[self.township] = ""
                else:
                    county = None
        township_field.choices = township_options(county, allow_county=self.allow_county)
        township_id = f"id_{form.add_prefix(self.township)}"
        url = reverse("regions:townships")
        query = f"?from={form.add_prefix(self.county)}" + ("&allow_county=1" if self.allow_county else "")
        county_field.widget.attrs.update(
            {
                "hx-get": url + query,
                "hx-target": f"#{township_id}",
                "hx-swap": "innerHTML",
                "hx-trigger": "change",
                "data-cascade": "county",
                "data-testid": f"cascade-{self.county}",
            }
        )
        township_field.widget.attrs.update(
            {"data-cascade": "township", "data-testid": f"cascade-{self.township}"}
        )

    # -- checking

    def clean(self, form: forms.BaseForm, cleaned_data: dict[str, Any]) -> Region | None:
        """The township must be one of the chosen county's (or the county itself when "not sure" is
        allowed); returns the region, or ``None`` with the error added under the township field."""
        county_code = cleaned_data.get(self.county)
        code = (cleaned_data.get(self.township) or "").strip()
        if not code:
            return None
        counties = getattr(form, "_cascade_counties", None)
        county = county_by_code(county_code, counties)
        if county is None:
            form.add_error(self.county, ValidationError("请先选择县（市、区）。", code=NO_COUNTY))
            return None
        region = region_by_code(code)
        fits = region is not None and (
            (region.level == RegionLevel.TOWNSHIP and region.parent_id == county.pk)
            or (self.allow_county and region.pk == county.pk)
        )
        if not fits:
            form.add_error(
                self.township,
                ValidationError(
                    "所选乡镇/街道不属于%(county)s，请重新选择。",
                    code=NOT_IN_COUNTY,
                    params={"county": county.name},
                ),
            )
            return None
        return region
