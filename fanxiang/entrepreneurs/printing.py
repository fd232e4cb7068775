"""The registry record card (返乡入乡创业人员登记表) of one person as PDF: ``GET /entrepreneurs/<id>/print.pdf``.

Read through the registry selectors (another county's person is a 404). The card prints the masked ID
number and mobile, as the detail page shows them: the clear values are shown only on screen through the
logged reveal, never on paper. Every print is audited (core.pdf.PrintView).
"""

from __future__ import annotations

from django.http import Http404
from reportlab.lib.units import mm
from reportlab.platypus import Spacer

from fanxiang.core import pdf
from fanxiang.entrepreneurs import selectors
from fanxiang.entrepreneurs.models import Entrepreneur

DOCUMENT = "返乡入乡创业人员登记表"


def person_fields(person: Entrepreneur) -> list[tuple[str, object]]:
    """A person's identity cells as every paper prints them (the record card, the loan application form):
    name, sex, masked ID number, birth date, masked mobile."""
    return [
        ("姓名", person.name),
        ("性别", person.get_sex_display()),
        ("身份证号码", pdf.masked_id_number(person.id_number_masked)),
        ("出生日期", person.birth_date),
        ("手机号码", pdf.masked_mobile(person.mobile_masked)),
    ]


def record_card(user, person: Entrepreneur) -> list:
    groups = "、".join(g.name for g in person.priority_groups.all()) or "无"
    worked = f"{person.worked_province}{person.worked_city}"
    story: list = [
        pdf.DocumentTitle(
            DOCUMENT, f"登记编号：{person.pk}　登记单位：{person.region.county or person.region}"
        ),
        pdf.heading("一、基本信息"),
        pdf.form_grid(
            [
                *person_fields(person),
                ("文化程度", person.get_education_display()),
                ("出生地", person.birthplace_name),
                ("人员类别", person.get_category_display()),
                pdf.Field(
                    "户籍地", person.hukou_region.full_name if person.hukou_region_id else "", wide=True
                ),
                pdf.Field("现居住地", person.region.full_name, wide=True),
                pdf.Field("重点群体", groups, wide=True),
            ]
        ),
        pdf.heading("二、返乡创业情况"),
        pdf.form_grid(
            [
                ("返乡/入乡时间", person.return_date),
                ("创业时间", person.started_on),
                ("原务工地", worked),
                ("外出务工时长（月）", person.worked_months if person.worked_months is not None else ""),
                pdf.Field("技能特长", person.skills, wide=True),
                pdf.Field("备注", person.notes, wide=True),
            ]
        ),
        pdf.heading("三、经营主体"),
        pdf.data_table(
            ["名称", "主体类型", "统一社会信用代码", "行业门类", "开业日期", "带动就业"],
            [
                [
                    b.name,
                    b.get_kind_display(),
                    b.credit_code,
                    b.get_industry_display(),
                    pdf.text(b.started_on),
                    b.jobs_created,
                ]
                for b in selectors.businesses_of(user, person)
            ],
            widths=[3, 1.2, 2.5, 1.8, 1.5, 1.2],
            empty="暂无经营主体",
        ),
        pdf.heading("四、登记状态"),
        pdf.form_grid(
            [
                ("登记时间", person.created_at),
                ("状态", person.get_status_display()),
                ("注销时间", person.closed_at),
                ("注销原因", person.closed_reason),
            ]
        ),
        Spacer(1, 2 * mm),
        pdf.note("身份证号码、手机号码按规定遮蔽打印；完整信息请在系统中经授权查看（留痕）。"),
        pdf.signature_block("本人", "登记经办人"),
    ]
    return story


def render_card(user, person: Entrepreneur, *, printed_by: str = "") -> bytes:
    return pdf.render(
        record_card(user, person),
        title=f"{DOCUMENT} {person.name}",
        printed_by=printed_by,
        subject=person.name,
    )


class EntrepreneurPrintView(pdf.PrintView):
    document = DOCUMENT

    def get_object(self) -> Entrepreneur:
        person = (
            selectors.entrepreneurs_for_user(self.request.user)
            .select_related("region", "hukou_region")
            .prefetch_related("priority_groups")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if person is None:
            raise Http404
        return person

    def build(self, obj: Entrepreneur) -> tuple[bytes, str, str]:
        data = render_card(self.request.user, obj, printed_by=self.printed_by())
        return data, f"{DOCUMENT}-{obj.name}.pdf", DOCUMENT
