"""A person's loans: every person on a loan — the lead borrower or a partner of a partnership loan — has
it on their record. The lifetime limit, the active-loan and pending-application rules (``eligibility``) and
the person's pages (``selectors.ledger_loans``) all read a person's loans here: one definition, lead OR
partner. Imports only the models (the workflow imports the eligibility engine, which imports this)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from fanxiang.loans.models import LoanApplication


def loans_of_person(
    entrepreneur: Any, queryset: QuerySet[LoanApplication] | None = None
) -> QuerySet[LoanApplication]:
    """The loans (applications) on which ``entrepreneur`` is the lead borrower or a partner, from
    ``queryset`` (default: all; pass a ``for_user`` queryset on a page)."""
    qs = LoanApplication.objects.all() if queryset is None else queryset
    pk = getattr(entrepreneur, "pk", entrepreneur)
    partner_of = LoanApplication.partners.through.objects.filter(entrepreneur_id=pk).values(
        "loanapplication_id"
    )
    return qs.filter(Q(entrepreneur_id=pk) | Q(pk__in=partner_of))


def person_loan_links_sql(ids: list[int], exclude_application_id: int | None = None) -> tuple[str, list]:
    """SQL (with parameters) of the rows ``(person_id, status, loan_id)`` of the loans of these people,
    as lead borrower or as partner — the raw-SQL twin of :func:`loans_of_person` for the eligibility
    engine's one round trip (identifiers from the models' metadata, values as parameters). A person is
    listed once per loan even if recorded as both lead and partner (callers de-duplicate on loan id)."""
    qn = connection.ops.quote_name
    loans = LoanApplication._meta
    through = LoanApplication.partners.through._meta

    def col(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    marks = ", ".join(["%s"] * len(ids))
    loan_id, lead, status = col(loans, "id"), col(loans, "entrepreneur"), col(loans, "status")
    link_loan, link_person = col(through, "loanapplication"), col(through, "entrepreneur")
    table, links = qn(loans.db_table), qn(through.db_table)
    skip = f" AND {loan_id} <> %s" if exclude_application_id else ""
    skip_joined = f" AND l.{loan_id} <> %s" if exclude_application_id else ""
    sql = (
        f"SELECT {lead} AS person_id, {status} AS status, {loan_id} AS loan_id FROM {table} "  # noqa: S608
        f"WHERE {lead} IN ({marks}){skip} "
        f"UNION ALL SELECT p.{link_person}, l.{status}, l.{loan_id} FROM {links} p "
        f"JOIN {table} l ON l.{loan_id} = p.{link_loan} WHERE p.{link_person} IN ({marks}){skip_joined}"
    )
    extra = [exclude_application_id] if exclude_application_id else []
    return sql, [*ids, *extra, *ids, *extra]
