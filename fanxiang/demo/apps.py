from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "fanxiang.demo"
    label = "demo"
    verbose_name = "演示与参考数据"
