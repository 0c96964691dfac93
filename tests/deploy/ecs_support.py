"""What the ECS tests share: the kit's own Procfile and .env.example, a production env file built from
.env.example's REQUIRED variables, the command line run as a user runs it, and moto's server mode
(over HTTP, in this process so a test can play the part of a container that exits non-zero)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from strangler_deploy.environment import Variable, read_env_example
from strangler_deploy.procfile import Kind, Process, read_procfile
from tests.support.processes import ROOT, process_env
from tests.support.waiting import free_port

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
SECRETS_PATH = "/concierge/production/"
SECRETS_PREFIX = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{SECRETS_PATH}"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/concierge-task-execution"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/concierge:1.4.2"


def processes() -> list[Process]:
    return read_procfile(ROOT / "Procfile")


def deployable() -> list[Process]:
    return [process for process in processes() if process.kind is not Kind.LOCAL]


def variables() -> list[Variable]:
    return read_env_example(ROOT / ".env.example")


def secret_names() -> set[str]:
    """The secrets .env.example documents for deployed processes (the local stand-ins' section aside)."""
    return {v.name for v in variables() if v.secret and "local stand-in" not in v.section}


def production_values() -> dict[str, str]:
    """A target environment's values: every REQUIRED non-secret variable, production switched on, and
    ALLOWED_HOSTS with the address the containers' health checks use."""
    values = {v.name: f"https://{v.name.lower().replace('_', '-')}.internal.example"
              for v in variables() if v.required and not v.secret}
    return values | {"ENVIRONMENT": "production", "ALLOWED_HOSTS": "shop.example.com,127.0.0.1"}


def write_env_file(folder: Path, values: dict[str, str]) -> Path:
    path = folder / "production.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()), encoding="utf-8")
    return path


def render_arguments(env_file: Path, *, app: str = "concierge", image: str = IMAGE,
                     subnet: str = "subnet-0123456789abcdef0", security_group: str = "sg-0123456789abcdef0") -> list[str]:
    return ["deploy", "ecs", "render", "--root", str(ROOT), "--app", app, "--image", image,
            "--env-file", str(env_file), "--secrets-prefix", SECRETS_PREFIX, "--execution-role-arn", EXECUTION_ROLE,
            "--subnet", subnet, "--security-group", security_group]


def strangler(arguments: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "strangler_proxy.cli", *arguments], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def aws_env(endpoint: str | None, **overrides: str) -> dict[str, str]:
    """A process environment with the AWS settings boto3 reads and nothing else from this machine's AWS."""
    env = {name: value for name, value in process_env().items() if not name.startswith("AWS_")}
    env |= {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true"}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    return env | overrides


# ---------------------------------------------------------------------------------------------- moto
@dataclass(frozen=True)
class Aws:
    """moto's server mode, and the network and cluster a deployment there needs."""
    endpoint: str
    subnet: str
    security_group: str

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def create_cluster(self, name: str) -> None:
        self.client("ecs").create_cluster(clusterName=name)

    def store_secrets(self, names: set[str]) -> None:
        ssm = self.client("ssm")
        for name in names:
            ssm.put_parameter(Name=f"{SECRETS_PATH}{name}", Value=f"value-of-{name}", Type="SecureString",
                              Overwrite=True)

    def set_task_transition(self, transition: dict[str, Any] | None) -> None:
        """moto's published state-transition control: how fast its tasks move from RUNNING to STOPPED."""
        import requests

        if transition is None:
            response = requests.post(f"{self.endpoint}/moto-api/state-manager/unset-transition",
                                     json={"model_name": "ecs::task"}, timeout=5)
        else:
            response = requests.post(f"{self.endpoint}/moto-api/state-manager/set-transition",
                                     json={"model_name": "ecs::task", "transition": transition}, timeout=5)
        response.raise_for_status()


def moto_aws() -> Iterator[Aws]:
    """moto on a free port with one VPC, subnet and security group; stopped when the generator closes."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    # Fargate tasks get a network interface with a private DNS name, which needs DNS hostnames on.
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="concierge-tasks", Description="tasks", VpcId=vpc)["GroupId"]
    try:
        yield Aws(endpoint=endpoint, subnet=subnet, security_group=group)
    finally:
        server.stop()


def rendered(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]
