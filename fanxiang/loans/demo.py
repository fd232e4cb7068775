"""The demo loan programme (``make run``): guaranteed start-up loans of three counties in every state, with
their repayments, compensations, extensions and the quarterly subsidy batches of both demo banks.

Everything goes through the services (eligibility, workflow, schedule, ledger, subsidy, credit ledger), each
step on its own business day (``today=``), and the step's event rows and audit entries are dated that day,
so timelines, deadlines and charts read like a real programme:

* the 2020–2021 cohort (contracts of the work plan's first year): settled, compensated then recovered or
  written off (the borrower blacklisted), rejected, withdrawn;
* this year's pipeline, dated back from today so the queues hold work that is on time, due soon or late:
  drafts, returned applications, every review step, contracts, disbursements, repaying, extended and overdue loans.

Deterministic for a seed and a day; idempotent (nothing happens once the demo loans exist); runs only once
the registry holds people (the second ``load_demo`` of ``make run``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fanxiang.core import calendar
from fanxiang.core.errors import DomainError
from fanxiang.onestop.demo import max_pks, stamp_rows

SEED = 2020
COUNTIES = ("411625", "411628", "411602")  # the counties with a demo county officer
# cohort loans (by index) to borrowers who are not returning migrant workers: settled loans of 2020
OTHER_CATEGORIES = {1: "college_graduate", 5: "veteran"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MARK = "演示数据"  # in every demo loan's purpose: how the loader knows it ran


@dataclass
class Plan:
    """One demo loan: the state it ends in and the business days of its steps."""

    county: str
    end: str
    applied: dt.date
    amount: Decimal
    term: int
    bank: str = "DEMO-BANK-PSBC"
    method: str = "interest_monthly"
    paid_months: int | None = None  # None: every instalment due by today is paid
    # the borrower's category (registry and loan): mostly returning migrant workers, a few others so that
    # the guaranteed-loan target (returning migrant workers only) reads less than all guaranteed loans
    category: str = "returning_migrant_worker"


def _users() -> dict[str, Any]:
    from fanxiang.accounts.models import User

    return {u.username: u for u in User.objects.all()}


class Clock:
    """Dates the rows a service call writes (workflow events, audit entries) on the step's business day."""

    def __init__(self) -> None:
        from auditlog.models import LogEntry

        from fanxiang.loans.models import LoanEvent, SubsidyBatchEvent

        self.models = (LoanEvent, SubsidyBatchEvent)
        self.log = LogEntry
        self.minute = 0

    def _marks(self) -> list[int]:
        return max_pks([*self.models, self.log])

    def run(self, day: dt.date, call: Callable[..., Any], /, **kwargs: Any) -> Any:
        marks = self._marks()
        result = call(**kwargs)
        self.minute = (self.minute + 7) % 420
        stamp = timezone.make_aware(
            dt.datetime.combine(day, dt.time(9, 0)) + dt.timedelta(minutes=self.minute)
        )
        latest = self._marks()
        fields = [(m, "at") for m in self.models] + [(self.log, "timestamp")]
        for (model, field), mark, last in zip(fields, marks, latest, strict=True):
            if last > mark:  # the call wrote rows there (else the update would touch none)
                stamp_rows(model, field, mark, stamp)
        return result


