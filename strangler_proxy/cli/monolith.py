"""`strangler init` and `strangler proxy`: the proxy in front of any Django monolith, in three commands.

    pip install strangler-kit
    strangler init --monolith-url http://127.0.0.1:8000 [--django-settings mysite.settings --project-dir .]
    strangler proxy --env-file strangler.env

`init` writes a route table (the catch-all to the monolith, and one commented route per top-level URL
prefix of the monolith's URLconf when its settings are given) and an env file with only what the proxy
needs, each line commented. `proxy` runs the proxy (gunicorn with the proxy's worker, as the Procfile's
`web` does) from that file; variables already in the environment win over it.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import click
import environ

from strangler_proxy.cli.output import print_line

ROUTES_NAME = "routes.toml"
ENV_NAME = "strangler.env"
# Run in the monolith's own interpreter setup (a subprocess), so its settings never load into this one.
_URL_PREFIXES = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[2]
import django
django.setup()
from django.urls import get_resolver
prefixes = set()
for pattern in get_resolver().url_patterns:
    text = str(pattern.pattern).lstrip("^")
    head = text.split("/", 1)[0]
    if head and not any(mark in head for mark in "<(?[\\\\$*+"):
        prefixes.add("/" + head + ("/" if "/" in text else ""))
print(json.dumps(sorted(prefixes)))
"""


@click.command()
@click.option("--monolith-url", required=True, help="Where the monolith answers, e.g. http://127.0.0.1:8000.")
@click.option("--django-settings", default=None, help="The monolith's settings module, to find its URL prefixes.")
@click.option("--project-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=Path("."),
              show_default=True, help="The directory the settings module is imported from.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Where to write routes.toml and strangler.env.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
def init(monolith_url: str, django_settings: str | None, project_dir: Path, out: Path, force: bool) -> None:
    """Write a route table and an env file for a proxy in front of your monolith."""
    out.mkdir(parents=True, exist_ok=True)
    routes, env_file = out / ROUTES_NAME, out / ENV_NAME
    existing = [str(path) for path in (routes, env_file) if path.exists()]
    if existing and not force:
        raise click.ClickException(f"{', '.join(existing)} exists; pass --force to overwrite")
    prefixes = url_prefixes(project_dir, django_settings) if django_settings else []
    routes.write_text(route_table(prefixes))
    env_file.write_text(env_text(monolith_url, routes.resolve()))
    print_line(f"wrote {routes} ({len(prefixes)} URL prefixes found) and {env_file}")
    print_line(f"next: strangler proxy --env-file {env_file}")


def url_prefixes(project_dir: Path, settings_module: str) -> list[str]:
    """The top-level prefixes of the monolith's URLconf ("/admin/", "/polls/"), read in a subprocess."""
    done = subprocess.run([sys.executable, "-c", _URL_PREFIXES, str(project_dir.resolve()), settings_module],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise click.ClickException(f"could not load {settings_module} from {project_dir}: {last}")
    return list(json.loads(done.stdout))


def route_table(prefixes: list[str]) -> str:
    commented = "".join(f'''
# [[routes]]
# id = "{_route_id(prefix)}"
# prefix = "{prefix}"
# upstream = "monolith"     # point it at a service once one serves it
''' for prefix in prefixes)
    return f'''# The strangler proxy's route table, written by `strangler init`. First match wins; the last route must
# be the catch-all. Check a change with `strangler check`; move a route live with `strangler canary`.

# The proxy asks your monolith nothing about who is calling: its cookies pass through and it decides.
# Set identity = "django" once the kit's Django app (strangler_django) serves /internal/identity in it.
identity = "off"

[upstreams.monolith]
url_env = "MONOLITH_URL"
health_path = "/"
# Your monolith's session and CSRF cookies (SESSION_COOKIE_NAME, CSRF_COOKIE_NAME): a service a route moves
# to never receives them and may not set them, so it cannot log anyone out.
owns_cookies = ["sessionid", "csrftoken"]
{commented}
# Everything else: the monolith. Keep this route last.
[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
'''


def _route_id(prefix: str) -> str:
    return prefix.strip("/").replace("/", "-").replace("_", "-") or "root"


def env_text(monolith_url: str, routes: Path) -> str:
    return f'''# The proxy's environment, written by `strangler init`; variables already exported win over this file.
# The port the proxy listens on.
PORT=8000
# Where the monolith answers.
MONOLITH_URL={monolith_url}
# The route table.
ROUTES_FILE={routes}
# Redis for limits, live route changes and the judge (the proxy serves without it; limits then admit).
REDIS_URL=redis://127.0.0.1:6379/0
# development or production; production refuses weak keys.
ENVIRONMENT=development
# Signs the identity and internal proofs the proxy forwards (two keys, comma-separated, during rotation).
IDENTITY_SIGNING_KEYS={secrets.token_urlsafe(48)}
# Opens the dashboard at /_strangler/ (Authorization: Bearer <token>).
PROXY_ADMIN_TOKEN={secrets.token_urlsafe(32)}
# Proxy worker processes.
WEB_CONCURRENCY=2
'''


@click.command()
@click.option("--env-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Load variables from this file; variables already set in the environment win.")
def proxy(env_file: Path | None) -> None:
    """Run the proxy in the foreground (gunicorn with the proxy's worker), as the Procfile's web does."""
    if env_file is not None:
        environ.Env.read_env(env_file, overwrite=False)
    os.environ.setdefault("PORT", "8000")
    os.environ.setdefault("SERVICE_NAME", "strangler-proxy")
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    os.execv(gunicorn, [gunicorn, "-c", "python:strangler_proxy.gunicorn_conf", "strangler_proxy.app:application"])
