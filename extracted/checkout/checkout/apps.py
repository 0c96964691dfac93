from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    """Orders accepted at once and the saga that carries each to a terminal status."""

    name = "extracted.checkout.checkout"
    label = "checkout"
    default_auto_field = "django.db.models.BigAutoField"
