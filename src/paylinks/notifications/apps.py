from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "paylinks.notifications"
    label = "notifications"
