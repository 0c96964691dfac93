"""The task definitions, services and release task, as the ECS API takes them (boto3's keyword arguments,
and the AWS CLI's `--cli-input-json`).

One task definition per deployable process type, all on the same image, each container running its
Procfile command. Web processes map the port they bind and carry a health check (and, with a Service
Connect namespace, are published under their process name: http://monolith:8001); every container logs
stdout to CloudWatch (`awslogs`: one group per app, one stream prefix per process). Workers are services
without a load balancer; the scheduler (Celery beat) is a service of exactly one task that is stopped
before its replacement starts, so two never overlap; `release` is a one-off task, never a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strangler_deploy.ecs.drain import stop_timeout
from strangler_deploy.ecs.errors import ConfigurationError
from strangler_deploy.ecs.target import Target
from strangler_deploy.ecs.values import Values
from strangler_deploy.procfile import Kind, Process

Json = dict[str, Any]

# Rolling deploys start a replacement before the old task stops; the scheduler's does the reverse.
_ROLLING = {"maximumPercent": 200, "minimumHealthyPercent": 100,
            "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
_ONE_AT_A_TIME = {"maximumPercent": 100, "minimumHealthyPercent": 0,
                  "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
_DEPLOYED_AS_SERVICE = (Kind.WEB, Kind.WORKER, Kind.SCHEDULER)


@dataclass(frozen=True)
class Rendering:
    task_definitions: dict[str, Json]   # process -> RegisterTaskDefinition's input
    services: dict[str, Json]           # process -> CreateService's input (without the cluster)
    release: Json | None                # RunTask's input for the release process (without the cluster)
    release_process: str | None         # its name in the Procfile
    pinned_counts: dict[str, int]       # process -> the count every deploy sets (the scheduler's 1, --count)
    not_deployed: tuple[str, ...]       # local stand-ins (Kind.LOCAL)
    unset: tuple[str, ...]              # documented variables left to the code's default

    def as_dict(self) -> Json:
        return {"taskDefinitions": self.task_definitions, "services": self.services,
                "releaseTask": self.release, "notDeployed": list(self.not_deployed),
                "leftToCodeDefaults": list(self.unset)}


def render(processes: list[Process], values: Values, target: Target) -> Rendering:
    """Every deployable process of the Procfile as ECS input; ConfigurationError if the target's counts or
    target groups name processes that cannot take them."""
    deployable = [process for process in processes if process.kind is not Kind.LOCAL]
    problems = _count_problems(deployable, target) + _target_group_problems(deployable, target)
    if problems:
        raise ConfigurationError(problems)
    release = next((process for process in deployable if process.kind is Kind.RELEASE), None)
    return Rendering(
        task_definitions={process.name: task_definition(process, values, target) for process in deployable},
        services={process.name: service(process, values, target)
                  for process in deployable if process.kind in _DEPLOYED_AS_SERVICE},
        release=None if release is None else release_task(release, target),
        release_process=None if release is None else release.name,
        pinned_counts={**target.counts, **{p.name: 1 for p in deployable if p.kind is Kind.SCHEDULER}},
        not_deployed=tuple(process.name for process in processes if process.kind is Kind.LOCAL),
        unset=values.unset,
    )


def task_definition(process: Process, values: Values, target: Target) -> Json:
    definition: Json = {
        "family": target.family(process.name),
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": str(target.cpu),
        "memory": str(target.memory),
        "executionRoleArn": target.execution_role_arn,
        "containerDefinitions": [container(process, values, target)],
    }
    if target.task_role_arn:
        definition["taskRoleArn"] = target.task_role_arn
    return definition


def container(process: Process, values: Values, target: Target) -> Json:
    environment = dict(values.plain)
    if process.port_variable:
        environment[process.port_variable] = str(values.ports[process.port_variable])
    definition: Json = {
        "name": process.name,
        "image": target.image,
        "essential": True,
        "command": container_command(process),
        "memory": target.memory,  # the container may use the whole task
        "environment": [{"name": name, "value": value} for name, value in sorted(environment.items())],
        "secrets": [{"name": name, "valueFrom": arn} for name, arn in sorted(values.secrets.items())],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": target.log_group, "awslogs-region": target.region,
            "awslogs-stream-prefix": process.name}},
        "stopTimeout": stop_timeout(process),
    }
    if process.port_variable:
        port = values.ports[process.port_variable]
        # The name is what Service Connect publishes the port under.
        definition["portMappings"] = [{"name": process.name, "containerPort": port, "protocol": "tcp",
                                       "appProtocol": "http"}]
        definition["healthCheck"] = health_check(process)
    return definition


def container_command(process: Process) -> list[str]:
    """The process type: the image's entrypoint (docker/entrypoint.sh) runs its line of the Procfile
    baked into the image with `sh -c`, as honcho and Heroku do."""
    return [process.name]


def health_check(process: Process) -> Json:
    """The image's own check (strangler_deploy.health): GET the process's health path, which answers from
    memory, on 127.0.0.1 at the port its variable names."""
    return {"command": ["CMD", "python", "-m", "strangler_deploy.health", process.name],
            "interval": 15, "timeout": 10, "retries": 3, "startPeriod": 30}


def service(process: Process, values: Values, target: Target) -> Json:
    scheduler = process.kind is Kind.SCHEDULER
    definition: Json = {
        "serviceName": target.family(process.name),
        "taskDefinition": target.family(process.name),  # the family's latest revision
        "desiredCount": 1 if scheduler else target.counts.get(process.name, 1),
        "launchType": "FARGATE",
        "networkConfiguration": network(target),
        "deploymentConfiguration": _ONE_AT_A_TIME if scheduler else _ROLLING,
    }
    if target.namespace:
        definition["serviceConnectConfiguration"] = service_connect(process, values, target.namespace)
    target_group = target.target_groups.get(process.name)
    if target_group:
        definition["loadBalancers"] = [{"targetGroupArn": target_group, "containerName": process.name,
                                        "containerPort": values.ports[str(process.port_variable)]}]
        definition["healthCheckGracePeriodSeconds"] = 60
    return definition


def service_connect(process: Process, values: Values, namespace: str) -> Json:
    """Every service is a Service Connect client; a web process is also published under its process
    name and port, so the others reach it as http://monolith:8001 (MONOLITH_URL, CATALOG_URL, ...)."""
    if process.port_variable is None:
        return {"enabled": True, "namespace": namespace}
    port = values.ports[process.port_variable]
    return {"enabled": True, "namespace": namespace, "services": [{
        "portName": process.name, "discoveryName": process.name,
        "clientAliases": [{"port": port, "dnsName": process.name}]}]}


