"""`strangler deploy ecs render`: the kit's own Procfile and .env.example rendered for ECS, every
expectation computed from those two files (a process or variable added there is checked here too)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from strangler_deploy.procfile import Kind
from strangler_proxy.cli.app import strangler
from tests.deploy.ecs_support import (
    IMAGE,
    REGION,
    SECRETS_PATH,
    SECRETS_PREFIX,
    deployable,
    processes,
    production_values,
    render_arguments,
    secret_names,
    variables,
    write_env_file,
)

SERVICE_KINDS = (Kind.WEB, Kind.WORKER, Kind.SCHEDULER)


def _invoke(arguments: list[str]) -> Result:
    return CliRunner().invoke(strangler, arguments, env={"AWS_DEFAULT_REGION": REGION, "AWS_REGION": None})


def _render(tmp_path: Path, values: dict[str, str] | None = None, *extra: str) -> dict[str, Any]:
    result = _invoke([*render_arguments(write_env_file(tmp_path, values or production_values())), *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _container(rendering: dict[str, Any], process: str) -> dict[str, Any]:
    return rendering["taskDefinitions"][process]["containerDefinitions"][0]  # type: ignore[no-any-return]


def _environment(container: dict[str, Any]) -> dict[str, str]:
    return {entry["name"]: entry["value"] for entry in container["environment"]}


def test_every_deployable_process_has_a_task_definition_and_local_stand_ins_are_named_as_not_deployed(tmp_path):
    rendering = _render(tmp_path)
    assert set(rendering["taskDefinitions"]) == {process.name for process in deployable()}
    assert rendering["notDeployed"] == [p.name for p in processes() if p.kind is Kind.LOCAL]
    assert set(rendering["services"]) == {p.name for p in processes() if p.kind in SERVICE_KINDS}
    [release] = [p for p in processes() if p.kind is Kind.RELEASE]
    assert rendering["releaseTask"]["taskDefinition"] == f"concierge-{release.name}"
    assert release.name not in rendering["services"]


def test_every_container_runs_its_process_type_on_the_one_image(tmp_path):
    rendering = _render(tmp_path)
    for process in deployable():
        definition = rendering["taskDefinitions"][process.name]
        container = _container(rendering, process.name)
        assert definition["family"] == f"concierge-{process.name}"
        assert definition["requiresCompatibilities"] == ["FARGATE"] and definition["networkMode"] == "awsvpc"
        assert container["image"] == IMAGE
        # docker/entrypoint.sh runs the named process type's Procfile line.
        assert container["command"] == [process.name]
        assert f"\n{process.name}:" in "\n" + (Path(__file__).parents[2] / "Procfile").read_text()


def test_web_processes_map_the_port_they_bind_and_are_health_checked(tmp_path):
    rendering = _render(tmp_path)
    local_defaults = {v.name: v.local_default for v in variables()}
    for process in deployable():
        container = _container(rendering, process.name)
        if process.kind is not Kind.WEB:
            assert "portMappings" not in container and "healthCheck" not in container, process.name
            continue
        port = _environment(container)[str(process.port_variable)]
        assert port == local_defaults[str(process.port_variable)]
        assert container["portMappings"] == [{"name": process.name, "containerPort": int(port), "protocol": "tcp",
                                              "appProtocol": "http"}]
        assert container["healthCheck"]["command"] == ["CMD", "python", "-m", "strangler_deploy.health", process.name]


def test_secrets_are_references_to_the_store_and_their_values_appear_nowhere(tmp_path):
    rendering = _render(tmp_path)
    text = json.dumps(rendering)
    local_secret_values = [v.local_default for v in variables() if v.secret and v.local_default]
    assert local_secret_values and not [value for value in local_secret_values if value in text]
    for process in deployable():
        container = _container(rendering, process.name)
        references = {entry["name"]: entry["valueFrom"] for entry in container["secrets"]}
        assert references == {name: f"{SECRETS_PREFIX}{name}" for name in secret_names()}
        assert not secret_names() & set(_environment(container))


def test_only_the_env_files_values_are_deployed_never_the_local_defaults(tmp_path):
    """.env.example's local values (ENVIRONMENT=development, SECURE_SSL_REDIRECT=false) stay local."""
    values = production_values() | {"LOG_LEVEL": "WARNING", "CELERY_BROKER_URL": "sqs://"}  # documented commented out
    rendering = _render(tmp_path, values)
    for process in deployable():
        environment = _environment(_container(rendering, process.name))
        own_port = {process.port_variable} if process.port_variable else set()
        assert set(environment) - own_port == set(values)
        assert all(environment[name] == value for name, value in values.items())
    left = set(rendering["leftToCodeDefaults"])
    assert {"SECURE_SSL_REDIRECT", "DEBUG"} <= left and not left & set(values)


