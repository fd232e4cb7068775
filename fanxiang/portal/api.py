from ninja import Router

router = Router(tags=["创业者门户"])
