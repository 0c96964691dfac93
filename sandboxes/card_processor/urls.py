"""Stripe's paths for PaymentIntents and refunds, and the sandbox's own controls under /_sandbox/."""

from django.urls import path

from sandboxes.card_processor import views

urlpatterns = [
    path("v1/payment_intents", views.payment_intent_create),
    path("v1/payment_intents/<str:intent_id>", views.payment_intent_detail),
    path("v1/payment_intents/<str:intent_id>/capture", views.payment_intent_capture),
    path("v1/payment_intents/<str:intent_id>/cancel", views.payment_intent_cancel),
    path("v1/refunds", views.refund_create),
    path("_sandbox/ledger", views.ledger),
    path("_sandbox/healthz", views.healthz),
    path("_sandbox/reset", views.reset),
]

handler400 = "sandboxes.card_processor.errors.handler400"
handler404 = "sandboxes.card_processor.errors.handler404"
handler500 = "sandboxes.card_processor.errors.handler500"
