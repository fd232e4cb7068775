"""Test support shared by every app: the generic region-scope suite's case description.

Each app that owns region-scoped models lists a :class:`ScopeCase` per model in
``fanxiang/<app>/tests/scope_cases.py`` (``CASES = [...]``). The generic suite
(``fanxiang/core/tests/test_scope_suite.py``) runs every case through list, detail, API list, API detail,
export, form dropdowns and writes, and fails for a registered scoped model without a case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class ScopeCase:
    model: type
    # make(region_code) -> a record owned by that county (a township or the county itself)
    make: Callable[[str], Any]
    list_url: str | None = None
    detail_url: Callable[[Any], str] | None = None
    export_url: str | None = None
    api_list: str | None = None
    api_detail: Callable[[Any], str] | None = None
    # text that identifies the record in a page / export / API item
    marker: Callable[[Any], str] = str
    # pages with dropdowns that must not offer another county's records: (url, select name)
    dropdowns: tuple[tuple[str, str], ...] = ()
    # option value of the record in such a dropdown
    option_value: Callable[[Any], str] = lambda obj: str(obj.pk)
    # write(api_client, web_client, other_region_code) -> response(s); must be refused and write nothing
    write: Callable[..., Any] | None = None
    # the users of the demo set who must not see the other county's record
    viewer: str = "officer_411625"
    own_region: str = "411625"
    other_region: str = "411628"
