"""Loan models: policy data (policy.py), applications and their workflow (application.py), repayment,
subsidy and compensation (repayment.py)."""

from fanxiang.loans.models.application import *  # noqa: F403
from fanxiang.loans.models.policy import *  # noqa: F403
from fanxiang.loans.models.repayment import *  # noqa: F403
