"""`strangler deploy ecs render`: the Procfile on ECS (Fargate), written as files or applied through boto3.

    strangler deploy ecs render --app concierge --image URI --env-file production.env \\
        --secrets-prefix arn:aws:ssm:REGION:ACCOUNT:parameter/concierge/production/ \\
        --execution-role-arn ARN --subnet SUBNET --security-group SG [--out DIR] [--apply --cluster NAME]

Without --out or --apply it prints the whole rendering as JSON. With --apply it registers the task
definitions, runs the release task until it stops with exit code 0, then creates or updates the services;
any failure exits 1 and leaves the services as they were.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from strangler_deploy.ecs.errors import ConfigurationError, EcsError
from strangler_deploy.ecs.files import rendered_files
from strangler_deploy.ecs.render import Rendering, render

if TYPE_CHECKING:  # boto3 is imported when the command runs, not for every `strangler` invocation
    import boto3

    from strangler_deploy.ecs.apply import Applied
from strangler_deploy.ecs.target import Target, target_problems
from strangler_deploy.ecs.values import documented_names, resolve_values
from strangler_deploy.environment import read_env_example
from strangler_deploy.files import write_files
from strangler_deploy.procfile import ProcfileError, read_procfile
from strangler_proxy.cli.output import print_json, print_line, print_table

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _pairs(convert: Callable[[str], object]) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], dict]:
    """A repeatable NAME=VALUE option as a dict."""
    def parse(_context: click.Context, parameter: click.Parameter, values: tuple[str, ...]) -> dict:
        pairs = {}
        for value in values:
            name, _, raw = value.partition("=")
            try:
                pairs[name] = convert(raw) if name and raw else convert("")
            except ValueError:
                raise click.BadParameter(f"{value!r}: give PROCESS=VALUE, e.g. {parameter.metavar}") from None
        return pairs
    return parse


@click.group()
def ecs() -> None:
    """ECS (Fargate): a task definition and a service per Procfile process, release as a one-off task."""


@ecs.command("render")
@click.option("--app", required=True, help="Names the task families and services (<app>-<process>) and the "
                                           "log group (/ecs/<app>).")
@click.option("--image", required=True, help="The image URI every process runs (one image, Heroku-style).")
@click.option("--env-file", required=True, type=_FILE,
              help="The target environment's values (NAME=value lines; not the local .env). Secrets never go here.")
@click.option("--secrets-prefix", required=True,
              help="The SSM parameter path holding the secrets, as an ARN: arn:aws:ssm:REGION:ACCOUNT:parameter/APP/ENV/; "
                   "each secret variable is referenced as prefix + NAME.")
@click.option("--execution-role-arn", required=True, help="The role ECS uses to pull the image, read the "
                                                          "secrets and write the logs.")
@click.option("--task-role-arn", help="The role the processes run as (SNS, SQS, S3 permissions).")
@click.option("--subnet", "subnets", multiple=True, required=True, help="A subnet the tasks run in (repeat).")
@click.option("--security-group", "security_groups", multiple=True, required=True,
              help="A security group of the tasks (repeat).")
@click.option("--namespace", help="A Cloud Map namespace for ECS Service Connect: each web process is then "
                                   "reachable from the others as http://<process>:<port> (e.g. http://monolith:8001).")
@click.option("--assign-public-ip", is_flag=True, help="Give each task a public IP (subnets without a NAT).")
@click.option("--cpu", type=int, default=512, show_default=True, help="CPU units per task.")
@click.option("--memory", type=int, default=1024, show_default=True, help="MiB per task.")
@click.option("--count", "counts", multiple=True, metavar="worker=3", callback=_pairs(int),
              help="Tasks of a process (default 1; set on every deploy when given, else kept on updates).")
@click.option("--target-group", "target_groups", multiple=True, metavar="web=arn:aws:elasticloadbalancing:...",
              callback=_pairs(str), help="Put a web process behind a load balancer's target group.")
@click.option("--omit-secret", "omitted_secrets", multiple=True,
              help="An optional secret not to reference (e.g. PROXY_METRICS_TOKEN where metrics stay private).")
@click.option("--secret", "extra_secrets", multiple=True,
              help="Reference this documented variable from the secret store too (CELERY_BROKER_URL with a password).")
@click.option("--root", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".",
              show_default=True, help="The checkout holding the Procfile and .env.example.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write one JSON file per task definition, service and the release task here.")
@click.option("--apply", "do_apply", is_flag=True,
              help="Register the task definitions, run the release task, then create or update the services.")
@click.option("--cluster", help="The ECS cluster (required with --apply; written into the files when given).")
@click.option("--release-timeout", type=float, default=1800, show_default=True,
              help="Seconds the release task may take before the deploy gives up on it.")
@click.option("--poll-interval", type=float, default=6, show_default=True,
              help="Seconds between looks at the release task.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written or applied as JSON.")
def render_command(root: Path, env_file: Path, out: Path | None, do_apply: bool,
                   cluster: str | None, release_timeout: float, poll_interval: float, as_json: bool,
                   **options: object) -> None:
    """Task definitions and services for every deployable process of the Procfile."""
    from botocore.exceptions import BotoCoreError

    from strangler_deploy.ecs.apply import Waiting, apply

    if do_apply and not cluster:
        raise click.UsageError("--apply needs --cluster NAME")
    try:
        session = _session(os.environ)
        target = _target(session, options)
        rendering = _render(root / "Procfile", root / ".env.example", env_file, target)
        written = [] if out is None else write_files(out, rendered_files(rendering, cluster))
    except (EcsError, ProcfileError, OSError, BotoCoreError) as error:
        raise click.ClickException(str(error)) from None
    applied = None
    if do_apply:
        report = (lambda _line: None) if as_json else (lambda line: click.echo(line, err=True))
        try:
            applied = apply(rendering, target, cluster=str(cluster), session=session,
                            waiting=Waiting(interval=poll_interval, timeout=release_timeout), report=report)
        except EcsError as error:
            raise click.ClickException(str(error)) from None
    _print(rendering, written, applied, as_json=as_json, whole=out is None and not do_apply)


def _session(environ: Mapping[str, str]) -> boto3.session.Session:
    """boto3's session, with AWS_REGION honoured as AWS's newer SDKs and ECS tasks do (botocore reads only
    AWS_DEFAULT_REGION and profiles)."""
    import boto3

    session = boto3.session.Session()
    if session.region_name or not environ.get("AWS_REGION"):
        return session
    return boto3.session.Session(region_name=environ["AWS_REGION"])


def _target(session: boto3.session.Session, options: dict[str, object]) -> Target:
    if not session.region_name:
        raise ConfigurationError(["no AWS region: set AWS_REGION or AWS_DEFAULT_REGION (or a profile's region)"])
    target = Target(region=session.region_name, **options)  # type: ignore[arg-type]  # click's typed options
    problems = target_problems(target)
    if problems:
        raise ConfigurationError(problems)
    return target


def _render(procfile: Path, env_example: Path, env_file: Path, target: Target) -> Rendering:
    processes = read_procfile(procfile)
    values = resolve_values(read_env_example(env_example), documented_names(env_example), read_env_example(env_file),
                            processes, target)
    return render(processes, values, target)


def _print(rendering: Rendering, written: list[Path], applied: Applied | None, *, as_json: bool,
           whole: bool) -> None:
    if whole:
        print_json(rendering.as_dict())
        return
    if as_json:
        print_json({"files": [str(path) for path in written], "applied": applied and applied.as_dict(),
                    "notDeployed": list(rendering.not_deployed), "leftToCodeDefaults": list(rendering.unset)})
        return
    if written:
        print_table("written", ["file"], [[str(path)] for path in written])
    if applied is not None:
        print_table("applied", ["process", "task definition", "service"],
                    [[name, arn, applied.services.get(name, "one-off task" if arn else "")]
                     for name, arn in applied.task_definitions.items()])
    print_line(f"not deployed (local stand-ins for platform services): {', '.join(rendering.not_deployed) or 'none'}")
    print_line(f"left to the code's defaults: {', '.join(rendering.unset) or 'none'}")
