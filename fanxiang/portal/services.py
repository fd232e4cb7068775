"""Portal writes, one name per service (pages, the API and tests import them from here):

- :mod:`~fanxiang.portal.services_accounts` — sign-in and accounts, real-name binding;
- :mod:`~fanxiang.portal.services_registration` — self-registrations, decided by the county;
- :mod:`~fanxiang.portal.services_edits` — edit requests, decided by the county;
- :mod:`~fanxiang.portal.services_assist` — the clerk's assisted sessions (全程帮办).

The county's decisions are steps of the workflows in :mod:`fanxiang.portal.workflows`.
"""

from __future__ import annotations

from fanxiang.portal.services_accounts import (
    BIND_ATTEMPTS_PER_DAY,
    BindOutcome,
    _new_user,
    account_bind,
    account_for_mobile,
    account_set_password,
    login_with_code,
    login_with_password,
    portal_actor,
    request_login_code,
    token_revoke,
)
from fanxiang.portal.services_assist import (
    ASSIST_HOURS,
    CONSENT_TYPES,
    assist_confirm_code,
    assist_confirm_signed_form,
    assist_end,
    assist_send_consent_code,
    assist_start,
)
from fanxiang.portal.services_edits import (
    BUSINESS_EDITABLE,
    BUSINESS_NEW_FIELDS,
    JOBS_FIELDS,
    PERSON_EDITABLE,
    edit_request_approve,
    edit_request_create,
    edit_request_reject,
)
from fanxiang.portal.services_registration import (
    REGISTRATION_PERSON_FIELDS,
    merge_candidates,
    registration_confirm,
    registration_merge,
    registration_reject,
    registration_submit,
)

__all__ = [
    "ASSIST_HOURS", "BIND_ATTEMPTS_PER_DAY", "BUSINESS_EDITABLE", "BUSINESS_NEW_FIELDS", "CONSENT_TYPES",
    "JOBS_FIELDS", "PERSON_EDITABLE", "REGISTRATION_PERSON_FIELDS", "BindOutcome", "_new_user",
    "account_bind", "account_for_mobile", "account_set_password", "assist_confirm_code",
    "assist_confirm_signed_form", "assist_end", "assist_send_consent_code", "assist_start",
    "edit_request_approve", "edit_request_create", "edit_request_reject", "login_with_code",
    "login_with_password", "merge_candidates", "portal_actor", "registration_confirm", "registration_merge",
    "registration_reject", "registration_submit", "request_login_code", "token_revoke",
]  # fmt: skip
