from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "paylinks.webhooks"
    label = "webhooks"
