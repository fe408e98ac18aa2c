from django.apps import AppConfig


class LinksConfig(AppConfig):
    name = "paylinks.links"
    label = "links"
