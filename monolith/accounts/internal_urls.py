"""Mounted at internal/: endpoints for the strangler proxy only (see monolith.accounts.internal)."""

from django.urls import path

from monolith.accounts.internal import identity_view

urlpatterns = [
    path("identity", identity_view, name="internal-identity"),
]
