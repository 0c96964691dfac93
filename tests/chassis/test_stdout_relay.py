"""Text a library writes straight to the stdout descriptor comes out as JSON lines (chassis.stdout_relay)."""

import json
import subprocess
import sys

from chassis.stdout_relay import as_json_line
from tests.support.processes import ROOT, process_env

WRITER = """
import os, sys
from chassis.stdout_relay import relay_stdout
relay_stdout(service="relay-test", logger="celery.apps.worker")
os.write(1, b"\\nworker: Warm shutdown (MainProcess)\\n")
print('{"message": "already json", "level": "info"}', flush=True)
if os.fork() == 0:
    os.write(1, b"from a child\\n")
    os._exit(0)
os.wait()
sys.stdout.write("last words\\n")
"""


def test_plain_text_on_the_descriptor_becomes_json_lines_and_json_passes_unchanged():
    """A process relays its stdout, then writes past logging, from itself and from a forked child."""
    result = subprocess.run([sys.executable, "-c", WRITER], cwd=ROOT, env=process_env(), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["message"] for line in lines] == ["worker: Warm shutdown (MainProcess)", "already json",
                                                   "from a child", "last words"]
    assert lines[0]["service"] == "relay-test" and lines[0]["logger"] == "celery.apps.worker"
    assert lines[1] == {"message": "already json", "level": "info"}


def test_a_blank_line_is_dropped_and_a_json_array_is_not_taken_for_a_log_line():
    assert as_json_line("  \n", service="s", logger="l") is None
    assert json.loads(as_json_line("[1, 2]\n", service="s", logger="l"))["message"] == "[1, 2]"
