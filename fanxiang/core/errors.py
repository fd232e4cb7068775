"""Domain errors with stable codes.

Every error a user can cause carries a stable machine code (``loan.amount_over_limit``), a message a
clerk can act on (Chinese) and, where it concerns input, the field(s) at fault. The API turns them into
``{"code", "message", "errors"}`` with the HTTP status of the class; pages show the message.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(
        self,
        code: str,
        message: str,
        *,
        errors: dict[str, list[str]] | None = None,
        status: int | None = None,
        details: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.errors = errors or {}
        self.details = details or {}
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message, "errors": self.errors}
        if self.details:
            body["details"] = self.details
        return body


class InvalidInput(DomainError):
    status = 422

    @classmethod
    def field(cls, field: str, code: str, message: str) -> InvalidInput:
        return cls(code, message, errors={field: [str(message)]})


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Unauthorized(DomainError):
    status = 401


class TooManyRequests(DomainError):
    status = 429


class ErrorCollector:
    """Collect every field error of one input before refusing it, so a clerk (or an import report) sees all
    of them at once. Each item keeps its own stable code."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, code: str, message: str) -> None:
        self.items.append({"field": field, "code": code, "message": str(message)})

    def absorb(self, exc: DomainError) -> None:
        fields = exc.errors or {"__all__": [exc.message]}
        for field, messages in fields.items():
            for message in messages:
                self.add(field, exc.code, message)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if not self.items:
            return
        errors: dict[str, list[str]] = {}
        for item in self.items:
            errors.setdefault(item["field"], []).append(item["message"])
        first = self.items[0]
        message = (
            first["message"]
            if len(self.items) == 1
            else f"有{len(self.items)}处输入有误：{first['message']}等"
        )
        raise InvalidInput(first["code"], message, errors=errors, details={"items": self.items})
