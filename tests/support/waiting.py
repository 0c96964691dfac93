"""Polling helpers: tests wait for a condition, never for a fixed time. They live in devstack.waiting,
which the benchmarks share; tests import them from either place."""

from devstack.waiting import free_port, refuses_connections, wait_until

__all__ = ["free_port", "refuses_connections", "wait_until"]
