from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "paylinks.merchants"
    label = "merchants"

    def ready(self) -> None:
        from paylinks.merchants import signals  # noqa: F401 (connects the receivers)
