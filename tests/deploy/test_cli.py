"""`strangler deploy compose render` and `strangler deploy heroku render`: write the files, or with
--check name the ones that drifted and exit 1; a broken Procfile is a clear error, not a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from strangler_proxy.cli.app import strangler
from tests.support.processes import ROOT


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(strangler, list(args))
    return result.exit_code, result.output


def test_compose_render_writes_the_committed_files(tmp_path: Path) -> None:
    code, output = _run("deploy", "compose", "render", "--root", str(ROOT), "--out", str(tmp_path), "--json")
    assert code == 0
    written = json.loads(output)["written"]
    assert sorted(Path(path).name for path in written) == ["compose.yml", "postgres-init.sql"]
    for path in written:
        assert Path(path).read_text() == (ROOT / "docker" / Path(path).name).read_text()


def test_check_names_each_drifted_file_and_exits_1(tmp_path: Path) -> None:
    assert _run("deploy", "heroku", "render", "--root", str(ROOT), "--out", str(tmp_path))[0] == 0
    assert _run("deploy", "heroku", "render", "--root", str(ROOT), "--out", str(tmp_path), "--check") == (0, "")
    (tmp_path / "app.json").write_text("{}\n")
    code, output = _run("deploy", "heroku", "render", "--root", str(ROOT), "--out", str(tmp_path), "--check", "--json")
    assert (code, json.loads(output)) == (1, {"check": [str(tmp_path / "app.json")]})
    assert (tmp_path / "app.json").read_text() == "{}\n"  # --check writes nothing


def test_a_malformed_procfile_is_an_error_naming_the_line(tmp_path: Path) -> None:
    for name in ("Procfile", ".env.example", "pyproject.toml", "requirements.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    with (tmp_path / "Procfile").open("a") as procfile:
        procfile.write("this line has no colon\n")
    code, output = _run("deploy", "compose", "render", "--root", str(tmp_path))
    assert code == 1 and "Procfile:" in output and "not `name: command`" in output
    assert not (tmp_path / "docker").exists()
