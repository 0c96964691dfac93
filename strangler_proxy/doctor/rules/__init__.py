"""Every rule the doctor runs, by factor. To add one: write its check in the module of its factor and list it
in that module's RULES."""

from __future__ import annotations

from typing import Any

from strangler_proxy.doctor.rule import Rule
from strangler_proxy.doctor.rules import backing, config, logs, procfile, state

RULES: tuple[Rule[Any], ...] = (*config.RULES, *backing.RULES, *procfile.RULES, *state.RULES, *logs.RULES)
