"""Each container's environment: plain values from the target environment's file, secrets as references.

The rules, in order:

- `.env.example` names every variable; its values are *local* defaults and are never deployed (a local
  `ENVIRONMENT=development`, `SECURE_SSL_REDIRECT=false` or `ALLOWED_HOSTS=localhost` would weaken
  production). The one exception is a web process's port variable: a port number is the same
  everywhere, and the container's port mapping is built from it.
- A non-secret variable takes the value the target's env file gives. One the file leaves out is left
  unset, so the process falls back to its code's default, which is the production one. A REQUIRED one
  (no default in code) missing from the file is refused, naming it.
- A secret (`Variable.secret`: keys, tokens, URLs that carry a password) is never a value: the container
  gets a reference to `<secrets prefix><NAME>` in SSM Parameter Store, which ECS resolves when the task
  starts. An env file that carries a secret's value (by its name, or a URL with a
  password in it) is refused, so the value lands in no task definition. An optional secret may be left
  out on purpose (`--omit-secret`); a variable `.env.example` documents without marking it secret may be
  referenced as one (`--secret CELERY_BROKER_URL` for a broker URL with a password).
- A variable the env file sets that `.env.example` does not document (as a variable or a commented-out
  assignment) is refused (a typo, or a variable
  no process reads).
- `ALLOWED_HOSTS` must be given and include 127.0.0.1, the address the containers' health checks use.
- Variables of the local stand-ins (the `.env.example` section marked "local stand-in": the card
  processor sandbox) belong to processes that are not deployed and are left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from strangler_deploy.ecs.errors import ConfigurationError
from strangler_deploy.ecs.target import Target
from strangler_deploy.environment import Variable
from strangler_deploy.procfile import Process

# `.env.example` marks the section of variables only local stand-ins read with these words.
_LOCAL_SECTION_MARKER = "local stand-in"
# A commented-out assignment documents a variable that is unset by default: `# CELERY_BROKER_URL=redis://...`.
_DOCUMENTED = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")


@dataclass(frozen=True)
class Values:
    plain: dict[str, str]      # name -> value, shared by every container
    secrets: dict[str, str]    # name -> reference (valueFrom ARN)
    ports: dict[str, int]      # web process's port variable -> the port it binds
    unset: tuple[str, ...]     # documented variables left to the code's default


def deployed_variables(variables: list[Variable]) -> list[Variable]:
    return [variable for variable in variables if _LOCAL_SECTION_MARKER not in variable.section]


def documented_names(env_example: Path) -> set[str]:
    """Every name .env.example documents, as a variable or as a commented-out assignment (CELERY_BROKER_URL)."""
    return {matched.group(1) for matched in map(_DOCUMENTED.match, env_example.read_text(encoding="utf-8").splitlines())
            if matched}


def resolve_values(variables: list[Variable], documented: set[str], given: list[Variable], processes: list[Process],
                   target: Target) -> Values:
    """The environment every container gets from the env file's entries (`given`); ConfigurationError lists
    every problem at once."""
    deployed = deployed_variables(variables)
    local = {variable.name for variable in variables} - {variable.name for variable in deployed}
    env_file = {entry.name: entry.local_default for entry in given}
    problems = _env_file_problems(given, deployed, documented, local, target)
    problems += _secret_problems(deployed, documented, env_file, target)
    missing = [v.name for v in deployed if v.required and not v.secret and v.name not in env_file]
    if missing:
        problems.append(f"required variables missing from the env file: {', '.join(missing)}")
    problems += _allowed_hosts_problems(processes, env_file)
    ports, port_problems = _ports(processes, deployed, env_file)
    if problems or port_problems:
        raise ConfigurationError(problems + port_problems)
    plain = {entry.name: entry.local_default for entry in given}
    referenced = [v.name for v in deployed if v.secret and v.name not in target.omitted_secrets]
    secrets = {name: target.secret_reference(name) for name in [*referenced, *target.extra_secrets]}
    unset = tuple(v.name for v in deployed if v.name not in plain and v.name not in secrets and v.name not in ports)
    return Values(plain=plain, secrets=secrets, ports=ports, unset=unset)


def _env_file_problems(given: list[Variable], deployed: list[Variable], documented: set[str], local: set[str],
                       target: Target) -> list[str]:
    """Each entry of the env file must be a documented, deployed, non-secret variable."""
    known_secrets = {variable.name for variable in deployed if variable.secret}
    problems = []
    for entry in given:
        if entry.name not in documented:
            problems.append(f"{entry.name} (in the env file) is not in .env.example: no process reads it")
        elif entry.name in local:
            problems.append(f"{entry.name} (in the env file) is read only by a local stand-in, which is not deployed")
        elif entry.secret:
            how = "" if entry.name in known_secrets else f" and reference it with --secret {entry.name}"
            problems.append(f"{entry.name} holds a secret (its name or a URL with a password): store it as the SSM "
                            f"parameter {target.secret_name(entry.name)}{how}, not in the env file")
    return problems


def _secret_problems(deployed: list[Variable], documented: set[str], env_file: Mapping[str, str],
                     target: Target) -> list[str]:
    by_name = {variable.name: variable for variable in deployed}
    problems = [f"--secret {name}: not a variable .env.example documents" for name in target.extra_secrets
                if name not in documented]
    problems += [f"--secret {name}: it is in the env file too; give it one source" for name in target.extra_secrets
                 if name in env_file]
    for name in target.omitted_secrets:
        variable = by_name.get(name)
        if variable is None or not variable.secret:
            problems.append(f"--omit-secret {name}: not a secret .env.example documents")
        elif variable.required:
            problems.append(f"--omit-secret {name}: it is REQUIRED; every process that reads it stops without it")
    return problems


def _allowed_hosts_problems(processes: list[Process], env_file: Mapping[str, str]) -> list[str]:
    if not any(process.port_variable for process in processes):
        return []
    hosts = [host.strip() for host in env_file.get("ALLOWED_HOSTS", "").split(",")]
    if "127.0.0.1" in hosts or "*" in hosts:
        return []
    return ["ALLOWED_HOSTS: set it in the env file, with 127.0.0.1 among the hosts: each web container's "
            "health check asks http://127.0.0.1:<port>/healthz, and Django answers 400 to a host it does not allow"]


def _ports(processes: list[Process], deployed: list[Variable], env_file: Mapping[str, str]
           ) -> tuple[dict[str, int], list[str]]:
    local_defaults = {variable.name: variable.local_default for variable in deployed}
    ports: dict[str, int] = {}
    problems = []
    for process in processes:
        if process.port_variable is None:
            continue
        value = env_file.get(process.port_variable, local_defaults.get(process.port_variable, ""))
        if not value.isdigit() or not 0 < int(value) < 65536:
            problems.append(f"{process.port_variable}: the port the {process.name!r} process binds; "
                            f"give a number from 1 to 65535 (got {value!r})")
            continue
        ports[process.port_variable] = int(value)
    return ports, problems
