"""What the operator names for one ECS deployment; everything else comes from the Procfile and .env.example."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# SSM parameters under a path (arn:aws:ssm:REGION:ACCOUNT:parameter/PATH/), in any partition. Secrets
# Manager is not offered: ECS takes only a secret's full ARN, whose random suffix no prefix can give.
_SECRETS_PREFIX = re.compile(r"^arn:aws[a-z-]*:ssm:(?P<region>[a-z0-9-]+):\d{12}:parameter(?P<path>/[A-Za-z0-9_.\-/]*)$")
_SECRETS_MANAGER = re.compile(r"^arn:aws[a-z-]*:secretsmanager:")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_APP = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
# Fargate's task sizes: cpu units -> the memory (MiB) it may have; any other pair is refused at registration.
_FARGATE_SIZES: dict[int, range] = {256: range(512, 2049, 512), 512: range(1024, 4097, 1024),
                                    1024: range(2048, 8193, 1024), 2048: range(4096, 16385, 1024),
                                    4096: range(8192, 30721, 1024)}


@dataclass(frozen=True)
class Target:
    app: str                      # names the task families (<app>-<process>), services and the log group
    image: str                    # one image for every process
    region: str                   # where the log group and the secrets live
    secrets_prefix: str           # SSM parameter path ARN; a secret's reference is this prefix + its variable name
    execution_role_arn: str       # lets ECS pull the image, read the secrets and write the logs
    task_role_arn: str | None = None      # what the processes themselves may call (SNS, SQS, S3)
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    assign_public_ip: bool = False
    cpu: int = 512
    memory: int = 1024
    counts: dict[str, int] = field(default_factory=dict)          # process -> desired count (default 1)
    target_groups: dict[str, str] = field(default_factory=dict)   # web process -> target group ARN
    omitted_secrets: tuple[str, ...] = ()  # optional secrets deliberately not referenced
    extra_secrets: tuple[str, ...] = ()    # documented variables referenced as secrets (a broker URL with a password)
    namespace: str | None = None           # Service Connect: web processes reachable as http://<process>:<port>

    @property
    def log_group(self) -> str:
        return f"/ecs/{self.app}"

    def secret_name(self, name: str) -> str:
        """The parameter's name in SSM (what `aws ssm put-parameter --name` takes)."""
        matched = _SECRETS_PREFIX.match(self.secrets_prefix)
        return f"{matched.group('path') if matched else ''}{name}"

    def family(self, process: str) -> str:
        return f"{self.app}-{process}"

    def secret_reference(self, name: str) -> str:
        return f"{self.secrets_prefix}{name}"


def target_problems(target: Target) -> list[str]:
    """Every reason the target cannot deploy, each with its fix (empty when it can)."""
    problems = []
    if not _APP.match(target.app):
        problems.append(f"--app {target.app!r}: lower-case letters, digits and dashes, starting with a letter")
    if not target.image.strip() or any(character.isspace() for character in target.image):
        problems.append("--image: the image URI every process runs, e.g. 123456789012.dkr.ecr.eu-west-1."
                        "amazonaws.com/concierge:1.4.2")
    problems += _secrets_prefix_problems(target)
    for option, arn in (("--execution-role-arn", target.execution_role_arn), ("--task-role-arn", target.task_role_arn)):
        if arn is not None and not _ROLE_ARN.match(arn):
            problems.append(f"{option} {arn!r}: an IAM role ARN, arn:aws:iam::ACCOUNT:role/NAME")
    if not target.subnets:
        problems.append("--subnet: at least one subnet the tasks run in (awsvpc networking)")
    if not target.security_groups:
        problems.append("--security-group: at least one security group for the tasks")
    if target.memory not in _FARGATE_SIZES.get(target.cpu, ()):
        problems.append(f"--cpu {target.cpu} --memory {target.memory}: not a Fargate size; cpu is one of "
                        f"{sorted(_FARGATE_SIZES)}, memory (MiB) a step of 1024 within the cpu's range "
                        "(256 cpu: 512, 1024 or 2048)")
    problems += [f"--count {name}={count}: a count is 0 or more" for name, count in target.counts.items() if count < 0]
    return problems


def _secrets_prefix_problems(target: Target) -> list[str]:
    if _SECRETS_MANAGER.match(target.secrets_prefix):
        return ["--secrets-prefix: ECS takes a Secrets Manager secret only by its full ARN (with its random "
                "suffix), which no prefix gives; store the secrets as SSM SecureString parameters under a path"]
    matched = _SECRETS_PREFIX.match(target.secrets_prefix)
    if matched is None:
        return [f"--secrets-prefix {target.secrets_prefix!r}: an SSM parameter path ARN ending in '/', "
                "arn:aws:ssm:REGION:ACCOUNT:parameter/APP/ENV/"]
    if matched.group("region") != target.region:
        return [f"--secrets-prefix is in {matched.group('region')}, the deployment in {target.region}: "
                "ECS reads secrets from the task's region"]
    if not matched.group("path").endswith("/"):
        return ["--secrets-prefix: end it with '/' so each variable is its own parameter under the path"]
    return []
