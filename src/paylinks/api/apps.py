from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "paylinks.api"
    label = "api"
