"""Audit registration and role grants of the repayment, subsidy and compensation models (called from
``LoansConfig.ready``).

Who does what:

* ``bank_officer`` — records repayments and imports them, builds schedules, creates its bank's quarterly
  subsidy batches and submits them; sees only loans, repayments, compensations and batches of its own bank.
* ``unit_liaison`` of the finance bureau (``FANXIANG_FINANCE_ORG_CODE``, default ``ZK-CZJ`` 市财政局) —
  approves or returns subsidy batches. ``SubsidyBatch.scope_organization`` binds unit liaisons to the
  batch's ``finance_org``, so liaisons of other member units (PBoC, NDRC …) see no batch at all.
  ``city_admin`` may also approve or return (the programme's office, for cities where the finance bureau
  has no account).
* ``guarantee_officer`` — compensates, records recoveries and write-offs, for its own guarantee institution.
* ``county_officer`` — reads the repayments, compensations and batches of their county.

High-volume rows (schedule items, batch lines) are not in the generic change log: their changes are
recorded by the repayment / batch / transition rows written in the same transaction.
"""

from __future__ import annotations


def register() -> None:
    from fanxiang.accounts.roles import Role, grant
    from fanxiang.core.audit import track
    from fanxiang.core.scope import ADD, CHANGE, EXPORT, VIEW
    from fanxiang.loans.models import Compensation, Repayment, RepaymentPlan, SubsidyBatch

    for model in (RepaymentPlan, Repayment, Compensation, SubsidyBatch):
        track(model)
    grant(Role.BANK_OFFICER, "loans.repayment", {VIEW, ADD, EXPORT})
    grant(Role.COUNTY_OFFICER, "loans.repayment", {VIEW, EXPORT})
    grant(Role.GUARANTEE_OFFICER, "loans.compensation", {VIEW, ADD, CHANGE, EXPORT})
    grant(Role.BANK_OFFICER, "loans.compensation", {VIEW, EXPORT})
    grant(Role.COUNTY_OFFICER, "loans.compensation", {VIEW, EXPORT})
    grant(Role.BANK_OFFICER, "loans.subsidybatch", {VIEW, ADD, CHANGE, EXPORT})
    grant(Role.UNIT_LIAISON, "loans.subsidybatch", {VIEW, CHANGE, EXPORT})
    grant(Role.COUNTY_OFFICER, "loans.subsidybatch", {VIEW, EXPORT})
