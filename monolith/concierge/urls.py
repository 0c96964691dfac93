from django.contrib import admin
from django.urls import include, path

from chassis.admin import name_site

name_site(admin.site, "Concierge monolith")

urlpatterns = [
    path("", include("chassis.health")),
    path("", include("chassis.openapi")),  # GET /v1/schema
    path("v1/", include("monolith.catalog.urls")),
    path("v1/", include("monolith.assistant.urls")),
    path("v1/", include("monolith.orders.urls")),
    path("v1/", include("monolith.accounts.api_urls")),
    path("accounts/", include("monolith.accounts.urls")),
    # Internal endpoints: the proxy refuses to forward /internal/ from clients, and each view also
    # requires the X-Strangler-Internal proof that the caller holds the identity keys.
    path("", include("strangler_django.urls")),  # /internal/identity
    path("internal/accounts/", include("monolith.accounts.contact_urls")),
    path("internal/catalog/", include("monolith.catalog.internal_urls")),
    # Benchmark endpoints; they answer 404 unless DIAGNOSTIC_ENDPOINTS=true.
    path("_diag/", include("monolith.web.diagnostics")),
    # Staff only (is_staff); every model is view-only (chassis.admin).
    path("admin/", admin.site.urls),
    path("", include("monolith.web.urls")),
]

handler400 = "chassis.errors.handler400"
handler403 = "chassis.errors.handler403"
handler404 = "chassis.errors.handler404"
handler500 = "chassis.errors.handler500"
