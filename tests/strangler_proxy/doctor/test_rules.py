"""The rules' edges, each on a small project written for the test: what a precise rule passes and what it catches."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from strangler_proxy.doctor import audit

# A project every rule passes; each test changes or adds files to it.
CLEAN = {
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")\n',
    "proj/__init__.py": "",
    "proj/settings.py": 'import os\nSECRET_KEY = os.environ["SECRET_KEY"]\n',
    "Procfile": "release: python manage.py migrate\nweb: gunicorn proj.wsgi --bind 0.0.0.0:$PORT\n",
    ".env.example": "SECRET_KEY=local\n",
}


def findings(tmp_path: Path, files: dict[str, str], *, settings: str | None = None) -> set[tuple[str, str]]:
    """(rule, file:line) of what the doctor finds in CLEAN changed by `files`."""
    for rel, text in {**CLEAN, **files}.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(dedent(text))
    _project, found = audit(tmp_path, settings=settings)
    return {(finding.rule, finding.where) for finding in found}


def test_the_clean_project_passes_every_rule(tmp_path: Path) -> None:
    assert findings(tmp_path, {}) == set()


def test_what_the_named_settings_star_import_is_audited_and_test_settings_are_not(tmp_path: Path) -> None:
    files = {"manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings.production")\n',
             "proj/settings.py": "",
             "proj/settings/__init__.py": "",
             "proj/settings/production.py": 'import os\nfrom .base import *\nSECRET_KEY = os.environ["SECRET_KEY"]\n',
             "proj/settings/base.py": "DEBUG = True\n",
             "proj/settings/test.py": "DEBUG = True\n"}

    assert findings(tmp_path, files) == {("debug-literal", "proj/settings/base.py:1")}


def test_a_project_command_that_runs_migrate_is_a_release_phase_and_one_that_does_not_is_not(tmp_path: Path) -> None:
    command = "from django.core.management import call_command\n\ndef handle():\n    call_command({!r})\n"
    files = {"Procfile": "release: python manage.py deploy && python manage.py warm\nweb: gunicorn x -b :$PORT\n",
             "proj/management/commands/deploy.py": command.format("migrate"),
             "proj/management/commands/warm.py": command.format("check")}

    assert findings(tmp_path, files) == set()
    files["Procfile"] = files["Procfile"].replace("deploy && ", "")
    assert findings(tmp_path, files) == {("release-migrate", "Procfile:1")}


def test_gunicorn_binds_port_through_a_config_module_it_star_imports(tmp_path: Path) -> None:
    files = {"Procfile": "release: python manage.py migrate\n"
                         "web: newrelic-admin run-program gunicorn -c python:proj.web proj.wsgi\n",
             "proj/web.py": "from proj.base_conf import *\nworkers = 4\n",
             "proj/base_conf.py": 'import os\nbind = f"0.0.0.0:{os.environ[\'PORT\']}"\n',
             ".env.example": "SECRET_KEY=local\nPORT=8000\n"}

    assert findings(tmp_path, files) == set()
    files["proj/base_conf.py"] = 'bind = "0.0.0.0:8000"\n'
    assert findings(tmp_path, files) == {("web-port", "Procfile:2")}
    files["Procfile"] = 'release: python manage.py migrate\nweb: GUNICORN_CMD_ARGS="--bind=:$PORT" gunicorn x\n'
    assert findings(tmp_path, files) == set()


def test_a_per_process_cache_is_a_finding_only_where_the_code_needs_every_process_to_see_it(tmp_path: Path) -> None:
    """A read-through LocMemCache is fine; a throttle or a delete on it is not, nor on Django's implicit one."""
    files = {"proj/settings.py": CLEAN["proj/settings.py"]
             + 'CACHES = {\n    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},\n}\n',
             "proj/views.py": "from django.core.cache import cache\n\ndef show(key):\n    return cache.get(key)\n"}

    assert findings(tmp_path, files) == set()
    files["proj/settings.py"] += 'REST_FRAMEWORK = {"DEFAULT_THROTTLE_CLASSES": ["x.Throttle"]}\n'
    assert findings(tmp_path, files) == {("local-cache", "proj/settings.py:4")}
    files["proj/settings.py"] = CLEAN["proj/settings.py"]
    files["proj/views.py"] += "\ndef forget(key):\n    cache.delete(key)\n"
    assert findings(tmp_path, files) == {("local-cache", "proj/settings.py")}


def test_sessions_on_a_cache_are_local_when_the_cache_is(tmp_path: Path) -> None:
    settings = CLEAN["proj/settings.py"] + 'SESSION_ENGINE = "django.contrib.sessions.backends.cache"\n'
    shared = 'CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": x}}\n'

    assert findings(tmp_path, {"proj/settings.py": settings}) == {("local-sessions", "proj/settings.py:3")}
    assert findings(tmp_path, {"proj/settings.py": settings + shared}) == set()


def test_writes_under_a_temporary_folder_or_chosen_by_an_operator_are_not_local_disk_writes(tmp_path: Path) -> None:
    views = """\
        import os
        import tempfile

        import click
        from django.conf import settings


        class Report:
            def __init__(self):
                self.folder = tempfile.mkdtemp()
                self.path = os.path.join(self.folder, "report.csv")

            def save(self, text):
                with open(self.path, "w") as out:
                    out.write(text)


        @click.command()
        @click.option("--out")
        def export(out):
            open(out, "w").write("data")


        def keep(upload):
            with open(os.path.join(settings.MEDIA_ROOT, upload.name), "wb") as out:
                out.write(upload.read())
        """

    assert findings(tmp_path, {"proj/views.py": views}) == {("local-disk-write", "proj/views.py:25")}


def test_a_default_in_code_is_fine_for_a_local_service_but_not_for_a_secret(tmp_path: Path) -> None:
    settings = """\
        import os
        SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only")
        CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")
        EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
        """
    example = "SECRET_KEY=local\nCELERY_BROKER_URL=redis://localhost:6379/0\n# EMAIL_HOST_PASSWORD=\n"

    assert findings(tmp_path, {"proj/settings.py": settings, ".env.example": example}) == {
        ("secret-in-settings", "proj/settings.py:2")}


def test_a_variable_missing_from_env_example_is_reported_once_where_it_is_first_read(tmp_path: Path) -> None:
    files = {"proj/a.py": 'import os\nA = os.getenv("FEATURE_X")\n',
             "proj/b.py": 'import environ\nenv = environ.Env()\nB = env.bool("FEATURE_X", default=False)\n'}

    assert findings(tmp_path, files) == {("env-undocumented", "proj/a.py:2")}


def test_only_the_process_stderr_counts_not_a_stream_named_stderr(tmp_path: Path) -> None:
    tools = """\
        from sys import stderr as err


        def report(stderr):
            stderr.write("handed in by a management command")


        def warn():
            err.write("straight to the process's stderr")
        """

    assert findings(tmp_path, {"proj/tools.py": tools}) == {("stderr-print", "proj/tools.py:9")}
