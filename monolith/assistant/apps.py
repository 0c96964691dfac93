from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "monolith.assistant"
    label = "assistant"
