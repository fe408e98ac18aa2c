from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "paylinks.checkout"
    label = "checkout"
