from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The events handled and what was sent for each, per channel."""

    name = "extracted.notifications.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"
