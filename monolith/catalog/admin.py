"""The catalogue in the admin: products and the reservations other services hold stock under."""

from django.contrib import admin

from chassis.admin import ViewOnlyAdmin
from monolith.catalog.models import Product, Reservation


@admin.register(Product)
class ProductAdmin(ViewOnlyAdmin):
    list_display = ["id", "name", "category", "price_cents", "currency", "stock", "updated_at"]
    list_filter = ["category"]
    search_fields = ["id", "name", "keywords"]


@admin.register(Reservation)
class ReservationAdmin(ViewOnlyAdmin):
    list_display = ["id", "product", "quantity", "created_at", "released_at", "committed_at"]
    list_filter = [("released_at", admin.EmptyFieldListFilter), ("committed_at", admin.EmptyFieldListFilter)]
    search_fields = ["id", "product__id"]
    date_hierarchy = "created_at"
