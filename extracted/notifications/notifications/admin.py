"""The order events the worker took on in the admin, each with what it sent per channel."""

from django.contrib import admin

from chassis.admin import ViewOnlyAdmin, ViewOnlyInline
from extracted.notifications.notifications.models import Delivery, ProcessedEvent


class DeliveryInline(ViewOnlyInline):
    model = Delivery
    fields = ["created_at", "channel", "status", "recipient", "detail"]


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(ViewOnlyAdmin):
    list_display = ["event_id", "type", "order_id", "received_at", "processed_at"]
    list_filter = ["type", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id", "order_id"]
    date_hierarchy = "received_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyAdmin):
    list_display = ["processed_event", "channel", "status", "recipient", "created_at"]
    list_filter = ["channel", "status"]
    search_fields = ["processed_event__event_id", "processed_event__order_id", "recipient"]
