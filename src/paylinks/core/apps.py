from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "paylinks.core"
    label = "core"
