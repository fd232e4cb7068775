"""``GET /api/v1/me/tasks``: the caller's to-do inbox (:mod:`fanxiang.core.tasks`)."""

from ninja import Router, Schema

from fanxiang.core import tasks

router = Router(tags=["认证"])


class TaskItemOut(Schema):
    kind: str
    title: str
    count: int
    overdue: int
    due_soon: int
    url: str


class TasksOut(Schema):
    count: int
    items: list[TaskItemOut]


@router.get(
    "",
    response=TasksOut,
    summary="我的待办",
    description="每类待办一项（无待办的类别不列出）：`count` 件数，`overdue` 已超过办理时限，"
    "`due_soon` 剩余不超过 1 个工作日，`url` 打开只含这些记录的待办页。",
)
def my_tasks(request):
    return tasks.tasks_for(request.user)