def release_task(process: Process, target: Target) -> Json:
    return {"taskDefinition": target.family(process.name), "launchType": "FARGATE", "count": 1,
            "startedBy": f"{target.app}-release"[:36], "networkConfiguration": network(target)}


def network(target: Target) -> Json:
    return {"awsvpcConfiguration": {"subnets": list(target.subnets), "securityGroups": list(target.security_groups),
                                    "assignPublicIp": "ENABLED" if target.assign_public_ip else "DISABLED"}}


def _count_problems(deployable: list[Process], target: Target) -> list[str]:
    kinds = {process.name: process.kind for process in deployable}
    problems = []
    for name, count in target.counts.items():
        if kinds.get(name) not in _DEPLOYED_AS_SERVICE:
            problems.append(f"--count {name}={count}: not a process that runs as a service "
                            f"({', '.join(n for n, k in kinds.items() if k in _DEPLOYED_AS_SERVICE)})")
        elif kinds[name] is Kind.SCHEDULER and count != 1:
            problems.append(f"--count {name}={count}: the scheduler runs as exactly one task (two would "
                            "send every periodic job twice)")
    return problems


def _target_group_problems(deployable: list[Process], target: Target) -> list[str]:
    web = [process.name for process in deployable if process.kind is Kind.WEB]
    return [f"--target-group {name}=...: only web processes take a load balancer ({', '.join(web)})"
            for name in target.target_groups if name not in web]
