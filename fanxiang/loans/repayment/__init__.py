"""Repayment schedules, repayments, overdue tracking and compensation (代偿) of disbursed loans.

Every write is one atomic action on a locked loan row, validated before anything is saved; each loan
status change writes its audit record (``core.audit.record_transition``) and, where it is a credit event,
its credit-ledger line, in the same transaction. Formulas and conventions: ``fanxiang/loans/subsidy/services.py``.

Loan states driven here::

    disbursed ─(schedule / first repayment)→ repaying ─(a period unpaid after its due date)→ overdue
    overdue ─(all past-due periods paid)→ repaying          repaying/overdue ─(everything paid)→ settled
    settled ─(its last repayment reversed)→ repaying (reopen)
    overdue ─(days past due > policy.compensation_after_days)→ compensated ─→ recovered | written_off

Beyond the contract schedule (conventions in ``fanxiang/loans/subsidy/services.py``):

* **Early settlement (提前结清)** on a date: everything due by then, plus the interest of the running period
  accrued to that date (actual days / 360 at the contract rate), plus all principal left. The running period
  ends on the settlement date and carries only that accrued interest (and the subsidy on it); the periods
  after it are cancelled (amounts zeroed, never claimed). The loan is settled (credit ledger: repaid on time
  when no period ever went overdue).
* **Partial prepayment (提前部分还款)**, both repayment methods, only with nothing past due: the prepaid
  principal stops bearing interest on the prepayment date (its interest for the days of the running period
  so far is paid with it); the rest of the schedule is rebuilt on the lower principal (monthly interest:
  smaller bullet; equal instalments: a new instalment over the remaining periods, same maturity).
* **Schedule rebuilds** after an extension (展期: maturity moved by the extension's months; principal already
  past due and unpaid is rescheduled; the new periods are subsidised only if the policy in force on the
  extension date says so) and after a further tranche once repayment has started (interest on it from its
  disbursement date; later periods on the higher principal). Periods already paid are kept as they are.
  Advance payments on the rebuilt periods are re-applied to the new figures.
* **Penalty interest (罚息)** per overdue period as of a date, on what stayed unpaid after its due date, at
  the contract rate × the plan's multiplier (from the policy); read-only, never subsidised.
* **Reversal (冲正)** of a repayment by whoever may record it (the loan's handling bank, or a city admin),
  with a reason, within ``FANXIANG_REPAYMENT_REVERSAL_DAYS`` (default 30; 0 = any time) of recording it,
  latest repayment first, and only while the schedule is the one the repayment was recorded against. The
  periods get back the exact values they had before it (stored with the repayment), and are then brought up
  to the reversal date (overdue marking); days past due, status (settled → repaying → possibly overdue) and
  the credit-ledger lines it wrote are undone in the same transaction, with an event and an audit record.

Allocation: a repayment pays the periods in order, oldest first; within a period the interest first, then
the principal. What is left after the periods already due pays the next periods in advance. A payment
larger than everything still owed is refused. Days past due on a date = days since the due date of the
oldest period not fully paid (0 when none is past due); a period paid on its due date is on time.

Parts: ``ledger`` (schedule, repayments), ``overdue`` (daily run, compensation), ``adjustments``
(prepayment, rebuilds), ``penalty`` (penalty interest, reversal), ``reads``. The package re-exports them.
"""

from fanxiang.loans.repayment.adjustments import (  # noqa: F401
    _apply_period,
    _check_claims,
    _in_period_prepayments,
    _jsonable,
    _merge,
    _normalise,
    _prepare_prepayment,
    _principal_days,
    _reapply,
    _rebuild_tail,
    _running,
    _settlement,
    _take_advance,
    payoff_quote,
    repayment_prepay,
    repayment_settle_early,
    schedule_add_tranche,
    schedule_rebuild_for_extension,
)
from fanxiang.loans.repayment.ledger import (  # noqa: F401
    _DATE_FIELDS,
    _MONEY_FIELDS,
    DONE,
    ITEM_FIELDS,
    REPAYABLE,
    UNPAID,
    ZERO,
    _allocate,
    _cause,
    _check_after_last,
    _credit,
    _items,
    _live,
    _lock,
    _mark_overdue,
    _record_event,
    _restore,
    _save_items,
    _settle_state,
    _store,
    _transition,
    _user,
    clean_amount,
    days_past_due,
    item_state,
    repayment_record,
    schedule_ensure,
    schedule_generate,
)
from fanxiang.loans.repayment.overdue import (  # noqa: F401
    _compensate,
    _lock_compensation,
    compensation_create,
    compensation_recover,
    compensation_write_off,
    overdue_update,
    overdue_update_loan,
    update_overdue_task,
)
from fanxiang.loans.repayment.penalty import (  # noqa: F401
    _undo_by_allocations,
    penalty_rate,
    repayment_reverse,
    reversal_window_days,
    schedule_penalties,
)
from fanxiang.loans.repayment.reads import claims_by_item, plan_summary, schedule_rows, subsidy_status  # noqa: F401
