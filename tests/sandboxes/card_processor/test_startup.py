"""Start-up: bad settings stop the process naming the variable; all output is JSON lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
import requests

from tests.sandboxes.card_processor.conftest import StartCardProcessor
from tests.sandboxes.card_processor.sandbox import GUNICORN, MIGRATE, run, sandbox_env
from tests.support.waiting import free_port


@pytest.mark.parametrize(("name", "value"), [
    ("CARD_SANDBOX_FAILURE_RATE", "2"), ("CARD_SANDBOX_DROP_RATE", "-0.1"), ("CARD_SANDBOX_DROP_RATE", "often"),
    ("CARD_SANDBOX_LATENCY_MS", "-5"), ("CARD_SANDBOX_SEED", "abc"), ("CARD_SANDBOX_RISK_LIMIT_CENTS", "0"),
])
def test_a_bad_fault_setting_stops_start_up_naming_the_variable(tmp_path: Path, name: str, value: str) -> None:
    env = sandbox_env(tmp_path, free_port(), {name: value})
    for command in (MIGRATE, GUNICORN):
        finished = run(command, env)
        assert finished.returncode != 0
        lines = [json.loads(line) for line in finished.stdout.splitlines()]
        assert any(name in json.dumps(line) for line in lines if line["level"] == "error"), finished.stdout


def test_every_stdout_line_of_the_sandbox_is_json(start_card_processor: StartCardProcessor) -> None:
    """Charges, a decline, bad JSON, an unknown path and dropped answers all leave JSON lines only."""
    sandbox = start_card_processor(CARD_SANDBOX_DROP_RATE="0.5", CARD_SANDBOX_SEED="1")
    for amount in (100, 200, 300, 20000):
        charge = {"amount": amount, "currency": "usd", "payment_method": "pm_card_visa"}
        _ignoring_drops(partial(sandbox.post, "/v1/payment_intents", charge))
    _ignoring_drops(lambda: requests.post(f"{sandbox.base_url}/v1/payment_intents", data=b"{", timeout=5))
    requests.get(f"{sandbox.base_url}/nowhere", timeout=5)
    sandbox.stop()
    lines = sandbox.stdout_lines()
    assert lines
    assert all(json.loads(line)["service"] == "card-processor" for line in lines)


def _ignoring_drops(call: Callable[[], object]) -> None:
    try:
        call()
    except requests.ConnectionError:
        pass  # a dropped answer is one of the things whose logging is checked


def test_migrate_prints_nothing_so_the_process_output_stays_json(tmp_path: Path) -> None:
    finished = run(MIGRATE, sandbox_env(tmp_path, free_port(), {}))
    assert (finished.returncode, finished.stdout) == (0, "")
