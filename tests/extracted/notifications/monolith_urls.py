"""The monolith's URLs plus `internal/accounts/`, unless monolith/concierge/urls.py includes it already."""

from django.urls import include, path

from monolith.concierge import urls as monolith_urls
from monolith.concierge.urls import handler400, handler403, handler404, handler500  # noqa: F401

CONTACT_URLS = "monolith.accounts.contact_urls"

urlpatterns = list(monolith_urls.urlpatterns)
if not any(getattr(pattern, "urlconf_name", None) == CONTACT_URLS for pattern in urlpatterns):
    urlpatterns.insert(0, path("internal/accounts/", include(CONTACT_URLS)))
