from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "fanxiang.policies"
    label = "policies"
    verbose_name = "政策库"

    def ready(self) -> None:
        pass
