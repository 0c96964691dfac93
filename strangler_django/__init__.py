"""The monolith's side of the strangler proxy, as one Django app.

Add "strangler_django" to INSTALLED_APPS and `path("", include("strangler_django.urls"))` to the root
URLconf. The app then gives the proxy:

    GET /internal/identity     who a session cookie or API token belongs to (strangler_django.views)
    revocation                 on log-out, password change, token or user deletion, the proxy's cached
                               identity for the dead credentials becomes anonymous (strangler_django.revocation)
    manage.py strangler_urls   every URL pattern of the project as JSON, for `strangler inventory`

Settings it reads: IDENTITY_SIGNING_KEYS (the keys the proxy signs its internal calls with) and
REDIS_URL (the proxy's Redis; the environment's REDIS_URL when the setting is absent). API tokens are
answered when DRF's `rest_framework.authtoken` is installed; without it, only sessions are.
"""
