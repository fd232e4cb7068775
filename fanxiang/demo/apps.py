from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fanxiang.demo"
    label = "demo"
    verbose_name = "演示与参考数据"

    def ready(self) -> None:
        from fanxiang.core import registry

        registry.register_demo_loader("demo.users", "fanxiang.demo.services:load_demo_users", order=10)
