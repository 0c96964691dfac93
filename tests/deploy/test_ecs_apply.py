"""`strangler deploy ecs render --apply` against moto's server mode over HTTP: the command runs in a
process of its own, as a user runs it, and everything is read back through boto3.

moto runs no container. Its tasks move RUNNING → STOPPED one step per DescribeTasks (its default state
transition), and each container reports exit code 0 unless a test sets another, playing the part of a
release command that failed. "The release must succeed" is checked as on AWS: the task reaches STOPPED
and every container reports exit code 0. moto ignores a service's deploymentConfiguration, so the
scheduler's 100 % / 0 % is checked in the rendering (test_ecs_render), not read back here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ecs.models import ecs_backends

from strangler_deploy.procfile import Kind
from strangler_proxy.cli.app import strangler as strangler_group
from tests.deploy.ecs_support import (
    IMAGE,
    REGION,
    SECRETS_PREFIX,
    Aws,
    aws_env,
    deployable,
    moto_aws,
    processes,
    production_values,
    render_arguments,
    secret_names,
    strangler,
    write_env_file,
)
from tests.support.processes import ROOT
from tests.support.waiting import wait_until

SERVICE_KINDS = (Kind.WEB, Kind.WORKER, Kind.SCHEDULER)
RELEASE = next(process.name for process in processes() if process.kind is Kind.RELEASE)


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    yield from moto_aws()


def _apply(aws: Aws, tmp_path, app: str, cluster: str, *extra: str, image: str = IMAGE,
           **env: str) -> subprocess.CompletedProcess[str]:
    arguments = render_arguments(write_env_file(tmp_path, production_values()), app=app, image=image,
                                 subnet=aws.subnet, security_group=aws.security_group)
    return strangler([*arguments, "--apply", "--cluster", cluster, "--poll-interval", "0.05", *extra],
                     aws_env(aws.endpoint, **env))


def _deployment(aws: Aws, app: str) -> Aws:
    aws.create_cluster(app)
    aws.store_secrets(secret_names())
    return aws


def _services(aws: Aws, app: str) -> dict[str, dict[str, Any]]:
    ecs = aws.client("ecs")
    arns = ecs.list_services(cluster=app)["serviceArns"]
    described = ecs.describe_services(cluster=app, services=arns)["services"] if arns else []
    return {service["serviceName"].removeprefix(f"{app}-"): service for service in described}


def _families(aws: Aws, app: str) -> list[str]:
    return aws.client("ecs").list_task_definition_families(familyPrefix=f"{app}-")["families"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def deployed(aws: Aws, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, subprocess.CompletedProcess[str]]:
    """One deployment of the kit, applied to a cluster of its own by the command in its own process."""
    app = "shop"
    _deployment(aws, app)
    aws.client("servicediscovery").create_http_namespace(Name=app)
    result = _apply(aws, tmp_path_factory.mktemp("shop"), app, app, "--namespace", app)
    assert result.returncode == 0, result.stderr
    return app, result


def test_apply_registers_every_process_on_the_one_image_with_its_settings(aws, deployed):
    app, _ = deployed
    ecs = aws.client("ecs")
    for process in deployable():
        definition = ecs.describe_task_definition(taskDefinition=f"{app}-{process.name}")["taskDefinition"]
        [container] = definition["containerDefinitions"]
        assert container["image"] == IMAGE and container["command"] == [process.name]
        environment = {entry["name"]: entry["value"] for entry in container["environment"]}
        assert not secret_names() & set(environment)
        assert environment["ENVIRONMENT"] == "production"
        assert {s["name"]: s["valueFrom"] for s in container["secrets"]} == {
            name: f"{SECRETS_PREFIX}{name}" for name in secret_names()}
        assert container["logConfiguration"]["options"] == {
            "awslogs-group": f"/ecs/{app}", "awslogs-region": REGION, "awslogs-stream-prefix": process.name}
        assert container["stopTimeout"] >= 30
        if process.kind is Kind.WEB:
            assert container["portMappings"][0]["containerPort"] == int(environment[str(process.port_variable)])
            assert container["healthCheck"]["command"][-1] == process.name
        else:
            assert "healthCheck" not in container and not container.get("portMappings")
    logs = aws.client("logs").describe_log_groups(logGroupNamePrefix=f"/ecs/{app}")["logGroups"]
    assert [group["logGroupName"] for group in logs] == [f"/ecs/{app}"]


def test_apply_creates_a_service_per_long_running_process_and_none_for_the_release(aws, deployed):
    app, _ = deployed
    services = _services(aws, app)
    assert set(services) == {p.name for p in processes() if p.kind in SERVICE_KINDS}
    for process in processes():
        if process.kind in SERVICE_KINDS:
            service = services[process.name]
            assert service["desiredCount"] == 1 and service["launchType"] == "FARGATE"
            assert service["taskDefinition"].endswith(f"task-definition/{app}-{process.name}:1")
        if process.kind is Kind.WORKER:
            assert services[process.name]["loadBalancers"] == []
    assert RELEASE not in services


def test_the_release_task_ran_on_its_new_revision_and_stopped_before_any_service_was_touched(aws, deployed):
    app, result = deployed
    ecs = aws.client("ecs")
    arns = ecs.list_tasks(cluster=app, family=f"{app}-{RELEASE}")["taskArns"]
    [task] = ecs.describe_tasks(cluster=app, tasks=arns)["tasks"]
    assert task["lastStatus"] == "STOPPED" and task["startedBy"] == f"{app}-release"
    assert task["taskDefinitionArn"].endswith(f"{app}-{RELEASE}:1")
    assert [container["exitCode"] for container in task["containers"]] == [0]
    # moto keeps no creation times for tasks; the command's own account gives the order.
    lines = result.stderr.splitlines()
    stopped = next(i for i, line in enumerate(lines) if "stopped with exit code 0" in line)
    first_service = next(i for i, line in enumerate(lines) if line.startswith("created service"))
    assert stopped < first_service


def test_a_release_that_exits_non_zero_fails_the_deploy_and_touches_no_service(aws, tmp_path):
    """The release task is held RUNNING until the test has made its container exit 1."""
    app = "failing-release"
    _deployment(aws, app)
    aws.set_task_transition({"progression": "manual", "times": 1_000_000})
    try:
        arguments = render_arguments(write_env_file(tmp_path, production_values()), app=app,
                                     subnet=aws.subnet, security_group=aws.security_group)
        command = subprocess.Popen(
            [sys.executable, "-m", "strangler_proxy.cli", *arguments, "--apply", "--cluster", app,
             "--poll-interval", "0.05"], cwd=ROOT, env=aws_env(aws.endpoint), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        tasks = ecs_backends[DEFAULT_ACCOUNT_ID][REGION].tasks
        wait_until(lambda: tasks.get(app), timeout=60, what="the release task to start")
        [task] = tasks[app].values()
        task.containers[0].exitCode = 1  # what ECS reports for a release command that failed
    finally:
        aws.set_task_transition(None)
    stdout, stderr = command.communicate(timeout=60)
    assert command.returncode == 1, stdout + stderr
    assert "exited with 1" in stderr and "no service was changed" in stderr
    assert _services(aws, app) == {}


# The other cases run the command in this process (same command group, same HTTP to moto): quicker.
def _apply_here(aws: Aws, tmp_path, app: str, cluster: str, *extra: str, image: str = IMAGE,
                **env: str | None) -> Result:
    arguments = render_arguments(write_env_file(tmp_path, production_values()), app=app, image=image,
                                 subnet=aws.subnet, security_group=aws.security_group)
    return CliRunner().invoke(strangler_group, [*arguments, "--apply", "--cluster", cluster, "--poll-interval", "0.05",
                                                *extra], env={**aws_env(aws.endpoint), **env})


def test_a_second_apply_moves_every_service_to_a_new_revision(aws, tmp_path):
    app = "redeploy"
    _deployment(aws, app)
    assert _apply_here(aws, tmp_path, app, app).exit_code == 0
    image = IMAGE.replace("1.4.2", "1.4.3")
    result = _apply_here(aws, tmp_path, app, app, "--json", image=image)
    assert result.exit_code == 0, result.output
    ecs = aws.client("ecs")
    for name, service in _services(aws, app).items():
        assert service["taskDefinition"].endswith(f"{app}-{name}:2"), name
        revision = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
        assert revision["containerDefinitions"][0]["image"] == image
    applied = json.loads(result.stdout)["applied"]
    assert applied["services"] == {name: "updated" for name in _services(aws, app)}
    assert applied["releaseTask"] and set(applied["taskDefinitions"]) == {p.name for p in deployable()}


def test_a_release_that_does_not_stop_in_time_fails_the_deploy_and_touches_no_service(aws, tmp_path):
    app = "hanging-release"
    _deployment(aws, app)
    aws.set_task_transition({"progression": "manual", "times": 1_000_000})
    try:
        result = _apply_here(aws, tmp_path, app, app, "--release-timeout", "0.5")
    finally:
        aws.set_task_transition(None)
    assert result.exit_code == 1
    assert "did not stop within 0.5 s" in result.output and "no service was changed" in result.output
    assert _services(aws, app) == {}


def test_a_missing_cluster_is_refused_before_anything_is_registered(aws, tmp_path):
    result = _apply_here(aws, tmp_path, "no-cluster", "no-such-cluster")
    assert result.exit_code == 1 and "cluster 'no-such-cluster' does not exist" in result.output
    assert _families(aws, "no-cluster") == []


def test_a_secret_missing_from_the_store_is_refused_before_anything_is_registered(aws, tmp_path):
    app = "missing-secret"
    _deployment(aws, app)
    missing = sorted(secret_names())[0]
    aws.client("ssm").delete_parameter(Name=f"/concierge/production/{missing}")
    try:
        result = _apply_here(aws, tmp_path, app, app)
    finally:
        aws.store_secrets({missing})
    assert result.exit_code == 1 and f"/concierge/production/{missing}" in result.output
    assert _families(aws, app) == []


def test_without_credentials_apply_says_so_and_changes_nothing(aws, tmp_path):
    result = _apply_here(aws, tmp_path, "no-credentials", "no-credentials", AWS_ACCESS_KEY_ID=None,
                         AWS_SECRET_ACCESS_KEY=None)
    assert result.exit_code == 1 and "no AWS credentials" in result.output
    assert _families(aws, "no-credentials") == []


def test_apply_needs_a_cluster(aws, tmp_path):
    arguments = render_arguments(write_env_file(tmp_path, production_values()))
    result = CliRunner().invoke(strangler_group, [*arguments, "--apply"], env=aws_env(aws.endpoint))
    assert result.exit_code == 2 and "--apply needs --cluster NAME" in result.output