def plans(today: dt.date, rng: random.Random) -> list[Plan]:
    """The demo programme: the 2020–2021 cohort, then this year's pipeline relative to ``today``."""

    def amount(lo: int, hi: int) -> Decimal:
        return Decimal(rng.randrange(lo, hi + 1, 10) * 1000)

    out: list[Plan] = []
    cohort = [
        ("settled", 12), ("settled", 12), ("settled", 24), ("settled", 24), ("settled", 24), ("settled", 36),
        ("compensated", 24), ("recovered", 24), ("written_off", 24), ("settled", 12),
        ("rejected", 24), ("withdrawn", 24),
    ]  # fmt: skip
    for i, (end, term) in enumerate(cohort * 2):
        county = COUNTIES[i % 3]
        applied = dt.date(2020, 5, 6) + dt.timedelta(days=23 * i + rng.randrange(0, 9))
        bank = "DEMO-BANK-RCB" if i % 4 == 3 else "DEMO-BANK-PSBC"
        paid = {"compensated": 5, "recovered": 6, "written_off": 4}.get(end)
        # principal falls due every month only under equal instalments: the loans that go bad use them
        method = "equal_instalments" if paid or i % 5 == 2 else "interest_monthly"
        category = OTHER_CATEGORIES.get(i, "returning_migrant_worker")
        out.append(Plan(county, end, applied, amount(50, 200), term, bank, method, paid, category))
    pipeline = [
        ("draft", 2), ("draft", 1), ("returned", 6), ("returned", 9), ("withdrawn", 12),
        ("submitted", 1), ("submitted", 4), ("submitted", 9), ("submitted", 12),
        ("hr_approved", 5), ("hr_approved", 8), ("hr_approved", 14),
        ("guarantee_approved", 9), ("guarantee_approved", 13), ("guarantee_approved", 20),
        ("bank_approved", 18), ("bank_approved", 22), ("contracted", 25), ("contracted", 28),
        ("rejected", 15), ("disbursed", 30), ("disbursed", 34),
        ("repaying", 70), ("repaying", 110), ("repaying", 150), ("repaying", 190), ("repaying", 230),
        ("overdue", 140), ("overdue", 200), ("extended", 250),
    ]  # fmt: skip
    for i, (end, age) in enumerate(pipeline):
        county = COUNTIES[i % 3]
        applied = calendar.workdays_before(today, age)
        bank = "DEMO-BANK-RCB" if i % 3 == 2 and end not in ("draft",) else "DEMO-BANK-PSBC"
        term = 12 if end == "extended" else rng.choice((12, 24, 36))
        out.append(Plan(county, end, applied, amount(30, 200), term, bank,
                        "interest_monthly"))  # fmt: skip
    return out


def _people(county: str, used: set[int], category: str = "returning_migrant_worker") -> Any:
    from fanxiang.entrepreneurs.models import Entrepreneur

    return (
        Entrepreneur.objects.filter(region__code__startswith=county, category=category)
        .exclude(pk__in=used)
        .order_by("pk")
    )


def _attach(actor: Any, app: Any) -> None:
    from fanxiang.loans import applications as services

    kinds = ["id_card", "business_proof", "category_proof"]
    for kind in kinds:
        upload = SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
        services.application_document_add(actor=actor, application=app, kind=kind, upload=upload)


def _rate(day: dt.date) -> Decimal:
    from fanxiang.loans.applications import lpr_on

    lpr = lpr_on(day)
    return (lpr.one_year if lpr else Decimal("3.85")) + Decimal("0.50")


