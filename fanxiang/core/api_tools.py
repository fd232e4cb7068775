"""Validator endpoints for the UI and integrators."""

from ninja import Router, Schema

from fanxiang.core.api import InputSchema
from fanxiang.core.validators import check_credit_code, check_id_number, check_mobile

router = Router(tags=["工具"])


class IdIn(InputSchema):
    id_number: str


class Birthplace(Schema):
    code: str
    name: str


class IdOut(Schema):
    valid: bool
    code: str
    message: str
    id_number: str | None = None
    birth_date: str | None = None
    sex: str | None = None
    birthplace: Birthplace | None = None


class UsccIn(InputSchema):
    credit_code: str


class CheckOut(Schema):
    valid: bool
    code: str
    message: str
    overridable: bool = False
    normalized: str | None = None


class MobileIn(InputSchema):
    mobile: str


@router.post("/check-id", response=IdOut, summary="校验身份证号码")
def check_id(request, payload: IdIn):
    result = check_id_number(payload.id_number)
    out = {"valid": result.valid, "code": result.code, "message": result.message}
    if result.valid:
        out.update(
            id_number=result.value,
            birth_date=result.info["birth_date"].isoformat(),
            sex=result.info["sex"],
            birthplace=result.info["birthplace"],
        )
    return out


@router.post("/check-uscc", response=CheckOut, summary="校验统一社会信用代码")
def check_uscc(request, payload: UsccIn):
    result = check_credit_code(payload.credit_code)
    return {
        "valid": result.valid,
        "code": result.code,
        "message": result.message,
        "overridable": result.warning,
        "normalized": result.value or None,
    }


@router.post("/check-mobile", response=CheckOut, summary="校验并规范化手机号码")
def check_mobile_view(request, payload: MobileIn):
    result = check_mobile(payload.mobile)
    return {
        "valid": result.valid,
        "code": result.code,
        "message": result.message,
        "normalized": result.value or None,
    }
