from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "monolith.web"
    label = "web"
