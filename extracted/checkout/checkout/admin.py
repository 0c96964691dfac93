"""The checkout's orders in the admin, each with its saga history; idempotency keys and sent reports."""

from django.contrib import admin

from chassis.admin import ViewOnlyAdmin, ViewOnlyInline
from extracted.checkout.checkout.models import IdempotencyKey, Order, ReportSent, SagaEvent


class SagaEventInline(ViewOnlyInline):
    model = SagaEvent
    fields = ["at", "step", "state", "attempt", "detail"]
    ordering = ["at", "id"]


@admin.register(Order)
class OrderAdmin(ViewOnlyAdmin):
    list_display = ["number", "status", "step", "attempt", "product_name", "amount_cents", "currency", "payment",
                    "stock", "created_at", "updated_at"]
    list_filter = ["status", "step", "payment", "stock"]
    search_fields = ["id", "user_id", "email", "product_id", "payment_id"]
    date_hierarchy = "created_at"
    inlines = [SagaEventInline]


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ViewOnlyAdmin):
    list_display = ["key", "user_id", "order", "response_status", "created_at"]
    search_fields = ["key", "user_id"]
    exclude = ["fingerprint"]


@admin.register(ReportSent)
class ReportSentAdmin(ViewOnlyAdmin):
    list_display = ["day", "sent_at"]
