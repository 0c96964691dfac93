from django.contrib import admin
from django.urls import include, path

from chassis.admin import name_site

name_site(admin.site, "Checkout service")

urlpatterns = [
    path("", include("chassis.health")),
    path("", include("chassis.openapi")),  # GET /v1/schema
    path("v1/", include("extracted.checkout.checkout.urls")),
    # Staff of this service only (its own users, is_staff); every model is view-only (chassis.admin).
    # Under /admin/checkout/ so that one host can serve it beside the monolith's /admin/.
    path("admin/checkout/", admin.site.urls),
]

handler400 = "chassis.errors.handler400"
handler403 = "chassis.errors.handler403"
handler404 = "chassis.errors.handler404"
handler500 = "chassis.errors.handler500"
