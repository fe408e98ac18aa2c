from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "paylinks.receipts"
    label = "receipts"
