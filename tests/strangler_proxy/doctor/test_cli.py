"""`strangler doctor` as a person runs it: every planted problem found where it was planted and nothing else,
nothing on a twelve-factor project or on this repository, and exit 2 for a folder that is not a Django project."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from strangler_proxy.doctor import RULES

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
STRANGLER = Path(sys.executable).parent / "strangler"
MARKER = re.compile(r"#\s*planted:\s*([\w-]+)")
# A Procfile or .env.example that is not there has no line to plant a marker on: the bare project lacks both.
MISSING_FILE_RULES = {"procfile-missing", "env-example-missing"}


def doctor(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(STRANGLER), "doctor", *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def reported(result: subprocess.CompletedProcess[str]) -> set[tuple[str, str]]:
    """(rule, file:line) of each finding the JSON output lists."""
    return {(finding["rule"], finding["file"] if finding["line"] is None else f"{finding['file']}:{finding['line']}")
            for finding in json.loads(result.stdout)}


def planted(project: Path) -> set[tuple[str, str]]:
    """(rule, file:line) of every `# planted: <rule>` marker in the project's files."""
    markers = set()
    for path in sorted(project.rglob("*")):
        if path.is_file():
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if match := MARKER.search(line):
                    markers.add((match[1], f"{path.relative_to(project).as_posix()}:{number}"))
    return markers


def test_every_planted_problem_is_found_where_it_was_planted_and_nothing_else() -> None:
    result = doctor(str(FIXTURES / "planted"), "--json")

    assert result.returncode == 1, result.stderr
    assert reported(result) == planted(FIXTURES / "planted")


def test_the_planted_project_holds_exactly_one_problem_for_every_rule() -> None:
    rules = [rule for rule, _where in planted(FIXTURES / "planted")]

    assert sorted(rules) == sorted(rule.id for rule in RULES if rule.id not in MISSING_FILE_RULES)


def test_a_project_without_procfile_or_env_example_gets_one_finding_for_each() -> None:
    result = doctor(str(FIXTURES / "bare"), "--json")

    assert result.returncode == 1, result.stderr
    assert reported(result) == {("procfile-missing", "Procfile"), ("env-example-missing", ".env.example")}
    assert "4 variables (ALLOWED_HOSTS, DEBUG, SECRET_KEY, SQLITE_PATH)" in result.stdout


def test_a_twelve_factor_project_has_no_findings_and_exits_0() -> None:
    result = doctor(str(FIXTURES / "twelve_factor"))

    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "no findings"


def test_this_repository_has_no_findings() -> None:
    result = doctor(str(ROOT), "--json")

    assert (result.returncode, json.loads(result.stdout)) == (0, []), result.stdout


def test_the_table_groups_findings_by_factor_with_where_what_why_and_fix() -> None:
    result = doctor(str(FIXTURES / "planted"))

    lines = result.stdout.splitlines()
    factors = [line.strip() for line in lines if re.fullmatch(r"[IVX]+\. [A-Za-z, ]+", line.strip())]
    assert factors == ["III. Config", "IV. Backing services", "V. Build, release, run", "VI. Processes",
                       "VII. Port binding", "VIII. Concurrency", "XI. Logs"]
    assert lines[factors.index("III. Config") + 2].split()[:4] == ["WHERE", "WHAT", "WHY", "FIX"]
    debug = next(line for line in lines if line.startswith("blog/settings.py:7 "))
    assert "DEBUG = True in the settings" in debug and "env_bool(\"DEBUG\", False)" in debug
    assert lines[-1] == "17 findings"


def test_a_folder_without_manage_py_or_settings_exits_2_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text("print('hello')\n")

    result = doctor(str(tmp_path))

    assert result.returncode == 2
    assert result.stdout == ""
    assert "is not a Django project: no manage.py naming a settings module" in result.stderr
    assert "--settings" in result.stderr


def test_settings_the_doctor_cannot_find_are_named_with_settings(tmp_path: Path) -> None:
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "__init__.py").write_text("")
    (tmp_path / "conf" / "base.py").write_text("SECRET_KEY = 'in-the-code'\n")

    unnamed = doctor(str(tmp_path), "--json")
    named = doctor(str(tmp_path), "--settings", "conf.base", "--json")
    misnamed = doctor(str(tmp_path), "--settings", "conf.production")

    assert unnamed.returncode == 2
    assert named.returncode == 1
    assert ("secret-in-settings", "conf/base.py:1") in reported(named)
    assert misnamed.returncode == 2
    assert "no settings module conf.production" in misnamed.stderr
