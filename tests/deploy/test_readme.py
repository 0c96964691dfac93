"""The README's deploy section (image, compose, Heroku) shows only commands that exist: every
`strangler deploy ...` it names is a command of the kit, and every file it names is in the repository."""

from __future__ import annotations

import re
import shlex

from click.testing import CliRunner

from strangler_proxy.cli.app import strangler
from tests.support.processes import ROOT


def _deploy_section() -> str:
    """From `## Deploying` to its ECS part (which tests/deploy/test_ecs*.py answer for)."""
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Deploying\n")
    return readme[start:readme.index("\n### ECS", start)]


def test_every_strangler_command_the_deploy_section_shows_exists() -> None:
    section = _deploy_section()
    commands = set(re.findall(r"strangler deploy [a-z ]+?(?= --|`|\n|\))", section))
    commands |= {f"strangler {words}" for words in re.findall(r"python -m strangler_proxy\.cli ([a-z ]+)", section)}
    assert {"strangler deploy compose render", "strangler deploy heroku render"} <= commands
    for command in commands:
        result = CliRunner().invoke(strangler, [*shlex.split(command)[1:], "--help"])
        assert result.exit_code == 0, f"{command}: {result.output}"


def test_every_file_the_deploy_section_names_exists() -> None:
    names = set(re.findall(r"`((?:docker/)?[\w.-]+\.(?:yml|sql|json|txt|sh)|docker/Dockerfile|\.python-version|\.dockerignore)`",
                           _deploy_section()))
    assert {"docker/compose.yml", "app.json", "requirements.txt", "docker/Dockerfile", ".python-version"} <= names
    for name in names:
        assert (ROOT / name).exists(), name