def test_required_variables_missing_from_the_env_file_are_refused_by_name(tmp_path):
    required = [v.name for v in variables() if v.required and not v.secret]  # in file order
    values = {name: value for name, value in production_values().items() if name not in required}
    out = tmp_path / "ecs"
    result = _invoke([*render_arguments(write_env_file(tmp_path, values)), "--out", str(out)])
    assert result.exit_code == 1
    assert f"required variables missing from the env file: {', '.join(required)}" in result.output
    assert not out.exists()


@pytest.mark.parametrize(("name", "value"), [
    ("SECRET_KEY", "a-real-production-key-that-must-not-land-in-a-task-definition"),
    ("CELERY_BROKER_URL", "amqp://concierge:hunter2@rabbit.internal:5672/"),  # a URL with a password
])
def test_a_secret_value_in_the_env_file_is_refused(tmp_path, name, value):
    result = _invoke(render_arguments(write_env_file(tmp_path, production_values() | {name: value})))
    assert result.exit_code == 1
    assert f"{name} holds a secret" in result.output and f"{SECRETS_PATH}{name}" in result.output
    assert value not in result.output


def test_a_documented_variable_can_be_referenced_as_a_secret_and_an_undocumented_one_is_refused(tmp_path):
    rendering = _render(tmp_path, None, "--secret", "CELERY_BROKER_URL")
    references = {entry["name"]: entry["valueFrom"] for entry in _container(rendering, "web")["secrets"]}
    assert references["CELERY_BROKER_URL"] == f"{SECRETS_PREFIX}CELERY_BROKER_URL"
    result = _invoke(render_arguments(write_env_file(tmp_path, production_values() | {"REDIS_ULR": "redis://x"})))
    assert result.exit_code == 1 and "REDIS_ULR (in the env file) is not in .env.example" in result.output


def test_a_local_stand_ins_variable_in_the_env_file_is_refused(tmp_path):
    [name, *_] = [v.name for v in variables() if "local stand-in" in v.section and not v.secret]
    result = _invoke(render_arguments(write_env_file(tmp_path, production_values() | {name: "1"})))
    assert result.exit_code == 1 and f"{name} (in the env file) is read only by a local stand-in" in result.output


def test_health_checks_need_the_loopback_among_the_allowed_hosts(tmp_path):
    values = production_values() | {"ALLOWED_HOSTS": "shop.example.com"}
    result = _invoke(render_arguments(write_env_file(tmp_path, values)))
    assert result.exit_code == 1 and "127.0.0.1 among the hosts" in result.output


def test_each_process_may_take_longer_to_stop_than_it_drains(tmp_path, monkeypatch):
    """gunicorn's graceful timeout is read here by importing the configuration, as gunicorn does."""
    monkeypatch.setenv("PORT", "8000")
    rendering = _render(tmp_path)
    for process in deployable():
        stop_timeout = _container(rendering, process.name)["stopTimeout"]
        assert stop_timeout <= 120  # ECS's maximum
        if process.kind is Kind.WEB:
            module = process.command.split("-c python:", 1)[1].split()[0]
            assert stop_timeout > importlib.import_module(module).graceful_timeout, process.name
        elif process.kind is Kind.WORKER:
            assert stop_timeout == 120, process.name


