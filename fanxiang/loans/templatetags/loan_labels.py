"""Template filters of the loan pages: a loan's status named by the one vocabulary of the workflow."""

from django import template

from fanxiang.loans.applications.workflow import status_label

register = template.Library()


@register.filter
def loan_status(status: str) -> str:
    """``{{ loan.status|loan_status }}``: the Chinese label of a loan status (``workflow.status_label``)."""
    return status_label(status or "")
