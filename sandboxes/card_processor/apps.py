from django.apps import AppConfig


class CardProcessorConfig(AppConfig):
    """PaymentIntents, refunds, the ledger of every action and the idempotency keys."""

    name = "sandboxes.card_processor"
    label = "card_processor"
    default_auto_field = "django.db.models.BigAutoField"