def test_workers_have_no_load_balancer_and_the_scheduler_runs_exactly_one_task_at_a_time(tmp_path):
    [web] = [p.name for p in processes() if p.kind is Kind.WEB][:1]
    group = f"arn:aws:elasticloadbalancing:{REGION}:123456789012:targetgroup/concierge-web/0123456789abcdef"
    rendering = _render(tmp_path, None, "--target-group", f"{web}={group}")
    for process in processes():
        service = rendering["services"].get(process.name)
        if process.kind is Kind.WORKER:
            assert "loadBalancers" not in service and service["desiredCount"] == 1
        if process.kind is Kind.SCHEDULER:
            assert service["desiredCount"] == 1
            assert service["deploymentConfiguration"]["maximumPercent"] == 100
            assert service["deploymentConfiguration"]["minimumHealthyPercent"] == 0
    assert rendering["services"][web]["loadBalancers"][0]["targetGroupArn"] == group
    schedulers = [p.name for p in processes() if p.kind is Kind.SCHEDULER]
    assert schedulers
    for beat in schedulers:
        result = _invoke([*render_arguments(write_env_file(tmp_path, production_values())), "--count", f"{beat}=2"])
        assert result.exit_code == 1 and "exactly one task" in result.output


def test_with_a_namespace_each_web_process_is_reachable_by_its_name_and_port(tmp_path):
    rendering = _render(tmp_path, None, "--namespace", "concierge")
    for process in processes():
        service = rendering["services"].get(process.name)
        if service is None:
            continue
        connect = service["serviceConnectConfiguration"]
        assert connect["enabled"] and connect["namespace"] == "concierge"
        if process.kind is Kind.WEB:
            port = _container(rendering, process.name)["portMappings"][0]["containerPort"]
            assert connect["services"] == [{"portName": process.name, "discoveryName": process.name,
                                            "clientAliases": [{"port": port, "dnsName": process.name}]}]
        else:
            assert "services" not in connect
    without = _render(tmp_path)["services"]
    assert not [name for name, service in without.items() if "serviceConnectConfiguration" in service]


def test_logs_go_to_one_group_per_app_with_a_stream_prefix_per_process(tmp_path):
    rendering = _render(tmp_path)
    for process in deployable():
        options = _container(rendering, process.name)["logConfiguration"]
        assert options == {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/concierge", "awslogs-region": REGION, "awslogs-stream-prefix": process.name}}


def test_out_writes_one_aws_cli_input_per_call(tmp_path):
    out = tmp_path / "ecs"
    arguments = [*render_arguments(write_env_file(tmp_path, production_values())), "--out", str(out)]
    result = _invoke([*arguments, "--cluster", "production", "--json"])
    assert result.exit_code == 0, result.output
    release = next(p.name for p in processes() if p.kind is Kind.RELEASE)
    expected = ({f"{p.name}.task-definition.json" for p in deployable()}
                | {f"{p.name}.service.json" for p in processes() if p.kind in SERVICE_KINDS}
                | {f"{release}.run-task.json"})
    assert {path.name for path in out.iterdir()} == expected
    assert sorted(json.loads(result.stdout)["files"]) == sorted(str(out / name) for name in expected)
    for name in expected - {n for n in expected if n.endswith(".task-definition.json")}:
        assert json.loads((out / name).read_text())["cluster"] == "production"


@pytest.mark.parametrize(("option", "value", "says"), [
    ("--secrets-prefix", "arn:aws:ssm:eu-west-1:123456789012:parameter/concierge/", "ECS reads secrets from the task's region"),
    ("--secrets-prefix", "/concierge/production/", "an SSM parameter path ARN"),
    ("--secrets-prefix", "arn:aws:secretsmanager:us-east-1:123456789012:secret:concierge/", "full ARN"),
    ("--image", "", "--image: the image URI"),
    ("--execution-role-arn", "concierge-task-execution", "an IAM role ARN"),
])
def test_a_target_that_cannot_deploy_is_refused_with_its_fix(tmp_path, option, value, says):
    arguments = render_arguments(write_env_file(tmp_path, production_values()))
    arguments[arguments.index(option) + 1] = value
    result = _invoke(arguments)
    assert result.exit_code == 1 and says in result.output


def test_aws_region_alone_names_the_region(tmp_path):
    """botocore reads only AWS_DEFAULT_REGION; AWS_REGION (what ECS tasks and newer SDKs set) works too."""
    arguments = render_arguments(write_env_file(tmp_path, production_values()))
    result = CliRunner().invoke(strangler, arguments, env={"AWS_DEFAULT_REGION": None, "AWS_REGION": REGION})
    assert result.exit_code == 0, result.output
    container = json.loads(result.stdout)["taskDefinitions"]["web"]["containerDefinitions"][0]
    assert container["logConfiguration"]["options"]["awslogs-region"] == REGION
