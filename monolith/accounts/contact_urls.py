"""Internal account endpoints, included at `internal/accounts/` by monolith/concierge/urls.py."""

from django.urls import path

from monolith.accounts.contact import ContactApi

urlpatterns = [
    path("<int:user_id>/contact", ContactApi.as_view(), name="internal-account-contact"),
]
