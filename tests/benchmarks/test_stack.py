"""What the benchmark starts: commands from the Procfile, the kit's route table, nginx's configuration."""

import re

from benchmarks import stack
from benchmarks.processes import read_dotenv, read_procfile


def test_read_procfile_maps_names_to_commands(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text("# comment\nweb: exec gunicorn a:b --bind 0.0.0.0:$PORT\n\nrelease: exec python m.py\n")
    assert read_procfile(procfile) == {"web": "exec gunicorn a:b --bind 0.0.0.0:$PORT",
                                       "release": "exec python m.py"}


def test_read_dotenv_skips_comments_and_strips_quotes(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("# a comment\nA=1\nB='two'\n\n# C=3\n")
    assert read_dotenv(dotenv) == {"A": "1", "B": "two"}


def test_monolith_command_prefers_the_monolith_line_once_the_proxy_has_web():
    assert stack.monolith_command({"web": "proxy", "monolith": "mono"}) == "mono"
    assert stack.monolith_command({"web": "mono"}) == "mono"


def test_port_env_sets_every_port_variable_the_command_binds_with():
    command = "PORT=$MONOLITH_PORT SERVICE_NAME=monolith exec gunicorn --bind 0.0.0.0:${ADMIN_PORT}"
    assert stack.port_env(command, 8123) == {"PORT": "8123", "MONOLITH_PORT": "8123", "ADMIN_PORT": "8123"}
    assert stack.port_env("exec gunicorn app", 8123) == {"PORT": "8123"}


def test_kit_command_comes_from_the_web_line_when_it_starts_the_proxy():
    web = "exec gunicorn -c python:strangler_proxy.gunicorn_conf strangler_proxy.app:application"
    assert stack.kit_command({"web": web, "monolith": "x"}) == (web, "the Procfile's web line")


def test_without_a_web_line_starting_the_proxy_the_kit_is_skipped_and_says_why():
    command, source = stack.kit_command({"web": "exec gunicorn monolith.concierge.wsgi"})
    assert command is None and "does not start strangler_proxy" in source


def test_the_real_procfile_names_a_monolith_command():
    command = stack.monolith_command(read_procfile(stack.ROOT / "Procfile"))
    assert "monolith.concierge.wsgi" in command


def test_the_kits_route_table_keeps_limits_on_but_out_of_reach():
    given = '[plans]\nanonymous = { rate = 50, burst = 100 }\nbasic = { rate = 5, burst = 10 }\n'
    text, changed = stack.unlimited_anonymous_plan(given)
    assert changed
    assert stack.UNLIMITED_ANONYMOUS_PLAN in text
    assert "basic = { rate = 5, burst = 10 }" in text


def test_a_route_table_without_an_anonymous_plan_is_left_as_it_is():
    assert stack.unlimited_anonymous_plan("[plans]\nbasic = { rate = 5, burst = 10 }\n")[1] is False


def test_the_real_route_table_has_an_anonymous_plan_to_raise():
    routes = stack.ROOT / "strangler_proxy" / "routes.toml"
    assert stack.unlimited_anonymous_plan(routes.read_text())[1]


def test_nginx_conf_pools_upstream_connections_and_logs_each_request(tmp_path):
    conf = stack.nginx_conf(workdir=tmp_path, port=8081, upstream_port=8000)
    assert "server 127.0.0.1:8000;" in conf and "keepalive 32;" in conf
    assert "proxy_http_version 1.1;" in conf and 'proxy_set_header Connection "";' in conf
    assert re.search(rf"access_log {tmp_path}/nginx-access.log main buffer=", conf)
    assert "listen 127.0.0.1:8081;" in conf
    assert conf.count("{") == conf.count("}")
