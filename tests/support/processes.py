"""Real processes for tests: start one, collect its output, wait until it answers, stop it. They live in
devstack.processes, which the benchmarks share; tests import them from either place."""

from devstack.processes import ROOT, VENV_BIN, ManagedProcess, log_tails, process_env

__all__ = ["ROOT", "VENV_BIN", "ManagedProcess", "log_tails", "process_env"]
