"""Include at the root: `path("", include("strangler_django.urls"))`."""

from django.urls import path

from strangler_django.views import identity_view

urlpatterns = [
    path("internal/identity", identity_view, name="internal-identity"),
]
