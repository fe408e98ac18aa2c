from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "paylinks.merchants"
    label = "merchants"
