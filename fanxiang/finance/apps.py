from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "fanxiang.finance"
    label = "finance"
    verbose_name = "金融产品"

    def ready(self) -> None:
        pass
