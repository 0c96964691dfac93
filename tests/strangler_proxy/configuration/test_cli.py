import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
VALID = """
[upstreams.monolith]
url_env = "MONOLITH_URL"

[upstreams.catalog]
url_env = "CATALOG_URL"

[plans]
anonymous = { rate = 50, burst = 100 }

[[routes]]
id = "products"
prefix = "/v1/products"
methods = ["GET"]
headers = { "x-canary" = "1" }
upstream = "catalog"
read_timeout = 5
anonymous_plan = "anonymous"

[[routes]]
id = "default"
prefix = "/"
upstream = "monolith"
"""
URLS = {"MONOLITH_URL": "http://127.0.0.1:8000", "CATALOG_URL": "http://127.0.0.1:8002/"}


def check(*arguments: str, environ: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `strangler check ...` with the environment's URLs replaced."""
    base = {key: value for key, value in os.environ.items() if key not in (*URLS, "ROUTES_FILE")}
    return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "check", *arguments],
                          cwd=ROOT, env=base | (environ or {}), capture_output=True, text=True, timeout=60)


@pytest.fixture
def table_file(tmp_path: Path) -> Path:
    path = tmp_path / "routes.toml"
    path.write_text(VALID)
    return path


def test_a_valid_table_prints_the_resolved_routes_aligned_and_exits_0(table_file):
    result = check("--routes", str(table_file), environ=URLS)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("ROUTE"))
    products = next(line for line in lines if line.lstrip().startswith("products"))
    assert header.split() == ["ROUTE", "PREFIX", "METHODS", "HEADERS", "UPSTREAM", "CONNECT", "READ", "PLAN", "LOGIN"]
    assert products.split() == ["products", "/v1/products", "GET", "x-canary=1", "catalog", "->",
                                "http://127.0.0.1:8002", "1s", "5s", "anonymous", "-"]
    assert header.index("PREFIX") == products.index("/v1/products")
    assert header.index("UPSTREAM") == products.index("catalog ->")


def test_json_prints_the_resolved_table(table_file):
    result = check("--routes", str(table_file), "--json", environ=URLS)

    assert result.returncode == 0, result.stderr
    resolved = json.loads(result.stdout)
    assert resolved["routes"][0] == {
        "id": "products", "prefix": "/v1/products", "methods": ["GET"], "headers": {"x-canary": "1"},
        "upstream": "catalog", "url": "http://127.0.0.1:8002", "connect_timeout": 1.0, "read_timeout": 5.0,
        "anonymous_plan": "anonymous", "login_required": False, "exclusive": False, "candidate": None,
    }
    assert resolved["upstreams"]["monolith"] == {"url": "http://127.0.0.1:8000", "url_env": "MONOLITH_URL",
                                                 "health_path": "/healthz"}


def test_an_invalid_table_prints_every_error_and_exits_1(table_file):
    table_file.write_text(VALID.replace('upstream = "catalog"', 'upstream = "catlog"'))

    result = check("--routes", str(table_file), environ={"MONOLITH_URL": "http://127.0.0.1:8000"})

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"route table {table_file} is invalid (2 errors):",
        "  - upstream 'catalog': environment variable CATALOG_URL is not set; "
        "set it to the service's base URL, e.g. http://127.0.0.1:8002",
        "  - route 'products' names upstream 'catlog'; known upstreams: monolith, catalog",
    ]


def test_json_prints_the_errors_as_json_and_exits_1(tmp_path):
    result = check("--routes", str(tmp_path / "nope.toml"), "--json", environ=URLS)

    assert result.returncode == 1
    assert json.loads(result.stdout)["errors"][0].startswith(f"{tmp_path / 'nope.toml'} does not exist")


def test_without_routes_it_checks_the_table_routes_file_names(table_file):
    result = check(environ=URLS | {"ROUTES_FILE": str(table_file)})

    assert result.returncode == 0, result.stderr
    assert f"route table {table_file}" in result.stdout


def test_without_routes_or_routes_file_it_checks_the_shipped_table():
    result = check(environ={"MONOLITH_URL": "http://127.0.0.1:8000", "CHECKOUT_URL": "http://127.0.0.1:8010",
                            "CATALOG_UPSTREAM_URL": "http://127.0.0.1:8020"})

    assert result.returncode == 0, result.stderr
    assert "strangler_proxy/routes.toml" in result.stdout.splitlines()[0]


def test_the_installed_strangler_console_script_runs_the_same_command(table_file):
    script = Path(sys.executable).parent / "strangler"
    base = {key: value for key, value in os.environ.items() if key not in (*URLS, "ROUTES_FILE")}
    result = subprocess.run([str(script), "check", "--routes", str(table_file), "--json"], env=base | URLS,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert [route["id"] for route in json.loads(result.stdout)["routes"]] == ["products", "default"]


def test_an_env_file_supplies_what_the_environment_lacks_and_the_environment_wins(table_file, tmp_path):
    env_file = tmp_path / "proxy.env"
    env_file.write_text("# the proxy's variables\nMONOLITH_URL=http://127.0.0.1:9999\nCATALOG_URL=http://127.0.0.1:8002\n")
    base = {key: value for key, value in os.environ.items() if key not in (*URLS, "ROUTES_FILE")}
    result = subprocess.run([sys.executable, "-m", "strangler_proxy.cli", "--env-file", str(env_file), "check",
                             "--routes", str(table_file), "--json"], env=base | {"MONOLITH_URL": "http://127.0.0.1:8000"},
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["upstreams"]["monolith"]["url"] == "http://127.0.0.1:8000"
    assert json.loads(result.stdout)["upstreams"]["catalog"]["url"] == "http://127.0.0.1:8002"
