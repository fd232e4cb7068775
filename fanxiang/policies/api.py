"""The policy library API, mounted at ``/api/v1/policies``: one router composed of the app's routers."""

from ninja import Router

from fanxiang.policies.api_library import router as library_router
from fanxiang.policies.api_matching import router as matching_router

router = Router(tags=["政策库"])
router.add_router("", library_router)
router.add_router("", matching_router)
