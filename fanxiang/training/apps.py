from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "fanxiang.training"
    label = "training"
    verbose_name = "创业培训"
