"""Region-scope cases of the loans app, collected by the generic suite (core/tests/test_scope_suite.py).
The repayment side's cases live in ``scope_cases_repayment.py``; add the application's case here."""

from fanxiang.loans.tests.scope_cases_applications import CASES as APPLICATION_CASES
from fanxiang.loans.tests.scope_cases_repayment import CASES as REPAYMENT_CASES

CASES = [*APPLICATION_CASES, *REPAYMENT_CASES]
