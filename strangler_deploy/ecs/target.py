"""What the operator names for one ECS deployment; everything else comes from the Procfile and .env.example."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# SSM parameters (arn:aws:ssm:REGION:ACCOUNT:parameter/PATH/) or Secrets Manager secrets
# (arn:aws:secretsmanager:REGION:ACCOUNT:secret:PATH/), in any partition (aws, aws-cn, aws-us-gov).
_SECRETS_PREFIX = re.compile(
    r"^arn:aws[a-z-]*:(?P<service>ssm|secretsmanager):(?P<region>[a-z0-9-]+):\d{12}:"
    r"(?P<kind>parameter|secret:)(?P<path>[A-Za-z0-9_.\-/]*)$"
)
_STORE_KIND = {"ssm": "parameter", "secretsmanager": "secret:"}
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
    secrets_prefix: str           # ARN prefix; a secret's reference is this prefix + its variable name
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

    @property
    def secret_store(self) -> str:
        """'ssm' or 'secretsmanager', from the prefix."""
        matched = _SECRETS_PREFIX.match(self.secrets_prefix)
        return matched.group("service") if matched else ""

    def secret_name(self, name: str) -> str:
        """The parameter's or secret's name in its store (what `aws ssm put-parameter --name` takes)."""
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
    matched = _SECRETS_PREFIX.match(target.secrets_prefix)
    if matched is None:
        return [f"--secrets-prefix {target.secrets_prefix!r}: an SSM parameter path ARN ending in '/' "
                "(arn:aws:ssm:REGION:ACCOUNT:parameter/APP/ENV/) or a Secrets Manager one "
                "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:APP/ENV/)"]
    if _STORE_KIND[matched.group("service")] != matched.group("kind"):
        return [f"--secrets-prefix {target.secrets_prefix!r}: SSM ARNs name a parameter/, Secrets Manager "
                "ARNs a secret:"]
    if matched.group("region") != target.region:
        return [f"--secrets-prefix is in {matched.group('region')}, the deployment in {target.region}: "
                "ECS reads secrets from the task's region"]
    if not matched.group("path").endswith("/"):
        return ["--secrets-prefix: end it with '/' so each variable is its own parameter under the path"]
    return []
