"""点对点对接服务 endpoints of the registry: their own router, mounted at ``/entrepreneurs`` beside the
registry's (``EntrepreneursConfig.ready``). ``/batch/assign`` is a literal path; the detail route
``/{int:entrepreneur_id}`` only matches digits, so they never collide."""

from __future__ import annotations

from ninja import Field, Router, Schema

from fanxiang.core.api import ErrorOut, InputSchema
from fanxiang.core.schema import RecordId
from fanxiang.entrepreneurs.contacts import contact_assign

router = Router(tags=["返乡创业人员"])

ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AssignIn(InputSchema):
    ids: list[RecordId] = Field(..., max_length=1000)
    contact: RecordId | None


class AssignOut(Schema):
    assigned: int


@router.post(
    "/batch/assign",
    response={200: AssignOut, **ERRORS},
    summary="批量指派对接服务人员（contact 为空则取消指派）",
)
def entrepreneurs_assign_contact(request, payload: AssignIn):
    assigned = contact_assign(actor=request.user, entrepreneurs=payload.ids, contact=payload.contact)
    return {"assigned": assigned}
