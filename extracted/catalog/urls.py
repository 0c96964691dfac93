from django.urls import include, path

urlpatterns = [
    path("", include("chassis.health")),
    path("", include("chassis.openapi")),
    path("v1/", include("extracted.catalog.catalog.urls")),
    path("internal/catalog/", include("extracted.catalog.catalog.internal_urls")),
]

handler400 = "chassis.errors.handler400"
handler403 = "chassis.errors.handler403"
handler404 = "chassis.errors.handler404"
handler500 = "chassis.errors.handler500"
