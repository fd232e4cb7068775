"""The one report of every import, and its three modes.

Shape (the API contract of every import): ``{total_rows, valid_rows, created, updated, unchanged,
errors: [{row, column, code, message}], error_rows, ignored_columns, dry_run, partial, committed}``;
an import adds its own facts (the registry its duplicate flags, grants the amount) in a subclass's
:meth:`ImportReport.extra`. ``row`` is the Excel row number (header = row 1), ``column`` the Chinese
header, ``code`` a stable error code.

Modes: all-or-nothing (default: any bad row and nothing is written), ``partial`` (the valid rows are
written, the bad ones reported) and ``dry_run`` (everything validated, nothing written). An import runs
its write inside ``transaction.atomic()`` and raises :class:`NothingWritten` there when the mode says
not to keep it (see :func:`keep_write`). Part of :mod:`fanxiang.core.imports`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fanxiang.core.errors import InvalidInput
from fanxiang.core.import_spec import ImportSpec


class ImportStage:
    """Where a running import is (the job's progress bar)."""

    VALIDATING = "validating"
    WRITING = "writing"


class NothingWritten(Exception):
    """Leave the import's transaction without writing (dry run, or all-or-nothing with bad rows)."""


def keep_write(*, dry_run: bool, partial: bool, has_errors: bool) -> bool:
    """Whether the rows written so far in the import's transaction are kept."""
    return not dry_run and (partial or not has_errors)


# What a checked file's report may offer: only what can succeed. "all" (every row) only when no row is
# bad; "partial" (the valid rows) when some are bad and some valid; "fix" (correct the file and upload it
# again) whenever a row is bad.
OFFER_ALL, OFFER_PARTIAL, OFFER_FIX = "all", "partial", "fix"


def commit_offers(*, valid_rows: int, error_rows: int) -> list[str]:
    if error_rows:
        return [OFFER_PARTIAL, OFFER_FIX] if valid_rows else [OFFER_FIX]
    return [OFFER_ALL] if valid_rows else []


def check_commit(*, partial: bool, valid_rows: int, error_rows: int) -> None:
    """Refuse a commit that cannot write anything: "all" while some rows are bad (all-or-nothing would
    write nothing), or any commit without a valid row."""
    if not valid_rows:
        raise InvalidInput("import.no_valid_rows", "文件中没有正确的行，请修改文件后重新上传。")
    if error_rows and not partial:
        raise InvalidInput(
            "import.has_bad_rows",
            f"文件中有 {error_rows} 行错误，不能全部导入：请只导入正确的 {valid_rows} 行，或修改文件后重新上传。",
        )


class RowErrors:
    """Per-row errors keyed by Excel row number; an error's column is its field's Chinese header."""

    def __init__(self, spec: ImportSpec) -> None:
        self.spec = spec
        self.by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)

    def add(self, row: int, field_name: str, code: str, message: str) -> None:
        self.add_at(row, self.spec.column_of(field_name), code, message)

    def add_at(self, row: int, column: str, code: str, message: str) -> None:
        self.by_row[row].append({"row": row, "column": column, "code": code, "message": str(message)})

    def has(self, row: int) -> bool:
        return row in self.by_row

    def __bool__(self) -> bool:
        return bool(self.by_row)

    def __len__(self) -> int:
        """How many rows have errors."""
        return len(self.by_row)

    def as_list(self) -> list[dict[str, Any]]:
        """Every error, by row, then in the order of the columns."""
        order = self.spec.order
        out: list[dict[str, Any]] = []
        for row in sorted(self.by_row):
            out.extend(sorted(self.by_row[row], key=lambda e: order.get(e["column"], 99)))
        return out


@dataclass
class ImportReport:
    total_rows: int = 0
    valid_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dry_run: bool = True
    partial: bool = False
    committed: bool = False
    seconds: float = 0.0

    @property
    def bad_rows(self) -> list[int]:
        return sorted({e["row"] for e in self.errors})

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def extra(self) -> dict[str, Any]:
        """Facts of one import on top of the common shape."""
        return {}

    def as_dict(self) -> dict[str, Any]:
        return {
            "total_rows": self.total_rows,
            "valid_rows": self.valid_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "error_rows": self.error_rows,
            "ignored_columns": self.ignored_columns,
            "dry_run": self.dry_run,
            "partial": self.partial,
            "committed": self.committed,
            **self.extra(),
        }