class Programme:
    def __init__(self, today: dt.date, seed: int = SEED) -> None:
        from fanxiang.accounts.models import Organization

        self.today = today
        self.rng = random.Random(seed)
        self.users = _users()
        self.clock = Clock()
        self.orgs = {o.code: o for o in Organization.objects.filter(code__startswith="DEMO-")}
        self.used: set[int] = set()
        self.loans: list[Any] = []

    def officer(self, county: str) -> Any:
        return self.users[f"officer_{county}"]

    def bank_user(self, plan: Plan) -> Any:
        return self.users["bank_officer_rcb" if plan.bank == "DEMO-BANK-RCB" else "bank_officer"]

    # -- one loan ------------------------------------------------------------------------------------
    def create(self, plan: Plan) -> Any:
        from fanxiang.loans import applications as services

        officer = self.officer(plan.county)
        candidates = list(_people(plan.county, self.used, plan.category)[:40])
        if plan.category != "returning_migrant_worker":  # none of that category left: the usual borrower
            candidates += list(_people(plan.county, self.used)[:40])
        for person in candidates:
            self.used.add(person.pk)
            category = plan.category if person.category == plan.category else "returning_migrant_worker"
            data = {
                "entrepreneur": person.pk,
                "borrower_type": "individual",
                "amount": str(plan.amount),
                "term_months": plan.term,
                "purpose": f"扩大经营规模（{MARK}）",
                "bank": self.orgs[plan.bank].pk,
                "counter_guarantee": "natural_person",
                "counter_guarantee_detail": "自然人保证：同村公职人员一名",
                "borrower_categories": [category],
            }
            try:
                with transaction.atomic():
                    app = self.clock.run(
                        plan.applied,
                        services.application_create,
                        actor=officer,
                        data=data,
                        today=plan.applied,
                    )
                    self.clock.run(plan.applied, _attach, actor=officer, app=app)
                    if plan.end != "draft":
                        app = self.clock.run(
                            plan.applied,
                            services.application_submit,
                            actor=officer,
                            application=app,
                            today=plan.applied,
                        )
                return app
            except DomainError:
                continue  # not eligible (age, history, blacklist): the next person of the county
        return None

    def step(self, day: dt.date, call: Callable[[dt.date], Any]) -> Any:
        return self.clock.run(day, lambda: call(day))

    def drive(self, plan: Plan) -> Any:
        from fanxiang.loans import applications as services

        app = self.create(plan)
        if app is None or plan.end in ("draft", "submitted"):
            return app
        officer, guar, bank = self.officer(plan.county), self.users["guarantee_officer"], self.bank_user(plan)
        day = plan.applied
        if plan.end == "returned":
            day = calendar.add_workdays(day, 2)
            return self.step(day, lambda d: services.application_return(
                actor=officer, application=app, missing_items=["经营场所租赁合同未附", "营业执照复印件不清晰"], today=d))  # fmt: skip
        if plan.end == "withdrawn":
            day = calendar.add_workdays(day, 3)
            return self.step(
                day, lambda d: services.application_withdraw(actor=officer, application=app, today=d)
            )
        day = calendar.add_workdays(day, 3)
        app = self.step(
            day, lambda d: services.application_hr_approve(actor=officer, application=app, today=d)
        )
        if plan.end == "hr_approved":
            return app
        day = calendar.add_workdays(day, 4)
        if plan.end == "rejected":
            return self.step(day, lambda d: services.application_reject(
                actor=guar, application=app, reasons=["反担保措施不足，保证人不符合条件"], today=d))  # fmt: skip
        app = self.step(
            day, lambda d: services.application_guarantee_approve(actor=guar, application=app, today=d)
        )
        if plan.end == "guarantee_approved":
            return app
        day = calendar.add_workdays(day, 5)
        rate = _rate(day)
        app = self.step(day, lambda d: services.application_bank_approve(
            actor=bank, application=app, annual_rate=rate, today=d))  # fmt: skip
        if plan.end == "bank_approved":
            return app
        day = calendar.add_workdays(day, 2)
        app = self.step(day, lambda d: services.application_sign_contract(
            actor=bank, application=app, contract_date=d, repayment_method=plan.method, today=d,
            contract_no=f"JK{d:%Y%m%d}{app.pk:04d}"))  # fmt: skip
        if plan.end == "contracted":
            return app
        day = calendar.add_workdays(day, 2)
        app = self.step(day, lambda d: services.application_disburse(
            actor=bank, application=app, amount=app.approved_amount, date=d, today=d,
            loan_note_no=f"JJ{d:%Y%m%d}{app.pk:04d}"))  # fmt: skip
        self.loans.append((plan, app))
        return app

    # -- after disbursement -----------------------------------------------------------------------------
    def repay(self, plan: Plan, app: Any) -> None:
        from fanxiang.loans import repayment
        from fanxiang.loans.models import ScheduleItem

        bank = self.bank_user(plan)
        repayment.schedule_ensure(actor=bank, loan=app)
        if plan.end == "disbursed":
            return
        # an overdue loan stopped paying some 45 days ago (under the compensation threshold)
        stop = self.today - dt.timedelta(days=45) if plan.end == "overdue" else self.today
        for n, item in enumerate(ScheduleItem.objects.filter(loan=app).order_by("period"), start=1):
            if item.due_date > stop or (plan.paid_months is not None and n > plan.paid_months):
                break
            owed = item.interest_charge - item.interest_paid + item.principal_due - item.principal_paid
            if owed <= 0:
                continue
            day = item.due_date
            self.clock.run(day, repayment.repayment_record,
                actor=bank, loan=app, date=day, amount=owed, reference=f"D{app.pk}-{n}", today=day)  # fmt: skip
        items = list(ScheduleItem.objects.filter(loan=app).order_by("period"))
        if plan.end == "extended":
            from fanxiang.loans import applications as services

            day = min(self.today, items[-1].due_date - dt.timedelta(days=20))
            self.step(day, lambda d: services.application_extend(
                actor=bank, application=app, months=6, reason="受市场行情影响经营周转困难，申请展期半年", today=d))  # fmt: skip
        if plan.end in ("compensated", "recovered", "written_off"):
            self.compensate(plan, app, items)

    def compensate(self, plan: Plan, app: Any, items: list[Any]) -> None:
        from fanxiang.credit import services as credit
        from fanxiang.loans import repayment
        from fanxiang.loans.models import Compensation

        guar = self.users["guarantee_officer"]
        day = items[plan.paid_months].due_date + dt.timedelta(days=100)
        self.clock.run(day, lambda: repayment.compensation_create(actor=guar, loan=app, date=day))
        comp = Compensation.objects.get(loan=app)
        if plan.end == "recovered":
            later = day + dt.timedelta(days=120)
            self.clock.run(later, lambda: repayment.compensation_recover(
                actor=guar, compensation=comp, amount=comp.amount, date=later, note="借款人分期偿还，已全额追回"))  # fmt: skip
        elif plan.end == "written_off":
            later = day + dt.timedelta(days=400)
            self.clock.run(later, lambda: repayment.compensation_write_off(
                actor=guar, compensation=comp, date=later, reason="借款人无可执行财产，经法院终结执行"))  # fmt: skip
            officer = self.officer(plan.county)
            self.clock.run(later, lambda: credit.blacklist_add(
                actor=officer, entrepreneur=app.entrepreneur, start=later,
                reason="担保贷款代偿后拒不归还，经核销列入失信名单"))  # fmt: skip

    # -- subsidy batches ---------------------------------------------------------------------------------
    def batches(self) -> int:
        from fanxiang.loans.subsidy import services as subsidy

        made = 0
        liaison = self.users["unit_liaison"]
        for bank_code, user in (("DEMO-BANK-PSBC", "bank_officer"), ("DEMO-BANK-RCB", "bank_officer_rcb")):
            bank = self.users[user]
            for year, quarter, end in ((2020, 4, "approved"), (2021, 1, "approved"), (2021, 2, "submitted")):
                day = subsidy.quarter_bounds(year, quarter)[1] + dt.timedelta(days=12)
                try:
                    batch = self.clock.run(day, subsidy.batch_create,
                        actor=bank, bank=self.orgs[bank_code], year=year, quarter=quarter, today=day)  # fmt: skip
                except DomainError:
                    continue  # nothing claimable that quarter
                self.clock.run(day, subsidy.batch_transition, actor=bank, batch=batch, action="submit")
                if end == "approved":
                    later = calendar.add_workdays(day, 6)
                    self.clock.run(later, subsidy.batch_transition,
                        actor=liaison, batch=batch, action="approve", reason="经核对贴息清单无误")  # fmt: skip
                made += 1
        return made


@calendar.read_once()  # thousands of due dates, one read of the holidays
def load_loans_demo(today: dt.date | None = None, seed: int = SEED) -> list[str]:
    """Build the demo programme once; returns nothing (no logins)."""
    from fanxiang.entrepreneurs.models import Entrepreneur
    from fanxiang.loans.models import LoanApplication
    from fanxiang.loans.repayment import overdue_update

    if not Entrepreneur.objects.exists() or LoanApplication.objects.filter(purpose__contains=MARK).exists():
        return []
    today = today or timezone.localdate()
    programme = Programme(today, seed)
    for plan in plans(today, programme.rng):
        programme.drive(plan)
    for plan, app in programme.loans:
        app.refresh_from_db()
        programme.repay(plan, app)
    programme.batches()
    programme.clock.run(today, lambda: overdue_update(as_of=today))
    return []
