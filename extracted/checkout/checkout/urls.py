from django.urls import path

from extracted.checkout.checkout.apis import CheckoutApi, OrderDetailApi, OrderListApi

urlpatterns = [
    path("checkout", CheckoutApi.as_view(), name="checkout"),
    path("orders", OrderListApi.as_view(), name="order-list"),
    path("orders/<uuid:order_id>", OrderDetailApi.as_view(), name="order-detail"),
]
