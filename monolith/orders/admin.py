"""The synchronous checkout's orders in the admin.

The "before": the checkout service (extracted/checkout) is the copy that lives, behind the proxy's
`checkout` and `orders` routes; this one is kept as their rollback (point the routes at the monolith).
"""

from django.contrib import admin

from chassis.admin import ViewOnlyAdmin
from monolith.orders.models import Order


@admin.register(Order)
class OrderAdmin(ViewOnlyAdmin):
    list_display = ["number", "user", "product_name", "amount_cents", "currency", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["id", "product_id", "payment_id", "user__username"]
    date_hierarchy = "created_at"
