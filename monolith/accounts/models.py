from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What the shop knows about a customer beyond Django's user: how to reach and charge them."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    phone = models.CharField(max_length=20, blank=True, help_text="E.164 number for SMS confirmations.")
    # A card processor's stored payment-method token; the shop never sees card numbers.
    payment_method = models.CharField(max_length=64, default="pm_card_visa")

    def __str__(self) -> str:
        return f"profile of {self.user}"
