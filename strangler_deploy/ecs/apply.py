"""Apply a rendering through boto3: check, register, release, then services; stop at the first failure.

The order is the release phase's contract: task definitions are registered first (registering changes
nothing that runs), then the release task runs on its new revision and must stop with exit code 0, and
only then are the services created or moved to their new revisions. A failed or unfinished release leaves
every service on what it ran before.

"Exit code 0" is read from the stopped task's containers: each must report `exitCode` 0. A container
without an exit code never ran (image pull or secret resolution failed), which is a failure too.

The region, credentials and endpoint come from the environment as boto3 reads them (AWS_REGION or
AWS_DEFAULT_REGION, AWS_PROFILE or the key variables, AWS_ENDPOINT_URL for an emulator).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from strangler_deploy.ecs.errors import ApplyError, ReleaseFailed
from strangler_deploy.ecs.render import Json, Rendering
from strangler_deploy.ecs.target import Target

Report = Callable[[str], None]


@dataclass(frozen=True)
class Waiting:
    """How the release task is waited for: a describe every `interval` seconds until `timeout`."""
    interval: float = 6.0
    timeout: float = 1800.0


@dataclass
class Applied:
    task_definitions: dict[str, str] = field(default_factory=dict)  # process -> registered revision's ARN
    release_task: str | None = None                                 # the release task's ARN
    services: dict[str, str] = field(default_factory=dict)          # process -> "created" or "updated"

    def as_dict(self) -> Json:
        return {"taskDefinitions": self.task_definitions, "releaseTask": self.release_task,
                "services": self.services}


def apply(rendering: Rendering, target: Target, *, cluster: str, session: boto3.session.Session,
          waiting: Waiting, report: Report) -> Applied:
    with _aws("reading the AWS credentials"):
        credentials = session.get_credentials()
    if credentials is None:
        raise ApplyError("no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; "
                         "nothing was changed")
    ecs = session.client("ecs")
    check_cluster(ecs, cluster)
    check_secrets(session, rendering, target)
    ensure_log_group(session.client("logs"), target.log_group)
    applied = Applied()
    for process, definition in rendering.task_definitions.items():
        with _aws(f"registering the task definition of {process!r}"):
            registered = ecs.register_task_definition(**definition)["taskDefinition"]
        applied.task_definitions[process] = registered["taskDefinitionArn"]
        report(f"registered {registered['taskDefinitionArn']}")
    if rendering.release is not None:
        applied.release_task = run_release(ecs, cluster, rendering.release, waiting, report)
    existing = active_services(ecs, cluster, [service["serviceName"] for service in rendering.services.values()])
    for process, service in rendering.services.items():
        revision = applied.task_definitions[process]
        applied.services[process] = put_service(ecs, cluster, service, revision, existing,
                                                pinned_count=rendering.pinned_counts.get(process))
        report(f"{applied.services[process]} service {service['serviceName']} on {revision}")
    return applied


def check_cluster(ecs: Any, cluster: str) -> None:
    with _aws(f"looking up cluster {cluster!r}"):
        found = ecs.describe_clusters(clusters=[cluster])["clusters"]
    if not found or found[0]["status"] != "ACTIVE":
        raise ApplyError(f"cluster {cluster!r} does not exist (or is not ACTIVE) in this region: create it "
                         f"(aws ecs create-cluster --cluster-name {cluster}) or name another with --cluster; "
                         "nothing was changed")


def check_secrets(session: boto3.session.Session, rendering: Rendering, target: Target) -> None:
    """Every referenced secret exists, or the tasks could not start: refuse before anything changes."""
    names = sorted({secret["name"] for definition in rendering.task_definitions.values()
                    for secret in definition["containerDefinitions"][0]["secrets"]})
    missing = _missing_parameters(session, [target.secret_name(name) for name in names])
    if missing:
        raise ApplyError(f"not in SSM Parameter Store: {', '.join(missing)}; store each (or --omit-secret an "
                         "optional one) before deploying; nothing was changed")


def ensure_log_group(logs: Any, group: str) -> None:
    with _aws(f"creating the log group {group}"):
        try:
            logs.create_log_group(logGroupName=group)
        except ClientError as error:
            if error.response["Error"]["Code"] != "ResourceAlreadyExistsException":
                raise


def run_release(ecs: Any, cluster: str, release: Json, waiting: Waiting, report: Report) -> str:
    with _aws("starting the release task"):
        started = ecs.run_task(cluster=cluster, **release)
    if started["failures"] or not started["tasks"]:
        reasons = "; ".join(f"{f.get('arn', '')} {f.get('reason', '')}".strip() for f in started["failures"])
        raise ReleaseFailed(f"the release task did not start: {reasons or 'no task placed'}; no service was changed")
    task_arn = started["tasks"][0]["taskArn"]
    report(f"release task {task_arn} started; waiting for it to stop")
    task = wait_until_stopped(ecs, cluster, task_arn, waiting)
    failures = container_failures(task)
    if failures:
        reason = task.get("stoppedReason") or task.get("stopCode") or "no reason given"
        raise ReleaseFailed(f"the release task {task_arn} failed ({'; '.join(failures)}; {reason}); "
                            "no service was changed. Its output is in CloudWatch Logs under the release prefix")
    report(f"release task {task_arn} stopped with exit code 0")
    return task_arn


def wait_until_stopped(ecs: Any, cluster: str, task_arn: str, waiting: Waiting) -> Json:
    deadline = time.monotonic() + waiting.timeout
    while True:
        with _aws("reading the release task"):
            tasks = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])["tasks"]
        if tasks and tasks[0]["lastStatus"] == "STOPPED":
            return tasks[0]
        if time.monotonic() >= deadline:
            raise ReleaseFailed(f"the release task {task_arn} did not stop within {waiting.timeout:g} s; it was "
                                "left running (stop it with aws ecs stop-task if it hangs); no service was changed")
        time.sleep(waiting.interval)


def container_failures(task: Json) -> list[str]:
    """Why the stopped task did not succeed, one entry per container (empty: every container exited 0)."""
    failures = []
    for container in task.get("containers", []):
        code = container.get("exitCode")
        if code is None:
            failures.append(f"container {container.get('name')} never ran: {container.get('reason', 'no exit code')}")
        elif code != 0:
            failures.append(f"container {container.get('name')} exited with {code}")
    return failures or ([] if task.get("containers") else ["the task reported no containers"])


def active_services(ecs: Any, cluster: str, names: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(names), 10):  # DescribeServices takes ten at a time
        with _aws("reading the services"):
            described = ecs.describe_services(cluster=cluster, services=names[start:start + 10])["services"]
        found |= {service["serviceName"] for service in described if service["status"] == "ACTIVE"}
    return found


def put_service(ecs: Any, cluster: str, service: Json, revision: str, existing: set[str], *,
                pinned_count: int | None) -> str:
    """Create the service, or move it to the new revision. An update keeps the running count (an operator
    or an autoscaler may have changed it) unless the deploy pins it: the scheduler's 1, or a --count."""
    name = service["serviceName"]
    if name not in existing:
        with _aws(f"creating service {name}"):
            ecs.create_service(cluster=cluster, **{**service, "taskDefinition": revision})
        return "created"
    update = {key: value for key, value in service.items()
              if key not in ("serviceName", "launchType", "desiredCount", "taskDefinition")}
    if pinned_count is not None:
        update["desiredCount"] = pinned_count
    with _aws(f"updating service {name}"):
        ecs.update_service(cluster=cluster, service=name, taskDefinition=revision, **update)
    return "updated"


def _missing_parameters(session: boto3.session.Session, names: list[str]) -> list[str]:
    ssm = session.client("ssm")
    missing: list[str] = []
    for start in range(0, len(names), 10):  # GetParameters takes ten at a time
        with _aws("looking up the secrets in SSM Parameter Store"):
            missing += ssm.get_parameters(Names=names[start:start + 10])["InvalidParameters"]
    return missing


@contextmanager
def _aws(doing: str) -> Iterator[None]:
    """One place that turns boto3's errors into an ApplyError saying what was being done."""
    try:
        yield
    except ClientError as error:
        raise ApplyError(f"{doing}: {error.response['Error'].get('Code')}: "
                         f"{error.response['Error'].get('Message')}") from None
    except BotoCoreError as error:
        raise ApplyError(f"{doing}: {error}") from None
