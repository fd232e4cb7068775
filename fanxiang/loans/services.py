"""Loan application services: :mod:`fanxiang.loans.applications` (this name is kept for its callers)."""

from fanxiang.loans.applications import *  # noqa: F403
