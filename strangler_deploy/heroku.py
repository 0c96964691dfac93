"""`app.json` from the Procfile and `.env.example`: one Heroku app running every process type.

Heroku builds the app with its Python buildpack (`requirements.txt`, `.python-version`), runs the
Procfile's `release` line as the release phase (a failing release stops the deploy), and starts the
formation. HTTP reaches only `web` dynos from outside, and in the Common Runtime no dyno reaches another,
so the proxy's upstreams (`monolith`, `checkout`, ...) reach each other in a Private Space, by DNS
service discovery (`http://monolith.<app>.app.localspace:8001`): the README's deploy section says how.

Each `*DATABASE_URL` of a deployed process is a Heroku Postgres add-on attached under that name, and
REDIS_URL is Heroku Key-Value Store's; secrets are generated at app creation, never written here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from strangler_deploy.environment import Variable
from strangler_deploy.files import Rendered
from strangler_deploy.procfile import Kind, Process

APP_JSON = "app.json"
REQUIREMENTS = "requirements.txt"
PYTHON_VERSION_FILE = ".python-version"
# Variables the platform sets itself, or that belong to what Heroku does not run, each with the reason.
LEFT_OUT = {
    "PORT": "Heroku sets it for every web dyno",
    "REDIS_URL": "the heroku-redis add-on sets it",
    "READ_DOT_ENV": "a slug holds no .env; settings read the config vars only",
    "DJANGO_SETTINGS_MODULE": "each entry point sets its own settings module; a config var would override them all",
    "UPSTREAM_URL": "only the proxy benchmark's peer reads it",
}
# The .env.example section of a local stand-in's own settings (the card-processor sandbox): Heroku runs
# none of them, so they are left out.
LOCAL_SECTION_MARKER = "local stand-in"
# A loopback address in a URL, an e-mail address or a host list: a value only this machine understands.
_LOOPBACK = re.compile(r"(?:^|[/@,])(?:127\.0\.0\.1|localhost|\[::1\])(?:[:/,]|$)")
# Values that differ from .env.example's local ones on Heroku, each a production setting.
HEROKU_VALUES = {
    "ENVIRONMENT": "production",
    "DEBUG": "false",
    "BIND_HOST": "0.0.0.0",  # the router and the space's other dynos reach the dyno's own interface
    "FORWARDED_ALLOW_IPS": "*",  # only Heroku's router, whose addresses change, reaches a web dyno's $PORT
    "TRUSTED_PROXIES": "0.0.0.0/0,::/0",  # the same: the router's X-Forwarded-Proto is what says "https"
    # Services call each other over the space's private network in plain HTTP, which a redirect would
    # break; HSTS still tells browsers to come back over HTTPS only.
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "31536000",
}
# Config vars that .env.example has no place for: read by Heroku's Python buildpack or by Celery.
EXTRA = {
    "REMAP_SIGTERM": {
        "description": "Celery reads it: SIGQUIT makes the SIGTERM a dyno gets on restart a cold shutdown, "
                       "so unacknowledged (late-ack) tasks go back to the broker instead of running past "
                       "Heroku's 30 s before SIGKILL. Gunicorn ignores it.",
        "value": "SIGQUIT",
    },
    "DISABLE_COLLECTSTATIC": {
        "description": "The buildpack reads it: no collectstatic at build time; WhiteNoise serves static files "
                       "from the apps' folders.",
        "value": "1",
    },
}


def render_app_json(processes: Sequence[Process], variables: Sequence[Variable],
                    documented: Sequence[Variable] = ()) -> Rendered:
    """app.json; `documented` (.env.example's `# NAME=example` lines) become optional config vars."""
    databases = [v.name for v in variables if v.name.endswith("DATABASE_URL") and not _local(v)]
    optional = {v.name: {"description": v.description, "required": False}
                for v in documented if left_out(v) is None}
    app = {
        "name": "Concierge (Strangler kit)",
        "description": "A Django monolith and the services strangled out of it, behind the strangler proxy.",
        "keywords": ["django", "strangler", "celery", "microservices"],
        "buildpacks": [{"url": "heroku/python"}],
        "formation": {p.name: {"quantity": 0 if p.kind is Kind.LOCAL else 1}
                      for p in processes if p.kind is not Kind.RELEASE},
        "addons": [{"plan": "heroku-postgresql", "as": name.removesuffix("_URL")} for name in databases]
        + [{"plan": "heroku-redis"}],
        "env": {**{v.name: _config_var(v) for v in variables if left_out(v) is None}, **optional, **EXTRA},
    }
    return {APP_JSON: json.dumps(app, indent=2) + "\n"}


def left_out(variable: Variable) -> str | None:
    """Why app.json does not set this variable of .env.example, or None when it does."""
    if variable.name in LEFT_OUT:
        return LEFT_OUT[variable.name]
    if variable.name.startswith("AWS_ENDPOINT_URL"):
        return "it points boto3 at a local AWS emulator; production uses AWS's own endpoints"
    if _local(variable):
        return "it configures a local stand-in, which Heroku does not run"
    if variable.name.endswith("DATABASE_URL"):
        return "a heroku-postgresql add-on attached under this name sets it"
    return None


def _local(variable: Variable) -> bool:
    return LOCAL_SECTION_MARKER in variable.section


def _config_var(variable: Variable) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": variable.description}
    if variable.secret:
        entry["generator"] = "secret"  # 64 random hex characters, set once when the app is created
    elif variable.name in HEROKU_VALUES:
        entry["value"] = HEROKU_VALUES[variable.name]
    elif _names_this_machine(variable.local_default) or variable.name == "ALLOWED_HOSTS":
        entry["required"] = True  # a loopback URL or host list means nothing on Heroku: the deployer gives it
    else:
        entry["value"] = variable.local_default
        entry["required"] = variable.required
    if variable.required and "generator" not in entry:
        entry["required"] = True
    return entry


def _names_this_machine(value: str) -> bool:
    return bool(_LOOPBACK.search(value))
