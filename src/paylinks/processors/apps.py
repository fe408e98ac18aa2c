from django.apps import AppConfig


class ProcessorsConfig(AppConfig):
    name = "paylinks.processors"
    label = "processors"
