from django.urls import path

from monolith.catalog.apis import PopularSearchesApi, ProductDetailApi, ProductListApi

urlpatterns = [
    path("products", ProductListApi.as_view(), name="product-list"),
    path("products/<slug:product_id>", ProductDetailApi.as_view(), name="product-detail"),
    path("searches/popular", PopularSearchesApi.as_view(), name="searches-popular"),
]
