"""`.env.example` as data: every variable a process reads, its local default and its description."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
_SECTION = re.compile(r"^#\s*-{8,}\s*(.+)$")
# `# NAME=example`: a variable documented but left unset.
_DOCUMENTED = re.compile(r"^#\s*([A-Z][A-Z0-9_]*)=(.*)$")
# Names whose values are credentials: deployed as references to a secret store, never as values.
_SECRET_NAME = re.compile(r"(SECRET|PASSWORD|TOKEN|_KEYS?$|CREDENTIALS)")
# URLs with a password in them (postgres://user:password@host/db) are credentials too.
_URL_WITH_PASSWORD = re.compile(r"^[a-z0-9+]+://[^/@:]+:[^/@]+@")


@dataclass(frozen=True)
class Variable:
    name: str
    local_default: str  # the value .env.example gives, for local runs only
    description: str    # the comment lines just above it, joined
    section: str        # the `# ---- heading` it sits under
    required: bool      # marked REQUIRED: a process without it stops at start-up

    @property
    def secret(self) -> bool:
        return bool(_SECRET_NAME.search(self.name) or self.name.endswith("DATABASE_URL")
                    or _URL_WITH_PASSWORD.match(self.local_default))


def read_env_example(path: Path) -> list[Variable]:
    """Every assigned variable in file order (commented-out assignments are documentation, not variables)."""
    variables: list[Variable] = []
    comments: list[str] = []
    section = ""
    after_assignment = False  # a comment after an assignment starts the next variable's description
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = _SECTION.match(line)
        assignment = _ASSIGNMENT.match(line)
        if heading:
            section, comments = heading.group(1).strip(), []
        elif _DOCUMENTED.match(line):
            comments = []  # `# NAME=example` (read_documented) takes the prose above it; the next starts afresh
        elif line.startswith("#"):
            comments = [] if after_assignment else comments
            comments.append(line.lstrip("#").strip())
        elif assignment:
            # Consecutive assignments under one comment share it (SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS).
            description = " ".join(comments)
            variables.append(Variable(name=assignment.group(1), local_default=assignment.group(2),
                                      description=description, section=section,
                                      required="REQUIRED" in description))
        else:
            comments = []
        after_assignment = bool(assignment)
    return variables


def read_documented(path: Path) -> list[Variable]:
    """The variables `.env.example` documents but leaves unset (`# NAME=example`): optional settings such as
    CELERY_BROKER_URL. Each one's description is the prose just above it, else (a run of assignments under
    one comment) the description of the assignment before it; none is required."""
    variables: list[Variable] = []
    recent: list[str] = []  # prose since the last assignment, set or documented
    previous = ""           # the description of that assignment, while no blank line intervenes
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        heading, documented, assigned = _SECTION.match(line), _DOCUMENTED.match(line), _ASSIGNMENT.match(line)
        if heading:
            section, recent, previous = heading.group(1).strip(), [], ""
        elif documented or assigned:
            previous, recent = " ".join(recent) or previous, []
            if documented:
                variables.append(Variable(name=documented.group(1), local_default=documented.group(2),
                                          description=previous, section=section, required=False))
        elif line.startswith("#"):
            recent.append(line.lstrip("#").strip())
        else:
            recent, previous = [], ""
    return variables
