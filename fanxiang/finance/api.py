from ninja import Router

router = Router(tags=["金融产品"])
