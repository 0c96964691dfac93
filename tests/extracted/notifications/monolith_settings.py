"""The monolith's settings as a notifications test runs them, with what this change asks of it.

Until monolith/concierge/settings.py reads IDENTITY_SIGNING_KEYS and monolith/concierge/urls.py includes
`internal/accounts/`, this module adds both for the test's gunicorn; afterwards it adds nothing.
"""

from chassis.env import env_list
from monolith.concierge.settings import *  # noqa: F401,F403

if "IDENTITY_SIGNING_KEYS" not in globals():
    IDENTITY_SIGNING_KEYS = env_list("IDENTITY_SIGNING_KEYS")

ROOT_URLCONF = "tests.extracted.notifications.monolith_urls"
