from django.db import models


class Product(models.Model):
    """Something the Concierge can sell: a physical good or a travel booking."""

    class Category(models.TextChoices):
        CHOCOLATES = "chocolates"
        FLOWERS = "flowers"
        WINE = "wine"
        GIFTS = "gifts"
        TOURS = "tours"
        HOTELS = "hotels"
        EXPERIENCES = "experiences"

    id = models.SlugField(primary_key=True, max_length=64)
    name = models.CharField(max_length=120)
    description = models.TextField()
    price_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="usd")
    image = models.CharField(max_length=200, help_text="Static path of the product picture.")
    category = models.CharField(max_length=20, choices=Category.choices)
    keywords = models.CharField(max_length=300, blank=True, help_text="Space-separated words shoppers use.")
    stock = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["price_cents", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(stock__gte=0), name="product_stock_not_negative")]

    def __str__(self) -> str:
        return self.name


class Reservation(models.Model):
    """Stock held for another service under an id it chose (the checkout's order id).

    Held, then either released (the stock goes back) or committed (the stock is sold for good), once.
    A release of an id never reserved leaves a tombstone (no product, quantity 0, released), so a
    reservation that arrives after its own release, a slow request overtaken by the caller's
    compensation, finds the id taken and holds nothing.
    """

    id = models.CharField(primary_key=True, max_length=64)
    product = models.ForeignKey(Product, null=True, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["released_at", "created_at"], name="reservation_held_created")]

    @property
    def held(self) -> bool:
        return self.released_at is None

    @property
    def committed(self) -> bool:
        return self.committed_at is not None

    def __str__(self) -> str:
        return f"reservation {self.id}"
